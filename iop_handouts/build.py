"""Build stage: plan region x language x document jobs, render them in a process pool, and
write each PDF safely, skipping what is already up to date.

- Content is validated before anything renders; an edition with bad content is reported and
  the others still build.
- Workers only render; this process writes every file, each to a temporary file renamed into
  place, so an interrupted or failed run never leaves a partial PDF.
- output/manifest.json records, per PDF, a hash of everything it was made from; a job whose
  inputs are unchanged (and whose PDF is still the one recorded) is skipped.
- A build holds the output folder's lock while it writes, so builds into one folder take
  turns and the manifest keeps every build's entries.
"""

import os
import signal
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from .approvals import APPROVALS_FILE
from .languages import matches
from .content import Edition
from .documents import DOCUMENTS
from .errors import ContentError, HandoutError, OutputError
from .manifest import ContentRoots, InputsHasher, Manifest, nothing_to_do
from .output_folder import check_writable, locked, write_atomically, write_output
from .paths import CONTENT_DIR, DEFAULT_OUTPUT_DIR, WEB_EDITION_NAME, display_path
from .render import Renderer, RenderOptions

__all__ = ["build", "BuildRequest", "BuildSummary", "plan", "run", "start_workers",
           "write_atomically", "Job", "JobResult", "BuildPlan"]


@dataclass(frozen=True)
class Job:
    edition: Edition
    document: str
    options: RenderOptions = RenderOptions()

    @property
    def name(self) -> str:
        # The print-shop and large-print editions sit beside the office one:
        # brochure-print.pdf, brochure-large-print.pdf.
        return f"{self.edition.region_id}/{self.edition.language}/{self.document}" \
               f"{self.options.suffix}"

    @property
    def options_key(self) -> str:
        return self.options.key

    @property
    def relative_path(self) -> str:
        return f"{self.name}.pdf"


@dataclass
class JobResult:
    job: Job
    status: str                      # "built", "up to date", "failed" or "held back"
    path: Path | None = None
    size: int = 0
    pages: int = 0
    error: str | None = None


@dataclass
class BuildPlan:
    jobs: list[Job]
    content_failures: list[tuple[str, Exception]] = field(default_factory=list)
    # Every region, language and document: a run of it without failures lets the next
    # unchanged run answer "nothing to do" from the manifest alone.
    everything: bool = False
    options_key: str = ""


def plan(content, regions=(), languages=(), documents=(), options=RenderOptions(),
         editions=()) -> BuildPlan:
    """Every edition x document, filtered (`editions`: only these keys, e.g. 'us/es').
    Loading the editions validates their content."""
    if editions:
        regions = sorted({key.split("/")[0] for key in editions})
    found, failures = content.editions(regions, languages)
    if editions:
        found = [e for e in found if e.key in editions]
        failures = [(key, error) for key, error in failures
                    if key in editions or key in regions]
    editions = found
    variants = [RenderOptions(options.fold_marks)]
    if options.print_shop:  # the print-shop edition, beside the office one
        variants.append(RenderOptions(options.fold_marks, print_shop=True))
    if options.large_print:
        variants.append(RenderOptions(large_print=True))
    jobs = [Job(edition, document, variant)
            for edition in editions for document in (documents or DOCUMENTS)
            for variant in variants]
    return BuildPlan(jobs, failures, everything=not (regions or languages or documents),
                     options_key=options.key)


# --- running ---------------------------------------------------------------------------------

_worker_renderer: Renderer | None = None


def _start_worker(renderer_settings: dict) -> None:
    # Ctrl-C goes to the main process, which stops the pool in order; workers just finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _worker_renderer
    _worker_renderer = Renderer(**renderer_settings)
    _worker_renderer.warm_up()


def start_workers(jobs: int | None, renderer: Renderer):
    """A pool of render workers, started early: each imports WeasyPrint and loads fonts and
    stylesheets while this process is still reading content. None for a single job."""
    workers = jobs or os.cpu_count() or 1
    if workers < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor  # only when there is a pool to run

    settings = {"templates_dir": renderer.templates_dir, "styles_dir": renderer.styles_dir,
                "content_dir": renderer.content_dir}
    pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(settings,))
    for _ in range(workers):
        pool.submit(int)  # makes the pool start its workers now
    return pool


