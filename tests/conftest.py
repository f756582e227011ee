"""Shared fixtures: the shipped content built once, and copies of it to break on purpose."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

import generate
from iop_handouts.paths import CONTENT_DIR

PROJECT = Path(__file__).resolve().parent.parent


def run_cli(*args):
    """Run the CLI in-process, as a person would from the shell."""
    return CliRunner().invoke(generate.cli, [str(a) for a in args], catch_exceptions=False)


def pdf_text(path) -> str:
    """All text of a PDF with whitespace collapsed, so line breaks do not matter."""
    reader = PdfReader(path)
    return normalise(" ".join(page.extract_text() for page in reader.pages))


def normalise(text: str) -> str:
    # A line may break after a hyphen ("relapse-\nprevention"): join it back.
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text)).strip()


def strings_in(data):
    """Every string value in a YAML document, depth first."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings_in(value)


def load(path):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The shipped content, built once for the whole test session."""
    out = tmp_path_factory.mktemp("output")
    result = run_cli("build", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def content(tmp_path):
    """A private copy of the shipped content, safe to break."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy
