"""Languages in other scripts: Chinese (Simplified and Traditional), Vietnamese, Korean,
Tagalog and Arabic. Each prints in faces that have its letters, reads back from the PDF as
written, breaks lines where its script allows, and Arabic runs right to left, its brochure
mirrored."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from helpers import (CONTENT_DIR, DOCUMENTS, check_findings, edit, line_of, outloud_reports,
                     pdf_text, printed_strings, run_cli)
from iop_handouts.bidi import isolate_ltr_runs, isolate_ltr_text
from iop_handouts.content import ContentSet
from iop_handouts.scripts import BASE_FACE, writing

LEFT_TO_RIGHT = ("us/zh-Hans", "us/zh-Hant", "us/vi", "us/ko", "us/fil")
NEW_EDITIONS = (*LEFT_TO_RIGHT, "us/ar")
CONTENT = ContentSet(CONTENT_DIR)


def edition(key):
    region, language = key.split("/")
    return CONTENT.edition(region, language)


def squash(text: str) -> str:
    """Text without whitespace: Chinese and Korean lines may break inside a word, and a line
    break comes back from the PDF as a space or nothing."""
    return "".join(text.split())


def document_strings(e, document: str) -> list[str]:
    """What the content says is printed in one document, crisis lines included."""
    strings = printed_strings(e.brochure.model_dump() if document == "brochure" else None,
                              e.checklist.model_dump() if document == "checklist" else None)
    # The large-print checklist's intro is printed in the large print only.
    strings = [s for s in strings if s != e.checklist.large_print_intro]
    for line in e.crisis_lines:
        strings += [line.name, *([line.notes] if line.notes else [])]
    return strings + [e.disclaimer]


def embedded_families(path) -> set[str]:
    fonts = set()
    for page in PdfReader(path).pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return fonts


# --- fonts --------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", NEW_EDITIONS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_each_language_prints_in_its_own_faces(built, key, document):
    faces = writing(key.split("/")[1]).faces
    fonts = embedded_families(built / key / f"{document}.pdf")
    names = {face.replace(" ", "-") for face in faces}
    # The language's own face prints it; nothing but its faces is embedded.
    assert any(font.startswith(faces[0].replace(" ", "-")) for font in fonts), fonts
    assert all(any(font == n or font.startswith(n + "-") for n in names) for font in fonts), fonts


def test_chinese_and_korean_pdfs_embed_a_cut_of_the_font_not_all_of_it(built):
    # Noto Sans CJK is 16 MB a weight; a form field would embed all of it.
    for key in ("us/zh-Hans", "us/zh-Hant", "us/ko"):
        for document in DOCUMENTS:
            size = (built / key / f"{document}.pdf").stat().st_size
            assert size < 1_500_000, (key, document, size)


@pytest.mark.parametrize("key", LEFT_TO_RIGHT)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_text_read_back_from_the_pdf_is_the_content(built, key, document):
    """Every printed string comes back from the PDF as written: no missing glyph, no letter
    read back as another, Vietnamese accents on their letters."""
    e = edition(key)
    text = squash(pdf_text(built / key / f"{document}.pdf"))
    missing = [s for s in document_strings(e, document) if squash(s) not in text]
    assert not missing, missing
    assert "\ufffd" not in text
    assert not any(unicodedata.combining(c) for c in text if key == "us/vi")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_arabic_reads_back_word_for_word_with_numbers_left_to_right(built, document):
    """A PDF gives its text back in the order it is drawn, left to right across each line:
    each Arabic word must come back whole (Almarai maps every glyph to its letters) and each
    number and Latin name must read left to right."""
    e = edition("us/ar")
    text = pdf_text(built / f"us/ar/{document}.pdf")
    words = set(re.findall(r"[^\W\d_A-Za-z]+", text))
    for string in document_strings(e, document):
        missing = [w for w in re.findall(r"[^\W\d_A-Za-z]+", string) if w not in words]
        assert not missing, (string, missing)
        for run in re.findall(r"[0-9A-Za-z][0-9A-Za-z.\-/()]*[0-9A-Za-z]", string):
            assert run in squash(text), (string, run)
    assert "1-800-662-4357" in text and "4357-662-800-1" not in text
    # Letters, not the shapes a font draws them with (ﻫﺬا for هذا): search and copy need them.
    assert not [c for c in text if 0xFB50 <= ord(c) <= 0xFDFF or 0xFE70 <= ord(c) <= 0xFEFF]


def fragments(path, page=0):
    """(x, y, text) of each run of text as drawn on a page, x from the left edge."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((cm[0] * tm[4] + cm[2] * tm[5] + cm[4],
                          cm[1] * tm[4] + cm[3] * tm[5] + cm[5], text))
    reader = PdfReader(path)
    reader.pages[page].extract_text(visitor_text=visit)
    return found, float(reader.pages[page].mediabox.width)


