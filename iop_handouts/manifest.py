"""What each built PDF was made from: output/manifest.json, and the quick no-op check.

Standard library only, on purpose: when nothing changed, `build` answers from here before the
content, template and PDF libraries are even imported.
"""

import hashlib
import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import __version__
from .output_folder import write_output
from .paths import CONTENT_DIR, SETTINGS_FILE, WEB_EDITION_NAME

MANIFEST_NAME = "manifest.json"
PACKAGE_DIR = Path(__file__).resolve().parent


def options_key(fold_marks: bool, print_shop: bool = False, large_print: bool = False) -> str:
    """The render options that change a PDF (or a run), as they enter its inputs hash."""
    return f"fold_marks={fold_marks};print_shop={print_shop}" + \
        (";large_print=True" if large_print else "")


class InputsHasher:
    """Hashes the inputs of a job: its content files, and what every job shares (templates,
    styles and fonts, the generator's code and version, WeasyPrint's version)."""

    def __init__(self, templates_dir: Path, styles_dir: Path):
        self._file_hashes: dict[Path, str] = {}
        shared = hashlib.sha256()
        shared.update(f"generator {__version__}\n".encode())
        shared.update(f"weasyprint {metadata.version('weasyprint')}\n".encode())
        # The generator's own code, and every template, stylesheet and font. (In a wheel the
        # shipped content sits inside the package folder too: it is hashed per job instead.)
        code = sorted(PACKAGE_DIR.glob("*.py"))
        files = [(PACKAGE_DIR, path) for path in code]
        files += [(Path(folder), path) for folder in (templates_dir, styles_dir)
                  for path in sorted(Path(folder).rglob("*"))]
        for folder, path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                shared.update(f"{path.relative_to(folder)} {self.file_hash(path)}\n".encode())
        self.shared = shared.hexdigest()

    def file_hash(self, path: Path) -> str:
        if path not in self._file_hashes:
            self._file_hashes[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return self._file_hashes[path]

    def inputs(self, job_name: str, options: str, roots: "ContentRoots", files) -> str:
        """`files`: the job's content files, by their names in `roots`."""
        digest = hashlib.sha256()
        digest.update(f"{self.shared}\n{job_name}\n{options}\n".encode())
        for name in sorted(files):
            digest.update(f"{name} {self.file_hash(roots.path(name))}\n".encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class ContentRoots:
    """Where content files are: one folder, or a clinic's folder over the shipped content.
    A file's name in the manifest is its path inside its folder, shipped files marked so."""
    own: Path
    shipped: Path | None = None

    SHIPPED = "shipped:"

    def name(self, path: Path) -> str:
        path = Path(path).resolve()
        if path.is_relative_to(self.own.resolve()):
            return path.relative_to(self.own.resolve()).as_posix()
        return self.SHIPPED + path.relative_to(self.shipped.resolve()).as_posix()

    def path(self, name: str) -> Path:
        if name.startswith(self.SHIPPED):
            return self.shipped / name.removeprefix(self.SHIPPED) if self.shipped else \
                Path("/nonexistent")
        return self.own / name

    def key(self) -> str:
        return str(self.own.resolve()) + (f" over {self.shipped.resolve()}" if self.shipped else "")

    @classmethod
    def of(cls, content_dir: Path) -> "ContentRoots":
        """A clinic's folder (it has a settings file) lies over the shipped content."""
        content_dir = Path(content_dir)
        clinic = (content_dir / SETTINGS_FILE).is_file()
        return cls(content_dir, CONTENT_DIR if clinic else None)

    def listing(self) -> str:
        """A hash of which content files exist (a new region or language means new jobs)."""
        names = sorted(p.relative_to(self.own).as_posix()
                       for p in self.own.rglob("*") if p.is_file())
        if self.shipped:
            names += sorted(self.SHIPPED + p.relative_to(self.shipped).as_posix()
                            for p in self.shipped.rglob("*") if p.is_file())
        return hashlib.sha256("\n".join(names).encode()).hexdigest()


class Manifest:
    """output/manifest.json: per PDF its inputs hash, the files it was made from, sha256,
    bytes and pages; and, after a complete build without failures, which jobs that was."""

    def __init__(self, output_dir: Path):
        self.output_dir = Path(output_dir)
        self.path = self.output_dir / MANIFEST_NAME
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.documents = dict(data.get("documents", {}))
            self.complete = data.get("complete")
            # Each edition's web page (handout.html): its sha256 as written.
            self.web_pages = dict(data.get("web_pages", {}))
        except (OSError, ValueError, AttributeError, TypeError):
            # Missing or unreadable: rebuild all.
            self.documents, self.complete, self.web_pages = {}, None, {}

    def is_current(self, relative_path: str, inputs: str, needs_html: bool) -> bool:
        entry = self.documents.get(relative_path)
        pdf = self.output_dir / relative_path
        if not entry or entry.get("inputs") != inputs or not pdf.is_file():
            return False
        if needs_html and not pdf.with_suffix(".html").is_file():
            return False
        # The file on disk must still be the one recorded (not edited or half-copied).
        return entry.get("bytes") == pdf.stat().st_size and \
            entry.get("sha256") == hashlib.sha256(pdf.read_bytes()).hexdigest()

    def record(self, relative_path: str, inputs: str, pdf: bytes, pages: int, files,
               options: str) -> None:
        self.documents[relative_path] = {
            "inputs": inputs,
            "options": options,
            "sha256": hashlib.sha256(pdf).hexdigest(),
            "bytes": len(pdf),
            "pages": pages,
            "files": sorted(str(f) for f in files),
        }

    def save(self) -> None:
        data = {"generator": __version__, "weasyprint": metadata.version("weasyprint"),
                "complete": self.complete, "documents": dict(sorted(self.documents.items())),
                "web_pages": dict(sorted(self.web_pages.items()))}
        write_output(self.path, (json.dumps(data, indent=2) + "\n").encode())


def nothing_to_do(output_dir: Path, templates_dir: Path, styles_dir: Path, roots: ContentRoots,
                  options: str, write_html: bool) -> int | None:
    """The number of PDFs when the last complete build is still current, else None.

    Current means: the same content folder holds the same files, every recorded input file
    hashes as before, templates, styles, code and versions are unchanged, and every PDF on
    disk is the one recorded. Then no job can differ, and content need not even be loaded."""
    manifest = Manifest(output_dir)
    complete = manifest.complete
    if not complete or complete.get("options") != options \
            or complete.get("content_dir") != roots.key() \
            or complete.get("listing") != roots.listing():
        return None
    hasher = InputsHasher(templates_dir, styles_dir)
    for relative_path in complete.get("jobs", []):
        entry = manifest.documents.get(relative_path)
        if not entry:
            return None
        files = entry.get("files", [])
        if not files or not all(roots.path(name).is_file() for name in files):
            return None
        job_name = relative_path.removesuffix(".pdf")
        if hasher.inputs(job_name, entry.get("options", ""), roots, files) \
                != entry["inputs"] or \
                not manifest.is_current(relative_path, entry["inputs"], write_html):
            return None
    # Each edition's web page is written with its PDFs: one gone or changed means a build.
    for folder in {Path(relative_path).parent for relative_path in complete.get("jobs", [])}:
        page = (folder / WEB_EDITION_NAME).as_posix()
        try:
            written = hashlib.sha256((Path(output_dir) / page).read_bytes()).hexdigest()
        except OSError:
            return None
        if manifest.web_pages.get(page) != written:
            return None
    return len(complete.get("jobs", [])) or None
