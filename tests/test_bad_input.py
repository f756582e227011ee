"""Bad input gets one clear line naming file, line and field, exit code 2, no traceback,
and the PDFs of the last good run stay exactly as they were."""

import re
import shutil

import pytest

from helpers import CONTENT_DIR, edit, line_of, pdf_text, run_cli
from iop_handouts.content import ContentSet
from iop_handouts.errors import RenderError
from iop_handouts.paths import STYLES_DIR, TEMPLATES_DIR
from iop_handouts.render import Renderer


@pytest.fixture(scope="module")
def last_good_run(tmp_path_factory):
    """A good build of the edition below from the shipped content, made once per module."""
    out = tmp_path_factory.mktemp("good") / "out"
    result = run_cli("build", *US_OREGON, "--jobs", "1", "--content", CONTENT_DIR, "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def good_build(last_good_run, content, tmp_path):
    """A good build in an output folder (a copy of the last good run: the manifest records
    each PDF's inputs by content, not by folder, so to a build of `content` it is up to date),
    and a way to check it was left untouched."""
    out = tmp_path / "out"
    shutil.copytree(last_good_run, out)
    up_to_date = run_cli("build", *US_OREGON, "--jobs", "1", "--content", content, "--out", out)
    assert "Nothing to do" in up_to_date.output, up_to_date.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {"brochure.pdf", "checklist.pdf", "manifest.json", "index.html"} <= {p.name for p in before}

    def unchanged():
        after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        assert after == before, "a failed build changed or added files in the output folder"

    return out, unchanged


# The US English edition with the example clinic that has a logo and a brand colour.
US_OREGON = ("--region", "us-or", "--lang", "en")


def build_fails(content, out, exit_code=2):
    """Run a build that must fail; return its one-line error."""
    result = run_cli("build", *US_OREGON, "--jobs", "1", "--content", content, "--out", out)
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    if exit_code == 2:  # bad content is found before anything renders
        assert "\nbuilt " not in result.output
    return errors[0]


def test_malformed_yaml(content, good_build):
    out, unchanged = good_build
    path = content / "brochure.en.yaml"
    edit(path, "summary:", "summary: [unclosed,\n  nope")
    message = build_fails(content, out)
    assert re.search(r"brochure\.en\.yaml, line \d+: YAML syntax error: ", message), message
    unchanged()


def test_missing_field(content, good_build):
    out, unchanged = good_build
    path = content / "brochure.en.yaml"
    edit(path, re.search(r'summary: ".*"\n', path.read_text())[0], "")
    message = build_fails(content, out)
    assert "brochure.en.yaml" in message and "field 'summary'" in message
    assert "is missing" in message
    unchanged()


def test_wrong_type_names_line_and_field(content, good_build):
    out, unchanged = good_build
    path = content / "brochure.en.yaml"
    edit(path, 'heading: "What is IOP?"', "heading: 42")
    message = build_fails(content, out)
    assert f"line {line_of(path, 'heading: 42')}" in message
    assert "field 'sections[0].heading'" in message
    assert "expected text" in message
    unchanged()


def test_unknown_key_is_named_with_the_allowed_ones(content, good_build):
    out, unchanged = good_build
    path = content / "clinics/riverbend.yaml"
    edit(path, "website:", "websit:")
    message = build_fails(content, out)
    assert f"riverbend.yaml, line {line_of(path, 'websit:')}, field 'websit'" in message
    assert "not a known field" in message and "website" in message
    unchanged()


def test_duplicate_key(content, good_build):
    out, unchanged = good_build
    path = content / "clinics/riverbend.yaml"
    edit(path, 'name: "Riverbend Example Clinic"', 'name: "Riverbend Example Clinic"\nname: "Other"')
    message = build_fails(content, out)
    assert "'name' appears twice" in message
    unchanged()


@pytest.mark.parametrize("logo_path, problem", [
    ("../../etc/passwd.svg", "outside the content folder"),
    ("/etc/hostname.png", "outside the content folder"),
    ("https://example.org/logo.png", "not a web address"),
    ("clinics/missing.svg", "does not exist"),
])
def test_logo_must_be_a_file_inside_content(content, good_build, logo_path, problem):
    out, unchanged = good_build
    edit(content / "clinics/riverbend.yaml", "clinics/riverbend-logo.svg", logo_path)
    message = build_fails(content, out)
    assert "field 'logo.path'" in message and problem in message
    unchanged()


def test_low_contrast_brand_colour_is_refused(content, good_build):
    out, unchanged = good_build
    edit(content / "clinics/riverbend.yaml", '"#1F4E79"', '"#8FB8DE"')
    message = build_fails(content, out)
    assert "field 'brand_color'" in message and "below 4.5:1" in message
    unchanged()


def test_invalid_phone_number(content, good_build):
    out, unchanged = good_build
    edit(content / "clinics/riverbend.yaml", '"(541) 555-0199"', '"(541) 555-01"')
    message = build_fails(content, out)
    assert "field 'phone'" in message and "not a valid phone number" in message
    unchanged()


def test_short_code_must_be_listed_for_the_region(content, good_build):
    out, unchanged = good_build
    edit(content / "regions/us.yaml", 'short_codes: ["911", "988", "838255"]',
         'short_codes: ["911", "988"]')
    message = build_fails(content, out)
    assert "'838255' is not a valid phone number" in message and "short_codes" in message
    unchanged()


def test_html_in_content_is_printed_as_text_not_markup(content, tmp_path):
    edit(content / "brochure.en.yaml", 'summary: "', 'summary: "<b>Bold</b> &amp; <script>x</script> ')
    out = tmp_path / "out"
    assert run_cli("build", *US_OREGON, "--doc", "brochure", "--jobs", "1", "--content", content,
                   "--out", out).exit_code == 0
    text = "".join(pdf_text(out / "us-or/en-US/brochure.pdf").split())
    assert "<b>Bold</b>&amp;<script>x</script>" in text


def test_text_that_does_not_fit_names_its_file_line_and_field(content, good_build):
    out, unchanged = good_build
    long_item = "This sentence is here to make the list far too long for its panel. " * 6
    path = content / "brochure.en.yaml"
    edit(path, '    items:\n', f'    items:\n      - "{long_item}"\n      - "{long_item}"\n')
    message = build_fails(content, out, exit_code=1)
    assert message.startswith("Error: us-or/en-US/brochure: text does not fit: ")
    assert re.search(r"content/brochure\.en\.yaml, line \d+, field '[a-z_]+(\[\d+\])?\.", message)
    assert "even with body text at 11 pt" in message
    unchanged()


def test_checklist_that_spills_onto_a_second_page_is_refused(content, good_build):
    out, unchanged = good_build
    edit(content / "checklist.en.yaml", 'closing: "', 'closing: "' + "More words to read. " * 120)
    message = build_fails(content, out, exit_code=1)
    assert "us-or/en-US/checklist: text does not fit on 1 page" in message and "'closing'" in message
    unchanged()


def test_missing_content_folder(tmp_path):
    message = build_fails(tmp_path / "nowhere", tmp_path / "out")
    assert "does not exist" in message


# --- the renderer's own guards, with private copies of templates and styles --------------

@pytest.fixture
def project_copy(tmp_path, content):
    templates = tmp_path / "templates"
    styles = tmp_path / "styles"
    shutil.copytree(TEMPLATES_DIR, templates)
    shutil.copytree(STYLES_DIR, styles)
    return Renderer(templates_dir=templates, styles_dir=styles, content_dir=content)


def test_a_document_without_the_crisis_block_is_refused(project_copy, content):
    edit(project_copy.templates_dir / "checklist.html", '{% include "_crisis.html" %}', "")
    edition = ContentSet(content).edition("us", "en")
    with pytest.raises(RenderError, match="does not include the crisis block"):
        project_copy.pdf("checklist", edition)
    project_copy.pdf("brochure", edition)  # the other document still renders


@pytest.mark.parametrize("url", [
    "http://example.org/tracker.css",
    "https://example.org/font.ttf",
    "file:///etc/hostname",
    "data:text/css,body{color:red}",
])
def test_resources_from_outside_the_project_stop_the_render(project_copy, content, url):
    stylesheet = project_copy.styles_dir / "base.css"
    stylesheet.write_text(f"@import url({url});\n" + stylesheet.read_text())
    edition = ContentSet(content).edition("us", "en")
    with pytest.raises(RenderError, match="refused to load|does not exist"):
        project_copy.pdf("brochure", edition)


# YAML's pitfalls, explained in words a clinic's staff can act on, at the line to fix.

def test_an_unquoted_colour_is_explained(content, good_build):
    out, unchanged = good_build
    path = content / "clinics/riverbend.yaml"
    edit(path, 'brand_color: "#1F4E79"', "brand_color: #1F4E79")
    message = build_fails(content, out)
    assert (f"clinics/riverbend.yaml, line {line_of(path, 'brand_color')}, field 'brand_color': "
            "'#1F4E79' is read as a comment") in message
    assert 'put the value in quotes: brand_color: "#1F4E79"' in message
    unchanged()


def test_a_tab_is_explained(content, good_build):
    out, unchanged = good_build
    path = content / "clinics/riverbend.yaml"
    edit(path, "\n  - ", "\n\t- ")
    message = build_fails(content, out)
    assert re.search(r"riverbend\.yaml, line \d+: a tab character \(column 1\): YAML indents "
                     r"with spaces only", message), message
    unchanged()


def test_an_unclosed_quote_is_reported_where_it_opens(content, good_build):
    out, unchanged = good_build
    path = content / "clinics/riverbend.yaml"
    line = line_of(path, "name:")
    path.write_text(re.sub(r'(name: "[^"\n]*)"', r"\1", path.read_text(), count=1))
    message = build_fails(content, out)
    assert f"riverbend.yaml, line {line}: this quote is never closed" in message, message
    unchanged()


def test_every_problem_in_a_file_is_listed(content, tmp_path):
    path = content / "clinics/riverbend.yaml"
    edit(path, "name:", "nmae:")
    edit(path, 'brand_color: "#1F4E79"', 'brand_colour: "#1F4E79"')
    result = run_cli("build", *US_OREGON, "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert "more problem" not in result.output
    fields = {"nmae", "brand_colour", "name"}
    for field in fields:
        assert any(f"field '{field}'" in line for line in errors), (field, errors)
    assert all("riverbend.yaml, line" in line for line in errors), errors


@pytest.mark.parametrize("wording, expected", [
    ("content:\n  en:\n    commn:\n      disclaimer: \"Ours.\"\n",
     "field 'content.en.commn': is not a document (expected one of: common, brochure, checklist, email)"),
    ("content:\n  fr:\n    common:\n      disclaimer: \"Le nôtre.\"\n",
     "field 'content.fr': the region has no 'fr' edition (its languages: en-US, es-US)"),
])
def test_a_regions_wording_names_only_its_languages_and_real_documents(content, good_build,
                                                                        wording, expected):
    out, unchanged = good_build
    path = content / "regions/us-or.yaml"
    path.write_text(path.read_text() + wording)
    message = build_fails(content, out)
    assert "regions/us-or.yaml, line" in message and expected in message, message
    unchanged()
