"""Render stage: Edition -> HTML (Jinja2) -> PDF bytes (WeasyPrint).

WeasyPrint is imported only when a PDF is made, so the CLI's --help stays fast.
"""

import hashlib
import logging
import mimetypes
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
import jinja2.meta

from .bidi import isolate_ltr_runs
from .colors import device_cmyk
from .content import Edition
from .documents import DOCUMENTS, LARGE_PRINT_SUFFIX
from .errors import FitError, RenderError
from .fit import check_bounds, check_fits, panel_boxes, whole_on_first_page
from .fonts import only_shipped_fonts
from .languages import base_language
from .linebreaks import keep_korean_words_whole
from .logos import print_ready
from .phones import call_and_text
from .paths import CONTENT_DIR, STYLES_DIR, TEMPLATES_DIR, display_path
from .scripts import language_font_folders, writing

CRISIS_PARTIAL = "_crisis.html"
# The office edition: tagged for screen readers (PDF/UA-1). The print-shop edition: PDF/X-4
# with a CMYK output intent, still tagged.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}
PRINT_SHOP_PDF_OPTIONS = {"pdf_variant": "pdf/x-4", "pdf_tags": True}
# The output condition print shops know the shipped CMYK profile by.
OUTPUT_CONDITION = ("FOGRA39", "Offset printing, coated paper, ISO 12647-2:2004 (FOGRA39)")


@dataclass(frozen=True)
class RenderOptions:
    fold_marks: bool = False
    print_shop: bool = False
    # The large-print edition (for a build: beside the office one): portrait pages, one
    # column, 18 pt body text, the checklist a form per program.
    large_print: bool = False

    @property
    def suffix(self) -> str:
        """What the edition adds to the document's file name: brochure-print.pdf."""
        return LARGE_PRINT_SUFFIX if self.large_print else "-print" if self.print_shop else ""

    @property
    def key(self) -> str:
        from .manifest import options_key
        return options_key(self.fold_marks, self.print_shop, self.large_print)

    def pdf_options(self, document: str) -> dict:
        if self.print_shop:
            return PRINT_SHOP_PDF_OPTIONS
        # The office checklist is fillable: tick boxes and note lines become form fields.
        return {**PDF_OPTIONS, "pdf_forms": document == "checklist"}