def first_x(found, needle):
    return next(x for x, _, text in found if needle in text)


def test_arabic_lines_run_right_to_left(built):
    """On a line, what is said later stands further left: the phone number after its label,
    'IOP' after the Arabic words before it."""
    e = edition("us/ar")
    found, _ = fragments(built / "us/ar/brochure.pdf")
    label = e.labels.call_us
    lines = {}
    for x, y, text in found:
        lines.setdefault(round(y), []).append((x, text))
    phone_line = next(parts for parts in lines.values()
                      if any(label in t for _, t in parts) and any("555-0147" in t for _, t in parts))
    label_x = next(x for x, t in phone_line if label in t)
    number_x = next(x for x, t in phone_line if "555-0147" in t)
    assert number_x < label_x
    title_words = e.brochure.title.split()
    assert title_words[-1] == "(IOP)"
    title_line = next(parts for parts in lines.values()
                      if any("IOP" in t for _, t in parts) and any(title_words[-2] in t for _, t in parts))
    assert next(x for x, t in title_line if "IOP" in t) < next(x for x, t in title_line
                                                              if title_words[-2] in t)


@pytest.mark.parametrize("key, mirrored", [("us/ar", True), ("us/en-US", False)])
def test_the_arabic_brochure_folds_the_other_way(built, key, mirrored):
    """A booklet read right to left opens the other way: outside, the front cover is the left
    panel and the inside flap the right one; inside, the text starts in the right column."""
    e = edition(key)
    path = built / key / "brochure.pdf"
    found, width = fragments(path, 0)
    title_x = first_x(found, e.brochure.title.split()[0])
    flap_x = first_x(found, e.brochure.levels_of_care.levels[0].name)
    inside, _ = fragments(path, 1)
    first_heading_x = first_x(inside, e.brochure.sections[0].heading.split()[0])
    if mirrored:
        assert title_x < width / 3 and flap_x > 2 * width / 3 and first_heading_x > 2 * width / 3
    else:
        assert title_x > 2 * width / 3 and flap_x < width / 3 and first_heading_x < width / 3


def test_arabic_pdfs_pass_the_accessibility_checker(built):
    paths = [built / f"us/ar/{document}.pdf" for document in DOCUMENTS]
    paths += [built / f"us/zh-Hans/{document}.pdf" for document in DOCUMENTS]
    for report in outloud_reports(paths):
        assert report["stats"]["tagged"] and report["error"] is None, report["path"]
        assert report["counts"]["error"] == 0 and report["counts"]["warning"] == 0, report["findings"]
    reader = PdfReader(paths[0])
    assert str(reader.trailer["/Root"]["/Lang"]) == "ar"


# --- line breaking ----------------------------------------------------------------------------

@pytest.mark.parametrize("key", NEW_EDITIONS)
@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_crisis_number_never_breaks_across_lines(built, key, document):
    e = edition(key)
    numbers = [c.text for line in e.crisis_lines for c in line.contacts]
    numbers += [c.text for c in e.emergency]
    for page in PdfReader(built / key / f"{document}.pdf").pages:
        lines = page.extract_text().splitlines()
        joined = " ".join(lines)
        for number in dict.fromkeys(re.findall(r"[\d()][\d()\- ]*\d", " ".join(numbers))):
            assert joined.count(number) == squash(joined).count(squash(number)), (number, page)


