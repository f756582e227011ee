"""Review and approval: who approved which file (approvals.yaml), the draft line and the
edition mark on every page of the PDFs, their metadata, `review`, `approve`, `build --final`
and the catalog's status."""

import json
import shutil

import pikepdf
import pytest
import yaml
from pypdf import PdfReader

from helpers import (DOCUMENTS, SAMPLE_EDITIONS, edit, editions_of, pdf_text, run_cli,
                     statuses, text_rects)
from iop_handouts.approvals import role_for
from iop_handouts.languages import text_language

SAFE_POINTS = 0.25 * 72          # office printers lose anything nearer the edge
DRAFT = {"en": "Draft: not yet reviewed", "es": "Borrador: aún no revisado",
         "fr": "Brouillon\u00a0: pas encore relu"}
SHIPPED = {e.key: e for e in editions_of()}
ONE_CLINIC = ("--name", "Birch Test Clinic", "--address", "1 Main Street", "--address",
              "Salem, OR 97301", "--phone", "(503) 555-0100", "--country", "US",
              "--lang", "en")


def draft_text(language: str) -> str:
    return DRAFT[language.split("-")[0]]


def rects_holding(page_rects, text):
    return [rect for found, rect in page_rects if text in found.replace("\u00a0", " ")
            or text in found]


# --- the rule and the shipped content ------------------------------------------------------

@pytest.mark.parametrize("name, role", [
    ("shipped:brochure.en.yaml", "clinician"), ("common.en.yaml", "clinician"),
    ("shipped:regions/us.yaml", "clinician"), ("regions/us-or-maple.yaml", "clinician"),
    ("shipped:brochure.es.yaml", "translator"), ("checklist.fr.yaml", "translator"),
    ("common.fr-CA.yaml", "translator"), ("brochure.en-GB.yaml", "clinician"),
    ("clinics/maple.yaml", "editor"), ("clinics/riverbend-logo.svg", "editor"),
    ("languages/en-GB.yaml", "clinician"), ("shipped:languages/es-US.yaml", "translator"),
])
def test_each_file_needs_the_role_the_rule_names(name, role):
    assert role_for(name) == role


def test_the_shipped_content_is_honestly_unapproved():
    for edition in SHIPPED.values():
        assert not edition.review.final and edition.review.approved_on is None
        pending = {file.name: file.needs for file in edition.review.pending}
        assert len(pending) == len(edition.files)   # not one file approved
        language = text_language(edition.language)
        if language != "en":
            assert f"brochure.{language}.yaml" in pending
            assert pending[f"brochure.{language}.yaml"] == "translator"


# --- the draft line and the edition mark in the PDFs -----------------------------------------

@pytest.mark.parametrize("key", sorted(SAMPLE_EDITIONS))
@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_draft_line_is_on_every_page_inside_the_safe_area_below_the_text(built, key,
                                                                            document):
    edition = SHIPPED[key]
    draft = draft_text(edition.language)
    for width, height, rects in text_rects(built / key / f"{document}.pdf"):
        [(left, bottom, right, top)] = rects_holding(rects, draft.split(":")[0].strip())
        assert left >= SAFE_POINTS and bottom >= SAFE_POINTS - 0.5
        assert right <= width - SAFE_POINTS and top <= height - SAFE_POINTS
        # Never over the text: everything else on the page ends above it, or beside it in
        # the same margin (the edition mark).
        others = [(text, rect) for text, rect in rects if rect[1] > top or rect[3] < bottom
                  or (rect[2] <= left or rect[0] >= right)]
        assert len(others) == len(rects) - 1, [t for t, r in rects if (t, r) not in others]
        margin = [text for text, rect in rects if rect[3] <= top + 0.5]
        assert all(draft.split(":")[0] in t or edition.key in t for t in margin), margin


