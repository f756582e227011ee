"""Typography per language: the quotes, apostrophes and spaces each language prints.

    typeset(text, language) -> text

`language` is a BCP 47 tag ('fr', 'fr-CA', 'en-GB', 'es-US'): the rules follow its primary
subtag, and for French its region too.

- English and Spanish: straight quotes and apostrophes become curly ones (’ ‘ “ ”).
- French, as written in Canada (and a plain 'fr': the shipped French is for Canada): curly
  apostrophes; straight double quotes become « »; a no-break space inside « » and before a
  colon (replacing a space, or added where there is none), so neither is left alone at the
  start of a line.
- French as written in France ('fr-FR') adds a no-break space before ; ! and ?. France uses a
  narrow one there (U+202F), but the shipped font (Atkinson Hyperlegible) has no glyph for it,
  so it gets the ordinary no-break space (U+00A0) that the font has.
- Any other language: unchanged.

What is never changed: web and email addresses, and a quote mark or colon between or right
after digits (10:30, 5'10"): numbers are printed as written. Spanish ¿ and ¡ cannot be added
by a rule (where a question starts is a matter of wording): `check` reports a question or an
exclamation without them instead (checks.check_opening_marks).

Typesetting twice changes nothing (tests/test_typography.py checks that with Hypothesis).
"""

import re

NO_BREAK_SPACE = "\u00a0"
# See above: what France's narrow no-break space is printed as, with the shipped font.
NARROW_NO_BREAK_SPACE = NO_BREAK_SPACE

# French regions that put a space before ; ! and ? (Canada's usage, and the shipped content's,
# does not).
SPACED_FRENCH_REGIONS = frozenset({"FR"})

# Spans no rule touches: web addresses (to the next space, less the punctuation and quotes
# that end the sentence around them) and email addresses.
_PROTECTED = re.compile(
    r"(?:\b(?:https?|mailto|tel|sms):|\bwww\.)\S*?(?=[.,;:!?)\]\"'«»“”‘’]*(?:\s|$))"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# Where a quote mark opens: at the start, after a space, an opening bracket or dash, or an
# opening mark.
_OPENS_AFTER = r"(?:^|(?<=[\s(\[{\-–—¿¡“‘«/]))"


def language_rules(language: str) -> str:
    """'en', 'es', 'fr' (Canada), 'fr-spaced' (France) or '' (no rules) for a BCP 47 tag."""
    subtags = language.replace("_", "-").split("-")
    primary = subtags[0].lower()
    if primary == "fr":
        # The region subtag: two letters or three digits, after an optional 4-letter script.
        region = next((s.upper() for s in subtags[1:]
                       if (len(s) == 2 and s.isalpha()) or (len(s) == 3 and s.isdigit())), "")
        return "fr-spaced" if region in SPACED_FRENCH_REGIONS else "fr"
    return primary if primary in ("en", "es") else ""


def space_before(mark: str, language: str) -> str:
    """The space the language puts before a punctuation mark ('' for none)."""
    rules = language_rules(language)
    if rules.startswith("fr") and mark == ":":
        return NO_BREAK_SPACE
    if rules == "fr-spaced" and mark in ";!?":
        return NARROW_NO_BREAK_SPACE
    return ""


def colon(language: str) -> str:
    """A colon after a label, as the language writes it ('\u00a0:' in French, a full-width
    '：' in Chinese)."""
    if language.split("-")[0].lower() == "zh":
        return "："
    return space_before(":", language) + ":"


def full_stop(language: str) -> str:
    """A sentence's full stop: the ideographic '。' in Chinese, '.' otherwise."""
    return "。" if language.split("-")[0].lower() == "zh" else "."


def typeset(text: str, language: str) -> str:
    """`text` with the language's quotes, apostrophes and spaces (see the module's notes)."""
    rules = language_rules(language)
    if not rules or not text:
        return text
    text = _apostrophes(text)
    if rules in ("en", "es"):
        text = _sub(_OPENS_AFTER + r'(?<!\d)"(?=\S)', "“", text)
        text = _sub(r'(?<!\d)"', "”", text)
        return text
    text = _sub(_OPENS_AFTER + r'(?<!\d)"(?=\S)', "«", text)
    text = _sub(r'(?<!\d)"', "»", text)
    # Exactly one no-break space inside guillemets, before ; ! ? in France, and before a
    # colon that ends a phrase (followed by a space or the end; not 10:30, not https://). A
    # line break stays. In this order: a space put in by an earlier rule can follow a colon,
    # and a colon's space depends on what follows it (so running it again changes nothing).
    text = _sub(r"«[^\S\n]*", "«" + NO_BREAK_SPACE, text)
    text = _sub(r"(?:[^\S\n]+|(?<=[^\s«]))»", NO_BREAK_SPACE + "»", text)
    if rules == "fr-spaced":
        # After a word, not after another mark ("?!" takes one space, before the first).
        text = _sub(r"(?:[^\S\n]+|(?<=[^\s;!?]))([;!?])",
                    lambda m: NARROW_NO_BREAK_SPACE + m[1], text)
    text = _sub(r"(?:[^\S\n]+|(?<=[^\s:])):(?=\s|$)", NO_BREAK_SPACE + ":", text)
    return text


def _apostrophes(text: str) -> str:
    # After a letter: an apostrophe (l'aide, program's) or a closing quote: both ’. At the start
    # of a word: an opening quote, unless digits follow ('90s). After a digit: a prime (5'),
    # part of a number, left as it is.
    text = _sub(r"(?<=[^\W\d_])'", "’", text)
    text = _sub(_OPENS_AFTER + r"'(?=\d)", "’", text)
    text = _sub(_OPENS_AFTER + r"'(?=\S)", "‘", text)
    return _sub(r"(?<!\d)'", "’", text)


def _sub(pattern: str, replacement, text: str) -> str:
    """re.sub, leaving web and email addresses alone."""
    protected = [match.span() for match in _PROTECTED.finditer(text)]
    if not protected:
        return re.sub(pattern, replacement, text)

    def replace(match):
        if any(start <= match.start() < end or start < match.end() <= end
               for start, end in protected):
            return match[0]
        return match.expand(replacement) if isinstance(replacement, str) else replacement(match)

    return re.sub(pattern, replace, text)


# A sentence up to the ? or ! that ends it (its ¿ may open a clause inside it: "Si puede,
# ¿viene?").
_SENTENCE_ENDING_IN_A_MARK = re.compile(r"([^.?!…]*)([?!]+)")
OPENING_MARKS = {"?": "¿", "!": "¡"}


def unopened_marks(text: str) -> list[tuple[str, str]]:
    """Spanish: each question or exclamation that ends in ? or ! but never opens with ¿ or ¡,
    as (the sentence, and the missing mark).
    Web and email addresses are left out (a ? in a web address asks nothing)."""
    text = _PROTECTED.sub(" ", text)
    missing = []
    for match in _SENTENCE_ENDING_IN_A_MARK.finditer(text):
        words, marks = match[1], match[2]
        for mark in dict.fromkeys(marks):
            if OPENING_MARKS[mark] not in words:
                missing.append((" ".join(words.split()) + marks, OPENING_MARKS[mark]))
    return missing
