"""The output folder: commands that write it take turns (a lock file, output/.lock), and a
folder that cannot be written stops the run with one line naming the path, exit code 1, and
the PDFs already there left as they were."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from filelock import FileLock

from helpers import PROJECT, run_cli

# Small on purpose: one-page checklists render fastest.
FIRST = ("--region", "gb", "--region", "us", "--lang", "en", "--doc", "checklist")
US_CHECKLIST = ("--region", "us", "--lang", "en", "--doc", "checklist")


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """The earlier PDFs: gb/en and us/en checklists, built once for this module."""
    out = tmp_path_factory.mktemp("first") / "output"
    result = run_cli("build", *FIRST, "--jobs", "1", "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def out(first_build, tmp_path):
    """A copy of the first build, this test's to break."""
    copy = tmp_path / "output"
    shutil.copytree(first_build, copy)
    return copy


def pdfs(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.pdf")}


def error_lines(result) -> list[str]:
    """The lines on stderr of a run that stopped with exit code 1 and no traceback."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.output
    return result.stderr.splitlines()


def manifest_entries(folder) -> set[str]:
    return set(json.loads((folder / "manifest.json").read_text())["documents"])


# --- the lock --------------------------------------------------------------------------------

def test_the_lock_file_is_not_an_output(first_build):
    assert (first_build / ".lock").is_file()
    assert manifest_entries(first_build) == {"gb/en/checklist.pdf", "us/en/checklist.pdf"}
    for listing in ("index.html", "previews.json", "manifest.json"):
        assert ".lock" not in (first_build / listing).read_text()


def test_a_build_waits_for_the_folder_then_gives_up_in_one_line(out):
    before = pdfs(out)
    with FileLock(out / ".lock"):  # another build is writing the folder
        result = run_cli("build", *US_CHECKLIST, "--force", "--jobs", "1", "--out", out,
                         env={"IOP_HANDOUTS_LOCK_TIMEOUT": "0.5"})
    waiting, error = error_lines(result)
    assert waiting == f"{out}/ is in use by another build; waiting (up to 0.5 s)..."
    assert error.startswith(f"Error: {out}/ is still in use by another build after 0.5 s; ")
    assert "IOP_HANDOUTS_LOCK_TIMEOUT" in error
    assert pdfs(out) == before


@pytest.mark.parametrize("command", [
    ["preview"],
    ["email", "--to", "ana@example.org", "--region", "us", "--lang", "en"],
], ids=["preview", "email"])
def test_preview_and_email_wait_for_the_folder_too(out, command):
    before = pdfs(out)
    with FileLock(out / ".lock"):
        result = run_cli(*command, "--out", out, env={"IOP_HANDOUTS_LOCK_TIMEOUT": "0.2"})
    waiting, error = error_lines(result)
    assert waiting.startswith(f"{out}/ is in use by another build; waiting")
    assert error.startswith(f"Error: {out}/ is still in use by another build after 0.2 s")
    assert pdfs(out) == before
    assert not (out / "outbox").exists()


@pytest.mark.slow
def test_two_builds_at_once_take_turns_and_the_manifest_keeps_both(out):
    """Two processes building different regions into one folder: both wait while the folder
    is held, then run one after the other, and the manifest lists every PDF of both (and the
    earlier ones)."""
    before = pdfs(out)
    env = {**os.environ, "IOP_HANDOUTS_LOCK_TIMEOUT": "120"}
    builds = []
    with FileLock(out / ".lock"):
        for region in ("ca", "au"):
            builds.append(subprocess.Popen(
                [sys.executable, "generate.py", "build", "--region", region, "--lang", "en",
                 "--doc", "checklist", "--jobs", "1", "--out", str(out)],
                cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True))
        # Both have reached the lock (and said so) before either may write.
        for process in builds:
            assert process.stderr.readline() == \
                f"{out}/ is in use by another build; waiting (up to 120 s)...\n"
    for process in builds:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0 and stderr == "", (stdout, stderr)
    assert manifest_entries(out) == {"gb/en/checklist.pdf", "us/en/checklist.pdf",
                                     "ca/en/checklist.pdf", "au/en/checklist.pdf"}
    assert {k: v for k, v in pdfs(out).items() if k in before} == before
