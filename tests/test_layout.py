"""The layout a reader holds: a crisis line on every page, inside panels that fill in order,
type copyfitted from 12 pt down to 11 pt, numbers that never break, nothing past the safe
area, a fold or a box, the levels-of-care figure, and the checklist's comparison grid."""

import re
import shutil

import pypdfium2
import pytest
from pypdf import PdfReader

from helpers import (edit, editions_of, font_sizes, line_of, normalise, outloud_reports,
                     run_cli, struct_elements)

POINTS_PER_INCH = 72


def page_lines(path, page_number):
    """(text, left, bottom, right, top, size) for each line of a page, in points, read with
    pdfium (the text a viewer shows, with where it is)."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        page = document[page_number]
        text_page = page.get_textpage()
        lines = []
        for index in range(text_page.count_rects()):
            left, bottom, right, top = text_page.get_rect(index)
            text = text_page.get_text_bounded(left, bottom, right, top)
            lines.append((text, left, bottom, right, top))
        return lines, page.get_width(), page.get_height()
    finally:
        document.close()


def crisis_numbers(edition) -> list[str]:
    numbers = [c.text for c in edition.emergency]
    return numbers + [c.text for line in edition.crisis_lines for c in line.contacts]


# --- every page ------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["us/en-US", "us/es-US", "ca-qc/fr-CA", "gb/en-GB"])
def test_a_crisis_line_on_every_page(built, key):
    [edition] = [e for e in editions_of() if e.key == key]
    for document in ("brochure", "checklist"):
        reader = PdfReader(built / key / f"{document}.pdf")
        for number, page in enumerate(reader.pages, 1):
            text = normalise(page.extract_text())
            assert any(normalise(n) in text for n in crisis_numbers(edition)), (document, number)


# --- the inside panels -----------------------------------------------------------------------

def test_inside_panels_fill_in_reading_order(built):
    """The sections run down the first column, then the second, then the third, in their
    order; the first two columns end near the bottom (no inches left empty)."""
    [edition] = [e for e in editions_of() if e.key == "us/en-US"]
    pdf = built / "us/en-US/brochure.pdf"
    lines, width, height = page_lines(pdf, 1)
    column_width = width / 3
    columns = [[line for line in lines if column_width * i <= line[1] < column_width * (i + 1)]
               for i in range(3)]
    assert all(columns)
    for column in columns[:2]:
        lowest = min(line[2] for line in column)
        assert lowest < 1.1 * POINTS_PER_INCH, f"a column ends {lowest / 72:.1f} in up"
    # Headings appear in the content's order, column by column (the first section may open
    # the inside flap instead, when there is room for it there).
    in_order = [line[0].strip() for column in columns
                for line in sorted(column, key=lambda l: -l[4])]
    flat = normalise(" ".join(in_order))
    headings = [normalise(s.heading) for s in edition.brochure.sections]
    positions = [flat.find(h) for h in headings]
    if positions[0] == -1:
        assert headings[0] in normalise(PdfReader(pdf).pages[0].extract_text())
        positions = positions[1:]
    assert -1 not in positions and positions == sorted(positions)
    # Nothing past the right edge of the sheet's safe area.
    assert max(line[3] for line in lines) <= width - 0.25 * POINTS_PER_INCH + 0.5


DOCUMENTS_PAGES = {"brochure": 2, "checklist": 1}


def test_body_type_is_copyfitted_between_12_and_11_points(built):
    """Each edition's brochure body is the largest size (12, 11.5 or 11 pt) that fits, the
    same on every panel; the checklist body is 12 pt."""
    editions = {e.key: e for e in editions_of()}
    for key in ("us/en-US", "us/es-US", "ca-qc/fr-CA"):
        for document, allowed in (("brochure", {12.0, 11.5, 11.0}), ("checklist", {12.0})):
            sizes = font_sizes(built / key / f"{document}.pdf")
            # The page margins' edition mark (7 pt) and draft line (9 pt) are print
            # furniture, not body text: exactly their characters are left out.
            pages = DOCUMENTS_PAGES[document]
            sizes[7.0] = sizes.get(7.0, 0) - pages * len(editions[key].mark)
            sizes[9.0] = sizes.get(9.0, 0) - pages * len(editions[key].labels.draft_notice)
            assert sizes[7.0] == 0 and sizes[9.0] >= 0, (key, document, sizes)
            sizes = {size: count for size, count in sizes.items() if count}
            body = max(sizes, key=sizes.get)
            assert body in allowed, (key, document, sizes)
            assert min(size for size in sizes if sizes[size] > 20) >= min(allowed), (key, sizes)


def test_numbers_never_break_across_lines(built):
    """Every crisis number and the clinic's phone sit whole on one line; a display may break
    only before a bracketed repetition ("1 866 APPELLE" | "(1 866 277-3553)"), each part whole."""
    for key in ("us/en-US", "us/es-US", "ca-qc/fr-CA", "ca-qc/en-CA"):
        [edition] = [e for e in editions_of() if e.key == key]
        wanted = [part if index == 0 else "(" + part
                  for n in crisis_numbers(edition) for index, part in enumerate(n.split(" ("))]
        if edition.clinic.phone:
            wanted.append(edition.clinic.phone.text)
        for document in ("brochure", "checklist"):
            reader = PdfReader(built / key / f"{document}.pdf")
            lines = [normalise(line) for page in reader.pages
                     for line in page.extract_text().splitlines()]
            for number in wanted:
                assert any(normalise(number) in line for line in lines), (key, document, number)


# --- fit errors in two dimensions ------------------------------------------------------------

@pytest.fixture
def us_only(content):
    for path in (content / "regions").glob("*.yaml"):
        if path.stem not in ("us", "_outside-us"):
            path.unlink()
    return content


def build_error(content, tmp_path, *args):
    result = run_cli("build", "--region", "us", "--lang", "en", "--jobs", "1", *args,
                     "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    return line


def test_a_word_too_long_for_a_heading_names_its_file_line_and_field(us_only, tmp_path):
    path = us_only / "brochure.en.yaml"
    edit(path, 'heading: "What is IOP?"', 'heading: "' + "Outpatient" * 20 + '"')
    message = build_error(us_only, tmp_path, "--doc", "brochure")
    line = line_of(path, "Outpatient" * 20)
    assert f"brochure.en.yaml, line {line}, field 'sections[0].heading'" in message
    assert "past the side of the page's safe area" in message or "across a fold" in message \
        or "past the edge of its box" in message


def test_a_long_word_in_prose_is_hyphenated_not_clipped(us_only, tmp_path):
    word = "counterrevolutionaries" * 2
    edit(us_only / "brochure.en.yaml", "half-day treatment.", f"half-day treatment, {word}.")
    out = tmp_path / "out"
    result = run_cli("build", "--region", "us", "--lang", "en", "--doc", "brochure",
                     "--jobs", "1", "--content", us_only, "--out", out)
    assert result.exit_code == 0, result.output
    lines = [line for page in PdfReader(out / "us/en-US/brochure.pdf").pages
             for line in page.extract_text().splitlines()]
    # WeasyPrint hyphenates with U+2010 HYPHEN.
    assert any(line.rstrip().endswith(("-", "\u2010")) and "counter" in line for line in lines)


def test_a_long_word_in_a_crisis_box_is_hyphenated_or_refused_never_clipped(us_only, tmp_path):
    """A 70-letter word in a crisis line's note: hyphenated where the language allows, and
    otherwise an error naming the region file, line and field; never cut at the box."""
    path = us_only / "regions/us.yaml"
    edit(path, 'en: "Free and confidential.', 'en: "' + "Pneumonoultramicroscopic" * 3 +
         ' free and confidential.')
    out = tmp_path / "out"
    result = run_cli("build", "--region", "us", "--lang", "en", "--doc", "checklist",
                     "--jobs", "1", "--content", us_only, "--out", out)
    assert result.exit_code == 0, result.output
    text = PdfReader(out / "us/en-US/checklist.pdf").pages[0].extract_text()
    assert re.search(r"[a-z][-\u2010]\n", text)
    assert "Pneumono" in re.sub(r"[-\u2010]\n", "", text)
    # A run of letters with no place to hyphenate cannot fit: it is refused.
    edit(path, "Pneumonoultramicroscopic" * 3, "x" * 70)
    message = build_error(us_only, tmp_path, "--doc", "checklist")
    assert "regions/us.yaml, line" in message and "crisis_lines[0].notes" in message


def test_too_much_text_for_the_inside_panels_names_where_it_runs_out(us_only, tmp_path):
    path = us_only / "brochure.en.yaml"
    edit(path, "    closing:\n", "    closing:\n" + '      - "More words to read here."\n' * 40)
    message = build_error(us_only, tmp_path, "--doc", "brochure")
    assert "brochure.en.yaml, line" in message and "the columns are full" in message
    assert "even with body text at 11 pt" in message


def test_a_long_clinic_name_and_website_in_spanish_build_without_touching_the_disclaimer(
        content, tmp_path):
    """A realistic clinic: a long name, a two-line street address and a long website, with a
    Spanish edition. The back cover makes room (the disclaimer or the clinic's details move to
    the inside flap) instead of asking for a shorter disclaimer."""
    (content / "clinics/cedar.yaml").write_text(
        'name: "Cedar Valley Behavioral Health and Recovery Center"\n'
        'address:\n  - "4100 Cedar Valley Parkway, Building 2, Suite 300"\n'
        '  - "Austin, TX 78745"\n'
        'phone: "(512) 555-0143"\n'
        'website: "https://cedarvalley.example.org/intensive-outpatient"\n'
        'brand_color: "#2F5D3A"\n', encoding="utf-8")
    (content / "regions/us-tx.yaml").write_text(
        "extends: us\nid: us-tx\nname: \"Texas: Cedar Valley\"\nclinic: cedar\n"
        "languages: [en, es]\n", encoding="utf-8")
    disclaimer = (content / "common.es.yaml").read_text(encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", "--region", "us-tx", "--content", content, "--out", out)
    assert result.exit_code == 0, result.output
    assert (content / "common.es.yaml").read_text(encoding="utf-8") == disclaimer
    text = normalise(" ".join(p.extract_text()
                              for p in PdfReader(out / "us-tx/es/brochure.pdf").pages))
    assert "Cedar Valley Behavioral Health and Recovery Center" in text
    assert "cedarvalley.example.org" in text.replace(" ", "")


# --- the levels of care and the checklist grid -----------------------------------------------

def test_the_levels_of_care_are_one_figure_with_alt_text(built):
    [edition] = [e for e in editions_of() if e.key == "us/en-US"]
    reader = PdfReader(built / "us/en-US/brochure.pdf")
    alts = [str(e.get("/Alt")) for e in struct_elements(reader) if e.get("/S") == "/Figure"]
    assert edition.brochure.levels_of_care.description in alts
    text = normalise(" ".join(p.extract_text() for p in reader.pages))
    for level in edition.brochure.levels_of_care.levels:
        assert normalise(level.name) in text and normalise(level.detail) in text


def test_the_checklist_is_a_fillable_grid_for_three_programs(built):
    [edition] = [e for e in editions_of() if e.key == "us/en-US"]
    fields = PdfReader(built / "us/en-US/checklist.pdf").get_fields()
    questions = edition.checklist.questions
    for q, item in enumerate(questions, 1):
        for n in (1, 2, 3):
            tick = fields[f"question-{q}-program-{n}"]
            assert tick["/FT"] == "/Btn" and tick["/TU"] == f"Program {n}: {item.topic}"
            note = fields[f"notes-{q}-program-{n}"]
            assert note["/FT"] == "/Tx" and item.topic in note["/TU"]
    assert {f"program-{n}-name" for n in (1, 2, 3)} <= set(fields)
    # Each text field is at least as tall as the text typed into it (its /DA size), so
    # nothing typed is clipped; each check box is a usable size.
    for annotation in PdfReader(built / "us/en-US/checklist.pdf").pages[0]["/Annots"]:
        annotation = annotation.get_object()
        if annotation["/Subtype"] != "/Widget":
            continue   # a link
        x1, y1, x2, y2 = (float(v) for v in annotation["/Rect"])
        field = annotation if "/FT" in annotation else annotation["/Parent"].get_object()
        if field["/FT"] == "/Tx":
            size = float(re.search(r"([\d.]+) Tf", str(annotation["/DA"]))[1])
            assert abs(y2 - y1) >= size and abs(x2 - x1) >= 0.9 * POINTS_PER_INCH, field["/T"]
        else:
            assert abs(y2 - y1) >= 10 and abs(x2 - x1) >= 10, field["/T"]
    tags = [str(e.get("/S")) for e in struct_elements(PdfReader(built / "us/en-US/checklist.pdf"))]
    assert "/Table" in tags and tags.count("/TR") == len(questions) + 1
    [report] = outloud_reports([built / "us/en-US/checklist.pdf"])
    assert report["counts"]["error"] == 0, report["findings"]


@pytest.mark.parametrize("key", ["us/en-US", "us/es-US", "ca-qc/fr-CA"])
def test_the_checklist_shows_its_main_message_as_three_steps_side_by_side(built, key):
    """The checklist's main message (call, ask, compare) as three numbered steps in a row,
    each with its icon, above the grid: the visual that carries the message."""
    [edition] = [e for e in editions_of() if e.key == key]
    pdf = built / key / "checklist.pdf"
    lines, _, _ = page_lines(pdf, 0)
    starts = []
    for n, step in enumerate(edition.checklist.steps, 1):
        # The number is a run of its own (another colour), the words follow it.
        [at] = [i for i, line in enumerate(lines) if normalise(line[0]) == f"{n}."]
        assert normalise(lines[at + 1][0]).startswith(step.split()[0]), lines[at:at + 2]
        starts.append(lines[at])
    tops = [line[4] for line in starts]
    assert max(tops) - min(tops) < 2, starts                     # one row
    assert [line[1] for line in starts] == sorted(line[1] for line in starts)  # in order
    grid_top = max(line[4] for line in lines if normalise(line[0]).startswith(
        edition.checklist.questions[0].topic))
    assert min(tops) > grid_top                                  # above the questions
    # Each step draws its icon left of its number: dark strokes on the light cell, where
    # nothing else is drawn (the cell's rule is further left).
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        scale = 2
        image = document[0].render(scale=scale).to_pil().convert("L")
        height = document[0].get_height()
        for line in starts:
            box = [(line[1] - 0.36 * POINTS_PER_INCH) * scale, (height - line[4] - 8) * scale,
                   (line[1] - 0.06 * POINTS_PER_INCH) * scale, (height - line[4] + 16) * scale]
            dark = sum(image.crop([round(v) for v in box]).histogram()[:110])
            assert dark > 40, f"no icon beside step {line[0]!r}"
    finally:
        document.close()
