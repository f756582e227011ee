"""Does the text fit? Checked on WeasyPrint's laid-out boxes after rendering.

Text that does not fit must fail the build, naming its section, never be clipped or pushed
onto an extra page. A panel is an element with data-panel (a fixed-size box); a section is
an element with data-section.
"""

from .documents import DOCUMENTS
from .errors import RenderError

# Layout measurements are in CSS px; half a pixel absorbs rounding, nothing visible.
FIT_TOLERANCE_PX = 0.5
PX_PER_MM = 96 / 25.4
SVG = "{http://www.w3.org/2000/svg}"


def check_fits(rendered, document: str) -> None:
    expected = DOCUMENTS[document].pages
    if len(rendered.pages) > expected:
        spilled = sections_on_pages(rendered.pages[expected:])
        names = ", ".join(f"'{name}'" for name in spilled[:4]) or "the content"
        plural = "s" if expected > 1 else ""
        raise RenderError(f"text does not fit on {expected} page{plural}: "
                          f"{names} {'run' if len(spilled) > 1 else 'runs'} onto page "
                          f"{expected + 1}; shorten the text there")
    seen = set()
    for page in rendered.pages:
        for element, box in panel_boxes(page._page_box):
            name = element.get("data-panel")
            texts = list(_texts(box, name))
            if id(element) in seen:
                # A panel too tall for its page continued on the next one.
                section = texts[0][0] if texts else "?"
                raise _does_not_fit(name, f"section '{section}' runs past the bottom")
            seen.add(id(element))
            bottom = box.content_box_y() + box.height
            overflowing = [(child.position_y + child.height - bottom, section)
                           for section, child in texts
                           if child.position_y + child.height > bottom + FIT_TOLERANCE_PX]
            if overflowing:
                overflow, section = max(overflowing)
                raise _does_not_fit(name, f"section '{section}' runs "
                                          f"{overflow / PX_PER_MM:.0f} mm past the bottom")
            cut = first_section_cut_short(element, texts)
            if cut:
                raise _does_not_fit(name, f"section '{cut}' is cut off at the bottom")


def _does_not_fit(panel: str, what: str) -> RenderError:
    return RenderError(f"text does not fit in the {panel}: {what}; shorten it or move a "
                       f"section to another panel")


def panel_boxes(page_box) -> list:
    """(element, box) for each panel on the page, in box order. Anonymous boxes share their
    parent's element, so only the first box of each element is the panel itself."""
    found, seen = [], set()

    def visit(box):
        element = getattr(box, "element", None)
        if element is not None and not _is_pseudo(box) and element.get("data-panel") is not None:
            if id(element) not in seen:
                seen.add(id(element))
                found.append((element, box))
            return  # panels do not nest
        for child in getattr(box, "children", None) or ():
            visit(child)
    visit(page_box)
    return found


def first_section_cut_short(panel_element, texts) -> str | None:
    """The first section in the panel whose text was not all laid out.

    WeasyPrint stops laying out a fixed-height box at the bottom of the page and drops the
    rest without a word; comparing the text in the HTML with the text laid out is the one
    check that cannot be fooled by how the panel is positioned."""
    expected: dict[str, int] = {}
    owner_of = {}

    def count(element, section):
        if str(element.tag).startswith(SVG):
            return  # an SVG's <title> is its alt text, not text laid out on the page
        if element.get("data-section"):
            section = element.get("data-section")
        owner_of[id(element)] = section
        if element.text:
            expected[section] = expected.get(section, 0) + _length(element.text)
        for child in element:
            count(child, section)
            if child.tail and not str(element.tag).startswith(SVG):  # text after a child belongs to this element's section
                expected[section] = expected.get(section, 0) + _length(child.tail)
    count(panel_element, panel_element.get("data-panel"))

    laid_out: dict[str, int] = {}
    for _, box in texts:
        if type(box).__name__ == "TextBox" and id(box.element) in owner_of:
            section = owner_of[id(box.element)]
            laid_out[section] = laid_out.get(section, 0) + _length(box.text)
    return next((section for section, length in expected.items()
                 if laid_out.get(section, 0) < length), None)


def sections_on_pages(pages) -> list[str]:
    """The sections with text on these pages, as 'section' or 'section' on the 'panel'."""
    found = []
    for page in pages:
        for element, box in panel_boxes(page._page_box) or [(None, page._page_box)]:
            panel = element.get("data-panel") if element is not None else None
            for section, _ in _texts(box, None):
                name = f"{section}' on the '{panel}" if panel and panel != section else section
                if section and name not in found:
                    found.append(name)
    return found


def _texts(box, section):
    """(section, box) for every line, text and image box under `box`, in layout order."""
    element = getattr(box, "element", None)
    if element is not None and not _is_pseudo(box) and element.get("data-section"):
        section = element.get("data-section")
    kind = type(box).__name__
    if (kind in ("LineBox", "TextBox") or getattr(box, "element_tag", None) == "img") \
            and not _is_pseudo(box):
        yield section, box
    for child in getattr(box, "children", None) or ():
        yield from _texts(child, section)


def _is_pseudo(box) -> bool:
    return getattr(box, "pseudo_type", None) is not None


def _length(text: str) -> int:
    return len("".join(text.split()))
