"""What the tests share: running the command line, reading PDFs, editing content copies, and
what a piece of content should produce. Fixtures are in conftest.py."""

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

import generate
from iop_handouts.content import ContentSet
from iop_handouts.paths import CONTENT_DIR

PROJECT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("brochure", "checklist")

# A cross-section of the shipped editions, checked in the fast run (pytest -m "not slow"):
# letter and A4, English, Spanish and French, a region that extends another. The full run
# checks every edition.
SAMPLE_EDITIONS = {"us/en-US", "us/es-US", "ca-qc/fr-CA", "gb/en-GB"}

__all__ = ["PROJECT", "CONTENT_DIR", "DOCUMENTS", "SAMPLE_EDITIONS", "run_cli", "statuses",
           "pdf_text", "normalise", "holds", "font_sizes", "struct_elements", "outloud_reports", "load", "strings_in",
           "printed_strings", "edit", "line_of", "keep_regions", "editions_of", "each_edition",
           "pdf_paths", "text_rects", "needs_chromium", "chromium", "check_findings"]


# --- the command line ------------------------------------------------------------------------

def run_cli(*args, env=None):
    """Run the CLI in-process, as a person would from the shell. Tests run the command line
    through here (only those that need a separate process start one themselves)."""
    return CliRunner().invoke(generate.cli, [str(a) for a in args], env=env,
                              catch_exceptions=False)


def statuses(output) -> dict[str, str]:
    """{'nz/en-NZ/brochure.pdf': 'built', ...} from the build's one-line-per-job output."""
    return {m[1]: m[0] for m in re.findall(r"^(built|up to date|failed)\s+(\S+)", output, re.M)}


# --- reading PDFs ----------------------------------------------------------------------------

_texts: dict[bytes, str] = {}


def pdf_text(path) -> str:
    """All text of a PDF with whitespace collapsed, so line breaks do not matter.

    Remembered by the file's bytes (not its name), so a rebuilt PDF is read again."""
    data = Path(path).read_bytes()
    key = hashlib.sha256(data).digest()
    if key not in _texts:
        reader = PdfReader(path)
        _texts[key] = normalise(" ".join(page.extract_text() for page in reader.pages))
    return _texts[key]


def normalise(text: str) -> str:
    # A line may break after a hyphen ("relapse-\nprevention"): join it back.
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text)).strip()


RTL_WORD = re.compile(r"[^\W\d_A-Za-z]+")
LTR_RUN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-/()]*[0-9A-Za-z]|[0-9A-Za-z]")


def holds(text: str, string: str, language: str = "en") -> bool:
    """Whether a PDF's text holds a printed string, however the language's lines break and
    however its text comes back.

    Chinese and Korean lines may break inside a word, so whitespace is left out. Arabic comes
    back from a PDF in the order it is drawn, left to right across each line: each of its
    words must be there, and each number or Latin name must read left to right as written."""
    squash = "".join(text.split())
    if language.split("-")[0] == "ar":
        words = set(RTL_WORD.findall(text))
        return (all(w in words for w in RTL_WORD.findall(string))
                and all(run in squash for run in LTR_RUN.findall(string)))
    if language.split("-")[0] in ("zh", "ko"):
        return "".join(string.split()) in squash
    return normalise(string) in text


def font_sizes(path) -> dict[float, int]:
    """{size in points: characters printed at it}, sizes to the half point, as the text's
    font size times its text and transformation matrices give them."""
    import math

    sizes: dict[float, int] = {}

    def visit(text, cm, tm, font, size):
        letters = len(text.strip())
        if letters and size:
            points = size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            key = round(points * 2) / 2
            sizes[key] = sizes.get(key, 0) + letters

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def text_rects(path) -> list[tuple[float, float, list[tuple[str, tuple]]]]:
    """Per page: (width, height, [(text, (left, bottom, right, top)), ...]) in points from
    the page's bottom-left corner, a rectangle per run of text on one line (pdfium's)."""
    import pypdfium2

    pages = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            width, height = page.get_size()
            textpage = page.get_textpage()
            rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
            pages.append((width, height, [(textpage.get_text_bounded(*rect), rect)
                                          for rect in rects]))
    finally:
        document.close()
    return pages


def struct_elements(reader: PdfReader):
    """Every element of a tagged PDF's structure tree that has a type (/S), in reading
    order (depth first)."""
    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            yield node
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, list) else [kids]) if kids is not None else []:
            if hasattr(kid, "get_object") or isinstance(kid, dict):
                yield from walk(kid)
    yield from walk(reader.trailer["/Root"]["/StructTreeRoot"])


def outloud_reports(paths) -> list[dict]:
    """The accessibility checker's (outloud's) report on each PDF, as its JSON gives it."""
    result = subprocess.run(
        [sys.executable, "-c", "from outloud.cli import main; main()", "--json", "-",
         "--fail-on", "never", *[str(p) for p in paths]],
        capture_output=True, text=True, check=True)
    return json.loads(result.stdout)["results"]


# --- content ---------------------------------------------------------------------------------

def load(path):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def strings_in(data):
    """Every string value in a YAML document, depth first."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings_in(value)


def printed_strings(brochure: dict | None = None, checklist: dict | None = None) -> list[str]:
    """Every string of a brochure and/or checklist (as loaded from YAML or dumped from an
    edition) that is printed: review records, section ids and alt text are not."""
    strings = []
    if brochure is not None:
        brochure = {k: v for k, v in brochure.items() if k != "review"}
        # The diagram's description is its alt text: in the tags, not on the page.
        brochure["levels_of_care"] = {k: v for k, v in brochure["levels_of_care"].items()
                                      if k != "description"}
        # Icons are pictures beside the steps, named, not printed.
        brochure["next_steps"] = {k: v for k, v in brochure["next_steps"].items() if k != "icons"}
        brochure["sections"] = [{k: v for k, v in section.items() if k not in ("review", "id")}
                                for section in brochure["sections"]]
        strings += strings_in(brochure)
    if checklist is not None:
        # The large print's intro is printed there only (tests/test_large_print.py).
        strings += strings_in({k: v for k, v in checklist.items()
                               if k not in ("review", "large_print_intro")})
    return strings


def edit(path, old, new):
    """Replace the first `old` in a file; `old` must be there."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path, needle) -> int:
    """The number of the first line of a file holding `needle`."""
    lines = Path(path).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def keep_regions(content: Path, *region_ids) -> Path:
    """Delete every region of a content copy but these (the shared "_" bases stay), so a
    test that builds "everything" builds only a few editions."""
    for path in (Path(content) / "regions").glob("*.yaml"):
        if path.stem not in region_ids and not path.stem.startswith("_"):
            path.unlink()
    assert {e.region_id for e in editions_of(content)} == set(region_ids)
    return content


def editions_of(content=CONTENT_DIR, regions=(), languages=()):
    """The editions a content folder holds (all of them valid)."""
    editions, failures = ContentSet(content).editions(regions, languages)
    assert not failures, failures
    return editions


def each_edition(editions):
    """Parameters for a test run once per edition; those outside SAMPLE_EDITIONS are slow."""
    return [pytest.param(e, id=e.key, marks=() if e.key in SAMPLE_EDITIONS else pytest.mark.slow)
            for e in editions]


def pdf_paths(editions, documents=DOCUMENTS, suffix="") -> set[str]:
    """{'us/en-US/brochure.pdf', ...}: the PDFs a build of these editions writes."""
    return {f"{e.key}/{d}{suffix}.pdf" for e in editions for d in documents}


# --- a real browser ----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)")


def chromium(profile: Path, window: str = "1280,1000"):
    """Debian's chromium, headless, driven by selenium, with nothing reaching the network on
    its own (no updates, sync or QUIC). The caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", f"--window-size={window}",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


# --- check ----------------------------------------------------------------------------------

def check_findings(out, rule_prefix: str, regions=("us",), languages=("en",)):
    """`check`'s findings on the shipped content and the output folder `out`, for the rules
    whose names start with `rule_prefix`."""
    from iop_handouts.checks import run_checks
    from iop_handouts.paths import STYLES_DIR
    from iop_handouts.render import Renderer

    report = run_checks(CONTENT_DIR, out, STYLES_DIR, Renderer(), regions, languages)
    return [f for f in report.findings if f.rule.startswith(rule_prefix)]