@dataclass
class Renderer:
    """Renders documents for editions. One per process: it keeps one Jinja environment, one
    WeasyPrint FontConfiguration and the parsed stylesheets, the costly parts to set up."""

    templates_dir: Path = TEMPLATES_DIR
    styles_dir: Path = STYLES_DIR
    content_dir: Path = CONTENT_DIR
    # One WeasyPrint FontConfiguration per set of font folders a language prints with.
    _font_configs: dict = field(default_factory=dict, init=False, repr=False)
    _parsed_css: dict = field(default_factory=dict, init=False, repr=False)
    # What WeasyPrint reported while parsing each stylesheet: parsed once, reported with
    # every document that uses it.
    _css_problems: dict = field(default_factory=dict, init=False, repr=False)
    # @color-profile rules land here as their stylesheets are parsed; each render gets it.
    _color_profiles: dict = field(default_factory=dict, init=False, repr=False)
    _checked_templates: set = field(default_factory=set, init=False, repr=False)
    _font_timestamp: int | None = field(default=None, init=False, repr=False)
    _fitting_size: dict = field(default_factory=dict, init=False, repr=False)
    _fingerprint: str | None = field(default=None, init=False, repr=False)
    # The live preview's renderer: an edit usually leaves the fit where it was, so it starts
    # from the last fit found for the edition (see _preview_fit). Builds never do.
    preview: bool = False
    _last_fit: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.environment = template_environment(self.templates_dir)

    # --- HTML ------------------------------------------------------------------------------

    def stylesheets(self, document: str, edition: Edition, options: RenderOptions) -> list[Path]:
        # The language's writing (its fonts, line breaking, direction) comes last, over the
        # document's and the paper's (see scripts.py).
        own = writing(edition.language).stylesheet
        language_sheets = [self.styles_dir / own] if own else []
        if options.large_print:
            return [self.styles_dir / "large-print.css",
                    self.styles_dir / f"paper-{edition.paper}.css", *language_sheets]
        sheets = [self.styles_dir / f"{document}.css", self.styles_dir / f"paper-{edition.paper}.css"]
        if options.fold_marks and document == "brochure":
            sheets.append(self.styles_dir / "fold-marks.css")
        if options.print_shop:
            sheets += [self.styles_dir / "print-shop.css",
                       self.styles_dir / f"print-shop-{edition.paper}.css"]
        return sheets + language_sheets

    def html(self, document: str, edition: Edition, options: RenderOptions = RenderOptions(),
             standalone: bool = False, body_size: float | None = None,
             layout: tuple[str, ...] = ()) -> str:
        """The document's HTML. `standalone` HTML links its stylesheets (for people and other
        tools); the renderer itself passes them already parsed."""
        template_name = f"{document}{'-large-print' if options.large_print else ''}.html"
        self.check_includes_crisis(template_name)
        template = self.environment.get_template(template_name)
        registered = DOCUMENTS[document]
        brand = edition.clinic.brand_color
        if brand and options.print_shop:
            brand = device_cmyk(brand)
        try:
            html = template.render(
                edition=edition,
                document=document,
                document_title=registered.title(edition),
                document_subject=registered.subject(edition),
                brand_color=brand,
                body_size=body_size,
                layout=layout,
                large_print=options.large_print,
                # PDF/X needs dates; the content's own review date keeps the bytes repeatable.
                document_date=registered.review(edition).date.isoformat() if options.print_shop else None,
                stylesheets=[p.resolve().as_uri() for p in self.stylesheets(document, edition, options)]
                if standalone else [],
            )
        except jinja2.TemplateError as exc:
            raise RenderError(f"templates/{template_name}: {exc}") from None
        if base_language(edition.language) == "ko":
            html = keep_korean_words_whole(html)
        return isolate_ltr_runs(html) if edition.direction == "rtl" else html

    def check_includes_crisis(self, template_name: str) -> None:
        """A document without crisis lines must never be printed: refuse to render it."""
        if template_name in self._checked_templates:
            return
        self._find_crisis_include(template_name)
        self._checked_templates.add(template_name)

    def _find_crisis_include(self, template_name: str) -> None:
        seen, pending = set(), [template_name]
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                source = self.environment.loader.get_source(self.environment, name)[0]
            except jinja2.TemplateNotFound:
                raise RenderError(f"template {name} not found in {self.templates_dir}") from None
            try:
                ast = self.environment.parse(source)
            except jinja2.TemplateSyntaxError as exc:
                raise RenderError(f"templates/{name}, line {exc.lineno}: {exc.message}") from None
            for referenced in jinja2.meta.find_referenced_templates(ast):
                if referenced == CRISIS_PARTIAL and not _only_imported(ast, referenced):
                    return
                if referenced:
                    pending.append(referenced)
        raise RenderError(f"templates/{template_name} does not include the crisis block "
                          f"({CRISIS_PARTIAL}); every document must carry the crisis lines")

    # --- PDF -------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Do the one-off work now (WeasyPrint's import, fonts, stylesheets), before jobs come."""
        import_weasyprint()
        from weasyprint.urls import FatalURLFetchingError
        fetcher = ProjectFilesFetcher([self.templates_dir, self.styles_dir, self.content_dir])
        for path in sorted(self.styles_dir.glob("*.css")):
            try:
                self._stylesheet(path, fetcher)
            except (Exception, FatalURLFetchingError):
                pass  # reported, with its document, when a job uses this stylesheet

    def _stylesheet(self, path: Path, fetcher, language: str = "en"):
        """A stylesheet parsed once per process (and set of fonts) and reused for every
        document: parsing (with its @import and @font-face) costs as much as laying out a
        simple page."""
        key = (path, language_font_folders(language))
        if key not in self._parsed_css:
            import weasyprint
            with weasyprint_problems() as problems:
                self._parsed_css[key] = weasyprint.CSS(
                    filename=str(path), url_fetcher=fetcher,
                    font_config=self.font_config_for(language),
                    color_profiles=self._color_profiles)
            self._css_problems[path] = problems
        return self._parsed_css[key]

    @property
    def font_config(self):
        """The fonts of English, Spanish and French (Atkinson Hyperlegible)."""
        return self.font_config_for("en")

    def font_config_for(self, language: str):
        """Fonts for a language's renders: the shipped ones and its own faces (scripts.py),
        nothing else (see fonts.py), so a character they lack is never printed from a font
        that happens to be installed, nor from another language's face."""
        folders = language_font_folders(language)
        if folders not in self._font_configs:
            import_weasyprint()
            from weasyprint.text.fonts import FontConfiguration
            with only_shipped_fonts(self.styles_dir / "fonts", folders):
                self._font_configs[folders] = FontConfiguration()
        return self._font_configs[folders]

    def pdf(self, document: str, edition: Edition, options: RenderOptions = RenderOptions(),
            html: str | None = None) -> bytes:
        """Render one document to PDF bytes; raise RenderError if anything does not fit."""
        return self.pdf_and_pages(document, edition, options, html)[0]

    def pdf_and_pages(self, document: str, edition: Edition,
                      options: RenderOptions = RenderOptions(),
                      html: str | None = None) -> tuple[bytes, int]:
        """Render one document; with no `html`, at the largest body size that fits.

        Anything WeasyPrint reports on the way (an image it could not load, a CSS value it
        ignored, a font it could not use) fails the document: WeasyPrint itself only logs
        such problems and carries on, printing a handout with something missing."""
        import_weasyprint()
        from weasyprint.urls import FatalURLFetchingError

        fetcher = ProjectFilesFetcher([self.templates_dir, self.styles_dir, self.content_dir])
        def where(element):
            return edition.origin(element.get("data-field") or "") if element is not None \
                else None
        try:
            with weasyprint_problems() as problems:
                if html is None and options.large_print:
                    rendered, html = self._large_print(document, edition, options, fetcher,
                                                       where)
                elif html is None:
                    rendered, html = self._copyfit(document, edition, options, fetcher, where)
                else:
                    rendered = self._layout(html, document, edition, options, fetcher)
                    (check_bounds(rendered, where) if options.large_print
                     else check_fits(rendered, document, where))
                identifier = self.identifier(html)
                finisher = partial(_finish_pdf, identifier=identifier,
                                   review_status=edition.review.status)
                if self.preview:
                    # Page images only: no tags, form fields or finishing, which take time
                    # and change nothing a picture of the page shows.
                    pdf = rendered.write_pdf(pdf_variant=None, pdf_tags=False, pdf_forms=False)
                else:
                    with font_timestamp(self.font_timestamp):
                        pdf = rendered.write_pdf(pdf_identifier=identifier, finisher=finisher,
                                                 **options.pdf_options(document))
        except FatalURLFetchingError as exc:
            cause = exc.__cause__ or exc
            raise RenderError(f"{document}: {cause}") from None
        problems = [problem for path in self.stylesheets(document, edition, options)
                    for problem in self._css_problems.get(path, ())] + problems
        if problems:
            raise RenderError(self._reported(document, problems))
        return pdf, len(rendered.pages)

    def _reported(self, document: str, problems: list[str]) -> str:
        """WeasyPrint's first message, in one line, with the project's folders named as a
        person knows them rather than as file:// addresses."""
        problems = list(dict.fromkeys(problems))  # copyfitting may lay a page out twice
        first = " ".join(problems[0].split())
        for folder in (self.templates_dir, self.styles_dir, self.content_dir):
            first = first.replace(Path(folder).resolve().as_uri(), display_path(folder))
        if len(first) > 300:
            first = first[:300] + "..."
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{document}: WeasyPrint reported: {first}{more}"

    # The fit found for a document is remembered by a hash of everything its layout depends
    # on (its HTML, the templates, stylesheets and fonts, this code, WeasyPrint's version),
    # in memory and in a small cache folder, so a rebuild of the same content lays it out
    # once instead of trying each larger size again.

    def _copyfit_key(self, document, edition, options) -> str:
        if self._fingerprint is None:
            from .manifest import InputsHasher
            self._fingerprint = InputsHasher(self.templates_dir, self.styles_dir).shared
        html = self._without_folders(self.html(document, edition, options))
        return hashlib.sha256(f"{self._fingerprint}\n{html}".encode()).hexdigest()

    @staticmethod
    def _fit_cache_dir() -> Path:
        import os
        return Path(os.environ.get("IOP_HANDOUTS_CACHE")
                    or Path.home() / ".cache" / "iop-handouts") / "copyfit"

    def _cached_fit(self, key: str):
        import json
        try:
            size, layout = json.loads((self._fit_cache_dir() / f"{key}.json").read_text())
            return float(size), tuple(layout)
        except (OSError, ValueError, TypeError):
            return None  # no cache, or an unreadable one: measure

    def _cache_fit(self, key: str, fit) -> None:
        import json
        from .output_folder import write_atomically
        try:
            write_atomically(self._fit_cache_dir() / f"{key}.json",
                             json.dumps([fit[0], list(fit[1])]).encode())
        except OSError:
            pass  # a read-only home folder: the next build measures again

    def _layout(self, html, document, edition, options, fetcher):
        import weasyprint
        stylesheets = [self._stylesheet(path, fetcher, edition.language)
                       for path in self.stylesheets(document, edition, options)]
        return weasyprint.HTML(
            string=html, base_url=self.templates_dir.resolve().as_uri() + "/",
            url_fetcher=fetcher,
        ).render(font_config=self.font_config_for(edition.language), stylesheets=stylesheets,
                 color_profiles=self._color_profiles if options.print_shop else {},
                 **options.pdf_options(document))

    def _copyfit(self, document, edition, options, fetcher, where):
        """Lay the document out at the largest body size that fits (the same size on every
        panel). The size found is remembered by the content's hash, so the print-shop and
        fold-mark variants, and a rebuild in the same process, lay out once."""
        registered = DOCUMENTS[document]
        choices = [(size, layout) for size in registered.body_sizes
                   for layout in registered.layouts]
        key = self._copyfit_key(document, edition, options)
        known = self._fitting_size.get(key) or self._cached_fit(key)
        if known is None and self.preview:
            found = self._preview_fit(document, edition, options, fetcher, choices)
            if found:
                return found
        if known in choices:
            choices = choices[choices.index(known):]
        problem = None
        crowded_size, measured = None, None
        for size, layout in choices:
            if size == crowded_size:
                continue  # the other layouts move things only between the covers and flap
            if measured and measured[1] * (size / measured[0]) ** 2 > COPYFIT_MARGIN:
                continue  # text area goes with the square of the size: this one cannot fit
            html = self.html(document, edition, options, body_size=size, layout=layout)
            rendered = self._layout(html, document, edition, options, fetcher)
            try:
                check_fits(rendered, document, where)
            except FitError as exc:
                problem = exc  # reported: the problem at the smallest size, the last tried
                if exc.panel not in MOVABLE_PANELS:
                    crowded_size = size
                if exc.needed and layout == registered.layouts[0]:
                    measured = (size, exc.needed)
                continue
            self._fitting_size[key] = (size, layout)
            self._last_fit[(document, edition.key)] = (size, layout)
            self._cache_fit(key, (size, layout))
            return rendered, html
        sizes = registered.body_sizes
        message = f"{problem} (even with body text at {sizes[-1]:g} pt, the smallest allowed)" \
            if len(sizes) > 1 else str(problem)
        # A full back cover or flap is most often the clinic's own long details.
        if problem.panel in MOVABLE_PANELS and (problem.field is None
                                                or problem.field.startswith("clinic.")):
            message += "; " + clinic_hint(edition)
        elif problem.panel == "front cover" and cover_hint(edition):
            message += "; " + cover_hint(edition)
        raise FitError(message, panel=problem.panel)

    def _large_print(self, document, edition, options, fetcher, where):
        """One size (18 pt) and as many pages as the text needs; the crisis box whole on the
        first page (see LARGE_PRINT_LAYOUTS)."""
        problem, too_tall = None, set()
        for layout in LARGE_PRINT_LAYOUTS:
            tall = "tall-header" in layout
            if tall in too_tall:
                continue  # where the box goes does not change what overflows the margins
            html = self.html(document, edition, options, layout=layout)
            rendered = self._layout(html, document, edition, options, fetcher)
            try:
                check_bounds(rendered, where)   # the crisis line at the top among the rest
            except FitError as exc:
                problem = exc
                too_tall.add(tall)
                continue
            if whole_on_first_page(rendered, "crisis"):
                return rendered, html
            region = (edition.origin("region.crisis_lines[0]") or "the region file")
            clinic = (edition.origin("clinic.name") or "the clinic's file").split(", field")[0]
            problem = FitError(f"{document}, large print: the crisis box does not fit on the "
                               f"first page after the title; shorten the crisis lines' notes "
                               f"({region}) or the clinic's name ({clinic})")
        raise problem

    def _preview_fit(self, document, edition, options, fetcher, choices):
        """For the live preview: the edition's last fit, if it still fits and the next larger
        choice still does not (then the full search would find it too). Two layouts instead
        of up to a dozen; None sends the search the usual way. A build never uses this, so a
        printed handout is always fitted from the largest size down."""
        last = self._last_fit.get((document, edition.key))
        if last not in choices:
            return None
        index = choices.index(last)
        attempts = [(choices[index], True)] + ([(choices[index - 1], False)] if index else [])
        kept = None
        for (size, layout), wanted in attempts:
            html = self.html(document, edition, options, body_size=size, layout=layout)
            rendered = self._layout(html, document, edition, options, fetcher)
            try:
                check_fits(rendered, document, lambda element: None)
            except FitError:
                if wanted:
                    return None     # it grew out of its fit: search from the top
                continue
            if not wanted:
                return None         # a larger choice fits now: search from the top
            kept = (rendered, html)
        return kept

    def identifier(self, html: str) -> bytes:
        """The PDF's /ID, derived from its HTML, so equal inputs give equal bytes. The HTML
        names files (the logo) by absolute path; those are replaced by the folder's role, so
        the same content in another folder, or on another machine, gives the same /ID."""
        return hashlib.sha256(self._without_folders(html).encode()).hexdigest()[:32].encode()

    def _without_folders(self, html: str) -> str:
        """The HTML with the absolute file URLs of the project's folders (the logo's, say)
        replaced by the folders' roles: the same content anywhere gives the same text."""
        for name, folder in (("templates", self.templates_dir), ("styles", self.styles_dir),
                             ("content", self.content_dir)):
            html = html.replace(Path(folder).resolve().as_uri(), f"{name}:")
        return html

    @property
    def font_timestamp(self) -> int:
        """The date written into every embedded font subset: the newest of the shipped fonts'
        own dates, so it comes from the inputs, never from the clock."""
        if self._font_timestamp is None:
            from fontTools.ttLib import TTFont
            dates = [TTFont(path, lazy=True)["head"].modified
                     for path in sorted((self.styles_dir / "fonts").glob("*.[ot]tf"))]
            self._font_timestamp = max(dates, default=0)
        return self._font_timestamp


