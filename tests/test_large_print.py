"""The large-print editions (build --large-print): portrait pages of the region's paper, one
column, 18 pt body and 22 pt headings read back from the PDFs, the crisis box on the first
page and a crisis line on every page, the same text as the office edition, a fillable
checklist with a part per program, tagged PDF/UA-1; and what `check` and the catalog say."""

import re
import shutil

import pytest
from pypdf import PdfReader

from helpers import (check_findings, edit, editions_of, font_sizes, normalise, outloud_reports,
                     printed_strings, run_cli, statuses, struct_elements, text_rects)
from iop_handouts.checks import run_checks
from iop_handouts.paths import CONTENT_DIR, STYLES_DIR
from iop_handouts.render import Renderer

# Points: US Letter and A4, portrait.
PAGE_SIZES = {"letter": (612, 792), "a4": (595.3, 841.9)}
EDITIONS = ("us/en-US", "us/es-US", "gb/en-GB")


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """US (Letter; English and Spanish) and UK (A4) built with their large-print editions."""
    out = tmp_path_factory.mktemp("large-print")
    result = run_cli("build", "--large-print", "--region", "us", "--region", "gb", "--out", out)
    assert result.exit_code == 0, result.output
    assert {f"{key}/{doc}-large-print.pdf" for key in EDITIONS
            for doc in ("brochure", "checklist")} <= set(statuses(result.output))
    return out


def edition(key):
    [found] = [e for e in editions_of() if e.key == key]
    return found


def page_texts(path) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(path).pages]


@pytest.mark.parametrize("key", EDITIONS)
@pytest.mark.parametrize("document", ["brochure", "checklist"])
def test_portrait_pages_at_18_pt_with_22_pt_headings(large, key, document):
    path = large / key / f"{document}-large-print.pdf"
    reader = PdfReader(path)
    assert len(reader.pages) >= 4, "the text runs over several pages, not squeezed onto two"
    width, height = PAGE_SIZES[edition(key).paper]
    for page in reader.pages:
        assert page.mediabox.width == pytest.approx(width, abs=1)
        assert page.mediabox.height == pytest.approx(height, abs=1)
    sizes = font_sizes(path)
    body = max(sizes, key=sizes.get)
    assert body == 18, sizes
    # Nothing smaller than 18 pt but the edition mark (for staff), once on every page.
    mark = len(edition(key).mark)
    small = sum(count for size, count in sizes.items() if size < 18)
    assert small == len(reader.pages) * mark, sizes
    assert max(sizes) >= 22, sizes


def test_headings_read_back_at_their_sizes(large):
    """The title over 22 pt, section headings 22 pt, the questions and line names 20 pt."""
    import math

    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])))

    for page in PdfReader(large / "us/en-US/brochure-large-print.pdf").pages:
        page.extract_text(visitor_text=visit)
    sized = {}
    for text, points in runs:
        sized.setdefault(" ".join(text.split()), round(points))
    brochure = edition("us/en-US").brochure
    assert sized["Intensive Outpatient Program (IOP)"] >= 22
    assert sized[brochure.faq.heading] == 22
    assert sized[brochure.sections[0].heading] == 22
    assert sized[brochure.faq.items[0].question] == 20
    assert sized["988 Suicide & Crisis Lifeline"] == 20


def page_margins(key) -> tuple[float, float, float]:
    """(sides, top, bottom) of a large-print page in points: 1 in (25 mm on A4); the top one
    is the same or, where the crisis line at the top takes three lines, 1.35 in (34 mm), so
    only the bottom 1 in counts as the top margin here."""
    if edition(key).paper == "letter":
        return 72, 72, 72
    return tuple(mm / 25.4 * 72 for mm in (25, 25, 25))


def body_rects(path, key):
    """Per page: (width, [(text, rect)]) for the text between the top and bottom margins
    (the margins hold the crisis line, the edition mark and the draft line)."""
    _, top_margin, bottom_margin = page_margins(key)
    return [(width, [(text, rect) for text, rect in rects
                     if rect[3] <= height - top_margin + 1 and rect[1] >= bottom_margin - 1])
            for width, height, rects in text_rects(path)]


@pytest.mark.parametrize("key", EDITIONS)
def test_one_column_inside_one_inch_margins(large, key):
    """Every line of text starts at the left margin or indented from it (one column, flush
    left) and ends inside the right margin: 1 in (25 mm on A4) on each side."""
    side = page_margins(key)[0]
    for document in ("brochure", "checklist"):
        path = large / key / f"{document}-large-print.pdf"
        for width, height, rects in text_rects(path):
            for text, (left, bottom, right, top) in rects:
                assert left >= side - 1 and right <= width - side + 1, (document, text)
        for width, rects in body_rects(path, key):
            # One column: text right of the page's middle only goes on a line that starts
            # left of it (pdfium reads a line as runs; a run's height follows its size).
            for text, (left, bottom, right, top) in rects:
                if left > width / 2:
                    assert any(other[0] < left and other[1] < top and other[3] > bottom
                               for _, other in rects), (document, text)


def body_text(path, key) -> str:
    """The text of every page without what its margins print (the crisis line at the top,
    the edition mark and the draft line at the bottom), as one string."""
    found = edition(key)
    first = found.first_phone_contact
    margins = [f"{found.labels.crisis_heading}{found.colon} {first.label} {first.text} "
               f"{found.labels.emergency}{found.colon} "
               + f" {found.labels.or_} ".join(c.text for c in found.emergency),
               found.mark, found.labels.draft_notice]
    pages = []
    for page in PdfReader(path).pages:
        text = normalise(page.extract_text().replace("\u00a0", " "))
        for margin in margins:
            text = text.replace(normalise(margin.replace("\u00a0", " ")), " ")
        pages.append(text)
    return normalise(" ".join(pages))


@pytest.mark.parametrize("key", EDITIONS)
def test_crisis_box_on_the_first_page_and_a_crisis_line_on_every_page(large, key):
    found = edition(key)
    numbers = [normalise(c.text) for line in found.crisis_lines for c in line.contacts] + \
              [normalise(c.text) for c in found.emergency]
    first = normalise(found.first_phone_contact.text)
    for document in ("brochure", "checklist"):
        pages = page_texts(large / key / f"{document}-large-print.pdf")
        assert found.labels.crisis_heading in pages[0]
        for number in numbers:
            assert number in pages[0], (document, number)
        for page_number, text in enumerate(pages, 1):
            assert first in text and normalise(found.emergency[0].text) in text, \
                (document, page_number)


@pytest.mark.parametrize("key", EDITIONS)
def test_the_same_text_as_the_office_edition(large, key):
    """Nothing lost: every printed string of the brochure, and every question of the
    checklist once for each of its three programs."""
    found = edition(key)
    brochure = body_text(large / key / "brochure-large-print.pdf", key)
    strings = printed_strings(brochure=found.brochure.model_dump())
    strings += [found.clinic.name, found.disclaimer, *(r.name for r in found.local_resources)]
    for text in strings:
        assert normalise(text) in brochure, text
    checklist = body_text(large / key / "checklist-large-print.pdf", key)
    for text in (found.checklist.title, found.checklist.large_print_intro,
                 found.checklist.closing, *found.checklist.steps):
        assert normalise(text) in checklist, text
    for question in found.checklist.questions:
        assert checklist.count(normalise(question.question)) == 3, question.question
    # The office checklist's "use a column" has no place here.
    assert normalise(found.checklist.intro) not in checklist or \
        found.checklist.intro == found.checklist.large_print_intro


def test_the_checklist_is_a_form_with_a_part_per_program(large):
    """Form fields named as in the office checklist, each program's on pages of its own."""
    found = edition("us/en-US")
    reader = PdfReader(large / "us/en-US/checklist-large-print.pdf")
    questions = len(found.checklist.questions)
    pages_of = {}
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or ():
            annotation = annotation.get_object()
            if annotation.get("/T"):
                pages_of[str(annotation["/T"])] = number
    expected = {f"program-{n}-name" for n in (1, 2, 3)} | \
        {f"{kind}-{q}-program-{n}" for kind in ("question", "notes")
         for q in range(1, questions + 1) for n in (1, 2, 3)}
    assert set(pages_of) == expected
    for n in (1, 2):
        last_of_this = max(p for name, p in pages_of.items() if name.endswith(f"program-{n}")
                           or name == f"program-{n}-name")
        first_of_next = min(p for name, p in pages_of.items()
                            if name.endswith(f"program-{n + 1}") or name == f"program-{n + 1}-name")
        assert first_of_next > last_of_this, "each program starts on a page of its own"
    fields = reader.get_fields()
    assert fields["question-1-program-2"]["/FT"] == "/Btn"
    assert fields["notes-1-program-2"]["/FT"] == "/Tx"
    assert str(fields["notes-1-program-2"]["/TU"]).startswith("Notes, Program 2")


def test_tagged_pdf_ua_with_no_errors_and_headings_in_order(large):
    paths = [large / key / f"{document}-large-print.pdf" for key in EDITIONS
             for document in ("brochure", "checklist")]
    for report in outloud_reports(paths):
        assert report["counts"]["error"] == 0, (report["path"], report["findings"])
    for path in paths:
        reader = PdfReader(path)
        assert reader.trailer["/Root"]["/Lang"]
        headings = [str(e["/S"]) for e in struct_elements(reader) if str(e["/S"]) in
                    ("/H1", "/H2", "/H3")]
        assert headings[0] == "/H1" and headings.count("/H1") == 1, (path, headings)
        assert "/Figure" in {str(e["/S"]) for e in struct_elements(reader)} or "checklist" in path.name


