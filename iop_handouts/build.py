"""Build stage: plan which documents to make, render them, and write them safely.

All content is validated before the first document renders, so a typo in one file never
leaves a half-built set. Each PDF is written to a temporary file and renamed into place, so a
failed or interrupted run leaves the previous PDFs as they were.
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .content import DOCUMENTS, ContentSet, Edition
from .paths import DEFAULT_OUTPUT_DIR
from .render import Renderer, RenderOptions


@dataclass(frozen=True)
class Job:
    edition: Edition
    document: str

    @property
    def name(self) -> str:
        return f"{self.edition.region_id}/{self.edition.language}/{self.document}"

    def output_path(self, output_dir: Path) -> Path:
        return Path(output_dir) / self.edition.region_id / self.edition.language / f"{self.document}.pdf"


@dataclass
class BuildResult:
    job: Job
    path: Path
    size: int


def plan(content: ContentSet, documents: tuple[str, ...] = DOCUMENTS) -> list[Job]:
    """Every edition x document. Loading the editions validates all content first."""
    return [Job(edition, document) for edition in content.editions() for document in documents]


def run(jobs: list[Job], output_dir: Path = DEFAULT_OUTPUT_DIR, options: RenderOptions = RenderOptions(),
        write_html: bool = False, renderer: Renderer | None = None, on_done=None) -> list[BuildResult]:
    renderer = renderer or Renderer()
    results = []
    for job in jobs:
        target = job.output_path(output_dir)
        html = renderer.html(job.document, job.edition, options)
        pdf = renderer.pdf(job.document, job.edition, options, html=html)
        write_atomically(target, pdf)
        if write_html:
            write_atomically(target.with_suffix(".html"), html.encode("utf-8"))
        result = BuildResult(job, target, len(pdf))
        results.append(result)
        if on_done:
            on_done(result)
    return results


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