# The large-print editions' choices, tried in order: the crisis box after the title and the
# main message (the brochure's summary, the checklist's steps), or, when that leaves it no
# room on the first page, right after the title; each with the usual top margin, then with
# a taller one for a crisis line that needs three lines at the top of every page.
LARGE_PRINT_LAYOUTS = ((), ("crisis-after-title",), ("tall-header",),
                       ("tall-header", "crisis-after-title"))

# Skip a body size when text that ran out of room at a larger size would still need more
# than the room at it. The estimate (area goes with the square of the size) leaves out the
# room lost where a column ends early to keep a heading with its text, so it errs low:
# when it says a size cannot fit, it cannot.
COPYFIT_MARGIN = 1.0

# Panels whose room depends on the clinic's own details (the back cover, and the inside flap
# that takes the disclaimer or the clinic's details when the back cover is full; the
# checklist's page, whose header holds them).
MOVABLE_PANELS = ("back cover", "inside flap", "checklist page")


def clinic_hint(edition: Edition) -> str:
    """When the back cover or flap overflows, the usual cause is the clinic's own data: say
    which, where it is, and what makes room."""
    clinic = edition.clinic
    parts = [f"name ({len(clinic.name)} characters)"]
    if clinic.address:
        parts.append(f"address ({len(clinic.address)} lines, the longest "
                     f"{max(len(line) for line in clinic.address)} characters)")
    if clinic.website:
        parts.append(f"website ({len(clinic.website.text)} characters)")
    where = edition.origin("clinic.name") or "the clinic's file"
    where = where.split(", field")[0]
    return (f"those panels also hold the clinic's {', '.join(parts)}: a shorter name, fewer "
            f"address lines or a shorter website address make room ({where})")


