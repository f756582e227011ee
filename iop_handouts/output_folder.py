"""Writing the output folder: one command at a time, and a write that fails is one line.

A lock file, output/.lock, is held while a command writes PDFs, the manifest or the catalog.
Two builds at once take turns instead of both reading the manifest, each adding its own
PDFs and the last to save dropping the other's. The lock file is an ordinary hidden file
that stays between runs; nothing lists it, and the lock itself lives in the operating system
(flock), so a crashed run never leaves the folder locked.

A folder that cannot be written (read-only, full, a file where a folder should be or a
folder where a file should be) stops the run with an OutputError naming the path and what
to do. The cheap checks run before anything is rendered (check_writable); a full disk only
shows when writing, so every write goes through write_output. Files are written to a
temporary file and renamed into place, so a failed write leaves the old file as it was and
no temporary file behind.

Standard library only at import time (filelock is imported when locking), like manifest.py:
an unchanged build answers without it.
"""

import errno
import os
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import OutputError
from .paths import display_path

LOCK_NAME = ".lock"
LOCK_TIMEOUT_VARIABLE = "IOP_HANDOUTS_LOCK_TIMEOUT"
# Long enough for another full build to finish on a slow machine; short enough that a
# forgotten run is noticed.
DEFAULT_LOCK_TIMEOUT = 300.0
ELSEWHERE = "or use another folder with --out"  # how each message about a path ends


def lock_timeout() -> float:
    """Seconds to wait for the lock: $IOP_HANDOUTS_LOCK_TIMEOUT, else the default."""
    try:
        return max(0.0, float(os.environ[LOCK_TIMEOUT_VARIABLE]))
    except (KeyError, ValueError):
        return DEFAULT_LOCK_TIMEOUT


@contextmanager
def locked(output_dir: Path, on_wait=None):
    """Hold the output folder's lock for the `with` block (making the folder if need be).

    While another command holds it, `on_wait(message)` is called once and this waits; after
    lock_timeout() seconds it gives up with an OutputError."""
    from filelock import FileLock, Timeout

    output_dir = Path(output_dir)
    where = display_path(output_dir)
    timeout = lock_timeout()
    lock = FileLock(output_dir / LOCK_NAME)
    try:
        try:
            # The first write into the folder, before anything is loaded or rendered: a
            # file in the folder's place shows here, and so does a read-only folder that has
            # no lock file yet (with one, check_writable finds it).
            output_dir.mkdir(parents=True, exist_ok=True)
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait(f"{where}/ is in use by another build; waiting (up to {timeout:g} s)...")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise OutputError(f"{where}/ is still in use by another build after {timeout:g} s; "
                          f"run again once it has finished (to wait longer, set "
                          f"{LOCK_TIMEOUT_VARIABLE} to a number of seconds)") from None
    except OSError as exc:
        raise cannot_write(output_dir / LOCK_NAME, exc) from None
    try:
        yield
    finally:
        lock.release()


# --- writing ---------------------------------------------------------------------------------

def write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside `target`, then rename: readers see the old file or
    the new one, never a partial one. Raises OSError (see write_output)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk may only say so here
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):  # the folder may have gone read-only: the first error counts
            Path(temporary).unlink(missing_ok=True)
        raise


def write_output(target: Path, data: bytes) -> None:
    """write_atomically() into the output folder: a failure is an OutputError, one line."""
    try:
        write_atomically(Path(target), data)
    except OSError as exc:
        raise cannot_write(Path(target), exc) from None


def check_writable(paths) -> None:
    """Before rendering: raise OutputError for the first of these files that cannot be
    written, as far as can be told without writing it: a file or folder in the way, or a
    folder that takes no new file (each folder is tried once, with an empty file)."""
    tried = set()
    for path in map(Path, paths):
        folder = _deepest_existing(path.parent)  # where the file, or its folders, will go
        if folder not in tried:
            tried.add(folder)
            try:
                descriptor, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
                os.close(descriptor)
                os.unlink(probe)
            except OSError as exc:
                raise cannot_write(path, exc) from None
        if path.is_dir():
            raise cannot_write(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))


def cannot_write(path: Path, exc: OSError) -> OutputError:
    """One line for a failed write of `path`: which path is the problem, why, what to do."""
    path = Path(path)
    in_the_way = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()),
                      None)
    if in_the_way is not None:
        return OutputError(f"{display_path(in_the_way)}: cannot write here (a file is in the "
                           f"way of the folder); move or rename that file, {ELSEWHERE}")
    if path.is_dir():
        return OutputError(f"{display_path(path)}: cannot write it (a folder is in the way "
                           f"of the file); move or rename that folder, {ELSEWHERE}")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{display_path(path)}: cannot write it (the disk is full); free "
                           f"some space and run again (no file was left half-written)")
    folder = display_path(_deepest_existing(path.parent))
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"{folder}: cannot write here (permission denied); make the "
                           f"folder writable, {ELSEWHERE}")
    if exc.errno == errno.EROFS:
        return OutputError(f"{folder}: cannot write here (the disk is read-only); use "
                           f"another folder with --out")
    return OutputError(f"{display_path(path)}: cannot write it ({exc.strerror or exc}); "
                       f"check the folder, {ELSEWHERE}")


def _deepest_existing(folder: Path) -> Path:
    """`folder` if it exists, else its nearest parent that does."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder
