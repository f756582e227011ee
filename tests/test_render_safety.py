"""Nothing is dropped or replaced silently while rendering: a logo that is too large or loads
things from outside, a character the fonts do not have, a system font filling in, anything
WeasyPrint reports and carries on from. Each is one line naming where to fix it, or a PDF
that holds exactly what was asked for."""

import logging
import os
import shutil
import struct
import threading
import time
import zlib

import pytest
from pypdf import PdfReader

from helpers import SAMPLE_EDITIONS, edit, line_of, run_cli
from iop_handouts.content import ContentSet
from iop_handouts.errors import RenderError
from iop_handouts.fonts import covered_characters, handout_fonts
from iop_handouts.logos import PRINT_MAX_SIDE
from iop_handouts.paths import STYLES_DIR, TEMPLATES_DIR
from iop_handouts.render import Renderer, weasyprint_problems

# The US English edition with the example clinic that has a logo.
US_OREGON = ("--region", "us-or", "--lang", "en")


def build_error(content, tmp_path, exit_code=2) -> str:
    """Build the edition, which must fail; its one error line, checked for no traceback
    and no PDF written."""
    started = time.monotonic()
    result = run_cli("build", *US_OREGON, "--jobs", "1", "--content", content,
                     "--out", tmp_path / "out")
    assert time.monotonic() - started < 60  # the checks read headers, not gigapixels
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert not list((tmp_path / "out").rglob("*.pdf"))
    return line


def use_logo(content, name: str, data: bytes):
    """Put `data` in content/clinics/<name> and make it the Riverbend clinic's logo; return
    where the error must point: 'clinics/riverbend.yaml, line N, field 'logo.path''."""
    (content / "clinics" / name).write_bytes(data)
    clinic = content / "clinics/riverbend.yaml"
    edit(clinic, "clinics/riverbend-logo.svg", f"clinics/{name}")
    return f"clinics/riverbend.yaml, line {line_of(clinic, 'path:')}, field 'logo.path'"


def png_header_only(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of any size, written row by row: 20,000 x 20,000 pixels
    take about 60 KB, and no image of that size is ever held in memory here."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then 1 bit per pixel
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def png(width: int, height: int) -> bytes:
    """A smooth colour PNG (small on disk, like a real logo)."""
    import io

    from PIL import Image

    grey = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (grey, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT), grey))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ' \
      'viewBox="0 0 10 10">{}</svg>'


# --- logos -----------------------------------------------------------------------------------

@pytest.mark.parametrize("inside, shown", [
    ('<image href="http://example.org/pixel.png" width="10" height="10"/>',
     "loads 'http://example.org/pixel.png' from outside itself"),
    ('<image xlink:href="file:///etc/hostname" width="10" height="10"/>',
     "loads 'file:///etc/hostname' from outside itself"),
    ('<use href="other.svg#shape"/>', "loads 'other.svg#shape' from outside itself"),
    ('<style>@import url(https://example.org/a.css);</style>', "loads a stylesheet (@import)"),
    ('<rect width="10" height="10" style="fill: url(https://example.org/p.svg#p)"/>',
     "loads 'https://example.org/p.svg#p' from outside itself"),
    ('<image href="data:image/png;base64,iVBORw0KGgo=" width="10" height="10"/>',
     "embeds an image as a data: address"),
])
def test_an_svg_logo_that_loads_anything_from_outside_is_refused(content, tmp_path, inside, shown):
    where = use_logo(content, "outside.svg", SVG.format(inside).encode())
    message = build_error(content, tmp_path)
    assert where in message and "'clinics/outside.svg' " + shown in message, message
    assert "a logo must be one self-contained file" in message or "data:" in shown


def test_an_svg_logo_with_its_own_references_renders(content, tmp_path):
    inside = ('<defs><linearGradient id="g"><stop offset="0" stop-color="#1F4E79"/></linearGradient>'
              '<circle id="c" cx="5" cy="5" r="4"/></defs>'
              '<use xlink:href="#c" fill="url(#g)"/>')
    use_logo(content, "self-contained.svg", SVG.format(inside).encode())
    result = run_cli("build", *US_OREGON, "--doc", "checklist", "--jobs", "1",
                     "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output


def test_an_svg_logo_with_a_doctype_is_refused(content, tmp_path):
    lol = ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY lol "lol">'
           '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
           '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>')
    where = use_logo(content, "entities.svg", lol.encode())
    message = build_error(content, tmp_path)
    assert where in message and "declares a DOCTYPE or entities" in message


def test_a_png_logo_of_too_many_pixels_is_refused_from_its_header(content, tmp_path):
    data = png_header_only(20_000, 20_000)
    assert len(data) < 200_000  # small on disk: what makes it dangerous
    where = use_logo(content, "huge.png", data)
    message = build_error(content, tmp_path)
    assert where in message, message
    assert ("'clinics/huge.png' is 20,000 x 20,000 pixels (400 megapixels); logos are "
            "limited to 25 megapixels") in message


