"""The command line: help, version, defaults, and the HTML written for designers."""

import subprocess
import sys
from pathlib import Path

import iop_handouts
from helpers import PROJECT, run_cli
from iop_handouts.content import ContentSet


def test_help_lists_examples_and_does_not_load_weasyprint():
    code = ("import sys, generate\n"
            "from click.testing import CliRunner\n"
            "for args in (['--help'], ['build', '--help']):\n"
            "    result = CliRunner().invoke(generate.cli, args)\n"
            "    assert result.exit_code == 0 and 'Examples' in result.output, result.output\n"
            "print('weasyprint' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


def test_version():
    result = run_cli("--version")
    assert result.exit_code == 0 and iop_handouts.__version__ in result.output


def test_no_arguments_builds_everything_into_output(monkeypatch, tmp_path):
    # The default output folder is the project's output/; run a copy of the CLI's default
    # with it pointed elsewhere so the test leaves the working tree alone.
    import generate
    monkeypatch.setattr(generate, "DEFAULT_OUTPUT_DIR", tmp_path)
    for param in generate.build.params:
        if param.name == "output_dir":
            monkeypatch.setattr(param, "default", tmp_path)
    result = run_cli()
    assert result.exit_code == 0, result.output
    built = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pdf")}
    assert {"us/en/brochure.pdf", "us/en/checklist.pdf", "ca-qc/fr/brochure.pdf"} <= built
    editions, failures = ContentSet().editions()
    assert not failures and len(built) == 2 * len(editions)


def test_html_is_written_beside_each_pdf_and_renders_alone(tmp_path):
    result = run_cli("build", "--doc", "checklist", "--html", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "us/en/checklist.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert not (tmp_path / "us/en/brochure.pdf").exists()
    # The HTML names its stylesheets by absolute file URL, so the plain weasyprint command
    # renders it anywhere (the benchmark relies on this).
    import weasyprint
    pdf = weasyprint.HTML(filename=str(tmp_path / "us/en/checklist.html")).write_pdf()
    assert pdf.startswith(b"%PDF")


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "iop-handouts"
    assert script.exists()
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert iop_handouts.__version__ in result.stdout
