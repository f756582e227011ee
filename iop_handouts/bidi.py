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
import unicodedata
from html import escape, unescape

# Bidi classes (Unicode's) a left-to-right run is made of: it starts and ends with a strong
# left-to-right letter or a digit (European or Arabic-Indic), and takes in what joins them in
# names, numbers and addresses: separators, spaces, punctuation, symbols ("#200", "4½",
# "intake_ar@", "3.5%"), marks on letters. A right-to-left letter ends it.
RUN_ENDS = frozenset({"L", "EN", "AN"})
RUN_INSIDE = RUN_ENDS | {"ES", "ET", "CS", "WS", "ON", "NSM", "BN"}
# Before its first letter or digit: an opening bracket, a sign, a number sign, a currency
# sign. After its last: a closing bracket, a percent or currency sign, a slash. A bracket is
# taken in only with its pair: "(CBT)" is one run, but in "(IOP، وهو ...)" the brackets
# belong to the Arabic sentence and are left to it.
LEADING = frozenset("([{+-−#$€£")
TRAILING = frozenset(")]}%$€£°/")
PAIRS = {"(": ")", "[": "]", "{": "}"}
# Elements whose text is not laid out as running text (or may not hold elements).
SKIPPED = ("title", "style", "script", "textarea", "svg")
TAG = re.compile(r"(<[^>]*>)")


# A web address printed as links side by side, one per part (render.url_link).
LINKED_PARTS = re.compile(r"<a\b[^>]*>[^<]*</a>(?:<wbr>\s*<a\b[^>]*>[^<]*</a>)+")


def isolate_ltr_runs(html: str) -> str:
    """`html` (as the templates make it: text escaped, tags whole) with each left-to-right
    run of its text inside <span dir="ltr">; an inline element whose whole text is one run
    (a phone number's link) takes dir="ltr" itself: an element added inside a link would
    take the link's place in the PDF's tags. A web address's links side by side go in one
    <span dir="ltr">, or their parts would be laid out right to left."""
    html = LINKED_PARTS.sub(lambda m: f'<span dir="ltr">{m.group()}</span>'
                            if _whole_run(re.sub(r"<[^>]*>", "", m.group())) else m.group(),
                            html)
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


def ltr_runs(text: str):
    """(start, end) of each left-to-right run in `text`."""
    # Arabic punctuation (the comma ، is a "common separator" to Unicode) parts two runs: a
    # list "988، 911" reads from the right, item by item.
    kinds = [_kind(c) for c in text]
    index = 0
    while index < len(text):
        if kinds[index] not in RUN_ENDS:
            index += 1
            continue
        start = index
        while start > 0 and text[start - 1] in LEADING:
            start -= 1
        last = index
        while index < len(text) and kinds[index] in RUN_INSIDE:
            if kinds[index] in RUN_ENDS:
                last = index
            index += 1
        end = last + 1
        while end < len(text) and (text[end] in TRAILING
                                   or unicodedata.category(text[end]) == "So"):  # ® ™
            end += 1
        start, end = _paired(text, start, end)
        if start < end:
            yield start, end
        index = max(index, end)


def _kind(character: str) -> str:
    """The character's bidi class, as the runs see it: a fraction or superscript digit ("½")
    is part of its number; Arabic punctuation (the comma ، is a "common separator" to
    Unicode) parts two runs, so a list "988، 911" reads from the right, item by item."""
    kind = unicodedata.bidirectional(character)
    if "\u0600" <= character <= "\u06ff" and kind != "AN":
        return "AL"
    if kind == "ON" and unicodedata.category(character) == "No":
        return "EN"
    return kind


def _paired(text: str, start: int, end: int) -> tuple[int, int]:
    """The run without an opening bracket at its start, or a closing one at its end, whose
    pair is outside it."""
    run = text[start:end]
    while run and run[0] in PAIRS and PAIRS[run[0]] not in run[1:]:
        run, start = run[1:], start + 1
    while run and run[-1] in PAIRS.values() and not any(
            opening in run[:-1] for opening, closing in PAIRS.items() if closing == run[-1]):
        run, end = run[:-1], end - 1
    return start, end


def _whole_run(escaped_text: str) -> bool:
    """Whether the text is left to right from end to end: one run, or no right-to-left
    letter at all (a clinic's name "Cedar Valley Health, P.C.", whose full stop is its own)."""
    text = unescape(escaped_text).strip()
    return bool(text) and ([(0, len(text))] == list(ltr_runs(text)) or _all_ltr(text))


def _all_ltr(text: str) -> bool:
    kinds = [_kind(c) for c in text]
    return any(k in RUN_ENDS for k in kinds) and not any(k in ("R", "AL") for k in kinds)


def _own_inline_element(opening: str, closing: str) -> bool:
    """The text is all an inline element holds: `<a href=...>` right before it, `</a>` right
    after, and no dir of its own."""
    found = INLINE_OPENING.match(opening)
    return bool(found) and " dir=" not in opening and closing.lower() == f"</{found.group(1)}>"


def _isolated(escaped_text: str) -> str:
    text = unescape(escaped_text)
    if _all_ltr(text) and not text.strip().isalnum():
        # No Arabic in it: all of it reads left to right, its last full stop too.
        core = text.strip()
        lead = text[:len(text) - len(text.lstrip())]
        return (escape(lead, quote=False) + f'<span dir="ltr">{escape(core, quote=False)}</span>'
                + escape(text[len(lead) + len(core):], quote=False))
    pieces, last = [], 0
    for start, end in ltr_runs(text):
        run = text[start:end]
        if run.isalnum():
            # One word or one number ("IOP", "São", "988") keeps its own order: only what
            # stands between letters or digits ("1-800", "24/7", "988 Lifeline") is reordered.
            continue
        pieces.append(escape(text[last:start], quote=False))
        pieces.append(f'<span dir="ltr">{escape(run, quote=False)}</span>')
        last = end
    pieces.append(escape(text[last:], quote=False))
    return "".join(pieces)


def isolate_ltr_text(text: str) -> str:
    """Plain text (an email's text part) with each left-to-right run between the Unicode
    isolates LRI and PDI, which do for plain text what dir="ltr" does for HTML. The generator
    adds them; content may not hold them (sources.py)."""
    pieces, last = [], 0
    for start, end in ltr_runs(text):
        if text[start:end].isalnum():
            continue
        pieces += [text[last:start], "\u2066", text[start:end], "\u2069"]
        last = end
    return "".join(pieces + [text[last:]])
