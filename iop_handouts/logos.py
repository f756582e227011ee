"""Clinic logos: checked when the content loads, served at print size when a PDF renders.

The logo is the one file a clinic brings that the handout embeds as it is. It is refused,
in one line naming the clinic's file and field, when it would break or bloat the build, or
print wrong:
- a file over MAX_LOGO_BYTES, or a PNG of more than MAX_LOGO_PIXELS pixels, read from the
  PNG's header before any pixel is decoded (a few kilobytes can decode to gigabytes);
- a PNG that does not decode (cut short, damaged): WeasyPrint loads images leniently
  and would print it with a band missing;
- an SVG that loads anything from outside itself (web addresses, other files, embedded
  data: images that nothing here could check) or declares a DOCTYPE or entities.
A PNG larger than print needs is downsampled, the same way every time, and that copy is
embedded instead of the original.
"""

import io
import re
import warnings
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 25_000_000
# The logo prints at most 0.9 in wide (styles/base.css), where 300 dpi, what print needs, is
# 270 pixels. 1200 pixels on the longer side still gives 300 dpi at 4 in, and keeps a large
# photo-like logo from adding megabytes to every PDF.
PRINT_MAX_SIDE = 1200

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
# A reference inside the SVG itself ("#gradient") is fine; anything else is outside it.
SELF_CONTAINED = ("a logo must be one self-contained file: save it as plain SVG shapes, or "
                  "as a PNG")
CSS_URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


class LogoError(ValueError):
    """What is wrong with a logo file, said as the end of a sentence about it: "'logo.png'
    is 20,000 x 20,000 pixels ..."."""


