"""The project as others get it: the same bytes at any time and in any folder, `generate.py`
outside its environment, and the wheel installed on its own, run from an empty folder."""

import hashlib
import json
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from conftest import PROJECT, run_cli
from iop_handouts.paths import CONTENT_DIR

# The US Oregon edition has the example logo, a brand colour and both languages' fonts.
EDITION = ("--region", "us-or", "--lang", "en")


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.pdf"))}


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_same_bytes_whatever_the_clock_the_folders_or_the_font_subsetter(
        tmp_path, monkeypatch, subsetter):
    """Two builds years apart (the clock the code sees is set, not slept on), from content in
    two different folders, into two different output folders, give the same bytes. Both font
    subsetters WeasyPrint may use are covered: fontTools stamps each font subset with the
    current time unless the renderer hands it a date."""
    import weasyprint.pdf.fonts
    if subsetter == "fonttools":
        monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    elif weasyprint.pdf.fonts.harfbuzz_subset is None:
        pytest.skip("HarfBuzz's subsetter is not installed here")
    builds = []
    for clock, place in ((1_000_000_000.0, "a"), (1_900_000_000.0, "b/deeper")):
        content = tmp_path / place / "content"
        shutil.copytree(CONTENT_DIR, content)
        out = tmp_path / place / "out"
        monkeypatch.setattr(time, "time", lambda clock=clock: clock)
        result = run_cli("build", *EDITION, "--print-shop", "--jobs", "1", "--content", content,
                         "--out", out)
        assert result.exit_code == 0, result.output
        builds.append(digests(out))
    assert len(builds[0]) == 4 and builds[0] == builds[1]


def test_generate_outside_its_environment_says_how_to_set_up():
    """A Python without the project's packages (-S: no site-packages at all) gets one line
    saying what to run, not a traceback."""
    done = subprocess.run([sys._base_executable, "-S", "generate.py", "build"], cwd=PROJECT,
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert "Run `make` once" in line and ".venv/bin/python generate.py" in line


@pytest.mark.slow
def test_the_wheel_works_from_an_empty_folder(tmp_path):
    """Built as a wheel, installed (not editable) into a fresh virtual environment, then run
    from a folder with nothing in it: every command finds the shipped templates, styles and
    content inside the package, and output lands in ./output."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels,
                    PROJECT], check=True, capture_output=True)
    [wheel] = wheels.glob("iop_handouts-*.whl")
    environment = tmp_path / "env"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", wheel], check=True,
                   capture_output=True)
    command = environment / "bin" / "iop-handouts"
    empty = tmp_path / "somewhere"
    empty.mkdir()

    def run(*args):
        return subprocess.run([command, *args], cwd=empty, capture_output=True, text=True)

    built = run("build")
    assert built.returncode == 0, built.stdout + built.stderr
    pdfs = {p.relative_to(empty / "output").as_posix() for p in (empty / "output").rglob("*.pdf")}
    from iop_handouts.content import ContentSet
    editions, _ = ContentSet().editions()
    assert pdfs == {f"{e.key}/{d}.pdf" for e in editions for d in ("brochure", "checklist")}
    # The same content gives the same bytes from the wheel as from the checkout.
    checkout = run_cli("build", "--region", "us-or", "--out", tmp_path / "checkout")
    assert checkout.exit_code == 0
    assert digests(tmp_path / "checkout") == {
        k: v for k, v in digests(empty / "output").items() if k.startswith("us-or/")}
    assert "Nothing to do" in run("build").stdout
    for args in (("regions",), ("check",), ("preview",),
                 ("email", "--to", "ana@example.org", "--dry-run")):
        done = run(*args)
        assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
    assert (empty / "output/index.html").is_file()
    # A clinic in Texas (en, es) and one in Ontario (en, fr) set themselves up with init and
    # run every command in their folders, the national content coming from the package.
    for name, place in (("Cedar Valley Health", ("--phone", "(512) 555-0100", "--country", "US",
                                                 "--state", "TX", "--lang", "en", "--lang", "es")),
                        ("Maple Grove Health", ("--phone", "(613) 555-0142", "--country", "CA",
                                                "--state", "ON", "--lang", "en", "--lang", "fr"))):
        folder = name.split()[0].lower()
        made = run("init", folder, "--name", name, "--address", "1 Main Street",
                   "--website", f"{folder}.example.org", *place)
        assert made.returncode == 0, made.stdout + made.stderr
        clinic = empty / folder
        for args in (("build",), ("check",), ("email", "--to", "ana@example.org", "--dry-run")):
            done = subprocess.run([command, *args], cwd=clinic, capture_output=True, text=True)
            assert done.returncode == 0 and "Traceback" not in done.stderr, (args, done.stderr)
        assert len(list((clinic / "output").rglob("*.pdf"))) == 4
        assert json.loads((clinic / "schemas/clinic.schema.json").read_text())["type"] == "object"
    # The staff web app finds its pages and stylesheet inside the installed package.
    served = subprocess.run([python, "-c", (
        "from pathlib import Path; from iop_handouts.web import create_app\n"
        "client = create_app(Path('web-clinic')).test_client()\n"
        "page = client.get('/setup', base_url='http://127.0.0.1:8765')\n"
        "css = client.get('/static/app.css', base_url='http://127.0.0.1:8765')\n"
        "print(page.status_code, css.status_code, 'Set up a clinic' in page.text)")],
        cwd=empty, capture_output=True, text=True)
    assert served.stdout.split() == ["200", "200", "True"], served.stdout + served.stderr
    # Nothing was written into the installed package.
    site = next((environment / "lib").glob("python3*/site-packages/iop_handouts"))
    assert not list(site.rglob("output")) and not list(site.rglob("*.pdf"))
