"""Hostile or careless content files: each is refused with one line naming the file (and the
line and field where there is one), quickly and without a traceback."""

import os
import re
import time

import pytest

from helpers import edit, pdf_text, run_cli

US_OREGON = ("--region", "us-or", "--lang", "en")


def build_error(content, tmp_path) -> str:
    started = time.monotonic()
    result = run_cli("build", *US_OREGON, "--content", content, "--out", tmp_path / "out")
    assert time.monotonic() - started < 60  # not minutes of expanding a bomb
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert not list((tmp_path / "out").rglob("*.pdf"))
    return line


def test_an_alias_bomb_is_refused_before_it_is_expanded(content, tmp_path):
    rows = ["lol0: &l0 [x, x, x, x, x, x, x, x, x]"]
    rows += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = content / "regions/us-or.yaml"
    path.write_text(path.read_text() + "\n".join(rows) + "\n")
    message = build_error(content, tmp_path)
    assert re.search(r"regions/us-or\.yaml, line \d+: the file expands to more than", message)


def test_deep_nesting_is_refused(content, tmp_path):
    path = content / "clinics/riverbend.yaml"
    path.write_text(path.read_text() + "".join(" " * i + f"k{i}:\n" for i in range(990))
                    + " " * 990 + "x: 1\n")
    message = build_error(content, tmp_path)
    assert "riverbend.yaml, line 45: the file nests more than 32 levels deep" in message


def test_a_huge_file_is_refused(content, tmp_path):
    path = content / "clinics/riverbend.yaml"
    path.write_text(path.read_text() + "# " + "x" * (2 * 1024 * 1024) + "\n")
    assert "content files are limited to 1 MB" in build_error(content, tmp_path)


def test_a_link_out_of_the_content_folder_is_refused(content, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    clinic = content / "clinics/riverbend.yaml"
    outside.write_text(clinic.read_text())
    clinic.unlink()
    os.symlink(outside, clinic)
    message = build_error(content, tmp_path)
    assert "clinics/riverbend.yaml: leads outside the content folder" in message


@pytest.mark.parametrize("character", ["\u202e", "\u200b", "\u2066", "\ufeff", "\x07", "\x85"])
def test_invisible_and_direction_characters_are_refused(content, tmp_path, character):
    path = content / "regions/us.yaml"
    edit(path, 'display: "1-800-662-4357"', f'display: "1-800-662-{character}4357"')
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "display" in text and "662-" in text)
    message = build_error(content, tmp_path)
    assert f"regions/us.yaml, line {line}" in message and f"U+{ord(character):04X}" in message
    if character not in "\x07\x85":  # YAML itself refuses these, or reads one as a line break
        assert "field 'crisis_lines[2].reach[0].display'" in message


@pytest.mark.parametrize("colour", ['"1F4E79"', '"#1F4E7"', '"navy"', '"#1F4E79; color: red"'])
def test_colours_must_be_hex(content, tmp_path, colour):
    edit(content / "clinics/riverbend.yaml", '"#1F4E79"', colour)
    message = build_error(content, tmp_path)
    assert "field 'brand_color'" in message and "#RRGGBB or #RGB" in message


def test_preview_never_writes_outside_the_output_folder(built, tmp_path):
    """A manifest edited to name a PDF outside the output folder (../) is not followed:
    no thumbnail is drawn or written there."""
    import json
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built, out)
    outside = tmp_path / "elsewhere.pdf"
    shutil.copy(out / "us/en-US/checklist.pdf", outside)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = dict(manifest["documents"]["us/en-US/checklist.pdf"], sha256="changed")
    manifest["documents"]["../elsewhere.pdf"] = entry
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = run_cli("preview", "--out", out)
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert not list(tmp_path.glob("elsewhere-page*.png"))


# A printed number must be exactly the number dialled: the digits of a display may not merely
# contain it, and an instruction or keyword has its own field.
SAMHSA = 'number: "1-800-662-4357"\n        display: "1-800-662-4357"'
VETERANS = 'number: "988"\n        option: "1"'


@pytest.mark.parametrize("old, new, expected", [
    (SAMHSA, SAMHSA.replace('display: "1', 'display: "91'),
     "'91-800-662-4357' shows 918006624357, not the number dialled (8006624357)"),
    (VETERANS, 'number: "988"\n        display: "9988"', "'9988' shows 9988, not the number dialled (988)"),
    (VETERANS, 'number: "988"\n        display: "988, then press 1"',
     "put a key to press in 'option'"),
    (SAMHSA, SAMHSA.replace('display: "1-800-662-4357"', 'display: "1-800-662-HELP (4358)"'),
     "the digits in brackets must repeat the end of the number (8006624357)"),
    (SAMHSA, SAMHSA.replace('display: "1-800-662-4357"', 'display: "1-800-662-HELO"'),
     "shows 18006624356, not the number dialled"),
    (VETERANS, 'number: "9x88"', "'9x88' is not a phone number"),
    (VETERANS, 'number: "838255"\n        option: "1"', "a key to press is for calls"),
    (VETERANS, 'number: "988"\n        keyword: "HOME"', "a keyword is for text lines"),
])
def test_a_printed_number_is_exactly_the_dialled_number(content, tmp_path, old, new, expected):
    path = content / "regions/us.yaml"
    if "838255" in new:  # the option moves to the text line
        edit(path, VETERANS, 'number: "988"')
        old = 'how: text\n        number: "838255"'
        new = 'how: text\n        ' + new
    edit(path, old, new)
    message = build_error(content, tmp_path)
    assert message.startswith("Error: content/regions/us.yaml, line ") or "regions/us.yaml, line" in message
    assert "field 'crisis_lines[" in message and expected in message, message


def test_keypad_letters_and_a_bracketed_repeat_are_allowed(content, tmp_path):
    edit(content / "regions/us.yaml", 'display: "1-800-662-4357"', 'display: "1-800-662-HELP (4357)"')
    result = run_cli("build", *US_OREGON, "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "1-800-662-HELP (4357)" in pdf_text(tmp_path / "out/us-or/en-US/brochure.pdf")


# A format code or conversion would print another number than the one dialled ("{number:.2}9"
# prints 989 for 988), and a repeated name a number twice.
@pytest.mark.parametrize("label", ['"{number}, then press"', '"{number}, press {option} {x}"',
                                   '"{number}, press {option"', '"{number:.2}9, then press {option}"',
                                   '"{number!r}, then press {option}"',
                                   '"{number}, then press {option} ({number})"'])
def test_the_wording_of_a_keypad_option_needs_its_placeholders(content, tmp_path, label):
    edit(content / "common.en.yaml", '"{number}, then press {option}"', label)
    message = build_error(content, tmp_path)
    assert "common.en.yaml, line" in message and "field 'labels.press_option'" in message
    assert "must contain {number} and {option} once each" in message