# --- input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("language, file, text, character, face", [
    ("vi", "brochure.vi.yaml", "\ud55c", "'한' (U+D55C)", "Be Vietnam Pro"),
    ("ko", "brochure.ko.yaml", "\u0628", "'ب' (U+0628)", "Noto Sans CJK TC"),
    ("ar", "brochure.ar.yaml", "\u6f22", "'漢' (U+6F22)", "Almarai"),
])
def test_a_letter_the_language_faces_lack_stops_the_build(content, tmp_path, language, file,
                                                         text, character, face):
    source = (content / file).read_text(encoding="utf-8")
    title = re.search(r'^title: "', source, re.M).group()
    edit(content / file, title, title + text)
    result = run_cli("build", "--region", "us", "--lang", language, "--doc", "brochure",
                     "--content", content, "--out", tmp_path / "out")
    assert result.exit_code != 0
    line = line_of(content / file, title + text)
    assert f"{file}, line {line}, field 'title': the character {character}" in result.output
    assert face in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out" / "us" / language / "brochure.pdf").exists()


def test_vietnamese_typed_with_separate_accents_prints_composed(content, tmp_path):
    """'Điều trị' typed as letters and combining marks (NFD) is read as composed letters (NFC),
    which Be Vietnam Pro draws whole and the PDF gives back as one character each."""
    title = edition("us/vi").brochure.title
    decomposed = unicodedata.normalize("NFD", title)
    assert decomposed != title
    source = (content / "brochure.vi.yaml").read_text(encoding="utf-8")
    (content / "brochure.vi.yaml").write_text(source.replace(f'title: "{title}"',
                                                             f'title: "{decomposed}"'),
                                              encoding="utf-8")
    assert decomposed in (content / "brochure.vi.yaml").read_text(encoding="utf-8")
    result = run_cli("build", "--region", "us", "--lang", "vi", "--doc", "brochure",
                     "--content", content, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "us/vi/brochure.pdf")
    assert squash(title) in squash(text)
    assert not any(unicodedata.combining(c) for c in text)


def test_simplified_and_traditional_chinese_are_written_apart(built):
    simplified, traditional = pdf_text(built / "us/zh-Hans/brochure.pdf"), \
        pdf_text(built / "us/zh-Hant/brochure.pdf")
    assert "治疗" in simplified and "治療" not in simplified
    assert "治療" in traditional and "治疗" not in traditional
    for key, tag in (("us/zh-Hans", "zh-Hans"), ("us/zh-Hant", "zh-Hant")):
        assert str(PdfReader(built / key / "brochure.pdf").trailer["/Root"]["/Lang"]) == tag


@pytest.mark.parametrize("key", NEW_EDITIONS)
def test_each_new_language_prints_as_a_draft_until_a_translator_approves_it(built, key):
    e = edition(key)
    assert e.review.final is False
    for document in DOCUMENTS:
        assert squash(e.labels.draft_notice) in squash(pdf_text(built / key / f"{document}.pdf"))
    for name in ("brochure", "checklist", "common", "email"):
        source = (CONTENT_DIR / f"{name}.{key.split('/')[1]}.yaml").read_text(encoding="utf-8")
        assert "status: needs-translator-review" in source


# --- numbers inside right-to-left text ---------------------------------------------------------

def test_numbers_and_latin_names_in_arabic_text_are_kept_left_to_right():
    html = ('<p>اتصل على 1-800-662-4357 أو <a href="tel:988">(202) 555-0147</a> '
            'برنامج IOP و 988 &lt;b&gt; Suicide &amp; Crisis</p><title>1-800</title>'
            '<style>p{}</style>')
    out = isolate_ltr_runs(html)
    assert '<span dir="ltr">1-800-662-4357</span>' in out
    assert '<a href="tel:988" dir="ltr">(202) 555-0147</a>' in out
    # One word or one number keeps its order by itself; escapes stay escapes.
    assert "برنامج IOP و " in out
    assert '<span dir="ltr">988 &lt;b&gt; Suicide &amp; Crisis</span>' in out
    assert out.endswith("<title>1-800</title><style>p{}</style>")


