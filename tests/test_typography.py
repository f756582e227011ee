"""Typography per language (iop_handouts/typography.py): the rules, that running them twice
changes nothing, and what the built PDFs print: labels included, numbers, addresses and
crisis lines as written."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from helpers import DOCUMENTS, edit, editions_of, run_cli, struct_elements
from iop_handouts.fonts import covered_characters, printable
from iop_handouts.typography import colon, language_rules, space_before, typeset, unopened_marks

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


@pytest.mark.parametrize("text, missing", [
    ("¿Qué es el IOP? Es un programa.", []),
    ("Si puede, ¿viene mañana?", []),
    ("Qué es el IOP? Es un programa.", [("Qué es el IOP?", "¿")]),
    ("¡Hola! Llame hoy!", [("Llame hoy!", "¡")]),
    ("¿De verdad?!", [("¿De verdad?!", "¡")]),
    ("Vea https://example.org/?q=1 hoy.", []),
])
def test_spanish_questions_and_exclamations_without_their_opening_mark(text, missing):
    assert unopened_marks(text) == missing


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


# --- what the built PDFs print ---------------------------------------------------------------

def page_text(path) -> str:
    """The PDF's text with line breaks as spaces, its no-break spaces kept (helpers.pdf_text
    turns every kind of space into one)."""
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"-\n", "-", re.sub(r"[ \n]+", " ", text))


def field_titles(path) -> list[str]:
    """The titles (tooltips, read out by screen readers) of a PDF's form fields."""
    return [str(annotation.get_object()["/TU"]) for page in PdfReader(path).pages
            for annotation in page.get("/Annots") or () if "/TU" in annotation.get_object()]


def alt_texts(path) -> list[str]:
    return [str(element["/Alt"]) for element in struct_elements(PdfReader(path))
            if "/Alt" in element]


@pytest.fixture(scope="module")
def quebec_french():
    (edition,) = editions_of(regions=("ca-qc",), languages=("fr",))
    return edition


def test_french_labels_have_a_no_break_space_before_the_colon(built, quebec_french):
    brochure = page_text(built / "ca-qc/fr-CA/brochure.pdf")
    checklist = page_text(built / "ca-qc/fr-CA/checklist.pdf")
    for label in ("Téléphone", "Site Web", "Appelez-nous", "Urgence", "En ligne"):
        assert f"{label}{NBSP}:" in brochure, label
    for label in ("Site Web", "Appelez-nous", "En ligne"):
        assert f"{label}{NBSP}:" in checklist, label
    topics = [question.topic for question in quebec_french.checklist.questions]
    assert len(topics) == 7
    for topic in topics:
        assert f"{topic}{NBSP}:" in checklist, topic
    # No colon in the printed French without its no-break space (times and web addresses
    # have none to print here).
    for text in (brochure, checklist):
        assert re.findall(r".{0,20}[^\xa0]:", text) == []


def test_french_form_field_titles_and_alt_text_have_the_space_too(built, quebec_french):
    titles = field_titles(built / "ca-qc/fr-CA/checklist.pdf")
    assert f"Nom du programme{NBSP}: Programme 1" in titles
    for topic in (question.topic for question in quebec_french.checklist.questions):
        assert f"Programme 1{NBSP}: {topic}" in titles
        assert f"Notes, Programme 3{NBSP}: {topic}" in titles
    assert all(re.search(r"[^\xa0]:", title) is None for title in titles), titles
    assert f"Code QR qui ouvre notre site Web{NBSP}: saint-laurent.example.org" in \
        alt_texts(built / "ca-qc/fr-CA/brochure.pdf")


def test_french_apostrophes_are_curly_and_guillemets_spaced(built, quebec_french):
    address = quebec_french.clinic.address
    for document in ("brochure", "checklist"):
        text = page_text(built / f"ca-qc/fr-CA/{document}.pdf")
        assert "’" in text
        # The clinic's address is printed as written ("400, rue de l'Exemple"); nothing else
        # has a straight apostrophe or quote.
        for line in address:
            assert line in text
            text = text.replace(line, "")
        assert "'" not in text and '"' not in text
        assert re.findall(r"«(?!\xa0)|(?<!\xa0)»", text) == []
    assert f"«{NBSP}Comment choisir un programme{NBSP}»" in \
        page_text(built / "ca-qc/fr-CA/brochure.pdf")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_english_prints_no_straight_quotes_and_the_same_numbers(built, document):
    path = built / f"us/en-US/{document}.pdf"
    text = page_text(path)
    assert "'" not in text and '"' not in text
    for title in field_titles(path) + alt_texts(path) + [PdfReader(path).metadata.title]:
        assert "'" not in title and '"' not in title, title
    for number in ("911", "988", "988lifeline.org", "838255", "1-800-662-4357"):
        assert number in text
    if document == "brochure":
        assert "each program’s license" in text


def test_crisis_line_names_are_printed_as_their_region_file_writes_them(built):
    """Canada's line is written '9-8-8 : Ligne d'aide ...' in ca.yaml: verified as it
    stands, it is not typeset."""
    assert "9-8-8 : Ligne d'aide en cas de crise de suicide" in \
        page_text(built / "ca/fr-CA/brochure.pdf")


def test_numbers_addresses_and_times_are_printed_as_written_the_rest_typeset(content, tmp_path):
    edit(content / "clinics/saint-laurent.yaml", "400, rue de l'Exemple", "1 rue de l'Église")
    edit(content / "clinics/saint-laurent.yaml", 'phone: "(514) 555-0142"',
         'phone: "(514) 555-0142"\nhours:\n  fr: "Lun. au ven. : 10:30 à 18:00"\n'
         '  en: "Mon. to Fri.: 10:30 to 18:00"\nintake_email: "l.accueil@saint-laurent.example.org"')
    edit(content / "regions/us.yaml", 'display: "1-800-662-4357"',
         'display: "1-800-662-HELP (4357)"')
    edit(content / "brochure.en.yaml", 'title: "Intensive Outpatient Program (IOP)"',
         'title: "Intensive Outpatient Program (\'IOP\')"')
    out = tmp_path / "out"
    result = run_cli("build", "--region", "ca-qc", "--region", "us", "--lang", "fr",
                     "--lang", "en", "--doc", "brochure", "--content", content, "--out", out)
    assert result.exit_code == 0, result.output
    french = page_text(out / "ca-qc/fr-CA/brochure.pdf")
    assert "1 rue de l'Église" in french
    assert f"Heures{NBSP}: Lun. au ven.{NBSP}: 10:30 à 18:00" in french
    assert "l.accueil@saint-laurent.example.org" in french.replace(" ", "")
    assert "1 866 APPELLE (1 866 277-3553)" in french and "suicide.ca" in french
    english = page_text(out / "ca-qc/en-CA/brochure.pdf")
    assert "1 rue de l'Église" in english and "Hours: Mon. to Fri.: 10:30 to 18:00" in english
    assert "1-800-662-HELP (4357)" in page_text(out / "us/en-US/brochure.pdf")
    # The title, on the cover and as the PDF's title, typeset like all the text.
    reader = PdfReader(out / "us/en-US/brochure.pdf")
    assert reader.metadata.title == "Intensive Outpatient Program (‘IOP’)"
    assert "Intensive Outpatient Program (‘IOP’)" in \
        page_text(out / "us/en-US/brochure.pdf").replace(NBSP, " ")
