"""See the handouts without opening them: page thumbnails and output/index.html.

Thumbnails are PNGs beside each PDF (brochure-page1.png, ...), drawn with pypdfium2 and
redrawn only when their PDF changed. The catalog is a static page that opens from disk with
no server and no network: everything it shows is in output/.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from .languages import base_language, text_language
from .documents import DOCUMENTS
from .manifest import Manifest
from .output_folder import write_output
from .paths import WEB_EDITION_NAME

PREVIEWS_NAME = "previews.json"
THUMBNAIL_WIDTH = 360  # pixels: sharp on a phone, small on disk
# Each language by its own name, as its readers know it.
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "zh-Hans": "简体中文",
                  "zh-Hant": "繁體中文", "vi": "Tiếng Việt", "ko": "한국어", "fil": "Filipino",
                  "ar": "العربية"}
PAPER_NAMES = {"letter": "US Letter", "a4": "A4"}


def language_name(tag: str) -> str:
    """'Français' for fr-CA: the tag itself is shown beside it."""
    return LANGUAGE_NAMES.get(text_language(tag), tag)


def thumbnail_paths(pdf: Path, pages: int) -> list[Path]:
    return [pdf.with_name(f"{pdf.stem}-page{n}.png") for n in range(1, pages + 1)]


def make_previews(output_dir: Path) -> list[Path]:
    """Thumbnails for every PDF in the manifest; returns the PDFs drawn (not skipped)."""
    import pypdfium2

    output_dir = Path(output_dir)
    manifest = Manifest(output_dir)
    state_path = output_dir / PREVIEWS_NAME
    try:
        drawn_from = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        drawn_from = {}
    redrawn = []
    for relative, entry in sorted(manifest.documents.items()):
        if relative.endswith("-large-print.pdf"):
            continue  # many pages, none shown in the catalog
        pdf = output_dir / relative
        # The manifest is a file anyone can edit: never follow it out of the output folder.
        if not inside(output_dir, pdf) or not pdf.is_file():
            continue
        targets = thumbnail_paths(pdf, entry["pages"])
        if drawn_from.get(relative) == entry["sha256"] and all(t.is_file() for t in targets):
            continue
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            for page, target in zip(document, targets):
                scale = THUMBNAIL_WIDTH / page.get_width()
                image = page.render(scale=scale).to_pil()
                write_output(target, _png(image))
        finally:
            document.close()
        drawn_from[relative] = entry["sha256"]
        redrawn.append(pdf)
    write_output(state_path, (json.dumps(drawn_from, indent=2, sort_keys=True) + "\n").encode())
    return redrawn


def inside(folder: Path, path: Path) -> bool:
    """Whether `path` (links and ../ resolved) lies inside `folder`."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def _png(image) -> bytes:
    import io
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # fast; thumbnails are small anyway
    return buffer.getvalue()


@dataclass
class CatalogDocument:
    document: str
    href: str
    print_href: str | None
    pages: int
    size_kb: int
    thumbnails: list[str]
    large_print_href: str | None = None
    large_print_pages: int = 0


def write_catalog(output_dir: Path, editions, environment) -> Path:
    """output/index.html: every built edition, from the manifest and the editions' facts."""
    output_dir = Path(output_dir)
    manifest = Manifest(output_dir)
    regions = {}
    # English first in each region: the page is in English, and its region's crisis lines
    # are shown in the first edition's words.
    for edition in sorted(editions, key=lambda e: (e.region_id, base_language(e.language) != "en",
                                                   e.language)):
        documents = []
        for document in DOCUMENTS:
            relative = f"{edition.key}/{document}.pdf"
            entry = manifest.documents.get(relative)
            if not entry or not inside(output_dir, output_dir / relative) \
                    or not (output_dir / relative).is_file():
                continue
            print_relative = f"{edition.key}/{document}-print.pdf"
            large_relative = f"{edition.key}/{document}-large-print.pdf"
            large_entry = manifest.documents.get(large_relative)
            large = large_entry and inside(output_dir, output_dir / large_relative) \
                and (output_dir / large_relative).is_file()
            thumbnails = [p.relative_to(output_dir).as_posix()
                          for p in thumbnail_paths(output_dir / relative, entry["pages"])
                          if p.is_file()]
            documents.append(CatalogDocument(
                document, relative,
                print_relative if (output_dir / print_relative).is_file() else None,
                entry["pages"], max(1, round(entry["bytes"] / 1024)), thumbnails,
                large_relative if large else None, large_entry["pages"] if large else 0))
        if documents:
            region = regions.setdefault(edition.region_id, {"edition": edition, "languages": []})
            web = f"{edition.key}/{WEB_EDITION_NAME}"
            region["languages"].append(
                (edition, documents, web if (output_dir / web).is_file() else None))
    html = environment.get_template("catalog.html").render(
        regions=list(regions.values()), language_name=language_name, paper_names=PAPER_NAMES,
        total=sum(len(docs) for r in regions.values() for _, docs, _ in r["languages"]))
    target = output_dir / "index.html"
    write_output(target, html.encode("utf-8"))
    return target


def preview(content, output_dir: Path, on_wait=None) -> tuple[list[Path], Path]:
    """refresh(), with the output folder locked (a build may be writing it); `on_wait` as
    for output_folder.locked."""
    from .output_folder import locked

    with locked(output_dir, on_wait):
        return refresh(content, output_dir)


def refresh(content, output_dir: Path, environment=None) -> tuple[list[Path], Path]:
    """Thumbnails for every PDF not yet drawn, then the catalog page; returns the PDFs drawn
    and the catalog's path. The caller holds the output folder's lock."""
    if environment is None:
        from .paths import TEMPLATES_DIR
        from .render import template_environment
        environment = template_environment(TEMPLATES_DIR)
    drawn = make_previews(output_dir)
    editions, _ = content.editions()
    return drawn, write_catalog(output_dir, editions, environment)