@pytest.mark.parametrize("text, run", [
    ("عيادة Clínica São João de Deus هنا", "Clínica São João de Deus"),
    ("العنوان Suite #200, 100 Main St هنا", "Suite #200, 100 Main St"),
    ("وحدة Unit 4½ — 1234 N. 5th St. هنا", "Unit 4½ — 1234 N. 5th St"),
    ("الموقع network.example.org/ar/intake هنا", "network.example.org/ar/intake"),
    ("البريد intake_ar@network.example.org هنا", "intake_ar@network.example.org"),
    ("الرقم ١-٨٠٠-٦٦٢-٤٣٥٧ هنا", "١-٨٠٠-٦٦٢-٤٣٥٧"),
    ("نسبة 3.5% فقط", "3.5%"),
    ("دواء Naloxone (Narcan®) هنا", "Naloxone (Narcan®)"),
    ("الحرارة -5 درجة", "-5"),
])
def test_any_latin_text_or_number_in_arabic_stays_whole(text, run):
    assert f'<span dir="ltr">{run}</span>' in isolate_ltr_runs(f"<p>{text}</p>")


@pytest.mark.parametrize("text", ["مرحبًا (IOP، وهو برنامج) هنا", "علاج (CBT، DBT) هنا",
                                  "(CBT العلاج)"])
def test_brackets_around_arabic_words_are_left_to_the_arabic(text):
    # A bracket taken into a left-to-right run without its pair would face the wrong way.
    assert isolate_ltr_runs(f"<p>{text}</p>") == f"<p>{text}</p>"


def test_a_name_with_no_arabic_in_it_keeps_its_full_stop_at_its_end():
    assert isolate_ltr_runs('<p class="clinic-name">Cedar Valley Health, P.C.</p>') == \
        '<p class="clinic-name"><span dir="ltr">Cedar Valley Health, P.C.</span></p>'


def test_a_web_address_printed_in_parts_stays_in_order():
    html = ('<p>الموقع: <a href="https://n.example.org/ar/intake">n.example.org/</a><wbr>'
            '<a href="https://n.example.org/ar/intake">ar/</a><wbr>'
            '<a href="https://n.example.org/ar/intake">intake</a></p>')
    assert '<p>الموقع: <span dir="ltr"><a ' in isolate_ltr_runs(html)


def test_a_list_in_arabic_keeps_its_items_in_reading_order():
    # Arabic punctuation parts two numbers: each keeps its place, read from the right.
    assert isolate_ltr_runs("<p>اتصل 988، 911 الآن</p>") == "<p>اتصل 988، 911 الآن</p>"


def test_plain_text_in_arabic_gets_unicode_isolates():
    assert isolate_ltr_text("اتصل 1-800-662-4357 الآن") == \
        "اتصل \u20661-800-662-4357\u2069 الآن"


@given(st.text(alphabet=st.sampled_from(list("اب ت 0123456789-()./ABCxyz&<>\"'")), max_size=60))
def test_isolating_runs_changes_no_letter_of_the_text(text):
    from html import escape, unescape
    out = isolate_ltr_runs(f"<p>{escape(text)}</p>")
    assert unescape(re.sub(r"<[^>]*>", "", out)) == text


# --- what check can and cannot measure -------------------------------------------------------

def test_check_says_it_cannot_measure_reading_level_in_chinese(built):
    findings = check_findings(built, "reading", languages=("zh-Hans",))
    assert findings and all(f.rule == "reading.not-measured" and f.severity == "info"
                            for f in findings)
    plain = check_findings(built, "plain", languages=("zh-Hans",))
    unmeasured = [f for f in plain if f.rule == "plain.not-measured"]
    assert unmeasured and all("reader" in f.problem and "action" in f.problem
                              for f in unmeasured)
    assert not [f for f in plain if f.severity == "error"]


def test_check_still_measures_english(built):
    assert not check_findings(built, "reading.not-measured", languages=("en",))
    assert not check_findings(built, "plain.not-measured", languages=("en",))


