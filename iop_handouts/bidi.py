"""Numbers and Latin words inside right-to-left text, kept left to right.

Typed into Arabic text, "1-800-662-4357" displays as "4357-662-800-1": the Unicode bidi
rules lay the digit groups out right to left around the hyphens. Browsers keep such runs whole
with CSS unicode-bidi, which WeasyPrint 70 ignores; an element with dir="ltr" around the run
works in both. The content may not hold bidi control characters (they can hide or reorder what
is printed, see sources.py), so the renderer adds the elements: every run of Latin letters and
digits in a right-to-left page's text, with what joins them inside a number, an address or a
name ("(202) 555-0147", "FindTreatment.gov", "988 Lifeline"), becomes
<span dir="ltr">...</span>. A single word or number ("IOP", "988") needs none: the bidi rules
keep it in order, and a link whose text mixes Arabic with one ("988، ثم اضغط 1") keeps its
place in the PDF's tags.
"""

import re
from html import escape, unescape

# A run starts with a letter or digit (or the bracket or plus before one) and ends with one
# (or a closing bracket); inside it, the marks numbers, addresses and names are made of.
LTR_RUN = re.compile(r"[(+]?[A-Za-z0-9][A-Za-z0-9 .,:/@+&'’()\-–]*[A-Za-z0-9)]"
                     r"|[(+]?[A-Za-z0-9]")
# Elements whose text is not laid out as running text (or may not hold elements).
SKIPPED = ("title", "style", "script", "textarea", "svg")
TAG = re.compile(r"(<[^>]*>)")


def isolate_ltr_runs(html: str) -> str:
    """`html` (as the templates make it: text escaped, tags whole) with each left-to-right
    run of its text inside <span dir="ltr">; an inline element whose whole text is one run
    (a phone number's link) takes dir="ltr" itself: an element added inside a link would
    take the link's place in the PDF's tags."""
    parts = TAG.split(html)
    skipping = None
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", part)
            name = name.group(1).lower() if name else ""
            if skipping is None and name in SKIPPED and not part.startswith("</") \
                    and not part.endswith("/>"):
                skipping = name
            elif skipping == name and part.startswith("</"):
                skipping = None
        elif skipping is None and part.strip():
            opening = parts[index - 1] if index else ""
            closing = parts[index + 1] if index + 1 < len(parts) else ""
            if _whole_run(part) and _own_inline_element(opening, closing):
                parts[index - 1] = opening[:-1].rstrip() + ' dir="ltr">'
            else:
                parts[index] = _isolated(part)
    return "".join(parts)


INLINE_OPENING = re.compile(r"<(a|span|b|strong|em)(\s[^>]*)?>\Z")


def _whole_run(escaped_text: str) -> bool:
    return LTR_RUN.fullmatch(unescape(escaped_text)) is not None


def _own_inline_element(opening: str, closing: str) -> bool:
    """The text is all an inline element holds: `<a href=...>` right before it, `</a>` right
    after, and no dir of its own."""
    found = INLINE_OPENING.match(opening)
    return bool(found) and " dir=" not in opening and closing.lower() == f"</{found.group(1)}>"


def _isolated(escaped_text: str) -> str:
    text = unescape(escaped_text)
    # Trailing spaces stay outside the span, between the words they part.
    pieces, last = [], 0
    for match in LTR_RUN.finditer(text):
        run = match.group().rstrip(" ")
        if run.isalnum():
            # One word or one number ("IOP", "988") keeps its own order: only marks between
            # digits or words ("1-800", "24/7", "988 Lifeline") are reordered.
            continue
        pieces.append(escape(text[last:match.start()], quote=False))
        pieces.append(f'<span dir="ltr">{escape(run, quote=False)}</span>')
        last = match.start() + len(run)
    pieces.append(escape(text[last:], quote=False))
    return "".join(pieces)
