"""Numbers and Latin words inside right-to-left text, kept left to right.

Typed into Arabic text, "1-800-662-4357" displays as "4357-662-800-1": the Unicode bidi
rules lay the digit groups out right to left around the hyphens. Browsers keep such runs whole
with CSS unicode-bidi, which WeasyPrint 70 ignores; an element with dir="ltr" around the run
works in both. The content may not hold bidi control characters (they can hide or reorder what
is printed, see sources.py), so the renderer adds the elements: every run of Latin letters and
digits in a right-to-left page's text, with what joins them inside a number, an address or a
name ("(202) 555-0147", "FindTreatment.gov", "988 Lifeline"), becomes
<span dir="ltr">...</span>.
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
    run of its text inside <span dir="ltr">."""
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
            parts[index] = _isolated(part)
    return "".join(parts)


def _isolated(escaped_text: str) -> str:
    text = unescape(escaped_text)
    # Trailing spaces stay outside the span, between the words they part.
    pieces, last = [], 0
    for match in LTR_RUN.finditer(text):
        run = match.group().rstrip(" ")
        pieces.append(escape(text[last:match.start()], quote=False))
        pieces.append(f'<span dir="ltr">{escape(run, quote=False)}</span>')
        last = match.start() + len(run)
    pieces.append(escape(text[last:], quote=False))
    return "".join(pieces)
