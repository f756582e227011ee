"""Languages as BCP 47 tags, and the variants of a language.

A region prints editions in language tags: "en-GB", "fr-CA", "es-US", "zh-Hant". The handout
text is written once per language, or per language and script where a language is written in
more than one (brochure.en.yaml is US English, brochure.zh-Hant.yaml Traditional Chinese); a
variant file,
languages/<tag>.yaml, holds only what differs for one variety:

  spelling:   base-language words and this variety's spelling of them (program: programme),
              applied to the handout text (never to numbers, addresses or crisis lines)
  avoid:      further spellings of other varieties that `check` flags in this variety
  content:    wording per document laid over the language files (like a region's `content:`)
"""

import re
from functools import cache
from typing import Annotated

import langcodes
from pydantic import AfterValidator

TAG_EXAMPLES = "e.g. en, en-GB, fr-CA, es-US"
# The language every translation mirrors, key for key.
REFERENCE_LANGUAGE = "en"


def _well_formed_tag(tag: str) -> str:
    if not langcodes.tag_is_valid(tag):
        raise ValueError(f"'{tag}' is not a language tag ({TAG_EXAMPLES})")
    standard = langcodes.standardize_tag(tag)
    if standard != tag:
        # "en-UK" is understood as en-GB, "en-us" as en-US: say so, rather than print a tag
        # screen readers and spell checkers may not know.
        raise ValueError(f"'{tag}' is written '{standard}' as a language tag")
    return tag


LanguageTag = Annotated[str, AfterValidator(_well_formed_tag)]


def base_language(tag: str) -> str:
    """The language a tag is a variety of: 'en-GB' -> 'en', 'zh-Hant' -> 'zh'."""
    return tag.split("-", 1)[0]


# Languages whose handout text is written once per script: Simplified and Traditional Chinese
# are two texts (brochure.zh-Hans.yaml, brochure.zh-Hant.yaml), not one text with a few words
# spelled differently.
WRITTEN_PER_SCRIPT = frozenset({"zh"})


def text_language(tag: str) -> str:
    """The language the handout text files are named by: the language ('en-GB' -> 'en'),
    with its script where the tag names one ('zh-Hant' -> 'zh-Hant') or, for a language
    written per script, the script its readers use ('zh-TW' -> 'zh-Hant', 'zh' -> 'zh-Hans')."""
    language = langcodes.Language.get(tag)
    script = language.script
    if not script and base_language(tag) in WRITTEN_PER_SCRIPT:
        script = language.maximize().script
    return f"{base_language(tag)}-{script}" if script else base_language(tag)


def has_variant_file(tag: str) -> bool:
    """A tag with more than its text files' language (a region) names a variety, which has
    its own file even when nothing in it differs, so a mistyped tag cannot pass unnoticed."""
    return tag != text_language(tag)


def in_language(texts: dict, tag: str):
    """Text given per language: the variety's own ('en-GB', 'zh-Hant-TW'), else its text
    language's ('zh-Hant'), else the language's ('en')."""
    keys = [tag, text_language(tag)]
    # The bare language only where it is written the same: text given for "zh" (Simplified)
    # is not Traditional Chinese's.
    if text_language(base_language(tag)) == text_language(tag):
        keys.append(base_language(tag))
    for key in keys:
        if key in texts:
            return texts[key]
    return None



def matches(tag: str, wanted) -> bool:
    """A --language filter: 'en' picks every English edition, 'en-GB' only the British one."""
    return not wanted or tag in wanted or base_language(tag) in wanted


# --- spelling --------------------------------------------------------------------------------

@cache
def _word_pattern(words: frozenset) -> re.Pattern:
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])", re.IGNORECASE)


def _same_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def respell(text: str, spelling: dict[str, str]) -> str:
    """Each whole word the map names, in this variety's spelling, keeping its capitals:
    'Programs' -> 'Programmes'. Parts of longer words ('programming') stay as they are."""
    if not spelling:
        return text
    lower = {k.lower(): v for k, v in spelling.items()}
    return _word_pattern(frozenset(lower)).sub(
        lambda m: _same_case(m.group(0), lower[m.group(0).lower()]), text)


def spellings_found(text: str, words) -> list[str]:
    """The words of another variety a text uses, as written there."""
    words = frozenset(w.lower() for w in words)
    if not words:
        return []
    return [m.group(0) for m in _word_pattern(words).finditer(text)]