@pytest.mark.parametrize("key", NEW_EDITIONS)
def test_check_finds_every_crisis_number_in_each_new_language(built, key):
    language = key.split("/")[1]
    for rule in ("crisis", "plain.cover", "edition", "web"):
        problems = [f for f in check_findings(built, rule, languages=(language,))
                    if f.severity != "info"]
        assert not problems, problems


# --- the web page ----------------------------------------------------------------------------

def test_web_pages_carry_their_language_faces_and_direction(built):
    chinese = (built / "us/zh-Hans/handout.html").read_text(encoding="utf-8")
    assert 'font-family: "Noto Sans CJK TC"' in chinese and "data:font/otf;base64," in chinese
    arabic = (built / "us/ar/handout.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in arabic and 'font-family: "Almarai"' in arabic
    assert 'dir="ltr">1-800-662-4357' in arabic or '<span dir="ltr">1-800-662-4357' in arabic
    english = (built / "us/en-US/handout.html").read_text(encoding="utf-8")
    assert '<html lang="en-US">' in english and BASE_FACE in english
    assert 'dir="ltr"' not in english and "Noto Sans CJK" not in english


def fold_guides(path) -> list[list[float]]:
    """Where the fold guides stand on each side of the sheet, in inches from the left edge:
    the only ink in the strip 0.05 to 0.27 in below the top."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    sides = []
    for page in pdf:
        image = page.render(scale=100 / 72).to_pil().convert("L")
        columns = [x for x in range(image.width)
                   if any(image.getpixel((x, y)) < 230 for y in range(5, 27))]
        groups = []
        for x in columns:
            if groups and x - groups[-1][-1] <= 2:
                groups[-1].append(x)
            else:
                groups.append([x])
        sides.append([round(sum(g) / len(g) / 100, 2) for g in groups])
    return sides


@pytest.mark.parametrize("language, outside, inside", [
    ("en", [3.63, 7.31], [3.69, 7.38]),
    ("ar", [3.69, 7.38], [3.63, 7.31]),
])
def test_fold_guides_stand_on_the_folds_of_the_mirrored_sheet(tmp_path, language, outside, inside):
    result = run_cli("build", "--region", "us", "--lang", language, "--doc", "brochure",
                     "--fold-marks", "--jobs", "1", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    key = "us/en-US" if language == "en" else f"us/{language}"
    found = fold_guides(tmp_path / key / "brochure.pdf")
    assert found[0] == pytest.approx(outside, abs=0.03)
    assert found[1] == pytest.approx(inside, abs=0.03)


# --- hostile and careless input in the new languages --------------------------------------------

def test_the_arabic_email_keeps_its_numbers_left_to_right(tmp_path):
    import email
    import email.policy

    result = run_cli("email", "--out", tmp_path, "--to", "Sara <sara@example.org>",
                     "--region", "us", "--lang", "ar")
    assert result.exit_code == 0, result.output
    [eml] = (tmp_path / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "\u20661-800-662-4357\u2069" in plain        # between Unicode isolates
    assert re.search(r'dir="ltr">1-800-662-4357<', html)
    assert '<html lang="ar" dir="rtl">' in html


def test_the_catalog_shows_an_arabic_crisis_box_right_to_left(tmp_path):
    result = run_cli("build", "--region", "us", "--lang", "ar", "--doc", "checklist",
                     "--jobs", "1", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    catalog = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<div lang="ar" dir="rtl">' in catalog
    assert re.search(r'dir="ltr">1-800-662-4357<', catalog)


def test_escaped_decomposed_letters_are_composed_too(content, tmp_path):
    # YAML's "\u0300" escape makes a combining accent after the file was composed (NFC).
    source = (content / "brochure.vi.yaml").read_text(encoding="utf-8")
    title = re.search(r'^title: "(.*)"$', source, re.M).group(1)
    escaped = unicodedata.normalize("NFD", title).encode("ascii", "backslashreplace").decode()
    (content / "brochure.vi.yaml").write_text(source.replace(f'title: "{title}"',
                                                             f'title: "{escaped}"'),
                                              encoding="utf-8")
    assert ContentSet(content).edition("us", "vi").brochure.title == title


@pytest.mark.parametrize("character", ["\u061c", "\u3164"])
def test_an_arabic_letter_mark_or_a_blank_hangul_letter_is_refused(content, tmp_path, character):
    edit(content / "brochure.ar.yaml", 'title: "', 'title: "' + character)
    result = run_cli("build", "--region", "us", "--lang", "ar", "--content", content,
                     "--out", tmp_path)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"U+{ord(character):04X}" in result.output and "brochure.ar.yaml, line" in result.output


@pytest.mark.parametrize("greeting", ["مرحبًا {name}}،", "Hello {name.__class__},", "Hi {nom}",
                                      "Hello,", "Hello {{name}},"])
def test_an_email_greeting_with_a_stray_brace_is_one_line(content, tmp_path, greeting):
    source = (content / "email.ar.yaml").read_text(encoding="utf-8")
    source = re.sub(r'^greeting: ".*"$', f'greeting: "{greeting}"', source, flags=re.M)
    (content / "email.ar.yaml").write_text(source, encoding="utf-8")
    result = run_cli("email", "--content", content, "--out", tmp_path, "--to",
                     "Sara <sara@example.org>", "--region", "us", "--lang", "ar", "--dry-run")
    assert "Traceback" not in result.output
    assert "email.ar.yaml, line" in result.output and "field 'greeting'" in result.output


def test_a_chinese_tag_without_a_script_is_pointed_to_the_one_to_print(content, tmp_path):
    edit(content / "regions/us.yaml", "languages: [en-US, es-US, zh-Hans,",
         "languages: [en-US, es-US, zh-TW, zh-Hans,")
    result = run_cli("build", "--region", "us", "--lang", "zh-TW", "--content", content,
                     "--out", tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no languages/zh-TW.yaml" in result.output and "print 'zh-Hant'" in result.output


def test_init_asks_which_chinese_to_print(tmp_path):
    result = run_cli("init", tmp_path / "clinic", "--name", "Golden Gate Care", "--address",
                     "1 Main St", "--address", "San Francisco, CA 94105", "--phone",
                     "(415) 555-0100", "--country", "US", "--state", "CA", "--lang", "zh")
    assert result.exit_code == 2, result.output
    assert "'zh' is more than one of us's languages (zh-Hans, zh-Hant)" in result.output


def test_arabic_text_with_no_room_names_where_it_runs_out(content, tmp_path):
    edit(content / "brochure.ar.yaml", 'answer: "', 'answer: "' + "نص إضافي طويل جدا. " * 90)
    result = run_cli("build", "--region", "us", "--lang", "ar", "--doc", "brochure",
                     "--content", content, "--out", tmp_path)
    assert result.exit_code != 0
    assert "has no room: the columns are full from here on" in result.output
    assert "brochure.ar.yaml, line" in result.output


def test_korean_lines_end_between_words(built):
    """Not inside a word ("전화하 / 세요", "24 / 시간"), as Unicode's default would: each printed
    string is found in the PDF's lines with a line break only where it has a space (or inside
    a word with no Korean in it, or one too long for a line)."""
    e = edition("us/ko")
    for document in DOCUMENTS:
        text = "\n".join(page.extract_text() for page in
                         PdfReader(built / f"us/ko/{document}.pdf").pages)
        for string in document_strings(e, document):
            tokens = []
            for word in string.split():
                whole = re.search(r"[\uac00-\ud7a3]", word) and len(word) <= 24
                tokens.append(re.escape(word) if whole
                              else r"\s*".join(re.escape(c) for c in word))
            assert re.search(r"\s*".join(tokens), text), string


def test_a_recipient_list_must_say_which_chinese(tmp_path):
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("email,name,region,language\nmei@example.org,Mei,us,zh\n",
                          encoding="utf-8")
    result = run_cli("email", "--out", tmp_path / "out", "--csv", recipients, "--dry-run")
    assert "Traceback" not in result.output and result.exit_code != 0
    assert "'zh' is more than one of region 'us''s editions (zh-Hans, zh-Hant)" in result.output
