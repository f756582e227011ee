"""A clinic sets itself up without reading code: `init` writes a folder holding only what is
the clinic's, and the commands run in that folder work on the clinic's handouts."""

import json
import re
import shutil

import pytest
from pypdf import PdfReader

from helpers import CONTENT_DIR, pdf_text, run_cli
from iop_handouts.clinic_folder import SCHEMAS_DIR, editor_schemas

TEXAS = ("--name", "Cedar Valley Health", "--address", "100 Main Street, Suite 200",
         "--address", "Austin, TX 78701", "--phone", "(512) 555-0100", "--country", "US",
         "--state", "TX", "--lang", "en", "--lang", "es",
         "--website", "cedarvalley.example.org/intensive-outpatient",
         "--brand-color", "#2F5D3A", "--hours", "Mon-Fri 8 am to 6 pm", "--tty", "711",
         "--intake-email", "intake@cedarvalley.example.org",
         "--sender", "Cedar Valley Health <handouts@cedarvalley.example.org>")
ONTARIO = ("--name", "Clinique Érable", "--address", "25 Queen Street", "--address",
           "Ottawa, ON K1P 5E6", "--phone", "613-555-0142", "--country", "CA", "--state", "ON",
           "--lang", "en", "--lang", "fr")
TEXAS_REGION = "us-tx-cedar-valley-health"


@pytest.fixture(scope="module")
def texas(tmp_path_factory):
    """The Texas clinic's folder, set up with flags and built once, from inside it."""
    folder = tmp_path_factory.mktemp("clinics") / "cedar-valley"
    result = run_cli("init", folder, *TEXAS)
    assert result.exit_code == 0, result.output
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        built = run_cli("build")
    assert built.exit_code == 0, built.output
    return folder, result.output


def test_init_writes_only_what_is_the_clinics(texas):
    folder, output = texas
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and "output" not in p.parts)
    assert written == [".gitignore", "clinics/cedar-valley-health.yaml", "iop-handouts.yaml",
                       f"regions/{TEXAS_REGION}.yaml", "schemas/clinic.schema.json",
                       "schemas/region.schema.json", "schemas/settings.schema.json"]
    region = (folder / f"regions/{TEXAS_REGION}.yaml").read_text()
    assert "extends: us\n" in region and "languages: [en-US, es-US]" in region
    assert "crisis_lines" not in region  # the national lines come from the package
    for path in ("clinics/cedar-valley-health.yaml", f"regions/{TEXAS_REGION}.yaml",
                 "iop-handouts.yaml"):
        first = (folder / path).read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema = (folder / path).parent / first.split("$schema=")[1]
        assert json.loads(schema.read_text())["type"] == "object"
    assert "Next steps:" in output and "iop-handouts build" in output


def test_the_clinics_handouts_build_in_its_folder(texas):
    folder, _ = texas
    out = folder / "output" / TEXAS_REGION
    for language in ("en-US", "es-US"):
        brochure = pdf_text(out / language / "brochure.pdf")
        assert "Cedar Valley Health" in brochure and "(512) 555-0100" in brochure
        assert "cedarvalley.example.org/intensive-outpatient" in brochure.replace(" ", "")
        assert "711" in brochure and "Mon-Fri 8 am to 6 pm" in brochure
        assert "intake@cedarvalley.example.org" in brochure
        assert "988" in brochure  # the national crisis lines, from the package
        checklist = pdf_text(out / language / "checklist.pdf")
        assert "Cedar Valley Health" in checklist and "(512) 555-0100" in checklist
        assert len(PdfReader(out / language / "checklist.pdf").pages) == 1
    # Only the clinic's editions: the shipped examples are not built here.
    assert sorted(p.name for p in (folder / "output").iterdir() if p.is_dir()) == [TEXAS_REGION]


def test_check_and_email_work_on_the_clinics_editions(texas, monkeypatch):
    folder, _ = texas
    monkeypatch.chdir(folder)
    check = run_cli("check")
    assert check.exit_code == 0, check.output
    assert TEXAS_REGION in check.output and "us-or" not in check.output
    email = run_cli("email", "--to", "ana@example.org", "--lang", "es", "--dry-run")
    assert email.exit_code == 0, email.output
    assert f"[{TEXAS_REGION}/es-US]" in email.output
    assert "handouts@cedarvalley.example.org" in email.output or "would send" in email.output