def _render(job: Job, write_html: bool, renderer: Renderer | None = None):
    """Render one job; returns (pdf bytes, pages, html or None) or (None, 0, error text)."""
    renderer = renderer or _worker_renderer
    try:
        pdf, pages = renderer.pdf_and_pages(job.document, job.edition, job.options)
        html = renderer.html(job.document, job.edition, job.options, standalone=True) \
            if write_html else None
        return pdf, pages, html
    except HandoutError as exc:
        return None, 0, str(exc)
    except Exception as exc:  # a bug: report it with this job, let the others finish
        return None, 0, f"internal error: {type(exc).__name__}: {exc}"


def run(build_plan: BuildPlan, output_dir: Path = DEFAULT_OUTPUT_DIR, jobs: int | None = None,
        force: bool = False, write_html: bool = False, renderer: Renderer | None = None,
        pool=None):
    """Build the plan; yields a JobResult per job as each finishes (skipped ones first).
    The caller holds the output folder's lock (output_folder.locked).

    With a `pool` (see start_workers) the jobs render there; otherwise, with `jobs` above 1,
    a pool is started here; with one job they render in this process."""
    output_dir = Path(output_dir)
    renderer = renderer or Renderer()
    roots = ContentRoots.of(renderer.content_dir)
    hasher = InputsHasher(renderer.templates_dir, renderer.styles_dir)
    manifest = Manifest(output_dir)
    pending = []
    # The approvals decide the draft line and the edition mark: a job's inputs include them.
    approvals = [APPROVALS_FILE] if (roots.own / APPROVALS_FILE).is_file() else []
    for job in build_plan.jobs:
        files = [roots.name(f) for f in job.edition.input_files[job.document]] + approvals
        inputs = hasher.inputs(job.name, job.options_key, roots, files)
        if not force and manifest.is_current(job.relative_path, inputs, write_html):
            entry = manifest.documents[job.relative_path]
            yield JobResult(job, "up to date", output_dir / job.relative_path,
                            entry["bytes"], entry["pages"])
        else:
            pending.append((job, inputs, files))
    # Longest first (brochures), so the workers finish together.
    pending.sort(key=lambda item: item[0].document != "brochure")
    # A folder in the way, or one that takes no file, stops the run before anything renders.
    targets = [output_dir / job.relative_path for job, _, _ in pending]
    check_writable([manifest.path, *targets,
                    *(target.with_suffix(".html") for target in targets if write_html)])
    failed = False
    # An edition's documents carry one edition mark, a hash of all its files: they are
    # written together once all of them rendered, or not at all (the ones that rendered are
    # "held back"), so a failed build never leaves an edition half old, half new.
    waiting = Counter(job.edition.key for job, _, _ in pending)
    rendered_so_far: dict[str, list] = {}
    failed_editions: set[str] = set()

    def write(job, inputs, files, rendered) -> JobResult:
        pdf, pages, extra = rendered
        target = output_dir / job.relative_path
        write_output(target, pdf)
        if extra is not None:
            write_output(target.with_suffix(".html"), extra.encode("utf-8"))
        manifest.record(job.relative_path, inputs, pdf, pages, files, job.options_key)
        return JobResult(job, "built", target, len(pdf), pages)

    def finish(job, inputs, files, rendered) -> list[JobResult]:
        nonlocal failed
        key = job.edition.key
        waiting[key] -= 1
        results = []
        if rendered[0] is None:
            failed = True
            failed_editions.add(key)
            results.append(JobResult(job, "failed", error=rendered[2]))
        else:
            rendered_so_far.setdefault(key, []).append((job, inputs, files, rendered))
        if waiting[key] == 0:
            for done in rendered_so_far.pop(key, []):
                results.append(JobResult(done[0], "held back") if key in failed_editions
                               else write(*done))
        return results

    own_pool = None
    if pool is None and len(pending) > 1 and (jobs or os.cpu_count() or 1) > 1:
        pool = own_pool = start_workers(min(jobs or os.cpu_count(), len(pending)), renderer)
    manifest.complete = None
    try:
        if pool is None:
            for job, inputs, files in pending:
                yield from finish(job, inputs, files, _render(job, write_html, renderer))
        else:
            from concurrent.futures import FIRST_COMPLETED, wait
            try:
                futures = {pool.submit(_render, job, write_html): (job, inputs, files)
                           for job, inputs, files in pending}
                remaining = set(futures)
                while remaining:
                    done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield from finish(*futures[future], future.result())
            except BaseException:
                # Ctrl-C, a closed consumer or a failed write: drop queued jobs, let running
                # ones end quietly.
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        if build_plan.everything and not failed and not build_plan.content_failures:
            manifest.complete = {
                "options": build_plan.options_key,
                "content_dir": roots.key(),
                "listing": roots.listing(),
                "jobs": sorted(job.relative_path for job in build_plan.jobs),
            }
    except BaseException:
        # Whatever happened, the manifest lists exactly the PDFs written so far; but if it
        # cannot be saved either (a full disk), the first error is the one to report.
        with suppress(OutputError):
            manifest.save()
        raise
    else:
        manifest.save()
    finally:
        if own_pool is not None:
            own_pool.shutdown(wait=True, cancel_futures=True)


