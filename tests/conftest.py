"""Shared fixtures: the shipped content built once, the print-shop editions added to a copy of
that build, and copies of the content to break on purpose. Helpers are in helpers.py."""

import os
import shutil

import pytest

# PROJECT and run_cli are also imported from here by test modules written before helpers.py.
from helpers import CONTENT_DIR, PROJECT, run_cli, statuses  # noqa: F401


def pytest_configure(config):
    # The copyfit cache (the body size each document was found to fit at) lives in a folder
    # of this test run's own, never the user's: each run starts measuring afresh.
    import tempfile
    os.environ["IOP_HANDOUTS_CACHE"] = tempfile.mkdtemp(prefix="iop-handouts-cache-")


# The `slow` marker is registered in pyproject.toml. Property-based tests run a fixed,
# derandomised set of examples in CI (CI=true), so a red run can be rerun and seen again.
try:
    from hypothesis import settings
except ImportError:  # only the property-based tests need it
    pass
else:
    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The shipped content, built once for the whole test session: every region, language
    and document. Tests only read it; a test that changes files works on a copy."""
    out = tmp_path_factory.mktemp("output")
    result = run_cli("build", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def printed(built, tmp_path_factory):
    """A copy of `built` with print-shop editions added for us-or (letter) and gb (A4), so
    the catalog holds both kinds of link.

    The us-or office PDFs are deleted from the copy first, so the print-shop run renders
    them again (gb's stay, and are up to date): test_print compares those with `built`'s."""
    out = tmp_path_factory.mktemp("printed") / "output"
    shutil.copytree(built, out)
    for document in ("brochure", "checklist"):
        (out / "us-or/en-US" / f"{document}.pdf").unlink()
    result = run_cli("build", "--print-shop", "--region", "us-or", "--region", "gb", "--out", out)
    assert result.exit_code == 0, result.output
    assert {"us-or/en-US/brochure.pdf", "us-or/en-US/checklist.pdf"} <= {
        path for path, status in statuses(result.output).items() if status == "built"}
    return out


@pytest.fixture
def content(tmp_path):
    """A private copy of the shipped content, safe to break."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy
