"""The handouts' fonts: the characters they can print, and a fontconfig that sees only them.

They are Atkinson Hyperlegible (styles/fonts) and, for languages in other scripts, the faces
scripts.py names, from the font packages the project installs.

A handout printed with a glyph from whatever font the machine happens to have (or with an
empty box where no font had one) looks right on one computer and wrong on the next. So:
- rendering uses a private fontconfig configuration that lists only these fonts' folders,
  so no system font ever fills in for a missing character, and
- every printed character of the content is checked, before anything renders, against the
  characters its language's fonts cover (see content.check_printable).
"""

import os
import tempfile
import unicodedata
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from .paths import STYLES_DIR

FONTS_DIR = STYLES_DIR / "fonts"
FONT_SUFFIXES = (".ttf", ".otf")
# Layout characters that need no glyph of their own: spaces between words, and the line
# breaks and tabs of YAML's multi-line text (the HTML folds them into spaces).
NO_GLYPH_NEEDED = frozenset(" \t\r\n")


def shipped_fonts(fonts_dir: Path = FONTS_DIR) -> list[Path]:
    """The fonts in styles/fonts (Atkinson Hyperlegible)."""
    return sorted(p for p in Path(fonts_dir).iterdir() if p.suffix.lower() in FONT_SUFFIXES)


def handout_fonts(fonts_dir: Path = FONTS_DIR) -> list[Path]:
    """Every font a handout may print with: styles/fonts and each language's own faces
    (scripts.py)."""
    from .scripts import package_faces
    return shipped_fonts(fonts_dir) + [p for face in package_faces() for p in face.paths()]


def language_fonts(language: str, fonts_dir: Path = FONTS_DIR) -> list[Path]:
    """The fonts that print one language: its faces in order (scripts.py)."""
    from .scripts import BASE_FACE, FACES, writing
    paths = []
    for family in writing(language).faces:
        paths += shipped_fonts(fonts_dir) if family == BASE_FACE else FACES[family].paths()
    return paths


@cache
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def covered_characters(fonts_dir: Path = FONTS_DIR, language: str = "en") -> frozenset[int]:
    """The code points a language's fonts have glyphs for (the union of their cmaps: in the
    private fontconfig, a face without a glyph falls back to the next). Each font is read
    once per process."""
    return _covered(tuple(language_fonts(language, fonts_dir)))


@cache
def _covered(paths: tuple[Path, ...]) -> frozenset[int]:
    return frozenset().union(*(_cmap(path) for path in paths))


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


# --- a fontconfig that sees only the shipped fonts -------------------------------------------

def fontconfig_file(fonts_dirs) -> str:
    """A fontconfig configuration listing the font folders and nothing else: no system or
    user fonts, no system rules (no <include>)."""
    dirs = "".join(f"  <dir>{escape(str(Path(d).resolve()))}</dir>\n" for d in fonts_dirs)
    return ('<?xml version="1.0"?>\n'
            '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<fontconfig>\n"
            f"{dirs}"
            "</fontconfig>\n")


@contextmanager
def only_shipped_fonts(fonts_dir: Path = FONTS_DIR, package_folders=None):
    """While this is active, a fontconfig configuration loaded (WeasyPrint's import and
    every FontConfiguration() load one) sees only `fonts_dir` and the font packages'
    folders given (by default every language's, scripts.py).

    fontconfig reads FONTCONFIG_FILE each time it loads a configuration, so the variable is
    set only for that moment and restored afterwards: programs this process starts later
    (a browser in the tests, say) keep the machine's own fonts."""
    with tempfile.TemporaryDirectory(prefix="iop-handouts-fonts-") as folder:
        config = Path(folder) / "fonts.conf"
        from .scripts import package_font_folders
        if package_folders is None:
            package_folders = package_font_folders()
        config.write_text(fontconfig_file((fonts_dir, *package_folders)), encoding="utf-8")
        previous = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(config)
        try:
            yield
        finally:
            if previous is None:
                del os.environ["FONTCONFIG_FILE"]
            else:
                os.environ["FONTCONFIG_FILE"] = previous
