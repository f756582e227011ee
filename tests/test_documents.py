"""The shipped US English edition: what the PDFs say, their pages, fonts and tags."""

import hashlib

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject

from helpers import (CONTENT_DIR, DOCUMENTS, load, normalise, outloud_reports, pdf_text,
                     printed_strings, run_cli, struct_elements)
from iop_handouts.typography import typeset

POINTS_PER_INCH = 72
TRUE = BooleanObject(True)  # pypdf's booleans are all truthy: compare them with this


def page_size_inches(page):
    box = page.mediabox
    return round(float(box.width) / POINTS_PER_INCH, 2), round(float(box.height) / POINTS_PER_INCH, 2)


def test_brochure_is_one_letter_sheet_printed_on_both_sides(built):
    reader = PdfReader(built / "us/en-US/brochure.pdf")
    assert [page_size_inches(p) for p in reader.pages] == [(11.0, 8.5), (11.0, 8.5)]


def test_checklist_is_one_letter_portrait_page(built):
    reader = PdfReader(built / "us/en-US/checklist.pdf")
    assert [page_size_inches(p) for p in reader.pages] == [(8.5, 11.0)]


def test_every_brochure_text_appears_in_the_brochure(built):
    """Each text as English prints it: curly quotes and apostrophes (typography.py)."""
    text = pdf_text(built / "us/en-US/brochure.pdf")
    data = load(CONTENT_DIR / "brochure.en.yaml")
    missing = [s for s in printed_strings(brochure=data)
               if normalise(typeset(s, "en")) not in text]
    assert not missing


def test_every_checklist_text_appears_in_the_checklist(built):
    text = pdf_text(built / "us/en-US/checklist.pdf")
    data = load(CONTENT_DIR / "checklist.en.yaml")
    missing = [s for s in printed_strings(checklist=data)
               if normalise(typeset(s, "en")) not in text]
    assert not missing


@pytest.mark.parametrize("document", DOCUMENTS)
def test_crisis_lines_and_disclaimer_on_every_document(built, document):
    text = pdf_text(built / f"us/en-US/{document}.pdf")
    common = load(CONTENT_DIR / "common.en.yaml")
    for expected in ("911", "988", "988lifeline.org", "838255", "1-800-662-4357",
                     common["labels"]["crisis_heading"], common["labels"]["danger"],
                     common["disclaimer"]):
        assert normalise(expected) in text, expected
    # The retired "press 3" option must never be printed.
    assert "press 3" not in text


@pytest.mark.parametrize("document", DOCUMENTS)
def test_clinic_contact_on_every_document(built, document):
    text = pdf_text(built / f"us/en-US/{document}.pdf")
    clinic = load(CONTENT_DIR / "clinics/example-network.yaml")
    for expected in (clinic["name"], clinic["phone"], "network.example.org", *clinic["address"]):
        assert expected in text


@pytest.mark.parametrize("document", DOCUMENTS)
def test_numbers_are_links(built, document):
    reader = PdfReader(built / f"us/en-US/{document}.pdf")
    uris = {annotation.get_object()["/A"]["/URI"]
            for page in reader.pages for annotation in page.get("/Annots", [])
            if annotation.get_object()["/Subtype"] == "/Link"}
    assert {"tel:911", "tel:988", "sms:838255", "tel:+18006624357",
            "https://988lifeline.org", "tel:+12025550147"} <= uris


@pytest.mark.parametrize("document", DOCUMENTS)
def test_only_the_shipped_font_is_used_and_embedded(built, document):
    reader = PdfReader(built / f"us/en-US/{document}.pdf")
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = embedded
    assert fonts and all(fonts.values()), fonts
    assert all("Atkinson-Hyperlegible" in name for name in fonts), fonts


@pytest.mark.parametrize("document", DOCUMENTS)
def test_pdf_ua_markers_and_metadata(built, document):
    reader = PdfReader(built / f"us/en-US/{document}.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] == TRUE
    assert root["/Lang"] == "en-US"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == TRUE
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part" in xmp
    info = reader.metadata
    title = load(CONTENT_DIR / f"{document}.en.yaml")["title"]
    assert info.title == title
    assert info.author == "Example Health Network"
    assert info.subject


@pytest.mark.parametrize("document", DOCUMENTS)
def test_one_h1_and_headings_in_order(built, document):
    reader = PdfReader(built / f"us/en-US/{document}.pdf")
    tags = [str(element["/S"]) for element in struct_elements(reader)]
    headings = [int(t[2]) for t in tags if t in ("/H1", "/H2", "/H3", "/H4")]
    assert headings.count(1) == 1 and headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:])), headings


def test_brochure_tags_follow_the_folded_reading_order(built):
    """Front cover, inside flap, the three inside panels, then the back cover: the order
    a person reads the folded sheet, whatever the panels' places on the sheet."""
    reader = PdfReader(built / "us/en-US/brochure.pdf")
    texts = [e for e in struct_elements(reader) if e["/S"] in ("/H1", "/H2")]
    pages = []
    for heading in texts:
        page = heading.get("/Pg")
        pages.append(next(i for i, p in enumerate(reader.pages)
                          if p.indirect_reference == page.indirect_reference) if page else None)
    # Headings start on the outside (cover), run through the inside page, end on the outside.
    assert pages[0] == 0 and pages[-1] == 0 and 1 in pages
    first_inside, last_inside = pages.index(1), len(pages) - 1 - pages[::-1].index(1)
    assert all(p == 1 for p in pages[first_inside:last_inside + 1])


def test_accessibility_checker_finds_no_errors(built):
    # test_regions.py runs it on every edition (a slow test).
    reports = outloud_reports(built / f"us/en-US/{document}.pdf" for document in DOCUMENTS)
    assert len(reports) == len(DOCUMENTS)
    for report in reports:
        assert report["stats"]["tagged"] and report["error"] is None, report["path"]
        assert report["counts"]["error"] == 0 and report["counts"]["warning"] == 0, report["findings"]


def test_same_inputs_give_byte_identical_pdfs(built, tmp_path):
    # Built again into another folder, rendered in this process rather than by the session
    # build's workers: the same bytes. us-or has the clinic logo and brand colour.
    result = run_cli("build", "--region", "us", "--region", "us-or", "--lang", "en",
                     "--jobs", "1", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    pdfs = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.pdf"))
    assert len(pdfs) == 2 * len(DOCUMENTS)
    for pdf in pdfs:
        first = (built / pdf).read_bytes()
        second = (tmp_path / pdf).read_bytes()
        assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest(), pdf


def test_fold_marks_are_optional(built, tmp_path):
    assert run_cli("build", "--region", "us", "--lang", "en", "--doc", "brochure", "--fold-marks",
                   "--jobs", "1", "--out", tmp_path).exit_code == 0
    plain = (built / "us/en-US/brochure.pdf").read_bytes()
    marked = (tmp_path / "us/en-US/brochure.pdf").read_bytes()
    assert plain != marked
    assert pdf_text(tmp_path / "us/en-US/brochure.pdf") == pdf_text(built / "us/en-US/brochure.pdf")