def test_a_crisis_box_too_long_for_the_first_page_is_one_line(content, tmp_path):
    """The crisis box must be whole on the first page (after the summary, or else right after
    the title); when it cannot be, the build says so in one line naming the region file."""
    long_note = "Trained counselors answer every call and text, day and night. " * 12
    edit(content / "regions/us.yaml", "Free and confidential. For Spanish, press 2 or text "
                                      "AYUDA to 988.", long_note.strip())
    result = run_cli("build", "--large-print", "--region", "us", "--lang", "en", "--doc",
                     "brochure", "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines()
              if line.startswith("Error: us/en-US/brochure-large-print:")]
    assert "the crisis box does not fit on the first page" in line
    assert "or the clinic's name (" in line and "clinics/example-network.yaml, line 3)" in line
    assert "regions/us.yaml, line 16" in line


def test_check_reads_the_type_sizes_back(large, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(large, out)

    def found(rule):
        return check_findings(out, rule)

    assert found("large-print") == [] and found("crisis") == []
    # The office checklist (12 pt, one page) in the large print's place.
    shutil.copy(out / "us/en-US/checklist.pdf", out / "us/en-US/checklist-large-print.pdf")
    problems = found("large-print.type")
    assert any("below 18 pt" in f.problem and f.where.endswith("checklist-large-print.pdf")
               for f in problems), problems
    assert any("no heading at 22 pt" in f.problem for f in problems), problems
    [pages] = found("large-print.pages")
    assert "1 page(s), no more than the office edition's 1" in pages.problem


def test_the_catalog_links_the_large_print(large):
    catalog = (large / "index.html").read_text(encoding="utf-8")
    assert 'href="us/es-US/brochure-large-print.pdf"' in catalog
    pages = len(PdfReader(large / "us/es-US/checklist-large-print.pdf").pages)
    assert f"Large print (PDF, {pages} pages)" in catalog
    # Many pages, none shown: no thumbnails drawn for them.
    assert not list(large.glob("*/*/*-large-print-page*.png"))


def test_a_second_build_has_nothing_to_do(large):
    result = run_cli("build", "--large-print", "--region", "us", "--region", "gb", "--out", large)
    assert result.exit_code == 0 and set(statuses(result.output).values()) == {"up to date"}


def test_check_reads_a_damaged_large_print_as_unreadable_and_a_stale_one_as_stale(large, tmp_path):
    from pypdf import PdfWriter

    out = tmp_path / "out"
    shutil.copytree(large, out)
    PdfWriter().write(out / "us/en-US/brochure-large-print.pdf")        # no pages
    damaged = out / "us/en-US/checklist-large-print.pdf"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 3: len(data) // 3 + 4000] = b"\x00" * 4000
    damaged.write_bytes(bytes(data))
    report = run_checks(CONTENT_DIR, out, STYLES_DIR, Renderer(), ("us",), ("en", "es"))
    unreadable = {f.where for f in report.findings if "cannot read the PDF" in f.problem}
    assert any(w.endswith("us/en-US/brochure-large-print.pdf") for w in unreadable), unreadable
    # Another edition's large print in this one's place: its edition mark gives it away.
    shutil.copy(out / "us/es-US/brochure-large-print.pdf", out / "us/en-US/brochure-large-print.pdf")
    report = run_checks(CONTENT_DIR, out, STYLES_DIR, Renderer(), ("us",), ("en",))
    [stale] = [f for f in report.findings if f.rule == "edition.mark"]
    assert stale.where.endswith("us/en-US/brochure-large-print.pdf, page 1")


def test_the_line_at_the_top_is_one_to_call(content):
    """With a line's chat listed first, the top of every page still gives a number."""
    edit(content / "regions/us.yaml", """      - how: call_or_text
        number: "988"
      - how: chat
        url: "https://988lifeline.org"
""", """      - how: chat
        url: "https://988lifeline.org"
      - how: call_or_text
        number: "988"
""")
    [found] = [e for e in editions_of(content, ("us",), ("en",))]
    assert found.first_phone_contact.href == "tel:988"
    from iop_handouts.render import RenderOptions
    html = Renderer(content_dir=content).html("brochure", found, RenderOptions(large_print=True))
    top = re.search(r"@top-left \{ content: ([^;]*);", html)[1]
    assert "988" in top and "lifeline" not in top
