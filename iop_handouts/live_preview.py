"""Page images of one edition's brochure and checklist, drawn while a clinic is edited.

Two warm workers (WeasyPrint imported, fonts and stylesheets loaded) render the two
documents at once from the content as it is on disk now, and draw each page with PDFium.
Nothing is written to the output folder: a preview is not a build.
"""

import hashlib
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .documents import DOCUMENTS
from .errors import HandoutError, error_lines
from .render import RenderOptions

PREVIEW_DPI = 60


@dataclass
class DocumentPreview:
    document: str
    pages: list[bytes] = field(default_factory=list)   # PNG per page
    problem: str | None = None                         # why it could not be drawn

    @property
    def key(self) -> str:
        """Changes whenever any page image changes."""
        digest = hashlib.sha256()
        for page in self.pages:
            digest.update(page)
        return digest.hexdigest()[:16]


@dataclass
class EditionPreview:
    edition_key: str
    documents: list[DocumentPreview]


def _start(settings: dict) -> None:
    from .build import _start_worker

    _start_worker(settings)


def _draw(document: str, edition) -> tuple[list[bytes], str | None]:
    """Render one document and draw its pages (in a worker)."""
    import io

    import pypdfium2

    from .build import _render

    pdf, _, problem = _render(_Job(edition, document), write_html=False)
    if pdf is None:
        return [], problem
    pages = []
    pdf_document = pypdfium2.PdfDocument(pdf)
    try:
        for page in pdf_document:
            image = page.render(scale=PREVIEW_DPI / 72).to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG", compress_level=1)  # fast: it goes to this computer
            pages.append(out.getvalue())
            page.close()
    finally:
        pdf_document.close()
    return pages, None


@dataclass(frozen=True)
class _Job:
    """What build._render needs of a job."""
    edition: object
    document: str
    options: RenderOptions = RenderOptions()


class Previewer:
    """Keeps its workers warm between previews, one per document, so each worker remembers
    its document's last fit (see Renderer.preview); close() stops them."""

    def __init__(self, content_dir: Path):
        from .paths import STYLES_DIR, TEMPLATES_DIR

        self.content_dir = Path(content_dir)
        settings = {"templates_dir": TEMPLATES_DIR, "styles_dir": STYLES_DIR,
                    "content_dir": self.content_dir, "preview": True}
        self.pools = {document: ProcessPoolExecutor(1, initializer=_start, initargs=(settings,))
                      for document in DOCUMENTS}
        for pool in self.pools.values():
            pool.submit(int)        # start the workers now, not at the first edit
        self.lock = threading.Lock()

    def preview(self, region_id: str, language: str) -> EditionPreview:
        """The edition's documents as page images; a problem (text that does not fit, a
        content error) is reported per document, in the words `build` uses."""
        from .clinic_folder import open_content

        with self.lock:     # one preview at a time: each already uses every worker
            try:
                edition = open_content(self.content_dir).edition(region_id, language)
            except HandoutError as exc:
                problem = "; ".join(error_lines(exc))
                return EditionPreview(f"{region_id}/{language}",
                                      [DocumentPreview(d, [], problem) for d in DOCUMENTS])
            futures = {document: pool.submit(_draw, document, edition)
                       for document, pool in self.pools.items()}
            documents = []
            for document, future in futures.items():
                pages, problem = future.result()
                documents.append(DocumentPreview(document, pages, problem))
            return EditionPreview(edition.key, documents)

    def close(self) -> None:
        """Stop the workers now, even one still starting: the app is closing, and nothing
        they hold is worth waiting for (they write no files)."""
        for pool in self.pools.values():
            processes = list((pool._processes or {}).values())  # noqa: SLF001 (no public way)
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=5)
