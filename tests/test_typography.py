"""Typography per language (iop_handouts/typography.py): the rules, and that running them
twice changes nothing."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iop_handouts.fonts import covered_characters, printable
from iop_handouts.typography import colon, language_rules, space_before, typeset

NBSP = "\u00a0"
LANGUAGES = ("en", "en-GB", "en-US", "es", "es-US", "fr", "fr-CA", "fr-FR", "fr-Latn-FR", "de")


# --- the rules -------------------------------------------------------------------------------

@pytest.mark.parametrize("language, rules", [
    ("en", "en"), ("en-GB", "en"), ("es-US", "es"), ("fr", "fr"), ("fr-CA", "fr"),
    ("fr-FR", "fr-spaced"), ("fr-Latn-FR", "fr-spaced"), ("FR-fr", "fr-spaced"), ("de", ""),
])
def test_rules_follow_the_primary_subtag_and_for_french_the_region(language, rules):
    assert language_rules(language) == rules


@pytest.mark.parametrize("language", ["en", "en-GB", "es", "es-US"])
def test_english_and_spanish_quotes_and_apostrophes_are_curly(language):
    assert typeset("Ask for the program's \"license\" and 'accreditation'.", language) == \
        "Ask for the program’s “license” and ‘accreditation’."
    assert typeset("(\"Yes\") the '90s, programs' staff", language) == \
        "(“Yes”) the ’90s, programs’ staff"


def test_spanish_quotes_after_opening_marks():
    assert typeset('¿"Qué" hace? ¡"Ya"!', "es") == "¿“Qué” hace? ¡“Ya”!"


@pytest.mark.parametrize("language", ["fr", "fr-CA", "fr-FR"])
def test_french_apostrophes_quotes_and_colons(language):
    assert typeset("l'aide d'un pair", language) == "l’aide d’un pair"
    assert typeset('Voyez "Comment choisir".', language) == f"Voyez «{NBSP}Comment choisir{NBSP}»."
    assert typeset("Voyez «Comment» et « Quand ».", language) == \
        f"Voyez «{NBSP}Comment{NBSP}» et «{NBSP}Quand{NBSP}»."
    # A space before a colon becomes a no-break space; one is added where there is none.
    assert typeset("Téléphone:", language) == f"Téléphone{NBSP}:"
    assert typeset("Site Web : ici", language) == f"Site Web{NBSP}: ici"
    assert typeset("(TCC): changer", language) == f"(TCC){NBSP}: changer"


def test_french_in_canada_has_no_space_before_question_marks_france_has():
    text = "En crise? Oui; tout de suite! Vraiment?!"
    assert typeset(text, "fr-CA") == text
    assert typeset(text, "fr") == text
    assert typeset(text, "fr-FR") == \
        f"En crise{NBSP}? Oui{NBSP}; tout de suite{NBSP}! Vraiment{NBSP}?!"


def test_the_space_france_puts_before_question_marks_is_one_the_font_has():
    """France's narrow no-break space (U+202F) is not in Atkinson Hyperlegible: the handouts
    would refuse to print it, so the rule uses a space the font has."""
    covered = covered_characters()
    for mark in ";!?:":
        assert all(printable(c, covered) for c in space_before(mark, "fr-FR"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", [
    "1-800-662-HELP (4357)", "1 866 APPELLE (277-3553)", "https://suicide.ca",
    "https://example.org/it's/page?q='a'&r=\"b\"&s=1", "intake@saint-laurent.example.org",
    "de 10:30 à 16:00", "5'10\" tall", "988", "Text HOME to 741741",
])
def test_numbers_times_and_addresses_are_never_changed(language, text):
    assert typeset(text, language) == text
    assert text in typeset(f"Voir {text} : oui", language)


def test_a_language_without_rules_is_left_alone():
    text = "Er sagt: \"Ja\" und 'nein'."
    assert typeset(text, "de") == text


def test_the_colon_after_a_label():
    assert colon("fr") == colon("fr-CA") == colon("fr-FR") == f"{NBSP}:"
    assert colon("en") == colon("es-US") == ":"


# Text made of what the rules look at: letters, digits, quotes, marks, spaces of each kind,
# line breaks, and pieces of web and email addresses.
TEXT = st.lists(st.one_of(
    st.sampled_from(list("aé1 \n\t'\"«»“”‘’:;!?¿¡()-/.,@") + [NBSP, "\u202f"]),
    st.sampled_from(["https://x.ca", "www.x.org", "a@b.ca", "l'", "10:30", "mailto:", " : "]),
)).map("".join)


@given(text=TEXT, language=st.sampled_from(LANGUAGES))
def test_typesetting_twice_changes_nothing(text, language):
    once = typeset(text, language)
    assert typeset(once, language) == once


@given(text=TEXT, language=st.sampled_from(LANGUAGES))
def test_typesetting_keeps_every_letter_and_digit(text, language):
    """Only quotes, apostrophes and spaces change: never a letter, digit or other mark."""
    def kept(value):
        return re.sub(r"[\s'\"«»“”‘’]", "", value)
    assert kept(typeset(text, language)) == kept(text)