def cover_hint(edition: Edition) -> str:
    """The front cover's type does not shrink with the body text; what a clinic adds there
    (its logo, TTY and hours lines) is what it can take away. Empty when it adds none."""
    clinic = edition.clinic
    parts = (["logo (0.75 in tall)"] if clinic.logo_src else []) + \
        (["TTY line"] if clinic.tty else []) + (["opening hours"] if clinic.hours else [])
    if not parts:
        return ""
    where = (edition.origin("clinic.name") or "the clinic's file").split(", field")[0]
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (f"the front cover also holds the clinic's {listed}, which take its room: remove "
            f"one{', or shorten the hours' if clinic.hours else ''} ({where})")


# What WeasyPrint may log without anything being wrong with the document, each narrowly:
# - where the system lacks HarfBuzz's subsetter (Debian: libharfbuzz-subset0), fonts are
#   subset with fontTools instead, with a warning on every document; both give the same
#   glyphs (and, with the font dates handed in, the same bytes: tests/test_package.py).
HARMLESS_REPORTS = (
    re.compile(r'Using fontTools instead of HarfBuzz-Subset for font "[^"]*"\. This will be '
               r'unsupported in future versions of WeasyPrint\.'),
)


@contextmanager
def weasyprint_problems():
    """Collect the warnings and errors WeasyPrint logs (on the `weasyprint` logger and its
    children) while the block runs; yields the list of their messages.

    The handler is attached for the block only, and keeps only records made by this thread,
    so renders in other threads (a web server's, say) do not mix. Build workers are
    processes, each with its own logger. Progress messages are INFO and are not collected.
    """
    logger = logging.getLogger("weasyprint")
    messages: list[str] = []
    thread = threading.get_ident()

    class Collector(logging.Handler):
        def emit(self, record):
            message = record.getMessage()
            if record.thread == thread and not any(
                    harmless.match(message) for harmless in HARMLESS_REPORTS):
                messages.append(message)

    collector = Collector(logging.WARNING)
    # A program that quietened the logger (or the root logger) must not hide problems here.
    level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addHandler(collector)
    try:
        yield messages
    finally:
        logger.removeHandler(collector)
        logger.setLevel(level)


