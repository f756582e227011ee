"""Build stage: plan region x language x document jobs, render them in a process pool, and
write each PDF safely, skipping what is already up to date.

- Content is validated before anything renders; an edition with bad content is reported and
  the others still build.
- Workers only render; this process writes every file, each to a temporary file renamed into
  place, so an interrupted or failed run never leaves a partial PDF.
- output/manifest.json records, per PDF, a hash of everything it was made from; a job whose
  inputs are unchanged (and whose PDF is still the one recorded) is skipped.
"""

import hashlib
import json
import os
import signal
import tempfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__
from .content import DOCUMENTS, Edition
from .errors import HandoutError
from .paths import DEFAULT_OUTPUT_DIR
from .render import Renderer, RenderOptions

MANIFEST_NAME = "manifest.json"
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Job:
    edition: Edition
    document: str
    options: RenderOptions = RenderOptions()

    @property
    def name(self) -> str:
        return f"{self.edition.region_id}/{self.edition.language}/{self.document}"

    @property
    def relative_path(self) -> str:
        return f"{self.name}.pdf"


@dataclass
class JobResult:
    job: Job
    status: str                      # "built", "up to date" or "failed"
    path: Path | None = None
    size: int = 0
    pages: int = 0
    error: str | None = None


@dataclass
class BuildPlan:
    jobs: list[Job]
    content_failures: list[tuple[str, Exception]] = field(default_factory=list)


def plan(content, regions=(), languages=(), documents=(), options=RenderOptions()) -> BuildPlan:
    """Every edition x document, filtered. Loading the editions validates their content."""
    editions, failures = content.editions(regions, languages)
    jobs = [Job(edition, document, options)
            for edition in editions for document in (documents or DOCUMENTS)]
    return BuildPlan(jobs, failures)


# --- what a PDF is made from -----------------------------------------------------------------

class InputsHasher:
    """Hashes the inputs of a job: its content files, and what every job shares (templates,
    styles and fonts, the generator's code and version, WeasyPrint's version)."""

    def __init__(self, renderer: Renderer):
        self._file_hashes: dict[Path, str] = {}
        shared = hashlib.sha256()
        shared.update(f"generator {__version__}\n".encode())
        shared.update(f"weasyprint {metadata.version('weasyprint')}\n".encode())
        for folder in (renderer.templates_dir, renderer.styles_dir, PACKAGE_DIR):
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    shared.update(f"{path.relative_to(folder)} {self.file_hash(path)}\n".encode())
        self.shared = shared.hexdigest()

    def file_hash(self, path: Path) -> str:
        if path not in self._file_hashes:
            self._file_hashes[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return self._file_hashes[path]

    def job(self, job: Job) -> str:
        digest = hashlib.sha256()
        digest.update(f"{self.shared}\n{job.name}\n{job.options}\n".encode())
        for path in job.edition.input_files[job.document]:
            digest.update(f"{path.name} {self.file_hash(path)}\n".encode())
        return digest.hexdigest()


# --- the manifest ----------------------------------------------------------------------------

class Manifest:
    def __init__(self, output_dir: Path):
        self.path = Path(output_dir) / MANIFEST_NAME
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.documents = dict(data.get("documents", {}))
        except (OSError, ValueError, AttributeError):
            self.documents = {}  # missing or unreadable: everything is rebuilt

    def is_current(self, job: Job, inputs: str, output_dir: Path, needs_html: bool) -> bool:
        entry = self.documents.get(job.relative_path)
        pdf = Path(output_dir) / job.relative_path
        if not entry or entry.get("inputs") != inputs or not pdf.is_file():
            return False
        if needs_html and not pdf.with_suffix(".html").is_file():
            return False
        # The file on disk must still be the one recorded (not edited or half-copied).
        return entry.get("bytes") == pdf.stat().st_size and \
            entry.get("sha256") == hashlib.sha256(pdf.read_bytes()).hexdigest()

    def record(self, job: Job, inputs: str, pdf: bytes, pages: int) -> None:
        self.documents[job.relative_path] = {
            "inputs": inputs,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "bytes": len(pdf),
            "pages": pages,
        }

    def save(self) -> None:
        data = {"generator": __version__, "weasyprint": metadata.version("weasyprint"),
                "documents": dict(sorted(self.documents.items()))}
        write_atomically(self.path, (json.dumps(data, indent=2) + "\n").encode())


# --- running ---------------------------------------------------------------------------------

_worker_renderer: Renderer | None = None


def _start_worker(renderer_settings: dict) -> None:
    # Ctrl-C goes to the main process, which stops the pool in order; workers just finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_renderer
    _worker_renderer = Renderer(**renderer_settings)


def _render(job: Job, write_html: bool, renderer: Renderer | None = None):
    """Render one job; returns (pdf bytes, pages, html or None) or (None, 0, error text)."""
    renderer = renderer or _worker_renderer
    try:
        html = renderer.html(job.document, job.edition, job.options)
        pdf, pages = renderer.pdf_and_pages(job.document, job.edition, job.options, html=html)
        return pdf, pages, html if write_html else None
    except HandoutError as exc:
        return None, 0, str(exc)
    except Exception as exc:  # a bug: report it with this job, let the others finish
        return None, 0, f"internal error: {type(exc).__name__}: {exc}"


def run(build_plan: BuildPlan, output_dir: Path = DEFAULT_OUTPUT_DIR, jobs: int | None = None,
        force: bool = False, write_html: bool = False, renderer: Renderer | None = None):
    """Build the plan; yields a JobResult per job as each finishes (skipped ones first)."""
    output_dir = Path(output_dir)
    renderer = renderer or Renderer()
    hasher = InputsHasher(renderer)
    manifest = Manifest(output_dir)
    pending = []
    for job in build_plan.jobs:
        inputs = hasher.job(job)
        if not force and manifest.is_current(job, inputs, output_dir, write_html):
            entry = manifest.documents[job.relative_path]
            yield JobResult(job, "up to date", output_dir / job.relative_path,
                            entry["bytes"], entry["pages"])
        else:
            pending.append((job, inputs))

    def finish(job, inputs, rendered) -> JobResult:
        pdf, pages, extra = rendered
        if pdf is None:
            return JobResult(job, "failed", error=extra)
        target = output_dir / job.relative_path
        write_atomically(target, pdf)
        if extra is not None:
            write_atomically(target.with_suffix(".html"), extra.encode("utf-8"))
        manifest.record(job, inputs, pdf, pages)
        return JobResult(job, "built", target, len(pdf), pages)

    workers = max(1, min(jobs or os.cpu_count() or 1, len(pending)))
    try:
        if workers == 1:
            for job, inputs in pending:
                yield finish(job, inputs, _render(job, write_html, renderer))
            return
        settings = {"templates_dir": renderer.templates_dir, "styles_dir": renderer.styles_dir,
                    "content_dir": renderer.content_dir}
        with ProcessPoolExecutor(workers, initializer=_start_worker,
                                 initargs=(settings,)) as pool:
            try:
                futures = {pool.submit(_render, job, write_html): (job, inputs)
                           for job, inputs in pending}
                remaining = set(futures)
                while remaining:
                    done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for future in done:
                        job, inputs = futures[future]
                        yield finish(job, inputs, future.result())
            except BaseException:
                # Ctrl-C or a closed consumer: drop queued jobs, let running ones end quietly.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        # Whatever happened, the manifest lists exactly the PDFs written so far.
        manifest.save()


def write_atomically(target: Path, data: bytes) -> None:
    """Write to a temporary file beside `target`, then rename: readers see the old file or
    the new one, never a partial one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
