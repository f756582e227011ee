"""Korean lines that end between words, not inside one.

Korean puts spaces between words, and Korean typesetting ends a line at a space (CSS's
word-break: keep-all). WeasyPrint 70 does not support keep-all and follows Unicode's default,
which breaks between any two syllables ("전화하 / 세요"). So the renderer wraps each Korean
word of a Korean page's text in <span class="word">, which writing-ko.css keeps on one line.
Words inside a link are left alone: an element inside a link would take the link's place in
the PDF's tags.
"""

import re
from html import unescape

from .bidi import SKIPPED, TAG

# A word: what stands between spaces, with a Hangul syllable in it ("치료가", "24시간",
# "988lifeline.org에서", "승인)을"). One longer than a line of a narrow column may hold (a
# clinic's name written without spaces) is left to break where it must.
KOREAN_WORD = re.compile(r"[^\s]*[\uac00-\ud7a3][^\s]*")
LONGEST_KEPT = 24          # characters, Hangul syllables (each 1 em wide) at most 10 of them


def _kept_whole(word: str) -> str:
    letters = unescape(word)
    hangul = sum("\uac00" <= c <= "\ud7a3" for c in letters)
    if len(letters) < 2 or len(letters) > LONGEST_KEPT or hangul > 10:
        return word
    return f'<span class="word">{word}</span>'


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
            parts[index] = KOREAN_WORD.sub(lambda m: _kept_whole(m.group()), part)
    return "".join(parts)