def test_a_logo_file_over_the_size_limit_is_refused(content, tmp_path):
    where = use_logo(content, "heavy.png", png(64, 64) + b"\0" * (6 * 1024 * 1024))
    message = build_error(content, tmp_path)
    assert where in message and "is 6.0 MB; logos are limited to 5 MB" in message


@pytest.mark.parametrize("data, problem", [
    (png(300, 300)[:-200], "cannot be read as a PNG image"),  # cut short
    (b"GIF89a not a png at all", "is not a PNG image"),
])
def test_a_png_logo_that_does_not_decode_is_refused(content, tmp_path, data, problem):
    where = use_logo(content, "broken.png", data)
    message = build_error(content, tmp_path)
    assert where in message and problem in message, message


def xobjects(path):
    """Every XObject a PDF's pages use, in forms too, each once (pages share resources)."""
    seen = {}

    def visit(resources):
        for reference in (resources or {}).get("/XObject", {}).values():
            if reference.idnum not in seen:
                seen[reference.idnum] = xobject = reference.get_object()
                if xobject.get("/Subtype") == "/Form":
                    visit(xobject.get("/Resources"))

    for page in PdfReader(path).pages:
        visit(page.get("/Resources"))
    return list(seen.values())


def images_in(path) -> list[tuple[int, int]]:
    """(width, height) of every image a PDF embeds."""
    return [(int(x["/Width"]), int(x["/Height"])) for x in xobjects(path)
            if x.get("/Subtype") == "/Image"]


def test_a_large_png_logo_is_downsampled_the_same_way_every_time(content, tmp_path):
    data = png(4000, 2500)  # 10 megapixels: allowed, and far more than print needs
    use_logo(content, "large.png", data)
    pdfs = []
    for out in (tmp_path / "one", tmp_path / "two"):
        result = run_cli("build", *US_OREGON, "--doc", "brochure", "--jobs", "1",
                         "--content", content, "--out", out)
        assert result.exit_code == 0, result.output
        pdfs.append(out / "us-or/en-US/brochure.pdf")
    assert images_in(pdfs[0]) == [(PRINT_MAX_SIDE, 750)]  # 4000 x 2500 scaled to 1200 wide
    assert pdfs[0].stat().st_size < 600_000, pdfs[0].stat().st_size
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()


def test_a_png_logo_within_print_size_is_embedded_as_it_is(content, tmp_path):
    use_logo(content, "small.png", png(600, 300))
    result = run_cli("build", *US_OREGON, "--doc", "brochure", "--jobs", "1",
                     "--content", content, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert images_in(tmp_path / "out/us-or/en-US/brochure.pdf") == [(600, 300)]


# --- fonts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("file, old, new, field, character", [
    ("clinics/riverbend.yaml", 'name: "Riverbend', 'name: "\u2135 Riverbend', "name",
     "'ℵ' (U+2135)"),
    ("brochure.en.yaml", 'title: "', 'title: "\u6f22\u5b57 ', "title", "'漢' (U+6F22)"),
    ("regions/us.yaml", 'en: "988 Suicide', 'en: "\U0001F198 988 Suicide',
     "crisis_lines[0].name.en", "'\U0001F198' (U+1F198)"),
])
def test_a_character_the_fonts_lack_is_refused(content, tmp_path, file, old, new, field, character):
    edit(content / file, old, new)
    message = build_error(content, tmp_path)
    line = line_of(content / file, new)
    assert f"{file}, line {line}, field '{field}': the character {character} is not in the " \
           f"handout's fonts" in message, message


def test_the_shipped_fonts_cover_every_character_the_shipped_pdfs_print(built):
    """Template text too (separators, no-break spaces), which the content check cannot see."""
    for path in sorted(built.rglob("*.pdf")):
        key = path.parent.relative_to(built).as_posix()
        covered = covered_characters(language=key.split("/")[1])
        if key in SAMPLE_EDITIONS or key.startswith("us/"):
            text = "".join(page.extract_text() for page in PdfReader(path).pages)
            missing = {c for c in text if ord(c) not in covered and not c.isspace()}
            assert not missing, (path, missing)


def embedded_fonts(path) -> set[str]:
    """The names of the fonts a PDF embeds, without their subset prefix: WeasyPrint names
    each after the font it used, family and style ('Atkinson-Hyperlegible-Bold')."""
    resources = [page.get("/Resources") or {} for page in PdfReader(path).pages]
    resources += [x.get("/Resources") or {} for x in xobjects(path)]
    return {str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            for resource in resources for font in resource.get("/Font", {}).values()}


