"""`check` for the alternative formats: the large-print PDFs (type sizes read back from the
PDF, the crisis box on the first page) and the web edition (handout.html: language, links
for every crisis number, landmarks, headings in order, alt text, nothing from the network).
The crisis lines in every PDF are checked with the office PDFs (checks.check_pdfs)."""

import math
import re
from html.parser import HTMLParser
from pathlib import Path

from .documents import DOCUMENTS
from .paths import WEB_EDITION_NAME, display_path

# The American Council of the Blind's large print guidelines: body text 18 pt, headings 22.
LARGE_PRINT_BODY_POINTS = 18
LARGE_PRINT_HEADING_POINTS = 22


def text_sizes(reader) -> dict[float, int]:
    """{size in points: letters printed at it}, to the half point, read back from the PDF
    (font size times the text and transformation matrices)."""
    sizes: dict[float, int] = {}

    def visit(text, cm, tm, font, size):
        letters = len("".join(text.split()))
        if letters and size:
            points = size * math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
            key = round(points * 2) / 2
            sizes[key] = sizes.get(key, 0) + letters

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes


def check_large_print(report, edition, document: str, reader, pages: list[str],
                      wanted: list[str], where: str) -> None:
    """Type at large-print sizes (only the edition mark, for staff, is smaller), and every
    crisis number on the first page (the crisis box)."""
    from .checks import _flatten, check_visuals

    sizes = text_sizes(reader)
    # The edition mark, on every page, is the one text set small on purpose.
    small = sum(count for size, count in sizes.items() if size < LARGE_PRINT_BODY_POINTS)
    small -= len(reader.pages) * len("".join(edition.mark.split()))
    if small > 0:
        report.add("large-print.type", "error", where,
                   f"{small} letters are set below {LARGE_PRINT_BODY_POINTS} pt",
                   "keep large-print.css at 18 pt and up for everything but the edition mark")
    if not sizes or max(sizes) < LARGE_PRINT_HEADING_POINTS:
        report.add("large-print.type", "error", where,
                   f"no heading at {LARGE_PRINT_HEADING_POINTS} pt or more",
                   "keep large-print.css's headings at 22 pt and up")
    # At 18 pt the text needs far more room than the office edition's: as many pages or
    # fewer means this is not the large print (or the text was cut).
    office = DOCUMENTS[document].pages
    if len(pages) <= office:
        report.add("large-print.pages", "error", where,
                   f"{len(pages)} page(s), no more than the office edition's {office}",
                   "rebuild it with `iop-handouts build --large-print --force`")
    missing = [n for n in wanted if _flatten(n) not in pages[0]]
    if missing:
        report.add("large-print.crisis-first-page", "error", f"{where}, page 1",
                   f"the first page lacks {', '.join(missing)}",
                   "keep the crisis box on the first page of the large-print template")
    if document == "brochure":
        check_visuals(report, reader, where)


# --- the web edition -----------------------------------------------------------------------

class _WebPage(HTMLParser):
    """What the checks need from the page: its language, links, headings, landmarks, images
    and anything it would load."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.links: list[str] = []
        self.headings: list[int] = []
        self.landmarks: set[str] = set()
        self.images_without_alt = 0
        self.loads: list[str] = []      # addresses the browser would fetch
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag in ("header", "main", "footer", "nav"):
            self.landmarks.add(tag)
        elif tag == "style":
            self.in_style = True
        if tag == "img" and attrs.get("alt") is None:
            self.images_without_alt += 1
        if tag == "script":
            self.loads.append(attrs.get("src") or "a script")
        for name in ("src", "srcset", "poster", "data"):
            if attrs.get(name) and not attrs[name].startswith("data:"):
                self.loads.append(attrs[name])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        if attrs.get("style"):
            self._css(attrs["style"])

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self._css(data)

    def _css(self, css: str):
        for address in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
            if not address.startswith("data:"):
                self.loads.append(address)
        self.loads += re.findall(r"@import\s+['\"]?([^'\";\s]+)", css)


def check_web_edition(report, edition, output_dir: Path) -> None:
    path = Path(output_dir) / edition.region_id / edition.language / WEB_EDITION_NAME
    where = display_path(path)
    if not path.is_file():
        report.add("web.page", "warning", where, "not built, so not checked",
                   "run `iop-handouts build`, then check again")
        return
    page = _WebPage()
    try:
        page.feed(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        report.add("web.page", "error", where, f"cannot read the page: {exc}",
                   "rebuild it with `iop-handouts build --force`")
        return

    def problem(rule, what, fix):
        report.add(rule, "error", where, what, fix)

    if page.lang != edition.language:
        problem("web.lang", f"the page's language is {page.lang!r}, not {edition.language}",
                "rebuild it; the template sets <html lang>")
    contacts = [*edition.emergency, *(c for line in edition.crisis_lines for c in line.contacts)]
    unlinked = [c.text for c in contacts if c.href not in page.links]
    if unlinked:
        problem("web.crisis-links", f"no link for {', '.join(unlinked)}",
                "every crisis number must be a tel: or sms: link: rebuild it")
    if page.loads:
        problem("web.offline", f"it loads {len(page.loads)} thing(s) from elsewhere, "
                               f"the first {page.loads[0][:80]!r}",
                "the page must carry its styles, fonts and pictures inside it")
    for landmark in ("header", "main", "footer"):
        if landmark not in page.landmarks:
            problem("web.landmarks", f"no <{landmark}> landmark", "rebuild it")
    if page.headings[:1] != [1] or page.headings.count(1) != 1 or any(
            later > earlier + 1 for earlier, later in zip(page.headings, page.headings[1:])):
        problem("web.headings", f"headings out of order ({', '.join(f'h{h}' for h in page.headings)})",
                "one h1, then levels that go down one step at a time")
    if page.images_without_alt:
        problem("web.alt-text", f"{page.images_without_alt} image(s) without alt text",
                "give every picture an alt attribute")