@contextmanager
def font_timestamp(value: int):
    """fontTools stamps each font subset it compiles with the current time (the `head`
    table's modified date), so two renders a second apart differ. Hand it `value` instead,
    while a PDF is written."""
    from fontTools.ttLib.tables import _h_e_a_d

    clock = _h_e_a_d.timestampNow
    _h_e_a_d.timestampNow = lambda: value
    try:
        yield
    finally:
        _h_e_a_d.timestampNow = clock


def template_environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja2 as every template here expects it: escaping on (plain-text email bodies, *.txt,
    are the one exception), and an undefined name is an error, never an empty string."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        autoescape=jinja2.select_autoescape(disabled_extensions=("txt",), default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["qr_code"] = qr_code_svg
    environment.filters["keep_last_words"] = keep_last_words
    environment.filters["number_link"] = number_link
    environment.filters["url_link"] = url_link
    environment.filters["call_and_text"] = call_and_text
    environment.filters["css_string"] = css_string
    environment.filters["in_direction_of"] = in_direction_of
    return environment


def css_string(text: str):
    """Text as a quoted CSS string, for the page margins' content: quotes, backslashes and
    anything that is not printable ASCII written as escapes, so no text can end the string
    (or the <style> element)."""
    import markupsafe

    escaped = "".join(c if c.isascii() and c.isprintable() and c not in '"\\<>&' else
                      f"\\{ord(c):x} " for c in str(text))
    return markupsafe.Markup(f'"{escaped}"')


