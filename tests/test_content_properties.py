"""Broken content files are refused with one line naming the file, line and field, never a
traceback."""

from pathlib import Path

import pytest

from helpers import edit, line_of, run_cli

REGION = "regions/us.yaml"
CLINIC = "clinics/example-network.yaml"


def build_error(content: Path, tmp_path: Path) -> str:
    """The one line a build of us/en from `content` fails with (exit 2)."""
    result = run_cli("build", "--region", "us", "--lang", "en", "--jobs", "1",
                     "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    return line


@pytest.mark.parametrize("written, value, kind", [
    ("2026-02-30", "2026-02-30", "a date (write it as YYYY-MM-DD, a real day)"),
    ("2026-13-45", "2026-13-45", "a date (write it as YYYY-MM-DD, a real day)"),
    ("!!timestamp soon", "soon", "a date (write it as YYYY-MM-DD, a real day)"),
    ("!!int x", "x", "a whole number"),
    ("!!float", "", "a number"),
    ("!!bool maybe", "maybe", "true or false"),
], ids=["feb-30", "month-13", "timestamp-tag", "int-tag", "empty-float-tag", "bool-tag"])
def test_a_value_yaml_cannot_read_is_one_line(content, tmp_path, written, value, kind):
    """PyYAML raised a plain ValueError, AttributeError, KeyError or IndexError for these."""
    path = content / REGION
    edit(path, "verified_on: 2026-11-27", f"verified_on: {written}")
    assert build_error(content, tmp_path) == (
        f"Error: {path}, line {line_of(path, written)}, field 'emergency.verified_on': "
        f"'{value}' cannot be read as {kind} [us]")


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}", "? [a]\n"], ids=["list", "group", "explicit"])
def test_a_list_or_group_as_a_field_name_is_one_line(content, tmp_path, key):
    """A key that is a list or a group of fields made reading the file raise TypeError."""
    path = content / CLINIC
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"{key}: 1\n", encoding="utf-8")
    assert build_error(content, tmp_path) == (
        f"Error: {path}, line {len(text.splitlines()) + 1}: a field name must be a word, not "
        f"a list or a group of fields [us/en]")



@pytest.mark.parametrize("language, document, problem", [
    ("en", "brocure", "field 'content.en.brocure': no document 'brocure'; wording can go over: "
                      "common, brochure, checklist, email"),
    ("sp", "brochure", "field 'content.sp': there is no 'sp' text in content/ (no "
                       "common.sp.yaml)"),
], ids=["document", "language"])
def test_region_wording_over_a_misspelt_document_or_language_is_refused(
        content, tmp_path, language, document, problem):
    """The wording was left out of the handouts, and the build said nothing."""
    path = content / REGION
    path.write_text(path.read_text(encoding="utf-8")
                    + f"content:\n  {language}:\n    {document}:\n      title: Our IOP\n",
                    encoding="utf-8")
    line = line_of(path, f"{document}:" if document == "brocure" else f"  {language}:")
    assert build_error(content, tmp_path) == f"Error: {path}, line {line}, {problem} [us]"



@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\xad"],
                         ids=["line-separator", "paragraph-separator", "soft-hyphen"])
def test_an_unseen_break_in_a_number_is_refused(content, tmp_path, separator):
    """A line or paragraph separator broke a number across lines or printed as an empty box;
    a soft hyphen made the crisis box "cut off at the bottom", blaming the clinic's text."""
    path = content / REGION
    edit(path, 'display: "1-800-662-4357"', f'display: "1-800-{separator}662-4357"')
    number = line_of(path, 'display: "1-800-')
    assert build_error(content, tmp_path).endswith(
        f"line {number}, field 'crisis_lines[2].reach[0].display': holds the invisible or "
        f"control character U+{ord(separator):04X}, which can hide or reorder what is printed; "
        f"delete it and retype the text [us]")


def test_an_error_quoting_a_line_break_is_still_one_line(content, tmp_path):
    path = content / REGION
    edit(path, 'number: "1-800-662-4357"', 'number: "1-800\\n-662-4357z"')
    assert build_error(content, tmp_path).endswith(
        "field 'crisis_lines[2].reach[0].number': '1-800\\n-662-4357z' is not a valid phone "
        "number for US [us/en]")