def is_shipped(font_name: str) -> bool:
    from fontTools.ttLib import TTFont

    # The typographic family (name 16) where a font has one: Noto Sans CJK's family name
    # (name 1) carries its weight, "Noto Sans CJK TC Bold".
    names = [TTFont(path, lazy=True)["name"] for path in handout_fonts()]
    families = {(n.getDebugName(16) or n.getDebugName(1)).replace(" ", "-") for n in names}
    return any(font_name == family or font_name.startswith(family + "-") for family in families)


def test_built_pdfs_embed_only_the_shipped_fonts(built):
    """pdffonts lists the same; read with pypdf, so the test needs no poppler."""
    for path in sorted(built.rglob("*.pdf")):
        fonts = embedded_fonts(path)
        assert fonts and all(is_shipped(font) for font in fonts), (path, fonts)


def test_no_system_font_fills_in_for_a_missing_character(content):
    """Past the content check (HTML given directly), a character the shipped fonts lack
    finds no other font (this machine's have 'ℵ'): WeasyPrint draws an empty box and says
    so, and the render fails."""
    before = os.environ.get("FONTCONFIG_FILE")
    renderer = Renderer(content_dir=content)
    edition = ContentSet(content).edition("us", "en")
    plain = renderer.html("checklist", edition, body_size=12)
    html = plain.replace("</h1>", " \u2135</h1>", 1)
    assert html != plain
    with pytest.raises(RenderError, match=r"^checklist: WeasyPrint reported: \.notdef glyph "
                                          r"rendered for .*\(U\+2135\)$"):
        renderer.pdf("checklist", edition, html=html)
    assert os.environ.get("FONTCONFIG_FILE") == before  # set only while fonts are loaded


# --- what WeasyPrint reports -----------------------------------------------------------------

@pytest.fixture
def renderer_with_own_styles(tmp_path, content):
    styles = tmp_path / "styles"
    shutil.copytree(STYLES_DIR, styles)
    return Renderer(templates_dir=TEMPLATES_DIR, styles_dir=styles, content_dir=content)


def test_a_css_value_weasyprint_ignores_fails_every_document_using_it(renderer_with_own_styles,
                                                                      content):
    stylesheet = renderer_with_own_styles.styles_dir / "base.css"
    stylesheet.write_text(stylesheet.read_text() + "\n.crisis h2 { color: crimsonish; }\n")
    edition = ContentSet(content).edition("us", "en")
    for document in ("checklist", "brochure"):  # the stylesheet is parsed once, for both
        with pytest.raises(RenderError) as caught:
            renderer_with_own_styles.pdf(document, edition)
        message = str(caught.value)
        assert message.startswith(f"{document}: WeasyPrint reported: Ignored `color: "
                                  f"crimsonish`"), message
        assert "\n" not in message


def test_a_problem_weasyprint_logs_while_rendering_fails_the_document(content):
    renderer = Renderer(content_dir=content)
    edition = ContentSet(content).edition("us", "en")
    html = renderer.html("checklist", edition, body_size=12).replace(
        "<body", '<body style="margin-left: sideways"', 1)
    with pytest.raises(RenderError, match=r"^checklist: WeasyPrint reported: .*margin-left"):
        renderer.pdf("checklist", edition, html=html)


def test_a_corrupt_image_weasyprint_drops_is_an_error(tmp_path):
    """A PNG that passes the content checks but that WeasyPrint cannot load anyway (here,
    served by a stylesheet): WeasyPrint logs it and prints without it; the build fails."""
    styles = tmp_path / "styles"
    shutil.copytree(STYLES_DIR, styles)
    (styles / "icons/call.svg").write_text("<svg><unclosed")
    renderer = Renderer(templates_dir=TEMPLATES_DIR, styles_dir=styles)
    edition = ContentSet().edition("us", "en")
    with pytest.raises(RenderError, match=r"WeasyPrint reported: Failed to load image at "
                                          r"'.*styles/icons/call\.svg'") as caught:
        renderer.pdf("checklist", edition)
    assert "file://" not in str(caught.value)  # folders named as a person knows them


def test_the_capture_keeps_this_threads_warnings_and_then_lets_go():
    """Progress messages, another thread's and the allowed notice about the font subsetter
    are left out; the handler is gone afterwards."""
    logger = logging.getLogger("weasyprint")
    handlers = list(logger.handlers)
    with weasyprint_problems() as problems:
        logging.getLogger("weasyprint.progress").info("Step 1 - Fetching")  # progress: not kept
        logger.warning("Ignored `%s` at 1:1", "color: x")
        logger.warning('Using fontTools instead of HarfBuzz-Subset for font "%s". This will be '
                       'unsupported in future versions of WeasyPrint. Please install '
                       'HarfBuzz-Subset >= 4.1.0 with your package manager.', "Atkinson")
        other = threading.Thread(target=logger.error, args=("another render's problem",))
        other.start()
        other.join()
    logger.warning("after the render")
    assert problems == ["Ignored `color: x` at 1:1"]
    assert logger.handlers == handlers
