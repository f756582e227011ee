"""Print-shop editions (bleed, crop marks, PDF/X-4 with a CMYK output intent), the fillable
checklist, and the QR code on the brochure's back cover."""

import hashlib
import re

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from helpers import (CONTENT_DIR, DOCUMENTS, load, normalise, pdf_text, printed_strings, run_cli,
                     struct_elements)
from iop_handouts.typography import typeset

POINTS = {"letter": 0.125 * 72, "a4": 3 / 25.4 * 72}

# The `printed` fixture (conftest.py): the session's build plus print-shop editions of us-or
# and gb, with us-or's office PDFs rendered again by that print-shop run.


def boxes(page):
    return {name: [round(float(v), 1) for v in page[name]]
            for name in ("/MediaBox", "/TrimBox", "/BleedBox")}


@pytest.mark.parametrize("edition, paper, trim", [
    ("us-or/en-US", "letter", (792.0, 612.0)), ("gb/en-GB", "a4", (841.9, 595.3))])
def test_print_shop_brochure_has_bleed_around_the_trim(printed, edition, paper, trim):
    bleed = round(POINTS[paper], 1)
    for page in PdfReader(printed / edition / "brochure-print.pdf").pages:
        found = boxes(page)
        assert found["/TrimBox"] == [0.0, 0.0, *trim]
        assert found["/MediaBox"] == [-bleed, -bleed, trim[0] + bleed, trim[1] + bleed]
        assert found["/BleedBox"] == found["/MediaBox"]


def test_print_shop_checklist_has_bleed_too(printed):
    page = PdfReader(printed / "gb/en-GB/checklist-print.pdf").pages[0]
    found = boxes(page)
    assert found["/TrimBox"] == [0.0, 0.0, 595.3, 841.9]
    assert found["/MediaBox"][0] == -round(POINTS["a4"], 1)


@pytest.mark.parametrize("document", ["brochure", "checklist"])
def test_print_shop_pdfs_are_pdf_x4_with_a_fogra39_output_intent(printed, document):
    reader = PdfReader(printed / "us-or/en-US" / f"{document}-print.pdf")
    root = reader.trailer["/Root"]
    [intent] = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"] == "FOGRA39"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4  # a CMYK profile, embedded
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "PDF/X-4" in xmp
    # Dates come from the content's review record, so rebuilding gives the same bytes.
    assert reader.metadata["/CreationDate"].startswith("D:2026")


def test_office_editions_are_unchanged_by_the_print_shop_option(printed, built):
    for document in DOCUMENTS:
        office = (printed / "us-or/en-US" / f"{document}.pdf").read_bytes()
        assert office == (built / "us-or/en-US" / f"{document}.pdf").read_bytes()
        reader = PdfReader(printed / "us-or/en-US" / f"{document}.pdf")
        assert "/OutputIntents" not in reader.trailer["/Root"]
        assert boxes(reader.pages[0])["/MediaBox"] == boxes(reader.pages[0])["/TrimBox"]
        assert "pdfuaid:part" in reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def test_print_shop_brochure_keeps_every_content_item_and_crisis_number(printed):
    text = pdf_text(printed / "us-or/en-US/brochure-print.pdf")
    data = load(CONTENT_DIR / "brochure.en.yaml")
    assert [s for s in printed_strings(brochure=data)
            if normalise(typeset(s, "en")) not in text] == []
    for number in ("911", "988", "988lifeline.org", "838255", "1-800-662-4357"):
        assert number in text


def test_print_shop_rebuild_is_byte_identical(printed, tmp_path):
    assert run_cli("build", "--print-shop", "--region", "gb", "--jobs", "1",
                   "--out", tmp_path).exit_code == 0
    for name in ("brochure-print.pdf", "checklist-print.pdf"):
        assert hashlib.sha256((tmp_path / "gb/en-GB" / name).read_bytes()).digest() == \
            hashlib.sha256((printed / "gb/en-GB" / name).read_bytes()).digest()


