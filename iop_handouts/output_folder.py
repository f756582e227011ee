"""The output folder is written by one command at a time.

A lock file, output/.lock, is held while a command writes PDFs, the manifest or the catalog.
Two builds at once take turns instead of both reading the manifest, each adding its own
PDFs and the last to save dropping the other's. The lock file is an ordinary hidden file
that stays between runs; nothing lists it, and the lock itself lives in the operating system
(flock), so a crashed run never leaves the folder locked.

Standard library only at import time (filelock is imported when locking), like manifest.py:
an unchanged build answers without it.
"""

import os
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError
from .paths import display_path

LOCK_NAME = ".lock"
LOCK_TIMEOUT_VARIABLE = "IOP_HANDOUTS_LOCK_TIMEOUT"
# Long enough for another full build to finish on a slow machine; short enough that a
# forgotten run is noticed.
DEFAULT_LOCK_TIMEOUT = 300.0


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
    output_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(output_dir / LOCK_NAME)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait(f"{where}/ is in use by another build; waiting (up to {timeout:g} s)...")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise OutputError(f"{where}/ is still in use by another build after {timeout:g} s; "
                          f"run again once it has finished (to wait longer, set "
                          f"{LOCK_TIMEOUT_VARIABLE} to a number of seconds)") from None
    try:
        yield
    finally:
        lock.release()