@pytest.mark.parametrize("key", sorted(SAMPLE_EDITIONS))
def test_every_page_prints_the_edition_mark_with_the_content_hash(built, key):
    edition = SHIPPED[key]
    mark = f"{key} · {edition.review.content_hash}"
    assert len(edition.review.content_hash) == 7
    for document in DOCUMENTS:
        for width, height, rects in text_rects(built / key / f"{document}.pdf"):
            [(left, bottom, right, top)] = rects_holding(rects, mark)
            assert left >= SAFE_POINTS and bottom >= SAFE_POINTS - 0.5
            assert right <= width - SAFE_POINTS


def test_the_mark_and_draft_line_are_artifacts_and_every_other_text_is_tagged(built):
    for document in DOCUMENTS:
        with pikepdf.open(built / "us/es-US" / f"{document}.pdf") as pdf:
            parent_tree = pdf.Root.StructTreeRoot.ParentTree.Nums
            for index, page in enumerate(pdf.pages):
                mapped = parent_tree[2 * index + 1]
                stack, artifact_texts, tagged_mcids, untagged = [], 0, set(), 0
                for operands, operator in pikepdf.parse_content_stream(page):
                    op = str(operator)
                    if op in ("BDC", "BMC"):
                        mcid = operands[1].get("/MCID") if op == "BDC" and \
                            isinstance(operands[1], pikepdf.Dictionary) else None
                        stack.append((str(operands[0]), mcid))
                    elif op == "EMC":
                        stack.pop()
                    elif op in ("Tj", "TJ"):
                        if any(tag == "/Artifact" for tag, _ in stack):
                            artifact_texts += 1
                        elif any(mcid is not None for _, mcid in stack):
                            tagged_mcids.add(next(int(m) for _, m in reversed(stack)
                                                  if m is not None))
                        else:
                            untagged += 1
                # The mark and the draft line: two runs of text, outside the tags.
                assert artifact_texts >= 2 and untagged == 0
                # Every tagged run is in the structure tree (no id left dangling).
                assert all(mapped[m] is not None for m in tagged_mcids)


@pytest.mark.parametrize("key", ["us/en-US", "us/es-US"])
def test_the_pdf_metadata_states_the_draft_and_the_mark(built, key):
    edition = SHIPPED[key]
    for document in DOCUMENTS:
        info = PdfReader(built / key / f"{document}.pdf").metadata
        assert info["/ReviewStatus"] == "draft"
        assert draft_text(edition.language) in info["/Keywords"]
        assert f"{key} · {edition.review.content_hash}" in info["/Keywords"]


def test_the_catalog_says_each_edition_is_a_draft(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    assert index.count('data-status="draft"') == len(SHIPPED)
    assert 'data-status="final"' not in index
    assert "brochure.es.yaml by a translator" in index


# --- review, approve and build --final in a clinic's folder ----------------------------------

@pytest.fixture(scope="module")
def approved_clinic(tmp_path_factory):
    """An English-only clinic folder with every file its edition uses approved, built
    with --final."""
    folder = tmp_path_factory.mktemp("approvals") / "birch"
    assert run_cli("init", folder, *ONE_CLINIC).exit_code == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        listed = json.loads(run_cli("review", "--json").output)
        for row in listed["files"]:
            result = run_cli("approve", row["file"], "--by", "Dr Test", "--role", row["needs"],
                             "--on", "2026-12-01")
            assert result.exit_code == 0, result.output
        built = run_cli("build", "--final", "--jobs", "1")
    assert built.exit_code == 0, built.output
    return folder, listed


def test_review_lists_every_file_an_edition_uses_with_the_role_it_needs(approved_clinic):
    folder, listed = approved_clinic
    files = {row["file"]: row for row in listed["files"]}
    assert set(files) == {"clinics/birch-test-clinic.yaml", "regions/us-birch-test-clinic.yaml",
                          "shipped:brochure.en.yaml", "shipped:checklist.en.yaml",
                          "shipped:common.en.yaml", "shipped:regions/us.yaml",
                          "shipped:languages/en-US.yaml"}
    assert all(row["state"] == "not approved" for row in files.values())
    assert files["clinics/birch-test-clinic.yaml"]["needs"] == "editor"
    assert files["shipped:regions/us.yaml"]["needs"] == "clinician"
    assert files["shipped:languages/en-US.yaml"]["needs"] == "clinician"
    assert files["shipped:brochure.en.yaml"]["file_status"] == "needs-review"


def test_approvals_are_data_beside_the_content_with_a_hash_of_what_was_approved(approved_clinic):
    folder, _ = approved_clinic
    data = yaml.safe_load((folder / "approvals.yaml").read_text(encoding="utf-8"))
    records = {r["file"]: r for r in data["approvals"]}
    assert len(records) == 7
    clinic = records["clinics/birch-test-clinic.yaml"]
    assert clinic["by"] == "Dr Test" and clinic["role"] == "editor"
    assert str(clinic["date"]) == "2026-12-01"
    import hashlib
    assert clinic["sha256"] == hashlib.sha256(
        (folder / "clinics/birch-test-clinic.yaml").read_bytes()).hexdigest()
    # The content files themselves are untouched.
    assert "approv" not in (folder / "clinics/birch-test-clinic.yaml").read_text()


def test_a_final_edition_has_no_draft_line_and_its_mark_carries_the_approval_date(approved_clinic):
    folder, _ = approved_clinic
    out = folder / "output/us-birch-test-clinic/en-US"
    for document in DOCUMENTS:
        text = pdf_text(out / f"{document}.pdf")
        assert "Draft" not in text
        pages = text_rects(out / f"{document}.pdf")
        for width, height, rects in pages:
            [rect] = rects_holding(rects, "Approved 2026-12-01")
            assert rect[1] >= SAFE_POINTS - 0.5
            [found] = [t for t, _ in rects if "Approved 2026-12-01" in t]
            assert found.startswith("us-birch-test-clinic/en-US · ")
        info = PdfReader(out / f"{document}.pdf").metadata
        assert info["/ReviewStatus"] == "final" and "Approved 2026-12-01" in info["/Keywords"]
    index = (folder / "output/index.html").read_text(encoding="utf-8")
    assert 'data-status="final"' in index and 'data-status="draft"' not in index


def test_an_edit_unapproves_and_final_refuses_with_a_line_per_file(approved_clinic, tmp_path,
                                                                    monkeypatch):
    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    monkeypatch.chdir(folder)
    edit(folder / "clinics/birch-test-clinic.yaml", "1 Main Street", "2 Main Street")
    review = run_cli("review")
    assert review.exit_code == 0
    assert "changed       editor      clinics/birch-test-clinic.yaml: changed since Dr Test " \
           "(editor) approved it on 2026-12-01" in review.output
    refused = run_cli("build", "--final")
    assert refused.exit_code == 2
    errors = [line for line in refused.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: clinics/birch-test-clinic.yaml: changed since Dr Test (editor) "
                      "approved it on 2026-12-01; needs an editor's approval again "
                      "[us-birch-test-clinic/en-US]"]
    assert "Traceback" not in refused.output
    # Without --final the draft builds as before, with the draft line on every page.
    draft = run_cli("build", "--jobs", "1")
    assert draft.exit_code == 0, draft.output
    pdf = folder / "output/us-birch-test-clinic/en-US/brochure.pdf"
    assert all(rects_holding(rects, "Draft: not yet reviewed") for _, _, rects in text_rects(pdf))
    assert PdfReader(pdf).metadata["/ReviewStatus"] == "draft"


def test_an_approval_alone_rebuilds_the_editions(approved_clinic, tmp_path, monkeypatch):
    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    monkeypatch.chdir(folder)
    assert "Nothing to do" in run_cli("build", "--final").output
    again = run_cli("approve", "shipped:regions/us.yaml", "--by", "Dr Other", "--role",
                    "clinician", "--on", "2026-12-05")
    assert again.exit_code == 0, again.output
    rebuilt = run_cli("build", "--final", "--jobs", "1")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert set(statuses(rebuilt.output).values()) == {"built"}
    text = pdf_text(folder / "output/us-birch-test-clinic/en-US/checklist.pdf")
    assert "Approved 2026-12-05" in text


def test_approved_handouts_may_be_emailed_with_final(approved_clinic, tmp_path, monkeypatch):
    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    monkeypatch.chdir(folder)
    result = run_cli("email", "--to", "a@example.org", "--from", "clinic@example.org", "--final",
                     "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would send   a@example.org [us-birch-test-clinic/en-US]" in result.output


@pytest.mark.parametrize("args, message", [
    (("shipped:brochure.en.yaml", "--role", "translator"),
     "shipped:brochure.en.yaml: needs a clinician's approval, not a translator's"),
    (("nothing.yaml", "--role", "editor"), "nothing.yaml: no such content file"),
    (("shipped:brochure.fr.yaml", "--role", "translator"),
     "shipped:brochure.fr.yaml: no edition here is made from it"),
])
def test_approve_refuses_with_one_line(approved_clinic, tmp_path, monkeypatch, args, message):
    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    monkeypatch.chdir(folder)
    result = run_cli("approve", args[0], "--by", "Dr Test", *args[1:])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("name", ["Zoë \u202eevil", "A\u200bB", "A\u2028B", "\ufeffA", "A" * 101])
def test_a_name_the_approvals_file_could_not_be_read_back_with_is_refused(
        approved_clinic, tmp_path, monkeypatch, name):
    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    monkeypatch.chdir(folder)
    before = (folder / "approvals.yaml").read_bytes()
    result = run_cli("approve", "clinics/birch-test-clinic.yaml", "--by", name,
                     "--role", "editor")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: --by: give the approver's name on one line")
    assert (folder / "approvals.yaml").read_bytes() == before
    assert run_cli("review").exit_code == 0


def test_approvals_at_the_same_moment_are_all_kept(approved_clinic, tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    from datetime import date
    from iop_handouts.approvals import Approvals, record_approval

    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    (folder / "approvals.yaml").unlink()
    names = [f"clinics/file-{n}.yaml" for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: record_approval(folder, name, "0" * 64, "Dr Test", "editor",
                                                   date(2026, 12, 1)), names))
    assert sorted(Approvals(folder).records) == names


def test_an_approvals_file_that_is_not_a_file_is_one_line(approved_clinic, tmp_path,
                                                         monkeypatch):
    folder = tmp_path / "birch"
    shutil.copytree(approved_clinic[0], folder)
    (folder / "approvals.yaml").unlink()
    (folder / "approvals.yaml").mkdir()
    monkeypatch.chdir(folder)
    result = run_cli("approve", "clinics/birch-test-clinic.yaml", "--by", "A", "--role", "editor")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr == "Error: approvals.yaml: is not a file; move it away and approve again\n"


def test_the_shipped_content_cannot_be_approved_in_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("approve", "brochure.en.yaml", "--by", "Dr Test", "--role", "clinician")
    assert result.exit_code == 2 and "shipped content is not approved" in result.stderr


def test_final_refuses_the_shipped_drafts_naming_who_must_approve(tmp_path):
    result = run_cli("build", "--final", "--region", "us", "--out", tmp_path)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert "Error: brochure.es.yaml: needs a translator's approval [us/es-US]" in errors
    assert ("Error: regions/us.yaml: needs a clinician's approval [us/en-US, us/es-US, "
            "us/zh-Hans, us/zh-Hant, us/vi, us/ko, us/fil, us/ar]") in errors
    assert "Error: brochure.zh-Hant.yaml: needs a translator's approval [us/zh-Hant]" in errors
    assert len(errors) == len(set(errors))
    assert not list(tmp_path.rglob("*.pdf"))
