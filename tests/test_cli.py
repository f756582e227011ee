"""The command line: help, version, defaults, and the HTML written for designers."""

import subprocess
import sys
from pathlib import Path

import iop_handouts
from helpers import DOCUMENTS, PROJECT, editions_of, keep_regions, pdf_paths, run_cli


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


def test_no_arguments_builds_everything_into_output_of_the_current_folder(monkeypatch, tmp_path,
                                                                           content):
    # Every edition of the content, into ./output. The content's default is pointed at a
    # copy holding one region (two languages), so the test builds few PDFs.
    import generate
    keep_regions(content, "us")
    for param in generate.cli.commands["build"].params:
        if param.name == "content_dir":
            monkeypatch.setattr(param, "default", content)
    monkeypatch.chdir(tmp_path)
    result = run_cli()
    assert result.exit_code == 0, result.output
    out = tmp_path / "output"
    built = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    assert {"us/en-US/brochure.pdf", "us/en-US/checklist.pdf", "us/es-US/brochure.pdf"} <= built
    assert built == pdf_paths(editions_of(content), DOCUMENTS)


def test_html_is_written_beside_each_pdf_and_renders_alone(tmp_path):
    result = run_cli("build", "--region", "us", "--lang", "en", "--doc", "checklist", "--html",
                     "--jobs", "1", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "us/en-US/checklist.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-US">' in html
    assert not (tmp_path / "us/en-US/brochure.pdf").exists()
    # The HTML names its stylesheets by absolute file URL, so the plain weasyprint command
    # renders it anywhere (the benchmark relies on this).
    import weasyprint
    pdf = weasyprint.HTML(filename=str(tmp_path / "us/en-US/checklist.html")).write_pdf()
    assert pdf.startswith(b"%PDF")


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "iop-handouts"
    assert script.exists()
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert iop_handouts.__version__ in result.stdout