def keep_last_words(text: str) -> str:
    """Join a heading's last two words with a no-break space, so a line never holds one
    short word alone (the words still wrap anywhere else)."""
    words = text.split(" ")
    # Only short pairs: two long words joined might not fit a narrow panel's line at all.
    if len(words) < 3 or len(words[-2]) + len(words[-1]) > 14:
        return text
    return " ".join(words[:-2]) + " " + words[-2] + "\u00a0" + words[-1]


def number_link(contact, css_class: str = "number", lead: str = ""):
    """A printed number as its link, in parts that never break inside: one part, or two
    where the display repeats the digits in brackets ("1 866 APPELLE" | "(277-3553)"), the
    one place a line may break. `lead` (the label's last word, "al" in "texto al 988") stays
    on the line of the first part. Each part is a link of its own: an element inside a link
    would leave the link's annotation out of the tagged structure."""
    import markupsafe

    head, bracket, tail = contact.text.partition(" (")
    parts = [head, "(" + tail] if bracket else [contact.text]
    css = markupsafe.Markup(f' class="{markupsafe.escape(css_class)} nowrap"' if css_class
                            else ' class="nowrap"')
    links = [markupsafe.Markup('<a{} href="{}">{}</a>').format(css, contact.href, part)
             for part in parts]
    if lead:
        links[0] = markupsafe.Markup('<span class="nowrap">{} {}</span>').format(lead, links[0])
    return markupsafe.Markup(" ").join(links)


def url_link(contact):
    """A web address as links that never break inside (not at its hyphens, where a reader
    could not tell the hyphen from the address), one per part ending in a slash; a line may
    break only between parts. Links side by side, so no element sits inside a link."""
    import markupsafe

    parts = [part for part in re.split(r"(?<=/)", contact.text) if part]
    return markupsafe.Markup("<wbr>").join(
        markupsafe.Markup('<a class="nowrap" href="{}">{}</a>').format(contact.href, part)
        for part in parts)


def qr_code_svg(url: str, alt: str):
    """A QR code for `url` as inline vector SVG (error correction M or better), its alt text
    in the SVG's <title>, which is what the tagged PDF reads out."""
    import markupsafe
    import segno

    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=0, dark="#000", omitsize=True)
    title = f"<title>{markupsafe.escape(alt)}</title>"
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" role="img" ', 1)
    return markupsafe.Markup(svg.replace(">", ">" + title, 1))


def _finish_pdf(document, pdf, identifier: bytes, review_status: str | None = None) -> None:
    _restore_reading_order(document, pdf)
    _margin_boxes_as_artifacts(pdf)
    _printable_links(document, pdf)
    if review_status:
        # For programs: the draft or final state, in words no translation changes (the
        # Keywords say it in the edition's language, with the edition mark).
        import pydyf
        pdf.info["ReviewStatus"] = pydyf.String(review_status)
    _name_output_condition(pdf)
    _repeatable_print_metadata(document, pdf, identifier)


def _repeatable_print_metadata(document, pdf, identifier: bytes) -> None:
    """Same inputs, same bytes, for PDF/X too. WeasyPrint gives PDF/X-4 files a random XMP
    document id and embeds the output profile as Pillow re-serialises it (with the current
    date); use an id derived from the inputs and the profile file exactly as shipped."""
    import uuid

    resolve = partial(_resolve, pdf)
    for profile in document.color_profiles.values():
        source = Path(unquote(urlsplit(profile.src).path))  # fetched from styles/ earlier
        if profile.pdf_reference is not None and source.is_file():
            resolve(profile.pdf_reference).stream = [source.read_bytes()]
    if "Metadata" in pdf.catalog:
        metadata = resolve(pdf.catalog["Metadata"])
        document_id = uuid.uuid5(uuid.NAMESPACE_URL, identifier.decode())
        metadata.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", f"xmp.did:{document_id}".encode(),
                                  b"".join(chunk if isinstance(chunk, bytes) else chunk.encode()
                                           for chunk in metadata.stream))]


def _resolve(pdf, reference):
    """The pydyf object behind an indirect reference ("12 0 R")."""
    return pdf.objects[int(bytes(reference).split()[0])]


def _name_output_condition(pdf) -> None:
    """WeasyPrint names the output intent after the profile's description; print shops look
    for the standard condition's name."""
    import pydyf

    intents = pdf.catalog.get("OutputIntents")
    for intent in intents or ():
        intent["OutputConditionIdentifier"] = pydyf.String(OUTPUT_CONDITION[0])
        intent["OutputCondition"] = pydyf.String(OUTPUT_CONDITION[1])
        intent["RegistryName"] = pydyf.String("http://www.color.org")


def _restore_reading_order(document, pdf) -> None:
    """Put the tags of a folded document in the order a person reads it.

    The brochure's panels are written as they sit on the sheet, and WeasyPrint tags each page
    on its own, so its tags would read flap, back cover, front cover, then the inside. Each
    panel carries data-read-order; here the panels' structure elements are gathered from every
    page into one part, in that order, and the wrappers left empty are dropped.
    """
    import pydyf

    panels_per_page = [_panels_in_box_order(page._page_box) for page in document.pages]
    if not any(element.get("data-read-order") for page in panels_per_page for element in page):
        return

    resolve = partial(_resolve, pdf)
    document_element = resolve(resolve(pdf.catalog["StructTreeRoot"])["K"][0])
    part_references = list(document_element["K"])
    if len(part_references) != len(document.pages):
        raise RenderError("cannot put the tags in reading order: expected one tagged part "
                          "per page")
    ordered, others = [], []
    for part_reference, panels in zip(part_references, panels_per_page):
        holder = resolve(part_reference)
        # Step down through wrappers (the sheet's sides) to the panels themselves.
        while len(holder["K"]) == 1 and (
                len(panels) > 1 or resolve(holder["K"][0]).get("S") != "/Sect"):
            wrapper = holder
            holder = resolve(holder["K"][0])
            wrapper.clear()
        # Panels are <section>s; anything else here (fold guides drawn by the side) follows.
        sections = [child for child in holder["K"] if resolve(child).get("S") == "/Sect"]
        others.extend(child for child in holder["K"] if resolve(child).get("S") != "/Sect")
        if len(sections) != len(panels):
            raise RenderError("cannot put the tags in reading order: the tags of a page do not "
                              "match its panels")
        ordered.extend((int(panel.get("data-read-order")), child)
                       for panel, child in zip(panels, sections))
        if holder is not resolve(part_reference):
            holder.clear()
    merged = resolve(part_references[0])
    merged.update({"Type": "/StructElem", "S": "/Part", "P": document_element.reference,
                   "Pg": pdf.page_references[0]})
    children = [child for _, child in sorted(ordered, key=lambda pair: pair[0])] + others
    merged["K"] = pydyf.Array(children)
    for child in children:
        resolve(child)["P"] = part_references[0]
    document_element["K"] = pydyf.Array([part_references[0]])
    for unused in part_references[1:]:
        resolve(unused).clear()  # now unreferenced; emptied so nothing points into the tree


