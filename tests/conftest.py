"""Shared fixtures: the shipped content built once, and copies of it to break on purpose.
Helpers are in helpers.py."""

import shutil

import pytest

# PROJECT and run_cli are also imported from here by test modules written before helpers.py.
from helpers import CONTENT_DIR, PROJECT, run_cli  # noqa: F401


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
