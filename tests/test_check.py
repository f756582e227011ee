"""`generate.py check`: each rule with a failing and a passing example, the shipped content,
and the reading-level check working with no network."""

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from helpers import PROJECT, edit, editions_of, line_of, run_cli
from iop_handouts.checks import (Report, check_opening_marks, run_checks, sections_without_heading,
                                 undefined_abbreviations)
from iop_handouts.paths import STYLES_DIR
from iop_handouts.render import Renderer

TODAY = date(2026, 11, 27)


def findings(content, rule, region="us", language="en", styles=STYLES_DIR, today=TODAY, out=None):
    """The findings of one rule for one edition. Without `out`, the PDFs are looked for in a
    folder that does not exist: only the crisis.in-pdf rule reads them."""
    out = out or Path(content).parent / "not-built"
    report = run_checks(content, out, styles, Renderer(content_dir=content),
                        (region,), (language,), today)
    return [f for f in report.findings if f.rule == rule]


# --- the shipped content ---------------------------------------------------------------------

@pytest.mark.slow
def test_shipped_content_has_no_errors_and_only_review_warnings(built):
    # Every edition, in one run (the tests below check the US English edition).
    result = run_cli("check", "--json", "--out", built)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["errors"] == 0 and report["warnings"] > 0
    assert {f["rule"] for f in report["findings"] if f["severity"] != "info"} == {"governance.review"}
    # What cannot be measured in a language is said, as information, for those languages only.
    unmeasured = {f["where"].split("(")[1].rstrip(")") for f in report["findings"]
                  if f["severity"] == "info"}
    assert unmeasured == {"us/zh-Hans", "us/zh-Hant", "us/vi", "us/ko", "us/fil", "us/ar"}
    assert all(p["understandability"] >= 70 and p["actionability"] >= 70 for p in report["pemat"])


def test_text_report_where_warnings_alone_do_not_fail(built):
    result = run_cli("check", "--region", "us", "--lang", "en", "--out", built)
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("| warning")]
    assert rows and all("| governance.review |" in row for row in rows), rows
    assert "0 error(s)" in result.output
    assert "Reading level (whole documents):" in result.output
    assert "Whole documents count every printed sentence" in result.output


def test_json_and_strict(built):
    result = run_cli("check", "--region", "us", "--lang", "en", "--json", "--strict", "--out", built)
    assert result.exit_code == 1  # --strict fails on the review warnings
    report = json.loads(result.output)
    assert report["errors"] == 0 and report["warnings"] > 0
    assert {f["rule"] for f in report["findings"]} == {"governance.review"}
    brochure = next(r for r in report["reading_level"]
                    if r["document"] == "brochure" and "us/en-US" in r["editions"]
                    and r["part"] == "whole document")
    assert brochure["measures"]["smog"] <= 8 and brochure["measures"]["flesch_kincaid_grade"] <= 8
    assert all(p["understandability"] >= 70 and p["actionability"] >= 70 for p in report["pemat"])


# --- crisis lines ----------------------------------------------------------------------------

def test_verified_dates_warn_after_180_days_and_fail_after_365(content):
    assert findings(content, "crisis.verified") == []
    edit(content / "regions/us.yaml", "    verified_on: 2026-11-27", "    verified_on: 2026-04-01")
    [stale] = findings(content, "crisis.verified")
    assert stale.severity == "warning" and "2026-04-01 (240 days ago)" in stale.problem
    edit(content / "regions/us.yaml", "    verified_on: 2026-04-01", "    verified_on: 2025-06-01")
    [stale] = findings(content, "crisis.verified")
    assert stale.severity == "error" and "988 Suicide & Crisis Lifeline" in stale.problem


def test_a_region_needs_a_line_open_24_7(content):
    assert findings(content, "crisis.24-7", "nz") == []
    edit(content / "regions/nz.yaml", "open_24_7: true", "open_24_7: false")
    [finding] = findings(content, "crisis.24-7", "nz")
    assert finding.severity == "error"


