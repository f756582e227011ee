"""The output folder: commands that write it take turns (a lock file, output/.lock), and a
folder that cannot be written stops the run with one line naming the path, exit code 1, and
the PDFs already there left as they were."""

import errno
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
    """The earlier PDFs: gb/en-GB and us/en-US checklists, built once for this module."""
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
    assert manifest_entries(first_build) == {"gb/en-GB/checklist.pdf", "us/en-US/checklist.pdf"}
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
    assert manifest_entries(out) == {"gb/en-GB/checklist.pdf", "us/en-US/checklist.pdf",
                                     "ca/en-CA/checklist.pdf", "au/en-AU/checklist.pdf"}
    assert {k: v for k, v in pdfs(out).items() if k in before} == before


# --- a folder that cannot be written ---------------------------------------------------------

@pytest.fixture
def renders(monkeypatch):
    """Counts the documents rendered (in this process: run the build with --jobs 1), to show
    a problem was found before any rendering."""
    from iop_handouts.render import Renderer

    calls = []
    render = Renderer.pdf_and_pages
    monkeypatch.setattr(Renderer, "pdf_and_pages",
                        lambda self, *args: calls.append(args) or render(self, *args))
    return calls


def test_a_file_in_the_way_of_a_region_folder(out, renders):
    shutil.rmtree(out / "us")
    (out / "us").write_text("not a folder\n")
    before = pdfs(out)
    result = run_cli("build", *US_CHECKLIST, "--jobs", "1", "--out", out)
    [error] = error_lines(result)
    assert error == (f"Error: {out}/us: cannot write here (a file is in the way of the "
                     f"folder); move or rename that file, or use another folder with --out")
    assert renders == []
    assert pdfs(out) == before and (out / "us").read_text() == "not a folder\n"


def test_a_folder_in_the_way_of_the_manifest(out, renders):
    (out / "manifest.json").unlink()
    (out / "manifest.json").mkdir()
    before = pdfs(out)
    result = run_cli("build", *US_CHECKLIST, "--jobs", "1", "--out", out)
    [error] = error_lines(result)
    assert error == (f"Error: {out}/manifest.json: cannot write it (a folder is in the way "
                     f"of the file); move or rename that folder, or use another folder "
                     f"with --out")
    assert renders == []
    assert pdfs(out) == before and (out / "manifest.json").is_dir()


@pytest.fixture
def read_only():
    """Makes folders read-only: chmod for a user; for root, whom chmod does not stop, the
    immutable attribute (chattr +i), which stops root too."""
    made = []

    def make(*folders):
        for folder in folders:
            if os.geteuid() != 0:
                folder.chmod(0o555)
            elif not shutil.which("chattr") or \
                    subprocess.run(["chattr", "+i", folder], capture_output=True).returncode:
                pytest.skip("running as root, and chattr +i does not work here")
            made.append(folder)

    yield make
    for folder in made:
        if os.geteuid() != 0:
            folder.chmod(0o755)
        else:
            subprocess.run(["chattr", "-i", folder], check=True)


@pytest.mark.parametrize("folders, lock_file, named", [
    ("all", False, "."),    # the lock file cannot be made
    ("all", True, "."),     # left by an earlier run, it opens; but not the manifest's folder
    ("us/en-US", True, "us/en-US"),
], ids=["whole-folder", "whole-folder-with-lock-file", "one-subfolder"])
def test_a_read_only_folder(out, renders, read_only, folders, lock_file, named):
    """Found before rendering, naming the folder that takes no new file."""
    if not lock_file:
        (out / ".lock").unlink()
    read_only(*([out, *(p for p in out.rglob("*") if p.is_dir())] if folders == "all"
                else [out / folders]))
    before = pdfs(out)
    result = run_cli("build", *US_CHECKLIST, "--force", "--jobs", "1", "--out", out)
    [error] = error_lines(result)
    assert error == (f"Error: {out / named}: cannot write here (permission "
                     f"denied); make the folder writable, or use another folder with --out")
    assert renders == []
    assert pdfs(out) == before


def failing_fsync(monkeypatch, files: str):
    """A full disk: fsync of a temporary file whose path holds `files` raises ENOSPC (where
    a disk that fills up mid-write often first says so)."""
    fsync = os.fsync

    def fsync_or_full(descriptor):
        if files in os.readlink(f"/proc/self/fd/{descriptor}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync_or_full)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to name files")
def test_a_full_disk_mid_build(out, monkeypatch):
    """gb's checklist is written, then the disk is full for us's: one line naming it, us's
    earlier PDF as it was, gb's new one in the manifest, no temporary file left."""
    before = pdfs(out)
    failing_fsync(monkeypatch, "/us/en-US/.checklist.pdf.")
    result = run_cli("build", *FIRST, "--force", "--jobs", "1", "--out", out)
    [error] = error_lines(result)
    assert error == (f"Error: {out}/us/en-US/checklist.pdf: cannot write it (the disk is full); "
                     f"free some space and run again (no file was left half-written)")
    assert "built      gb/en-GB/checklist.pdf" in result.stdout  # the failure came mid-build
    assert pdfs(out) == before
    manifest = json.loads((out / "manifest.json").read_text())["documents"]
    assert set(manifest) == {"gb/en-GB/checklist.pdf", "us/en-US/checklist.pdf"}
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to name files")
def test_a_full_disk_for_every_file_reports_the_first(out, monkeypatch):
    """The manifest cannot be saved either: the line is still about the first failure."""
    before = pdfs(out)
    manifest = (out / "manifest.json").read_bytes()
    failing_fsync(monkeypatch, str(out))
    result = run_cli("build", *US_CHECKLIST, "--force", "--jobs", "1", "--out", out)
    [error] = error_lines(result)
    assert error.startswith(f"Error: {out}/us/en-US/checklist.pdf: cannot write it (the disk is "
                            f"full)")
    assert pdfs(out) == before and (out / "manifest.json").read_bytes() == manifest
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
