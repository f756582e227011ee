"""Regions and languages: inheritance, every shipped edition, paper sizes, one language per
PDF, and the batch build (incremental, isolated failures, interruption)."""

import hashlib
import json
import re

import pytest
from pypdf import PdfReader

from helpers import (CONTENT_DIR, DOCUMENTS, each_edition, edit, editions_of, holds,
                     keep_regions, load, normalise, outloud_reports, pdf_paths, pdf_text,
                     printed_strings, run_cli, statuses)
from iop_handouts import build as builder
from iop_handouts.content import ContentSet
from iop_handouts.languages import text_language
from iop_handouts.render import Renderer

SHIPPED = editions_of()
MM_PER_POINT = 25.4 / 72


def numbers_of(edition) -> set[str]:
    """Every crisis and emergency number or address an edition prints."""
    shown = {c.text for c in edition.emergency}
    for line in edition.crisis_lines:
        shown.update(c.text for c in line.contacts)
    return shown


def appears(number: str, text: str, alone: bool = False) -> bool:
    """`number` in `text` as a whole word; `alone`: not even as a group of a longer number
    written with spaces ("111" is in "1800 111 888" only as a group)."""
    spaced = r"(?<!\d )" if alone else ""
    after = r"(?! \d)" if alone else ""
    return re.search(rf"(?<![\w-]){spaced}{re.escape(number)}{after}(?![\w-])", text) is not None


# --- inheritance -----------------------------------------------------------------------------

def test_a_state_region_inherits_the_country_and_overrides_its_clinic():
    content = ContentSet()
    us, oregon = content.edition("us", "en"), content.edition("us-or", "en")
    assert oregon.crisis_lines == us.crisis_lines and oregon.emergency == us.emergency
    assert oregon.paper == us.paper == "letter"
    assert us.clinic.name == "Example Health Network"
    assert oregon.clinic.name == "Riverbend Example Clinic"


def test_quebec_replaces_canadas_crisis_line_and_puts_french_first():
    content = ContentSet()
    _, quebec, _ = content.region("ca-qc")
    assert quebec.languages == ["fr-CA", "en-CA"]
    assert [line.name["fr"] for line in quebec.crisis_lines] == ["Ligne québécoise de prévention du suicide"]
    assert content.edition("ca-qc", "fr").brochure.section("insurance").heading == \
        content.edition("ca", "fr").brochure.section("insurance").heading


def printed_strings_of(edition) -> list[str]:
    return printed_strings(edition.brochure.model_dump(), edition.checklist.model_dump())


def test_regions_outside_the_us_drop_us_only_wording():
    """US services and state licences are named in US editions only."""
    us_only = ("FindTreatment.gov", "1-800-662-4357", "state license", "licencia estatal",
               "insurer")
    for edition in SHIPPED:
        text = " ".join(printed_strings_of(edition))
        if edition.region_id.startswith("us"):
            assert "FindTreatment.gov" in text, edition.key
        else:
            assert not [w for w in us_only if w in text], edition.key


def test_three_level_chain_with_overrides(content):
    (content / "regions/us-or-riverbend.yaml").write_text(
        "extends: us-or\n"
        "id: us-or-riverbend\n"
        "name: Riverbend clinic edition\n"
        "languages: [en]\n"
        "content:\n"
        "  en:\n"
        "    brochure:\n"
        "      summary: \"Care a few days a week, close to home.\"\n"
        "      sections:\n"
        "        insurance:\n"
        "          heading: \"Paying for care\"\n", encoding="utf-8")
    edition = ContentSet(content).edition("us-or-riverbend", "en")
    assert edition.clinic.name == "Riverbend Example Clinic"          # from us-or
    assert [c.text for c in edition.emergency] == ["911"]             # from us
    assert edition.brochure.summary == "Care a few days a week, close to home."
    insurance = edition.brochure.section("insurance")
    assert insurance.heading == "Paying for care"                    # overridden
    assert insurance.paragraphs == ContentSet().edition("us", "en").brochure.section("insurance").paragraphs
    names = [p.name for p in edition.input_files["brochure"]]
    assert names[:3] == ["us.yaml", "us-or.yaml", "us-or-riverbend.yaml"]


def test_an_override_error_points_at_the_region_file(content):
    edit(content / "regions/gb.yaml", "        insurance:\n",
         "        insurance:\n          heding: x\n")
    with pytest.raises(Exception) as caught:
        ContentSet(content).edition("gb", "en")
    message = str(caught.value)
    line = (content / "regions/gb.yaml").read_text().splitlines().index("          heding: x") + 1
    assert f"regions/gb.yaml, line {line}" in message and "heding" in message and "not a known field" in message


# --- bad region files ------------------------------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    ("paper: a4", "paper: a4\nfax: 123", r"regions/nz.yaml, line 8, field 'fax': is not a known field"),
    ("extends: _outside-us", "extends: oceania", r"regions/nz.yaml, line 2, field 'extends': no region 'oceania' to extend"),
    ('number: "1737"', 'number: "1738"', r"regions/nz.yaml, line \d+, field 'crisis_lines\[0\]\.reach\[0\]\.number': '1738' is not a valid phone number for NZ \(a short code must be listed"),
    ("paper: a4", "paper: legal", r"regions/nz.yaml, line 7, field 'paper': got 'legal'"),
    ("verified_on: 2026-11-27\n", "verified_on: soon\n", r"regions/nz.yaml, line \d+, field 'emergency.verified_on': expected a date"),
])
def test_bad_region_files(content, tmp_path, old, new, expected):
    edit(content / "regions/nz.yaml", old, new)
    result = run_cli("build", "--region", "nz", "--jobs", "1", "--content", content,
                     "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert re.search(expected, result.output), result.output


def test_a_cycle_in_extends_is_named(content, tmp_path):
    edit(content / "regions/us.yaml", "id: us", "extends: us-or\nid: us")
    result = run_cli("build", "--region", "us", "--jobs", "1", "--content", content,
                     "--out", tmp_path)
    assert result.exit_code == 2
    assert "regions extend each other in a circle: us -> us-or -> us" in result.output
    assert "regions/us-or.yaml, line 2, field 'extends'" in result.output


def test_a_translation_missing_a_key_is_named(content, tmp_path):
    edit(content / "common.es.yaml", "  notes:", "  notas:")
    result = run_cli("build", "--region", "us", "--lang", "es", "--jobs", "1", "--content", content,
                     "--out", tmp_path)
    assert result.exit_code == 2
    assert "common.es.yaml" in result.output and "labels.notes" in result.output


# --- every shipped edition -------------------------------------------------------------------

@pytest.mark.parametrize("edition", each_edition(SHIPPED))
def test_every_edition_carries_its_own_crisis_numbers_and_no_other_countrys(built, edition):
    own = numbers_of(edition)
    country = edition.region_id.split("-")[0]
    foreign = set().union(*(numbers_of(e) for e in SHIPPED if e.region_id.split("-")[0] != country))
    foreign -= own
    for document in DOCUMENTS:
        text = pdf_text(built / edition.key / f"{document}.pdf")
        missing = {n for n in own if not appears(normalise(n), text)
                   and not (edition.direction == "rtl" and holds(text, n, edition.language))}
        assert not missing, (document, missing)
        leaked = {n for n in foreign if appears(normalise(n), text, alone=True)}
        assert not leaked, (document, leaked)


@pytest.mark.parametrize("edition", each_edition(SHIPPED))
def test_every_edition_has_all_its_text(built, edition):
    """Accented Spanish and French must come out of the PDF as written: the font covers them."""
    text = pdf_text(built / edition.key / "brochure.pdf") + " " + \
        pdf_text(built / edition.key / "checklist.pdf")
    missing = [s for s in printed_strings_of(edition) if not holds(text, s, edition.language)]
    assert not missing


@pytest.mark.parametrize("language", ["es", "fr", "zh-Hans", "zh-Hant", "vi", "ko", "fil", "ar"])
def test_translated_pdfs_hold_no_english_labels(built, language):
    english = load(CONTENT_DIR / "common.en.yaml")["labels"]
    # Words both languages share ("Notes" is French too) prove nothing.
    english = {k: v for k, v in english.items()
               if v != load(CONTENT_DIR / f"common.{language}.yaml")["labels"][k]}
    editions = [e for e in SHIPPED if text_language(e.language) == language]
    assert editions
    for edition in editions:
        for document in DOCUMENTS:
            text = pdf_text(built / edition.key / f"{document}.pdf")
            found = [label for label in english.values()
                     if len(label) > 3 and label not in ("Chat",)
                     and re.search(rf"(?<!\w){re.escape(normalise(label))}(?!\w)", text)]
            assert not found, (edition.key, document, found)
            assert PdfReader(built / edition.key / f"{document}.pdf").trailer["/Root"]["/Lang"] \
                == edition.language


def page_mm(page):
    return round(float(page.mediabox.width) * MM_PER_POINT), round(float(page.mediabox.height) * MM_PER_POINT)


@pytest.mark.parametrize("edition", each_edition(SHIPPED))
def test_paper_size_follows_the_region(built, edition):
    brochure = PdfReader(built / edition.key / "brochure.pdf").pages
    checklist = PdfReader(built / edition.key / "checklist.pdf").pages
    if edition.paper == "a4":
        assert [page_mm(p) for p in brochure] == [(297, 210), (297, 210)]
        assert [page_mm(p) for p in checklist] == [(210, 297)]
    else:
        assert [page_mm(p) for p in brochure] == [(279, 216), (279, 216)]
        assert [page_mm(p) for p in checklist] == [(216, 279)]


def test_shipped_regions_and_languages():
    # At least these ship (a clinic may add its own regions); every one of them is valid.
    assert {e.key for e in SHIPPED} >= {
        "us/en-US", "us/es-US", "us-or/en-US", "us-or/es-US", "ca/en-CA", "ca/fr-CA", "ca-qc/fr-CA", "ca-qc/en-CA",
        "gb/en-GB", "ie/en-IE", "au/en-AU", "nz/en-NZ"}


# --- the batch build -------------------------------------------------------------------------

def manifest_matches_files(out):
    manifest = json.loads((out / "manifest.json").read_text())
    for relative, entry in manifest["documents"].items():
        data = (out / relative).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        assert entry["pages"] == len(PdfReader(out / relative).pages)
        assert len(entry["inputs"]) == 64
    assert not list(out.rglob("*.tmp"))
    return manifest


def test_incremental_build_force_and_one_changed_region(content, tmp_path):
    # The checklists only (the brochures' turn comes in the tests below): two regions.
    out = tmp_path / "out"
    args = ("build", "--region", "nz", "--region", "au", "--doc", "checklist",
            "--content", content, "--out", out, "--jobs", "1")
    first = run_cli(*args)
    assert first.exit_code == 0
    assert statuses(first.output) == {"nz/en-NZ/checklist.pdf": "built", "au/en-AU/checklist.pdf": "built"}
    manifest_matches_files(out)

    again = run_cli(*args)
    assert again.exit_code == 0 and "Nothing to do: all 2 PDFs are up to date" in again.output

    forced = run_cli(*args, "--force")
    assert set(statuses(forced.output).values()) == {"built"} and len(statuses(forced.output)) == 2

    edit(content / "regions/nz.yaml", 'en: "Free."', 'en: "Free, any time."')
    changed = run_cli(*args)
    assert statuses(changed.output) == {
        "nz/en-NZ/checklist.pdf": "built", "au/en-AU/checklist.pdf": "up to date"}
    assert "Free, any time." in pdf_text(out / "nz/en-NZ/checklist.pdf")
    manifest_matches_files(out)


def test_a_deleted_or_edited_pdf_is_rebuilt(content, tmp_path):
    out = tmp_path / "out"
    args = ("build", "--region", "nz", "--content", content, "--out", out, "--jobs", "1")
    assert run_cli(*args).exit_code == 0
    (out / "nz/en-NZ/checklist.pdf").write_bytes(b"not a pdf")
    (out / "nz/en-NZ/brochure.pdf").unlink()
    assert set(statuses(run_cli(*args).output).values()) == {"built"}
    manifest_matches_files(out)


def test_one_broken_region_is_reported_while_the_others_finish(content, tmp_path):
    # A whole build (no --region) of a content folder with four regions: nz's content is
    # bad, au's text fits neither document, and gb and ie must still be built.
    healthy = editions_of(keep_regions(content, "gb", "ie", "au", "nz"), regions=("gb", "ie"))
    edit(content / "regions/nz.yaml", 'number: "1737"', 'number: "1738"')
    edit(content / "regions/au.yaml", 'en: "Lifeline"', 'en: "' + "Lifeline " * 200 + '"')
    out = tmp_path / "out"
    result = run_cli("build", "--content", content, "--out", out, "--jobs", "2")
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert any("regions/nz.yaml" in e and "[nz/en-NZ]" in e for e in errors), errors
    assert any(e.startswith("Error: au/en-AU/brochure: text does not fit") for e in errors), errors
    built = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    assert "gb/en-GB/checklist.pdf" in built and "au/en-AU/brochure.pdf" not in built
    assert built == pdf_paths(healthy)
    # nz's content counts once; both au documents fail to render.
    assert f"{len(built)} built" in result.output
    assert f"{1 + len(DOCUMENTS)} failed" in result.output


def test_an_interrupted_build_leaves_no_partial_files_and_a_true_manifest(tmp_path):
    plan = builder.plan(ContentSet())
    results = builder.run(plan, tmp_path, jobs=2, renderer=Renderer())
    first = next(results)
    with pytest.raises(KeyboardInterrupt):
        results.throw(KeyboardInterrupt)
    manifest = manifest_matches_files(tmp_path)
    assert first.job.relative_path in manifest["documents"]
    assert len(manifest["documents"]) < len(plan.jobs)
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")} == set(manifest["documents"])


# --- the regions command ---------------------------------------------------------------------

def test_regions_table_and_json():
    table = run_cli("regions")
    assert table.exit_code == 0
    assert re.search(r"^ie\s+en-IE\s+a4\s+112 or 999\s+Samaritans \(116 123\)", table.output, re.M)
    assert "_outside-us" not in table.output
    rows = json.loads(run_cli("regions", "--json").output)
    quebec = next(r for r in rows if r["id"] == "ca-qc")
    assert quebec["extends"] == ["ca"] and quebec["languages"] == ["fr-CA", "en-CA"]
    assert quebec["crisis_lines"][0]["reach"] == ["1-866-277-3553", "https://suicide.ca"]
    assert all(line["source"].startswith("https://") and line["verified_on"]
               for row in rows for line in row["crisis_lines"])


@pytest.mark.slow
def test_accessibility_checker_passes_every_edition(built):
    # test_documents.py checks the US English edition in the fast run.
    assert {p.relative_to(built).as_posix() for p in built.rglob("*.pdf")} == pdf_paths(SHIPPED)
    paths = sorted(built / p for p in pdf_paths(SHIPPED))
    reports = outloud_reports(paths)
    problems = {r["path"]: r["findings"] for r in reports
                if r["error"] or r["counts"]["error"] or r["counts"]["warning"]}
    assert len(reports) == len(paths) and not problems
    assert all(r["stats"]["tagged"] for r in reports)


def test_an_unchanged_full_build_answers_from_the_manifest(content, tmp_path):
    # A whole build (no --region) of a content folder with two regions.
    keep_regions(content, "au", "nz")
    out = tmp_path / "out"
    args = ("build", "--content", content, "--out", out, "--jobs", "1")
    assert run_cli(*args).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"]["jobs"] == sorted(manifest["documents"]) == \
        sorted(pdf_paths(editions_of(content)))

    again = run_cli(*args)
    assert f"Nothing to do: all {len(manifest['documents'])} PDFs are up to date" in again.output
    assert again.output.count("up to date") == 1  # answered without planning any job

    # A changed file, a PDF changed by hand, or a new region each end the quick answer.
    edit(content / "regions/nz.yaml", 'en: "Free."', 'en: "Free, any time."')
    changed = statuses(run_cli(*args).output)
    assert changed["nz/en-NZ/brochure.pdf"] == "built" and changed["au/en-AU/brochure.pdf"] == "up to date"
    assert "Nothing to do" in run_cli(*args).output
    (out / "au/en-AU/checklist.pdf").write_bytes(b"edited")
    assert statuses(run_cli(*args).output)["au/en-AU/checklist.pdf"] == "built"
    (content / "regions/nz-akl.yaml").write_text(
        "extends: nz\nid: nz-akl\nname: Auckland\n", encoding="utf-8")
    added = statuses(run_cli(*args).output)
    assert added["nz-akl/en-NZ/brochure.pdf"] == "built" and added["nz/en-NZ/brochure.pdf"] == "up to date"


def test_a_change_to_the_checklist_rebuilds_the_brochure_whose_mark_it_changes(content, tmp_path):
    """Every page carries the edition mark, a hash of all the edition's files: after the
    checklist's text changes, a brochure left as it was would carry a stale mark."""
    args = ("build", "--region", "us", "--lang", "en", "--jobs", "1", "--content", content,
            "--out", tmp_path)
    assert run_cli(*args).exit_code == 0
    edit(content / "checklist.en.yaml", 'closing: "', 'closing: "Ask questions. ')
    again = run_cli(*args)
    assert statuses(again.output) == {"us/en-US/brochure.pdf": "built",
                                      "us/en-US/checklist.pdf": "built"}
    mark = ContentSet(content).edition("us", "en").mark
    for document in DOCUMENTS:
        assert mark in pdf_text(tmp_path / "us/en-US" / f"{document}.pdf")


def test_a_failed_document_holds_back_the_rest_of_its_edition(content, tmp_path):
    """The brochure and checklist carry one edition mark: when the brochure cannot be made,
    the checklist made from the same files is not written either."""
    args = ("build", "--region", "us", "--lang", "en", "--jobs", "1", "--content", content,
            "--out", tmp_path)
    assert run_cli(*args).exit_code == 0
    before = {p: p.read_bytes() for p in (tmp_path / "us/en-US").glob("*.pdf")}
    edit(content / "checklist.en.yaml", 'closing: "', 'closing: "Ask questions. ')
    edit(content / "brochure.en.yaml", '    items:\n',
         '    items:\n' + '      - "A sentence here only to make the list far too long."\n' * 40)
    result = run_cli(*args)
    assert result.exit_code == 1
    assert statuses(result.output) == {"us/en-US/brochure.pdf": "failed"}
    assert "held back  us/en-US/checklist.pdf" in result.output
    assert "0 built, 0 up to date, 1 failed, 1 held back" in result.output
    assert {p: p.read_bytes() for p in (tmp_path / "us/en-US").glob("*.pdf")} == before
