"""The shipped fonts and the characters they can print.

A character the fonts lack is printed from whatever font the machine happens to have (or as
an empty box where none has it): right on one computer, wrong on the next. So every printed
character of the content is checked, before anything renders, against the characters the
shipped fonts cover (see content.check_printable).
"""

import unicodedata
from functools import cache
from pathlib import Path

from .paths import STYLES_DIR

FONTS_DIR = STYLES_DIR / "fonts"
FONT_SUFFIXES = (".ttf", ".otf")
# Layout characters that need no glyph of their own: spaces between words, and the line
# breaks and tabs of YAML's multi-line text (the HTML folds them into spaces).
NO_GLYPH_NEEDED = frozenset(" \t\r\n")


def shipped_fonts(fonts_dir: Path = FONTS_DIR) -> list[Path]:
    return sorted(p for p in Path(fonts_dir).iterdir() if p.suffix.lower() in FONT_SUFFIXES)


@cache
def covered_characters(fonts_dir: Path = FONTS_DIR) -> frozenset[int]:
    """The code points the shipped fonts have glyphs for (the union of their cmaps: a face
    without a glyph falls back to another shipped face).
    Read once per process."""
    from fontTools.ttLib import TTFont

    covered = set()
    for path in shipped_fonts(fonts_dir):
        with TTFont(path, lazy=True) as font:
            covered.update(font.getBestCmap() or {})
    return frozenset(covered)


def printable(character: str, covered: frozenset[int]) -> bool:
    """Whether the fonts have a glyph for `character` itself.

    A letter the font lacks but could build from parts ('ō' as 'o' and a combining macron,
    both in Atkinson Hyperlegible) is not enough: the shaper draws it well, but WeasyPrint
    70 then writes the PDF's text layer wrong ('Kōwhai' reads back as 'Koōwhai' to a
    screen reader, a search or a copy)."""
    return character in NO_GLYPH_NEEDED or ord(character) in covered


def first_unprintable(text: str, covered: frozenset[int]) -> str | None:
    return next((c for c in text if not printable(c, covered)), None)


def describe(character: str) -> str:
    """How a message names a character: "the character 'ℵ' (U+2135)" (one with no visible
    form by its Unicode name)."""
    shown = character if character.isprintable() else unicodedata.name(character, "?")
    return f"the character '{shown}' (U+{ord(character):04X})"