# --- one build, start to finish --------------------------------------------------------------

class BuildInputError(HandoutError):
    """The request itself cannot be met: no content folder, an unknown region, nothing left."""


class NotApprovedError(HandoutError):
    """A final build of content not yet approved: one line per file, naming who must
    approve it and the editions waiting for it."""

    def __init__(self, lines: list[str]):
        self.problems = lines
        super().__init__("\n".join(lines))

    def lines(self) -> list[str]:
        return list(self.problems)


def unapproved_lines(editions) -> list[str]:
    """'shipped:brochure.es.yaml: needs a translator's approval [us/es, us-or/es]', a line
    per file that keeps an edition from being final."""
    waiting: dict[str, tuple[object, list[str]]] = {}
    for edition in editions:
        for file in edition.review.pending:
            waiting.setdefault(file.name, (file, []))[1].append(edition.key)
    return [f"{name}: {file.describe()} [{', '.join(keys)}]"
            for name, (file, keys) in sorted(waiting.items())]


@dataclass(frozen=True)
class BuildRequest:
    """What to build, where from and where to. Empty filters mean everything."""
    content_dir: Path = CONTENT_DIR
    output_dir: Path = DEFAULT_OUTPUT_DIR
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    jobs: int | None = None          # render processes; default: the number of CPUs
    force: bool = False
    write_html: bool = False
    options: RenderOptions = RenderOptions()
    # Only editions whose every file is approved as it is now; anything else is refused.
    final: bool = False

    @property
    def everything(self) -> bool:
        return not (self.regions or self.languages or self.documents)


@dataclass
class BuildSummary:
    results: list[JobResult] = field(default_factory=list)
    # Editions whose content did not validate: (edition, error); nothing of theirs rendered.
    content_failures: list[tuple[str, ContentError]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False
    # Answered from the manifest alone: nothing was planned, nothing could have changed.
    up_to_date_count: int | None = None
    # The editions' web pages (handout.html) written because they were new or changed.
    web_pages: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def nothing_to_do(self) -> bool:
        return self.up_to_date_count is not None or (
            not self.count("built") and not self.failures and not self.content_failures
            and not self.interrupted and not self.web_pages)

    @property
    def exit_code(self) -> int:
        """0 built; 2 bad content; 1 a document failed to render; 130 interrupted."""
        if self.interrupted:
            return 130
        if self.content_failures:
            return 2
        return 1 if self.failures else 0


def build(request: BuildRequest, on_result=None, total=None, on_wait=None) -> BuildSummary:
    """Build what `request` asks for; call `on_result(result)` as each document finishes and
    `total(n)` once the number of jobs is known. While another command writes the output
    folder, `on_wait(message)` is called once and this waits its turn. Raises BuildInputError
    or ContentError for a request that cannot start, OutputError for an output folder that
    cannot be written; everything else is in the summary."""
    import time

    started = time.monotonic()
    summary = BuildSummary()
    content_dir, output_dir = Path(request.content_dir), Path(request.output_dir)
    if not content_dir.is_dir():
        raise BuildInputError(f"content folder {display_path(content_dir)} does not exist")
    renderer = Renderer(content_dir=content_dir)
    # A final build always looks at the approvals: an up-to-date draft is still a draft.
    if request.everything and not request.force and not request.final:
        # Answer a no-op from the manifest alone, before loading any heavy library. It only
        # reads, and every file it reads is replaced whole, so it needs no lock.
        count = nothing_to_do(output_dir, renderer.templates_dir, renderer.styles_dir,
                              ContentRoots.of(content_dir), request.options.key,
                              request.write_html)
        if count:
            summary.up_to_date_count = count
            summary.seconds = time.monotonic() - started
            return summary
    try:
        # The manifest is read, added to and saved whole: one writer at a time, or a build
        # running beside this one would lose its entries.
        with locked(output_dir, on_wait):
            _build_locked(request, renderer, summary, on_result, total)
    finally:
        summary.seconds = time.monotonic() - started
    return summary


def _build_locked(request: BuildRequest, renderer: Renderer, summary: BuildSummary,
                  on_result, total) -> None:
    """The build proper, with the output folder locked; fills in `summary`."""
    output_dir = Path(request.output_dir)
    # Workers start importing WeasyPrint and loading fonts while the content is read.
    pool = start_workers(request.jobs, renderer)
    try:
        from .clinic_folder import open_content
        content = open_content(Path(request.content_dir))
        check_filters(content, request)
        build_plan = plan(content, request.regions, request.languages, request.documents,
                          request.options)
        # A folder in the way of a web page stops the run before anything renders (the
        # manifest's folder, the output folder itself, is named first, as run() does).
        check_writable([Manifest(output_dir).path, *(
            Path(output_dir) / key / WEB_EDITION_NAME
            for key in sorted({job.edition.key for job in build_plan.jobs}))])
        if request.final:
            refused = unapproved_lines({job.edition.key: job.edition
                                        for job in build_plan.jobs}.values())
            if refused:
                raise NotApprovedError(refused)
        summary.content_failures = build_plan.content_failures
        if total:
            total(len(build_plan.jobs))
        results = run(build_plan, output_dir, jobs=request.jobs, force=request.force,
                      write_html=request.write_html, renderer=renderer, pool=pool)
        try:
            for result in results:
                summary.results.append(result)
                if on_result:
                    on_result(result)
        except KeyboardInterrupt:
            results.close()  # stops the pool and saves the manifest of what was written
            summary.interrupted = True
            return
        # An edition's web page follows its PDFs: none for an edition whose PDF failed, so
        # a failed build leaves what it made before as it was.
        failed = {result.job.edition.key for result in summary.failures}
        built = {result.job.edition.key for result in summary.results
                 if result.status == "built"}
        summary.web_pages = write_web_editions(
            {job.edition.key: job.edition for job in build_plan.jobs
             if job.edition.key not in failed}.values(), output_dir, renderer, built)
        if summary.count("built") or summary.web_pages:
            refresh_catalog(content, output_dir, renderer)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def write_web_editions(editions, output_dir: Path, renderer: Renderer,
                       built=None) -> list[Path]:
    """Each edition's web page (handout.html) beside its PDFs; returns the pages written,
    those that were missing or changed. An edition none of whose PDFs was built (all up to
    date: same content, templates, styles and code) keeps its page if it is still the one
    recorded; `built=None` makes every page anew."""
    import hashlib

    from .web_edition import web_page

    manifest = Manifest(output_dir)
    written = []
    for edition in editions:
        relative = f"{edition.key}/{WEB_EDITION_NAME}"
        target = Path(output_dir) / relative
        if built is not None and edition.key not in built and target.is_file() and \
                manifest.web_pages.get(relative) == hashlib.sha256(target.read_bytes()).hexdigest():
            continue
        page = web_page(edition, renderer.environment, renderer.styles_dir).encode("utf-8")
        if not target.is_file() or target.read_bytes() != page:
            write_output(target, page)
            written.append(target)
        manifest.web_pages[relative] = hashlib.sha256(page).hexdigest()
    manifest.save()  # so that the next run's "nothing to do" can tell the pages are current
    return written


def check_filters(content, request: BuildRequest) -> None:
    """Unknown regions, and filters that leave nothing, say what there is to choose from."""
    known = content.region_ids()
    for region_id in request.regions:
        if region_id not in known:
            raise BuildInputError(f"no such region '{region_id}' (known regions: "
                                  f"{', '.join(known) or 'none'})")
    if not request.languages:
        return
    offered = {}
    for region_id in request.regions or known:
        try:
            offered[region_id] = content.region(region_id)[1].languages
        except ContentError:
            return  # reported with its edition by the build
    if not any(matches(tag, request.languages) for langs in offered.values() for tag in langs):
        has = "; ".join(f"{r} has {', '.join(langs)}" for r, langs in offered.items())
        raise BuildInputError(f"no edition in {', '.join(request.languages)} "
                              f"({has})")


def refresh_catalog(content, output_dir: Path, renderer: Renderer) -> Path:
    """Thumbnails for new PDFs, then output/index.html listing every built edition."""
    from .catalog import refresh

    return refresh(content, output_dir, renderer.environment)[1]