def check_logo(path: Path) -> None:
    """Raise LogoError if the logo at `path` (an .svg or .png file) cannot be used as it is.
    Checked once per file version in a process: a large PNG takes a moment to decode."""
    stat = Path(path).stat()
    if stat.st_size > MAX_LOGO_BYTES:
        raise LogoError(f"is {stat.st_size / 1024 / 1024:.1f} MB; logos are limited to "
                        f"{MAX_LOGO_BYTES // 1024 // 1024} MB: save it smaller (a PNG of "
                        f"{PRINT_MAX_SIDE} pixels on its longer side is plenty for print)")
    _check(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _check(path: str, mtime_ns: int, size: int) -> None:
    data = Path(path).read_bytes()
    if path.lower().endswith(".svg"):
        check_svg(data)
    else:
        check_png(data)


def check_png(data: bytes) -> None:
    from PIL import Image, PngImagePlugin

    try:
        # The PNG plugin reads the header only, and without Pillow's own size check (its
        # limit is 89 megapixels, a warning): the stricter limit here comes first.
        image = PngImagePlugin.PngImageFile(io.BytesIO(data))
    except Exception:
        raise LogoError("is not a PNG image; save the logo as PNG or SVG") from None
    width, height = image.size
    if width * height > MAX_LOGO_PIXELS:
        raise LogoError(f"is {width:,} x {height:,} pixels ({width * height / 1e6:,.0f} "
                        f"megapixels); logos are limited to {MAX_LOGO_PIXELS // 1_000_000} "
                        f"megapixels: save it at about {PRINT_MAX_SIDE} pixels on its longer "
                        f"side")
    try:
        with warnings.catch_warnings(), strict_decoding():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except Exception as exc:
        raise LogoError(f"cannot be read as a PNG image ({_one_line(exc)}); save it again "
                        f"from the program that made it") from None


@contextmanager
def strict_decoding():
    """Decode with Pillow refusing a cut-short or damaged image. WeasyPrint switches that
    off for the whole process when it is imported (ImageFile.LOAD_TRUNCATED_IMAGES), so a
    damaged logo would print with a grey band, silently."""
    from PIL import ImageFile

    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def check_svg(data: bytes) -> None:
    """An SVG logo must be self-contained: no references out of it, no DOCTYPE, no entities.
    Parsed with defusedxml, which refuses DOCTYPEs (and so entity tricks) outright."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as safe_xml
    from defusedxml import DefusedXmlException

    try:
        root = safe_xml.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                   forbid_external=True)
    except DefusedXmlException:
        raise LogoError("declares a DOCTYPE or entities, which a logo does not need and "
                        "which can make a small file expand or read other files; save it "
                        "again as plain SVG") from None
    except ParseError as exc:
        raise LogoError(f"is not a readable SVG file ({exc})") from None
    if root.tag not in (f"{SVG_NAMESPACE}svg", "svg"):
        raise LogoError("is not an SVG image (its first element is not <svg>)")
    if re.search(rb"<\?xml-stylesheet", data):
        raise LogoError(f"loads a stylesheet (xml-stylesheet); {SELF_CONTAINED}")
    for element in root.iter():
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] in ("href", "src") and not value.strip().startswith("#"):
                raise LogoError(_outside(value))
            _check_css(value)
        if element.tag.rsplit("}", 1)[-1] == "style":
            _check_css(element.text or "")


def _check_css(text: str) -> None:
    if re.search(r"@import", text, re.IGNORECASE):
        raise LogoError(f"loads a stylesheet (@import); {SELF_CONTAINED}")
    for target in CSS_URL.findall(text):
        if not target.startswith("#"):
            raise LogoError(_outside(target))


def _outside(reference: str) -> str:
    shown = reference.strip()
    shown = shown[:60] + "..." if len(shown) > 60 else shown
    if shown.startswith("data:"):
        return (f"embeds an image as a data: address ('{shown[:30]}...'), which the "
                f"handout cannot check; save the logo as plain SVG shapes, or as a PNG")
    return f"loads '{shown}' from outside itself; {SELF_CONTAINED}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- at print size ---------------------------------------------------------------------------

def print_ready(path: Path) -> bytes:
    """The bytes to embed for a raster image: the file itself, or, when it is larger than
    print needs, a copy downsampled to PRINT_MAX_SIDE pixels on its longer side. The same
    file gives the same bytes every time (no dates or other metadata are written)."""
    stat = Path(path).stat()
    return _print_ready(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _print_ready(path: str, mtime_ns: int, size: int) -> bytes:
    return downsampled(Path(path).read_bytes())


def downsampled(data: bytes) -> bytes:
    """A PNG's bytes as print needs them: itself, or a copy PRINT_MAX_SIDE pixels on its
    longer side."""
    from PIL import Image

    with warnings.catch_warnings():
        # Pillow warns of, then refuses, images past its own limit; never decode one here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        if max(image.size) <= PRINT_MAX_SIDE:
            return data
        image.load()
    icc_profile = image.info.get("icc_profile")
    # Resampling needs true colour or grey: palettes, 1-bit and transparent-colour PNGs are
    # converted first (to RGBA when any pixel is see-through).
    has_alpha = image.mode in ("LA", "RGBA", "PA") or "transparency" in image.info
    if has_alpha and image.mode not in ("LA", "RGBA"):
        image = image.convert("RGBA")
    elif not has_alpha and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    scale = PRINT_MAX_SIDE / max(image.size)
    size = tuple(max(1, round(side * scale)) for side in image.size)
    image = image.resize(size, Image.Resampling.LANCZOS)
    image.info = {}  # nothing of the original's chunks (text, dates) but its colour profile
    out = io.BytesIO()
    image.save(out, format="PNG", icc_profile=icc_profile)
    return out.getvalue()


# --- uploaded from the web app ---------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def uploaded_logo(data: bytes) -> tuple[bytes, str]:
    """A logo uploaded through the web app, checked as a logo file is and downsampled for
    print: (bytes to save, ".png" or ".svg"). The type is read from the bytes, never from the
    name the browser sent. Raises LogoError."""
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(f"is {len(data) / 1024 / 1024:.1f} MB; logos are limited to "
                        f"{MAX_LOGO_BYTES // 1024 // 1024} MB")
    if data.startswith(PNG_SIGNATURE):
        check_png(data)
        return downsampled(data), ".png"
    if b"<svg" in data[:4096]:
        check_svg(data)
        return data, ".svg"
    raise LogoError("is neither a PNG nor an SVG image: save the logo as one of those")
