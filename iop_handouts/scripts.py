"""Writing systems: which fonts print a language, which way it runs, what `check` can measure.

Atkinson Hyperlegible, the handouts' face, covers the Latin script only (and not all of
Vietnamese), so each language names the faces that print it, its own first:

  Vietnamese   Be Vietnam Pro: all 134 Vietnamese letters in one face (with Atkinson first,
               letters it lacks would come from another font, two faces inside one word)
  Chinese      Noto Sans CJK: one font for Simplified and Traditional; the page's `lang`
  Korean       (zh-Hans, zh-Hant, ko) picks the forms of each character
  Arabic       Almarai: its PDF text reads back exactly (Noto Sans Arabic and Noto Kufi Arabic
               share glyphs between letters, so a screen reader or a search gets wrong letters)

The fonts come from font packages the project installs (pyproject.toml), never from the
machine or the network; Atkinson Hyperlegible ships in styles/fonts. Each package keeps its
licence beside its fonts (LICENSE); Noto Sans CJK's package has none, so its OFL text ships in
styles/fonts/licenses/.
"""

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import RenderError
from .languages import base_language

BASE_FACE = "Atkinson Hyperlegible"


@dataclass(frozen=True)
class Face:
    family: str                     # as the font names itself (CSS font-family)
    files: tuple[tuple[str, str], ...]  # (package, file inside it), regular weight first
    installed_by: str               # the package a person would install
    licence: str                    # where its licence is, for the README and the tests

    def paths(self) -> list[Path]:
        return [_package_folder(package, self) / name for package, name in self.files]


def _package_folder(package: str, face: Face) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RenderError(f"the font {face.family} is not installed (package "
                          f"{face.installed_by}); run `make` to install what the project needs")
    return Path(next(iter(spec.submodule_search_locations)))


FACES = {
    face.family: face for face in (
        Face("Be Vietnam Pro", (("fontpkg_be_vietnam_pro", "files/BeVietnamPro-Regular.ttf"),
                                ("fontpkg_be_vietnam_pro", "files/BeVietnamPro-Bold.ttf"),
                                ("fontpkg_be_vietnam_pro", "files/BeVietnamPro-Italic.ttf")),
             "fontpkg-be-vietnam-pro", "OFL 1.1, fontpkg_be_vietnam_pro/LICENSE"),
        Face("Almarai", (("fontpkg_almarai", "files/Almarai-Regular.ttf"),
                         ("fontpkg_almarai", "files/Almarai-Bold.ttf")),
             "fontpkg-almarai", "OFL 1.1, fontpkg_almarai/LICENSE"),
        # The Traditional-Chinese build of the font holds every CJK form; `lang` picks them.
        Face("Noto Sans CJK TC", (("cvttf_NotoSansCJK_Regular", "NotoSansCJKtc-Regular.otf"),
                                  ("cvttf_NotoSansCJK_Bold", "NotoSansCJKtc-Bold.otf")),
             "cvttf-notosanscjk-regular, cvttf-notosanscjk-bold",
             "OFL 1.1, styles/fonts/licenses/NotoSansCJK-OFL.txt"),
    )
}


@dataclass(frozen=True)
class Writing:
    """How a language is written, as far as the handouts care."""
    faces: tuple[str, ...] = (BASE_FACE,)    # CSS font-family, in order
    # The stylesheet (in styles/) every document in the language adds last: its faces, and
    # its line breaking and direction where they differ from English.
    stylesheet: str | None = None
    direction: str = "ltr"
    # Words separated by spaces: the plain-language checks count words.
    spaces_between_words: bool = True
    # A word stands alone between spaces and punctuation, so a term is found as a whole word
    # (not in Chinese; not in Arabic, which joins "and" and "the" to the word: "ومعتمد").
    whole_words: bool = True


WRITING = {
    "vi": Writing(faces=("Be Vietnam Pro", BASE_FACE), stylesheet="writing-vi.css"),
    "zh": Writing(faces=("Noto Sans CJK TC", BASE_FACE), stylesheet="writing-cjk.css",
                  spaces_between_words=False, whole_words=False),
    # Korean puts spaces between words, and keeps words whole at line ends (writing-ko.css).
    "ko": Writing(faces=("Noto Sans CJK TC", BASE_FACE), stylesheet="writing-ko.css"),
    "ar": Writing(faces=("Almarai", BASE_FACE), stylesheet="writing-ar.css", direction="rtl",
                  whole_words=False),
}


def writing(language: str) -> Writing:
    return WRITING.get(base_language(language), Writing())


def font_family(language: str) -> str:
    """The CSS font-family list for a language: '"Almarai", "Atkinson Hyperlegible"'."""
    return ", ".join(f'"{family}"' for family in writing(language).faces)


def package_faces() -> list[Face]:
    """Every face that comes from a package (each language's, once)."""
    return [FACES[family] for family in dict.fromkeys(
        family for w in WRITING.values() for family in w.faces) if family in FACES]


@cache
def package_font_folders() -> tuple[Path, ...]:
    """The folders holding the package fonts, for the private fontconfig (fonts.py)."""
    return tuple(dict.fromkeys(path.parent for face in package_faces() for path in face.paths()))


@cache
def language_font_folders(language: str) -> tuple[Path, ...]:
    """The package font folders one language prints with (none for English)."""
    return tuple(dict.fromkeys(path.parent for family in writing(language).faces
                               if family in FACES for path in FACES[family].paths()))
