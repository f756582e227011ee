"""Language varieties: editions named by BCP 47 tags, each variety's spelling and wording
over the one English text, and `check` flagging another variety's spelling."""

import re

import pytest
from hypothesis import given, strategies as st
from pypdf import PdfReader

from helpers import edit, line_of, pdf_text, run_cli
from iop_handouts.checks import run_checks
from iop_handouts.content import ContentSet
from iop_handouts.errors import ContentError
from iop_handouts.languages import respell, spellings_found
from iop_handouts.paths import STYLES_DIR

BRITISH = {"program": "programme", "programs": "programmes", "counseling": "counselling",
           "behavioral": "behavioural"}
US_WORDING = re.compile(r"\b(programs?|counseling|counselor|behavioral|behavior|"
                        r"hospitalization|medication-assisted|health fund)\b", re.IGNORECASE)


def words(text: str) -> str:
    return " ".join(text.split())


def test_respelling_keeps_capitals_and_leaves_other_words_alone():
    assert respell("Program: programs, PROGRAM.", BRITISH) == "Programme: programmes, PROGRAMME."
    assert respell("programming, e-program, reprogram", BRITISH) == \
        "programming, e-program, reprogram"
    assert respell("Cognitive behavioral therapy", BRITISH) == "Cognitive behavioural therapy"
    assert spellings_found("A Programme and programmes", {"programme", "programmes"}) == \
        ["Programme", "programmes"]


@given(st.text(alphabet=st.sampled_from(list("programe sPRO.,-")), max_size=40))
def test_respelling_twice_changes_nothing_more(text):
    once = respell(text, BRITISH)
    assert respell(once, BRITISH) == once


@pytest.mark.parametrize("region, tag, must, must_not", [
    ("gb", "en-GB", ["Intensive Outpatient Programme (IOP)", "counselling", "behavioural",
                     "National Health Service (NHS)", "Day hospital", "One-to-one sessions",
                     "painkillers"], ["pain pills", "One-on-one"]),
    ("ie", "en-IE", ["Programme", "Health Service Executive (HSE)"], ["health fund", "NHS"]),
    ("nz", "en-NZ", ["Programme", "counselling"], ["health fund", "NHS", "HSE"]),
    ("au", "en-AU", ["Intensive Outpatient Program (IOP)", "counselling", "a health fund"],
     ["programme", "NHS"]),
])
def test_each_english_edition_prints_its_own_spelling_and_services(built, region, tag,
                                                                   must, must_not):
    for document in ("brochure", "checklist"):
        pdf = built / region / tag / f"{document}.pdf"
        reader = PdfReader(pdf)
        assert reader.trailer["/Root"]["/Lang"] == tag
        text = words(pdf_text(pdf))
        # Australia writes "program", and pays through health funds.
        found = US_WORDING.findall(text) if region != "au" else [
            w for w in US_WORDING.findall(text) if not re.match("program|health fund", w, re.I)]
        assert not found, f"{region} {document}: {found}"
        if document == "brochure":
            for phrase in must:
                assert phrase in text, f"{region}: {phrase}"
        for phrase in must_not:
            assert phrase not in text, f"{region} {document}: {phrase}"


def test_the_us_and_canadian_editions_keep_their_own_spelling(built):
    us = words(pdf_text(built / "us/en-US/brochure.pdf"))
    assert "Intensive Outpatient Program (IOP)" in us and "counselor" in us
    assert "Partial hospitalization program (PHP)" in us
    canada = words(pdf_text(built / "ca/en-CA/brochure.pdf"))
    assert "Program (IOP)" in canada and "counsellor" in canada and "behavioural" in canada
    assert PdfReader(built / "ca-qc/fr-CA/checklist.pdf").trailer["/Root"]["/Lang"] == "fr-CA"
    assert PdfReader(built / "us/es-US/brochure.pdf").trailer["/Root"]["/Lang"] == "es-US"


