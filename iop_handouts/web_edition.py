"""The accessible web edition: one HTML page per edition (output/<region>/<lang>/handout.html)
with everything the brochure and the checklist's questions say, for a clinic's website or
patient portal, and for patients who read on a phone.

The page stands alone: its stylesheet, fonts (subset to the letters the page uses), icons and
the clinic's logo are inside it, so it loads nothing from the network and can be put on any
site as it is. Every crisis number is a tel: or sms: link.
"""

import base64
import io
import logging
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .bidi import isolate_ltr_runs
from .content import Edition
from .errors import RenderError
from .paths import STYLES_DIR, WEB_EDITION_NAME

__all__ = ["web_page", "WEB_EDITION_NAME"]
TEMPLATE = "handout.html"
STYLESHEET = "web.css"
# The faces the page uses, as its stylesheet names them: url(fonts/<file>).
FONT_URL = re.compile(r"url\((fonts/[\w.-]+\.ttf)\)")
ICON_URL = re.compile(r"url\((icons/[\w.-]+\.svg)\)")


def web_page(edition: Edition, environment, styles_dir: Path = STYLES_DIR) -> str:
    """The edition's web page, complete in one string."""
    import jinja2
    import markupsafe

    template = environment.get_template(TEMPLATE)
    try:
        # Rendered twice: the fonts are cut down to the letters of the finished page.
        page = template.render(edition=edition, stylesheet="", logo=_logo(edition))
        css = inline_stylesheet(styles_dir, frozenset(_visible_text(page)), edition.language)
        page = template.render(edition=edition, stylesheet=markupsafe.Markup(css),
                               logo=_logo(edition))
        return isolate_ltr_runs(page) if edition.direction == "rtl" else page
    except jinja2.TemplateError as exc:
        raise RenderError(f"templates/{TEMPLATE}: {exc}") from None


def inline_stylesheet(styles_dir: Path, letters: frozenset, language: str = "en") -> str:
    """styles/web.css with its fonts and icons written into it as data: addresses, and the
    faces of the language's script (scripts.py) first in its font list."""
    styles_dir = Path(styles_dir)
    css = (styles_dir / STYLESHEET).read_text(encoding="utf-8") + _language_faces(language)
    css = FONT_URL.sub(lambda m: f"url({_font_data(styles_dir / m.group(1), letters)})", css)
    css = PACKAGE_FONT_URL.sub(lambda m: f"url({_font_data(Path(m.group(1)), letters)})", css)
    css = ICON_URL.sub(lambda m: f"url({_data_url(styles_dir / m.group(1))})", css)
    # Nothing may end the <style> element early.
    return css.replace("</", "<\\/")


# A language's own faces come from their packages: url(package-font:<absolute path>).
PACKAGE_FONT_URL = re.compile(r"url\(package-font:([^)]+)\)")


def _language_faces(language: str) -> str:
    """@font-face rules for the language's package faces (regular and bold), and its font
    list ahead of the page's usual one."""
    from .scripts import FACES, font_family, writing

    rules = []
    for family in writing(language).faces:
        if family not in FACES:
            continue
        regular, bold = FACES[family].paths()[:2]
        for weight, path in ((400, regular), (700, bold)):
            rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                         f'font-style: normal; src: url(package-font:{path}); }}')
    if not rules:
        return ""
    return ("\n/* The language's own faces (scripts.py). */\n" + "\n".join(rules)
            + f"\nhtml {{ font-family: {font_family(language)}, system-ui, sans-serif; }}\n")


@lru_cache(maxsize=64)
def _font_data(path: Path, letters: frozenset) -> str:
    """The font cut down to `letters` (plus the space and hyphen), as a data: address."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # Harmless quirks of a font's tables (Almarai's "fsSelection bits ...") are not news.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    # The font's own date stays in the copy (not the time of the build): same page, same bytes.
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(letters | set(" -\u00a0"))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    kind = "otf" if path.suffix.lower() == ".otf" else "ttf"
    return f"data:font/{kind};base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _data_url(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() == ".svg":
        kind = "image/svg+xml"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _logo(edition: Edition) -> str | None:
    """The clinic's logo (a file inside the content folder, checked when the content was
    read) as a data: address; a large PNG as the PDFs embed it, downsampled."""
    from .logos import print_ready

    if not edition.clinic.logo_src:
        return None
    path = Path(unquote(urlsplit(edition.clinic.logo_src).path))
    if path.suffix.lower() == ".png":
        return "data:image/png;base64," + base64.b64encode(print_ready(path)).decode("ascii")
    return _data_url(path)


def _visible_text(html: str) -> str:
    """The page's text and attribute values: every letter a font may have to draw."""
    from html import unescape
    return unescape(re.sub(r"<[^>]*?>", " ", html)) + unescape(" ".join(
        re.findall(r'(?:alt|aria-label|title)="([^"]*)"', html)))