# --- the fillable checklist ------------------------------------------------------------------

def test_office_checklist_is_fillable_with_named_fields(built):
    """A check box and a notes line for each question and each of three programs, and a
    line for each program's name: named, and titled with the program and the question."""
    fields = PdfReader(built / "us/en-US/checklist.pdf").get_fields()
    checklist = load(CONTENT_DIR / "checklist.en.yaml")
    topics = [q["topic"] for q in checklist["questions"]]
    ticks = {k: v for k, v in fields.items() if k.startswith("question-")}
    notes = {k: v for k, v in fields.items() if k.startswith("notes-")}
    assert topics and len(ticks) == len(notes) == 3 * len(topics)
    for row, topic in enumerate(topics, 1):
        assert [ticks[f"question-{row}-program-{n}"]["/TU"] for n in (1, 2, 3)] == \
            [f"Program {n}: {topic}" for n in (1, 2, 3)]
        assert [notes[f"notes-{row}-program-{n}"]["/TU"] for n in (1, 2, 3)] == \
            [f"Notes, Program {n}: {topic}" for n in (1, 2, 3)]
    assert all(v["/FT"] == "/Btn" for v in ticks.values())
    assert all(fields[f"program-{n}-name"]["/FT"] == "/Tx" for n in (1, 2, 3))


def test_spanish_checklist_fields_are_named_in_spanish(built):
    fields = PdfReader(built / "us/es-US/checklist.pdf").get_fields()
    assert fields["notes-1-program-1"]["/TU"].startswith("Notas, Programa 1")


def test_print_shop_checklist_has_no_form_fields(printed):
    assert not PdfReader(printed / "us-or/en-US/checklist-print.pdf").get_fields()


# --- the QR code -----------------------------------------------------------------------------

def decode_qr_codes(path, page=0):
    document = pypdfium2.PdfDocument(str(path))
    image = document[page].render(scale=300 / 72).to_pil()
    return zxingcpp.read_barcodes(image)


@pytest.mark.parametrize("pdf", ["us-or/en-US/brochure.pdf", "us-or/en-US/brochure-print.pdf",
                                 "gb/en-GB/brochure.pdf"])
def test_qr_code_decodes_to_the_clinic_website(printed, pdf):
    region = pdf.split("/")[0]
    clinic = load(CONTENT_DIR / f"clinics/{load(CONTENT_DIR / f'regions/{region}.yaml')['clinic']}.yaml")
    [code] = decode_qr_codes(printed / pdf)
    assert code.text == clinic["website"]
    assert code.ec_level in ("M", "Q", "H")
    # The address is printed beside it for people without a phone.
    assert clinic["website"].removeprefix("https://") in pdf_text(printed / pdf)


def test_qr_code_is_vector_with_alt_text(printed):
    reader = PdfReader(printed / "us-or/en-US/brochure.pdf")
    images = [x.get_object() for page in reader.pages
              for x in (page["/Resources"].get("/XObject") or {}).values()
              if x.get_object().get("/Subtype") == "/Image"]
    # A raster QR code of this size (version 3 or 4) drawn one pixel a module.
    assert not [image for image in images if image.get("/Width") in (29, 33)]
    figures = [str(e.get("/Alt")) for e in struct_elements(reader) if e["/S"] == "/Figure"]
    assert "QR code that opens our website: riverbend.example.org" in figures


def test_no_website_no_qr_code(content, tmp_path):
    clinic = content / "clinics/thames.yaml"
    clinic.write_text(re.sub(r"website: .*\n", "", clinic.read_text()))
    out = tmp_path / "out"
    assert run_cli("build", "--region", "gb", "--doc", "brochure", "--jobs", "1",
                   "--content", content, "--out", out).exit_code == 0
    assert decode_qr_codes(out / "gb/en-GB/brochure.pdf") == []
    assert "thames.example.org" not in pdf_text(out / "gb/en-GB/brochure.pdf")