def test_a_clinic_in_ontario_gets_the_canadian_lines_in_english_and_french(tmp_path,
                                                                           monkeypatch):
    folder = tmp_path / "erable"
    result = run_cli("init", folder, *ONTARIO)
    assert result.exit_code == 0, result.output
    region = next((folder / "regions").glob("*.yaml"))
    assert "extends: ca\n" in region.read_text() and region.stem == "ca-on-clinique-erable"
    monkeypatch.chdir(folder)
    built = run_cli("build", "--doc", "checklist")
    assert built.exit_code == 0, built.output
    french = pdf_text(folder / "output" / region.stem / "fr-CA" / "checklist.pdf")
    assert "Clinique Érable" in french and "(613) 555-0142" in french


@pytest.mark.parametrize("flag, value, expected", [
    ("--phone", "555-0100", "phone: '555-0100' is not a valid phone number for US"),
    ("--brand-color", "2F5D3A", "brand-color: '2F5D3A' is not a colour written #RRGGBB"),
    ("--brand-color", "#FFEE00", "below 4.5:1; choose a darker colour"),
    ("--lang", "fr", "languages: us has no 'fr' text (it has en-US, es-US, zh-Hans, zh-Hant, "
                     "vi, ko, fil, ar)"),
    ("--country", "FR", "country: 'FR' has no shipped crisis lines"),
    ("--website", "not a site", "website: 'not a site' is not a web address"),
    ("--intake-email", "intake@", "intake-email:"),
    ("--logo", "missing.png", "logo: missing.png is not a file"),
])
def test_each_answer_is_checked_with_a_one_line_error(tmp_path, flag, value, expected):
    args = list(TEXAS)
    if flag in args and flag != "--lang":
        args[args.index(flag) + 1] = value
    else:
        args = [a for i, a in enumerate(args) if not (a == flag or (i and args[i - 1] == flag))]
        args += [flag, value]
    result = run_cli("init", tmp_path / "clinic", *args)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: ") and expected in line, line
    assert not (tmp_path / "clinic" / "clinics").exists()  # nothing half-written


def test_without_a_terminal_a_missing_answer_is_named(tmp_path):
    result = run_cli("init", tmp_path / "clinic", "--name", "X")
    assert result.exit_code == 2
    assert "--address is needed (or run init in a terminal to be asked)" in result.output


def test_upgrade_keeps_only_what_differs_from_the_shipped_content(tmp_path, monkeypatch):
    folder = tmp_path / "copied"
    shutil.copytree(CONTENT_DIR, folder)
    clinic = folder / "clinics/riverbend.yaml"
    clinic.write_text(clinic.read_text().replace("Riverbend", "Riverbank"))
    result = run_cli("upgrade", folder)
    assert result.exit_code == 0, result.output
    kept = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml"))
    assert kept == ["clinics/riverbend.yaml", "iop-handouts.yaml"]
    assert "brochure.en.yaml: same as the shipped file, removed" in result.output
    monkeypatch.chdir(folder)
    # The edited clinic is used by the shipped region us-or, which now comes from the package;
    # a clinic's folder builds its own regions, so it has none until one is added.
    regions = run_cli("regions")
    assert regions.exit_code == 0, regions.output
    again = run_cli("upgrade", folder)
    assert "already version 1" in again.output


def test_a_folder_from_a_newer_version_is_named(tmp_path):
    folder = tmp_path / "clinic"
    assert run_cli("init", folder, *TEXAS).exit_code == 0
    settings = folder / "iop-handouts.yaml"
    settings.write_text(settings.read_text().replace("schema_version: 1", "schema_version: 7"))
    result = run_cli("build", "--content", folder, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "iop-handouts.yaml, line 3, field 'schema_version': is 7" in result.output


def test_the_shipped_editor_schemas_match_the_models():
    """Regenerate with: python -m iop_handouts.clinic_folder"""
    for name, schema in editor_schemas().items():
        shipped = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text())
        assert shipped == json.loads(json.dumps(schema)), f"{name}.schema.json is out of date"


def test_a_second_clinic_joins_the_first_in_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "network"
    assert run_cli("init", folder, *TEXAS).exit_code == 0
    settings = (folder / "iop-handouts.yaml").read_text()
    monkeypatch.chdir(folder)
    second = run_cli("init", "--name", "Hill Country Recovery", "--address", "9 Elm Road",
                     "--address", "Kerrville, TX 78028", "--phone", "(830) 555-0199",
                     "--country", "US", "--state", "TX", "--lang", "en")
    assert second.exit_code == 0, second.output
    assert (folder / "iop-handouts.yaml").read_text() == settings  # kept as it was
    regions = run_cli("regions", "--json")
    assert regions.exit_code == 0, regions.output
    ids = [row["id"] for row in json.loads(regions.output)]
    assert ids == ["us-tx-cedar-valley-health", "us-tx-hill-country-recovery"]
    one = run_cli("check", "--clinic", "hill-country-recovery", "--json")
    wheres = {f["where"] for f in json.loads(one.output)["findings"]}
    assert not any("cedar-valley" in where for where in wheres), wheres
    wrong = run_cli("build", "--clinic", "nope")
    assert wrong.exit_code == 2 and "no region prints the clinic 'nope' (clinics: " \
        "cedar-valley-health, hill-country-recovery)" in wrong.output
    again = run_cli("init", "--name", "Hill Country Recovery", "--address", "1 Road",
                    "--phone", "(830) 555-0199", "--country", "US")
    assert again.exit_code == 2 and "already exists" in again.output


def test_a_language_the_national_lines_lack_is_named_in_the_clinics_region(texas, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(texas[0], folder, ignore=shutil.ignore_patterns("output"))
    region = folder / f"regions/{TEXAS_REGION}.yaml"
    region.write_text(region.read_text().replace("languages: [en-US, es-US]", "languages: [en-US, es-US, fr-CA]"))
    result = run_cli("build", "--content", folder, "--lang", "fr", "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert (f"regions/{TEXAS_REGION}.yaml, line 8, field 'languages': 'fr-CA' cannot be printed: "
            "the crisis lines (from content/regions/us.yaml) are worded in en, es, zh-Hans, "
            "zh-Hant, vi, ko, fil, ar only") \
        in result.output


def test_hours_written_once_are_flagged_in_the_other_languages(texas, monkeypatch):
    folder, _ = texas
    monkeypatch.chdir(folder)
    result = run_cli("check", "--json")
    found = [f for f in json.loads(result.output)["findings"] if f["rule"] == "plain.translation"]
    assert [f["severity"] for f in found] == ["warning"]
    # Named at the field that fixes it, so the web app can link to it.
    assert re.fullmatch(rf"{TEXAS_REGION}/es-US: \S*clinics/\S+\.yaml, line \d+, field 'hours'",
                        found[0]["where"]), found[0]["where"]


def test_a_phone_number_must_be_of_the_clinics_country(tmp_path):
    """A Texas number is a valid number, but not for a clinic in Ottawa."""
    args = list(ONTARIO)
    args[args.index("--phone") + 1] = "(512) 555-0100"
    result = run_cli("init", tmp_path / "clinic", *args)
    assert result.exit_code == 2
    assert "phone: '(512) 555-0100' is not a valid phone number for CA" in result.output


def test_a_crowded_front_cover_names_what_the_clinic_put_there(tmp_path):
    """The cover's type does not shrink; a Spanish cover with a logo, a TTY line and hours
    has no room, and the message says which of the clinic's own things take it."""
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (600, 600), "#9B1B30").save(logo)
    folder = tmp_path / "rose-city"
    made = run_cli("init", folder, "--name", "Rose City Recovery", "--address", "400 SW Main St",
                   "--address", "Portland, OR 97204", "--phone", "503-555-0134", "--country",
                   "US", "--state", "OR", "--lang", "es", "--logo", logo, "--logo-alt",
                   "Rose City Recovery logo", "--hours", "Mon-Fri 8 am to 6 pm", "--tty", "711")
    assert made.exit_code == 0, made.output
    result = run_cli("build", "--content", folder, "--doc", "brochure", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert re.search(r"front cover also holds the clinic's logo \(0\.75 in tall\), TTY line and "
                     r"opening hours, which take its room: remove one, or shorten the hours "
                     r"\(\S*clinics/rose-city-recovery\.yaml, line \d+\)", result.output), result.output
