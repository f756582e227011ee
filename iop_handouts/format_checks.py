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


def check_large_print(report, edition, document: str, sizes: dict[float, int],
                      pages: list[str], wanted: list[str], where: str) -> None:
    """Type at large-print sizes (only the edition mark, for staff, is smaller; `sizes` as
    text_sizes reads them), more pages than the office edition, and every crisis number on
    the first page (the crisis box)."""
    from .checks import text_found

    # The edition mark, on every page, is the one text set small on purpose.
    small = sum(count for size, count in sizes.items() if size < LARGE_PRINT_BODY_POINTS)
    small -= len(pages) * len("".join(edition.mark.split()))
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
    missing = [n for n in wanted if not text_found(n, pages[0], edition.direction)]
    if missing:
        report.add("large-print.crisis-first-page", "error", f"{where}, page 1",
                   f"the first page lacks {', '.join(missing)}",
                   "keep the crisis box on the first page of the large-print template")


# --- the web edition -----------------------------------------------------------------------

# What the web page's template writes, and nothing else: anything more (a frame, a script, a
# form, an event handler, a refresh) is something the page was not made with.
WEB_ELEMENTS = {"html", "head", "meta", "title", "style", "body", "header", "main", "footer",
                "section", "aside", "figure", "figcaption", "div", "p", "span", "a", "img",
                "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "br", "wbr"}
WEB_LINK_SCHEMES = ("tel:", "sms:", "https://", "mailto:", "#")
# In a stylesheet, after its data: addresses: anything that could fetch (or hide a fetch).
CSS_FETCHES = re.compile(r"url\(|image-set\(|image\(|@import|\\", re.I)


class _WebPage(HTMLParser):
    """What the checks need from the page: its language, links (with their text, and whether
    they are in the crisis box), headings, landmarks, images, anything it would load and
    anything it should not hold."""

    def __init__(self):
        super().__init__()
        self.lang = None
        self.links: list[dict] = []
        self.headings: list[int] = []
        self.landmarks: set[str] = set()
        self.images_without_alt = 0
        self.loads: list[str] = []      # addresses the browser would fetch
        self.unexpected: list[str] = []
        self.in_style = False
        self.crisis_depth = 0           # inside the crisis box: how many sections deep
        self.link = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag not in WEB_ELEMENTS:
            self.unexpected.append(f"<{tag}>")
        for name in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction", "http-equiv"):
                self.unexpected.append(f"<{tag} {name}=...>")
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "a":
            href = attrs.get("href", "")
            if not href.startswith(WEB_LINK_SCHEMES):
                self.unexpected.append(f"a link to {href[:40]!r}")
            self.link = {"href": href, "text": "", "in_crisis": self.crisis_depth > 0}
            self.links.append(self.link)
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag in ("header", "main", "footer", "nav"):
            self.landmarks.add(tag)
        elif tag == "style":
            self.in_style = True
        if tag == "section" and (self.crisis_depth or "crisis" in attrs.get("class", "").split()):
            self.crisis_depth += 1
        if tag == "img" and "alt" not in attrs:
            self.images_without_alt += 1
        for name in ("src", "srcset", "poster", "data", "background", "xlink:href"):
            if attrs.get(name) and not attrs[name].startswith("data:image/"):
                self.loads.append(attrs[name])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        elif tag == "a":
            self.link = None
        elif tag == "section" and self.crisis_depth:
            self.crisis_depth -= 1

    def handle_data(self, data):
        if self.in_style:
            found = CSS_FETCHES.search(re.sub(r"url\(data:[^)]*\)", "", data))
            if found:
                self.loads.append(f"a stylesheet's {found.group(0)}")
        elif self.link is not None:
            self.link["text"] += data


def _spaced(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


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
        page.close()
    # Python's HTML parser gives up on some broken markup with an assertion: unreadable.
    except Exception as exc:  # noqa: BLE001
        report.add("web.page", "error", where, f"cannot read the page: {exc}",
                   "rebuild it with `iop-handouts build --force`")
        return

    def problem(rule, what, fix):
        report.add(rule, "error", where, what, fix)

    if page.lang != edition.language:
        problem("web.lang", f"the page's language is {page.lang!r}, not {edition.language}",
                "rebuild it; the template sets <html lang>")
    # Every number in the crisis box, as a link that shows it and dials it.
    contacts = [*edition.emergency, *(c for line in edition.crisis_lines for c in line.contacts)]
    unlinked = [c.text for c in contacts if not any(
        link["in_crisis"] and link["href"] == c.href and _spaced(link["text"])
        and _spaced(link["text"]) in _spaced(c.text) for link in page.links)]
    if unlinked:
        problem("web.crisis-links", f"the crisis box has no link showing and dialling "
                                    f"{', '.join(unlinked)}",
                "every crisis number must be a tel: or sms: link in the crisis box: rebuild it")
    if page.unexpected:
        problem("web.unexpected", f"it holds what the page is not made with: "
                                  f"{', '.join(dict.fromkeys(page.unexpected))}"[:300],
                "rebuild it; never edit the page by hand")
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