def gb_build_error(content, tmp_path) -> str:
    """What building the UK edition from `content` says: it must fail as bad input."""
    result = run_cli("build", "--content", content, "--region", "gb", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    return result.output


def test_a_tag_written_another_way_or_without_its_variety_file_is_refused(content, tmp_path):
    region = content / "regions/gb.yaml"
    edit(region, "languages: [en-GB]", "languages: [en-UK]")
    assert f"regions/gb.yaml, line {line_of(region, 'en-UK')}, field 'languages[0]': " \
           "'en-UK' is written 'en-GB' as a language tag" in gb_build_error(content, tmp_path)
    region.write_text(region.read_text().replace("en-UK", "en-ZA").replace("en-GB", "en-ZA"))
    assert "field 'languages': names 'en-ZA' but there is no languages/en-ZA.yaml" \
        in gb_build_error(content, tmp_path)


def test_a_variety_file_names_only_real_documents(content):
    (content / "languages/en-GB.yaml").write_text(
        "spelling:\n  program: programme\ncontent:\n  brochur:\n    title: \"x\"\n")
    with pytest.raises(ContentError) as error:
        ContentSet(content).edition("gb", "en-GB")
    assert "languages/en-GB.yaml, line 4, field 'content.brochur': is not a document" \
        in str(error.value)


def test_a_variety_file_words_only_what_differs(content):
    (content / "languages/en-GB.yaml").write_text(
        "spelling:\n  program: programme\ncontent:\n  brochure:\n"
        "    cover_action: \"Ask your GP if IOP is right for you.\"\n")
    edition = ContentSet(content).edition("gb", "en")   # "en" stands for the one English
    assert edition.language == "en-GB"
    assert edition.brochure.cover_action == "Ask your GP if IOP is right for you."
    assert edition.brochure.title == "Intensive Outpatient Programme (IOP)"
    assert edition.origin("brochure.cover_action").endswith(
        "languages/en-GB.yaml, line 5, field 'cover_action'")


def test_check_flags_another_varietys_spelling_where_it_is_written(content, tmp_path):
    region = content / "regions/gb.yaml"
    edit(region, 'en: "In England, call 111 and choose the mental health option."',
         'en: "In England, call 111 for counseling."')
    clinic = content / "clinics/example-network.yaml"
    clinic.write_text(clinic.read_text() + 'hours: "Programme hours: Mon-Fri 9 to 5"\n')
    report = run_checks(content, tmp_path, STYLES_DIR, regions=("gb", "us"))
    found = {(f.where, f.problem, f.fix) for f in report.findings if f.rule == "plain.spelling"}
    assert any(f"regions/gb.yaml, line {line_of(region, 'for counseling')}" in where
               and "'counseling'" in problem and "en-GB" in problem and fix == "write 'counselling'"
               for where, problem, fix in found), found
    assert any("clinics/example-network.yaml" in where and "'Programme'" in problem
               and "en-US" in problem for where, problem, _ in found), found


def test_a_language_filter_takes_the_language_or_the_tag(built, tmp_path):
    result = run_cli("build", "--region", "ca", "--lang", "fr", "--doc", "checklist",
                     "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "ca/fr-CA/checklist.pdf").exists()
    assert not (tmp_path / "ca/en-CA").exists()
    result = run_cli("build", "--region", "ca", "--lang", "en-CA", "--doc", "checklist",
                     "--out", tmp_path)
    assert (tmp_path / "ca/en-CA/checklist.pdf").exists()


def test_a_variety_respells_printed_words_only_and_its_safety_changes_are_flagged(content,
                                                                                  tmp_path):
    """Icon names are not words: 'license: licence' must not break the licence icon. A
    variety that rewords or respells the crisis wording needs a clinician's eye."""
    (content / "languages/en-GB.yaml").write_text(
        "spelling:\n  program: programme\n  license: licence\n  crisis: emergency\n"
        "content:\n  common:\n    disclaimer: \"We inform only.\"\n")
    edition = ContentSet(content).edition("gb", "en-GB")
    assert edition.brochure.next_steps.icons[3] == "license"
    report = run_checks(content, tmp_path, STYLES_DIR, regions=("gb",))
    safety = [(f.where, f.problem) for f in report.findings
              if f.rule == "governance.safety-text" and "languages/en-GB.yaml" in f.where]
    assert any("changes the safety text 'common.disclaimer' (en-GB): 'We inform only.'" in p
               for _, p in safety), safety
    assert any("changes the safety text 'common.labels.crisis_heading' (en-GB): 'In "
               "emergency? Get help now'" in p for _, p in safety), safety
    assert len(safety) == 3     # and the crisis intro; nothing else
    from iop_handouts.approvals import role_for
    assert role_for("languages/en-GB.yaml") == "clinician"


def test_a_language_named_twice_is_refused(content, tmp_path):
    region = content / "regions/gb.yaml"
    edit(region, "languages: [en-GB]", "languages: [en-GB, en-GB]")
    assert f"regions/gb.yaml, line {line_of(region, 'en-GB, en-GB')}, field 'languages': " \
           "'en-GB' appears twice" in gb_build_error(content, tmp_path)