def test_a_region_rewriting_safety_text_is_flagged_for_review(content):
    assert findings(content, "governance.safety-text", "us-or") == []
    path = content / "regions/us-or.yaml"
    path.write_text(path.read_text() + 'content:\n  es:\n    common:\n      disclaimer: "Solo '
                    'informa."\n      labels:\n        danger: "Si corre peligro, llame al"\n')
    found = findings(content, "governance.safety-text", "us-or")
    assert {(f.severity, f.problem) for f in found} == {
        ("warning", "rewrites the safety text 'common.disclaimer' (es)"),
        ("warning", "rewrites the safety text 'common.labels.danger' (es)")}


def test_an_invalid_number_is_an_error(content):
    edit(content / "regions/nz.yaml", 'number: "1737"', 'number: "1738"')
    [finding] = findings(content, "content", "nz")
    assert "'1738' is not a valid phone number for NZ" in finding.problem


def test_the_pdf_text_must_hold_the_crisis_numbers(content, built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    assert findings(content, "crisis.in-pdf", out=out) == []
    # A PDF of the right name whose text lacks the region's numbers.
    import weasyprint
    weasyprint.HTML(string="<p>Call your local clinic.</p>").write_pdf(out / "us/en-US/checklist.pdf")
    [finding] = findings(content, "crisis.in-pdf", out=out)
    assert finding.severity == "error" and "checklist.pdf" in finding.where
    assert "911" in finding.problem and "988" in finding.problem
    (out / "us/en-US/brochure.pdf").unlink()
    assert any("not built" in f.problem for f in findings(content, "crisis.in-pdf", out=out))


def test_every_page_needs_a_crisis_line(content, built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    assert findings(content, "crisis.every-page", out=out) == []
    # Two pages: the first carries the numbers, the second none.
    import weasyprint
    weasyprint.HTML(string="<p>Call or text 988. Call 911. 988lifeline.org 838255 "
                           "1-800-662-4357</p><p style='break-before: page'>Inside.</p>"
                    ).write_pdf(out / "us/en-US/brochure.pdf")
    [finding] = findings(content, "crisis.every-page", out=out)
    assert finding.where.endswith("brochure.pdf, page 2") and finding.severity == "error"


def test_the_cover_needs_the_main_message_and_a_call_to_action(content, built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    assert findings(content, "plain.cover", out=out) == []
    from iop_handouts.content import ContentSet
    brochure = ContentSet(content).edition("us", "en").brochure
    import weasyprint
    weasyprint.HTML(string=f"<p>{brochure.title}</p><p style='break-before: page'>"
                           f"{brochure.summary} {brochure.cover_action}</p>"
                    ).write_pdf(out / "us/en-US/brochure.pdf")
    problems = findings(content, "plain.cover", out=out)
    assert len(problems) == 2 and all("front cover" in f.where for f in problems)


def test_each_pdf_needs_a_visual_with_alt_text(content, built, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(built, out)
    assert findings(content, "plain.visual", out=out) == []
    import weasyprint
    weasyprint.HTML(string="<html lang='en'><title>x</title><h1>Text only</h1></html>"
                    ).write_pdf(out / "us/en-US/checklist.pdf", pdf_variant="pdf/ua-1")
    [finding] = findings(content, "plain.visual", out=out)
    assert "checklist.pdf" in finding.where and "no visual" in finding.problem


def test_jargon_must_come_with_its_plain_words():
    from iop_handouts.checks import undefined_jargon
    from iop_handouts.schema import JargonTerm
    terms = [JargonTerm(term="PHP", plain="partial hospitalization program"),
             JargonTerm(term="step-down", plain="a move to less care")]
    assert undefined_jargon(["A partial hospitalization program (PHP) is full days.",
                             "PHP again."], terms) == []
    assert undefined_jargon(["PHP (partial hospitalization program) is full days."], terms) == []
    assert [t.term for t in undefined_jargon(["Leave PHP for IOP.", "A step-down (a move to "
                                              "less care)."], terms)] == ["PHP"]


def test_jargon_in_the_shipped_text_is_explained(content):
    assert findings(content, "plain.jargon") == []
    edit(content / "brochure.en.yaml", 'summary: "', 'summary: "After a step-down, ')
    edit(content / "common.en.yaml", "jargon:\n",
         'jargon:\n  - term: "step-down"\n    plain: "a move to less care"\n')
    problems = [f for f in findings(content, "plain.jargon") if "'step-down'" in f.problem]
    assert problems and all("a move to less care" in f.fix for f in problems)


# --- plain language --------------------------------------------------------------------------

def test_a_list_of_eight_items_is_too_long(content):
    assert findings(content, "plain.list-length") == []
    edit(content / "brochure.en.yaml", '      - "Weekly therapy or counseling"',
         '      - "Weekly therapy or counseling"\n' + '      - "More help."\n' * 4)
    [finding] = findings(content, "plain.list-length")
    assert "section 'aftercare'" in finding.where and "8 items" in finding.problem


def test_abbreviations_must_be_spelled_out_first():
    assert undefined_abbreviations(["An Intensive Outpatient Program (IOP) helps.",
                                    "IOP meets often."]) == []
    assert undefined_abbreviations(["Ask about CBT.", "Cognitive behavioral therapy (CBT)."]) == ["CBT"]


def test_an_undefined_abbreviation_in_content_is_an_error(content):
    before = findings(content, "plain.abbreviations")
    edit(content / "brochure.en.yaml", 'summary: "', 'summary: "Ask about DBTX. ')
    [finding] = [f for f in findings(content, "plain.abbreviations") if f not in before]
    assert "'DBTX' is used before it is spelled out" in finding.problem


@pytest.mark.parametrize("rule, old, new", [
    ("plain.all-caps", 'summary: "', 'summary: "CALL US NOW FOR HELP. '),
    ("plain.numbers", 'summary: "', 'summary: "Most people (75%) finish. '),
])
def test_plain_language_rules(content, rule, old, new):
    assert findings(content, rule) == []
    edit(content / "brochure.en.yaml", old, new)
    assert [f.severity for f in findings(content, rule)] == ["error"]


def test_sections_need_headings():
    assert sections_without_heading('<section data-section="a"><h2>A</h2><p>x</p></section>') == []
    assert sections_without_heading('<section data-section="b"><p>x</p></section>') == ["b"]


def test_reader_and_call_to_action(content):
    assert findings(content, "plain.you") == []
    assert findings(content, "plain.call-to-action") == []
    from iop_handouts.checks import Report, plain_language
    from iop_handouts.content import ContentSet
    edition = ContentSet(content).edition("us", "en")
    report = Report()
    parts = [("title", ["A title"], ["The program meets on weekdays."]),
             ("disclaimer", [], ["Programs differ."])]
    outcomes = plain_language(report, edition, "checklist", parts, "test", None)
    assert not outcomes["reader"] and not outcomes["action"]
    assert {f.rule for f in report.findings} >= {"plain.you", "plain.call-to-action"}
    # Spanish and French have their own words for "you" and their own verbs.
    for region, language, text in (("us", "es", "Pregunte a su equipo de atención."),
                                   ("ca", "fr", "Demandez à votre équipe de soins.")):
        edition = ContentSet(content).edition(region, language)
        parts = [("title", ["Un titre"], [text])]
        outcomes = plain_language(Report(), edition, "checklist", parts, "test", None)
        assert outcomes["reader"] and outcomes["action"], language
        english = [("title", ["A title"], ["Ask your care team."])]
        outcomes = plain_language(Report(), edition, "checklist", english, "test", None)
        assert not outcomes["reader"] and not outcomes["action"], language


# --- typography ------------------------------------------------------------------------------

@pytest.fixture
def styles(tmp_path):
    copy = tmp_path / "styles"
    shutil.copytree(STYLES_DIR, copy)
    return copy


def test_low_contrast_text_is_an_error(content, styles):
    assert findings(content, "typography.contrast", styles=styles) == []
    edit(styles / "base.css", "--crisis: #8b1a1a;", "--crisis: #ee8888;")
    problems = findings(content, "typography.contrast", styles=styles)
    assert problems and any("#ee8888 on #fdf3f2 has contrast" in f.problem for f in problems)


def test_small_body_text_is_an_error(content, styles):
    assert findings(content, "typography.body-size", styles=styles) == []
    edit(styles / "checklist.css", "--body-size: 12pt;", "--body-size: 10pt;")
    problems = findings(content, "typography.body-size", styles=styles)
    assert any(f.where.endswith("checklist.css") and "body text is 10.0pt; 12pt is the minimum"
               in f.problem for f in problems)
    assert any(f.where.endswith(".line-notes") for f in problems)  # 1em of 10pt


def test_small_crisis_numbers_are_an_error(content, styles):
    assert findings(content, "typography.crisis-size", styles=styles) == []
    edit(styles / "base.css", "--crisis-number-size: 16pt;", "--crisis-number-size: 12pt;")
    assert findings(content, "typography.crisis-size", styles=styles)


def opening_marks(content) -> list:
    """The Spanish opening-marks rule alone, on the us/es-US edition: quicker than every rule."""
    report = Report()
    check_opening_marks(report, editions_of(content, ("us",), ("es",)))
    return report.findings


def test_a_spanish_question_without_its_opening_mark_is_named_at_its_line(content):
    assert opening_marks(content) == []
    edit(content / "brochure.es.yaml", '"¿Cuánto dura el IOP?"', '"Cuánto dura el IOP?"')
    edit(content / "email.es.yaml", 'intro: "', 'intro: "Ya lo tiene! ')
    problems = findings(content, "typography.opening-marks", "us", "es")
    assert [(f.where.split("content/")[-1], f.severity, f.problem) for f in problems] == [
        (f"brochure.es.yaml, line {line_of(content / 'brochure.es.yaml', 'Cuánto dura')}, "
         "field 'faq.items[1].question'", "warning", "'Cuánto dura el IOP?' has no opening '¿'"),
        (f"email.es.yaml, line {line_of(content / 'email.es.yaml', 'intro:')}, field 'intro'",
         "warning", "'Ya lo tiene!' has no opening '¡'"),
    ]
    # A question may open inside its sentence.
    edit(content / "brochure.es.yaml", '"Cuánto dura el IOP?"', '"Y si sigue, ¿cuánto dura?"')
    assert [f.problem for f in opening_marks(content)] == ["'Ya lo tiene!' has no opening '¡'"]


# --- governance ------------------------------------------------------------------------------

def test_review_records_warn_until_reviewed(content):
    before = findings(content, "governance.review")
    assert any("needs-clinical-review" in f.problem and "who-may-help" in f.where for f in before)
    for name in ("common", "brochure", "checklist", "email"):
        path = content / f"{name}.en.yaml"
        text = path.read_text()
        for status in ("needs-review", "needs-clinical-review"):
            text = text.replace(f"status: {status}", "status: reviewed")
        path.write_text(text)
    assert findings(content, "governance.review") == []


def test_a_translation_missing_a_key_is_an_error(content):
    edit(content / "brochure.es.yaml", "  heading:", "  encabezado:")
    problems = findings(content, "content", "us", "es")
    assert problems and "brochure.es.yaml" in problems[0].problem


# --- offline ---------------------------------------------------------------------------------

def test_reading_level_works_with_no_network():
    """textstat would download NLTK's cmudict on first use; this must not be needed."""
    code = (
        "import socket, nltk\n"
        "def refuse(*a, **k): raise OSError('network is unavailable')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "nltk.download = lambda *a, **k: (_ for _ in ()).throw(AssertionError('download'))\n"
        "from iop_handouts.readability import score\n"
        "result = score('You can ask your care team about treatment. It meets three days a "
        "week. Recovery takes time.', 'en')\n"
        "print(result.measures['flesch_kincaid_grade'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True,
                          text=True, env={"NLTK_DATA": "/nonexistent", "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert 0 < float(done.stdout) < 8
