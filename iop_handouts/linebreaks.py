"""Korean lines that end between words, not inside one.

Korean puts spaces between words, and Korean typesetting ends a line at a space (CSS's
word-break: keep-all). WeasyPrint 70 does not support keep-all and follows Unicode's default,
which breaks between any two syllables ("전화하 / 세요"). So the renderer wraps each Korean
word of a Korean page's text in <span class="word">, which writing-ko.css keeps on one line.
Words inside a link are left alone: an element inside a link would take the link's place in
the PDF's tags.
"""

import re

from .bidi import SKIPPED, TAG

# Two or more Hangul syllables in a row: a one-syllable word cannot break anyway.
KOREAN_WORD = re.compile(r"[\uac00-\ud7a3]{2,}")


def keep_korean_words_whole(html: str) -> str:
    parts = TAG.split(html)
    skipping, links = None, 0
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            found = re.match(r"<(/?)\s*([a-zA-Z0-9]+)", part)
            closing, name = (found.group(1), found.group(2).lower()) if found else ("", "")
            if name == "a":
                links += -1 if closing else 1
            elif skipping is None and name in SKIPPED and not closing:
                skipping = name
            elif skipping == name and closing:
                skipping = None
        elif skipping is None and not links and part.strip():
            parts[index] = KOREAN_WORD.sub(lambda m: f'<span class="word">{m.group()}</span>',
                                           part)
    return "".join(parts)