def _margin_boxes_as_artifacts(pdf) -> None:
    """Mark the text of the page margins (the draft line and the edition mark, repeated on
    every page) as artifacts, so a screen reader does not read it with the handout.

    WeasyPrint 70 gives margin-box text marked-content ids whose structure elements it
    leaves out of the tree (PDF 1.7 has no place for them): content that is neither in the
    tags nor an artifact. Those ids are found as the parent tree's entries that the tree does
    not reach; their marked content becomes /Artifact and their entries null."""
    import pydyf

    if "StructTreeRoot" not in pdf.catalog:
        return
    resolve = partial(_resolve, pdf)
    tree_root = resolve(pdf.catalog["StructTreeRoot"])
    reachable, pending = set(), list(tree_root["K"])
    while pending:
        reference = pending.pop()
        if not isinstance(reference, bytes) or not reference.endswith(b" R"):
            continue  # a marked-content id, not an element
        number = int(reference.split()[0])
        if number in reachable:
            continue
        reachable.add(number)
        element = pdf.objects[number]
        if isinstance(element, dict):
            pending.extend(element.get("K") or ())
    numbers = resolve(tree_root["ParentTree"])["Nums"]
    for index, page_reference in enumerate(pdf.page_references):
        mapping = numbers[2 * index + 1]
        orphans = {mcid for mcid, reference in enumerate(mapping)
                   if isinstance(reference, bytes) and reference.endswith(b" R")
                   and int(reference.split()[0]) not in reachable}
        if not orphans:
            continue
        for mcid in orphans:
            mapping[mcid] = b"null"
        contents = resolve(resolve(page_reference)["Contents"])
        commands = contents.stream
        for position, command in enumerate(commands):
            if isinstance(command, pydyf.Dictionary) and command.get("MCID") in orphans \
                    and position + 1 < len(commands) and commands[position + 1] == b"BDC":
                commands[position - 1] = "/Artifact"
                commands[position] = b""
                commands[position + 1] = b"BMC"


def _panels_in_box_order(page_box) -> list:
    return [element for element, _ in panel_boxes(page_box)]


def _printable_links(document, pdf) -> None:
    """WeasyPrint leaves link annotations without the Print flag; PDF/UA wants annotations
    that print and display alike (checkers flag the difference)."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            obj["F"] = 1 << 2  # Print


def _only_imported(ast, name) -> bool:
    """True when `name` is pulled in only with {% import %} / {% from %}: that does not render it."""
    includes = [node for node in ast.find_all(jinja2.nodes.Include)
                if isinstance(node.template, jinja2.nodes.Const) and node.template.value == name]
    return not includes


def in_direction_of(html, edition):
    """A piece of HTML in `edition`'s words, made ready for a page in another language (the
    catalog): its numbers and Latin names kept left to right when the edition's language
    runs right to left (bidi.py)."""
    import markupsafe
    if edition.direction != "rtl":
        return html
    return markupsafe.Markup(isolate_ltr_runs(str(html)))


def import_weasyprint():
    # fontTools, which WeasyPrint subsets fonts with, warns about harmless quirks of some
    # fonts' tables (Almarai: "fsSelection bits 7, 8 and 9 ..."), on the console of every build.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        if "weasyprint" not in sys.modules:
            # WeasyPrint loads a fontconfig configuration as it is imported, to check that
            # fonts exist: let it load the small private one instead of every system font.
            with only_shipped_fonts():
                import weasyprint
        import weasyprint
    except OSError as exc:  # Pango or its friends are missing
        raise RenderError(
            f"WeasyPrint cannot load its system libraries ({exc}). Install Pango: on Debian or "
            f"Ubuntu run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0'") from None
    _tag_figures_as_figures()
    return weasyprint


def _tag_figures_as_figures() -> None:
    """WeasyPrint 70 tags <img> and <svg> as /Figure (with their alt text) but an HTML
    <figure> as a plain container. The levels-of-care diagram is a <figure> built from
    boxes and text: tag it as one /Figure whose /Alt is its `alt` attribute, so a screen
    reader hears the description once."""
    from weasyprint.pdf import tags

    original = tags._get_pdf_tag
    if getattr(original, "figure_aware", False):
        return

    def get_pdf_tag(tag):
        return "Figure" if tag == "figure" else original(tag)

    get_pdf_tag.figure_aware = True
    tags._get_pdf_tag = get_pdf_tag


class ForbiddenResource(Exception):
    """A document asked for something outside the project's own folders."""


def ProjectFilesFetcher(allowed_dirs):
    """A WeasyPrint URL fetcher that serves only files inside `allowed_dirs`.

    Anything else (http, https, data:, file paths elsewhere) stops the render: WeasyPrint only
    logs fetch errors unless they are fatal, and a handout silently missing a logo or a font is
    worse than no handout.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [Path(d).resolve() for d in allowed_dirs]

    class _Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file":
                raise ForbiddenResource(
                    f"refused to load '{url[:80]}': handouts may only use files inside the "
                    f"project's templates/, styles/ and content/ folders")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in roots):
                raise ForbiddenResource(
                    f"refused to load '{path}': it is outside the project's templates/, styles/ "
                    f"and content/ folders")
            if not path.is_file():
                raise ForbiddenResource(f"'{path}' does not exist")
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            # A raster image (the clinic's logo) is embedded at print size, never larger.
            data = print_ready(path) if mime_type == "image/png" else path.read_bytes()
            return URLFetcherResponse(url, data, {"Content-Type": mime_type})

    return _Fetcher(fail_on_errors=True)
