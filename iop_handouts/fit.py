"""Does the text fit? Checked on WeasyPrint's laid-out boxes after rendering.

Text that does not fit must fail the build, naming its section, never be clipped or pushed
onto an extra page. A panel is an element with data-panel (a fixed-size box); a section is
an element with data-section.
"""

from .documents import DOCUMENTS
from .errors import FitError

# Layout measurements are in CSS px; half a pixel absorbs rounding, nothing visible.
FIT_TOLERANCE_PX = 0.5
PX_PER_MM = 96 / 25.4
SVG = "{http://www.w3.org/2000/svg}"


# Office printers cannot print nearer the edge than this; nothing printed may come nearer.
SAFE_MARGIN_PX = 0.25 * 96
# A line's box may carry a trailing space's width past its last letter: half a millimetre.
SAFE_TOLERANCE_PX = 2
# Text keeps this far from a fold, so nothing is lost in the crease.
FOLD_CLEARANCE_PX = 0.125 * 96


def check_fits(rendered, document: str, where=None) -> None:
    """Raise FitError when text does not fit: more pages than the document has, a panel
    that overflows at the bottom or is cut short, or, in either direction, text past the
    safe area, across a fold or out of its box. `where(element)` names the content file,
    line and field behind an element, when it can."""
    where = where or (lambda element: None)
    check_pages_and_panels(rendered, document, where)
    check_bounds(rendered, where)


def check_pages_and_panels(rendered, document: str, where=lambda element: None) -> None:
    expected = DOCUMENTS[document].pages
    if len(rendered.pages) > expected:
        spilled = sections_on_pages(rendered.pages[expected:])
        names = ", ".join(f"'{name}'" for name in spilled[:4]) or "the content"
        plural = "s" if expected > 1 else ""
        # Spilled from one panel (the checklist's page): copyfitting may make room there.
        panels = {element.get("data-panel") for page in rendered.pages[expected:]
                  for element, _ in panel_boxes(page._page_box)}
        raise FitError(f"text does not fit on {expected} page{plural}: "
                       f"{names} {'run' if len(spilled) > 1 else 'runs'} onto page "
                       f"{expected + 1}; shorten the text there",
                       panel=panels.pop() if len(panels) == 1 else None)
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
                section, field_element = cut
                named = where(field_element) if field_element is not None else None
                # The printed field that did not fit, when one is known: its file and line.
                what = f"{named} is cut off at the bottom" if named else \
                    f"section '{section}' is cut off at the bottom"
                raise FitError(f"text does not fit in the {name}: {what}; shorten it", panel=name,
                               field=field_element.get("data-field")
                               if field_element is not None else None)


def _does_not_fit(panel: str, what: str) -> FitError:
    return FitError(f"text does not fit in the {panel}: {what}; shorten it", panel=panel)


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


def first_section_cut_short(panel_element, texts):
    """(section, element) for the first section in the panel whose text was not all laid
    out, with the first element naming a printed field (data-field) that lost text, if any.

    WeasyPrint stops laying out a fixed-height box at the bottom of the page and drops the
    rest without a word; comparing the text in the HTML with the text laid out is the one
    check that cannot be fooled by how the panel is positioned."""
    expected: dict[str, int] = {}
    owner_of = {}
    field_of = {}           # element id -> the nearest element naming a printed field
    expected_in: dict[int, int] = {}
    fields = {}

    def count(element, section, field):
        if str(element.tag).startswith(SVG):
            return  # an SVG's <title> is its alt text, not text laid out on the page
        if element.get("data-section"):
            section = element.get("data-section")
        if element.get("data-field"):
            field = element
            fields[id(field)] = field
        owner_of[id(element)] = section
        field_of[id(element)] = field
        if element.text:
            expected[section] = expected.get(section, 0) + _length(element.text)
            if field is not None:
                expected_in[id(field)] = expected_in.get(id(field), 0) + _length(element.text)
        for child in element:
            count(child, section, field)
            if child.tail and not str(element.tag).startswith(SVG):  # text after a child belongs to this element's section
                expected[section] = expected.get(section, 0) + _length(child.tail)
                if field is not None:
                    expected_in[id(field)] = expected_in.get(id(field), 0) + _length(child.tail)
    count(panel_element, panel_element.get("data-panel"), None)

    laid_out: dict[str, int] = {}
    laid_out_in: dict[int, int] = {}
    for _, box in texts:
        if type(box).__name__ == "TextBox" and id(box.element) in owner_of:
            section = owner_of[id(box.element)]
            laid_out[section] = laid_out.get(section, 0) + _length(box.text)
            field = field_of[id(box.element)]
            if field is not None:
                laid_out_in[id(field)] = laid_out_in.get(id(field), 0) + _length(box.text)
    section = next((section for section, length in expected.items()
                    if laid_out.get(section, 0) < length), None)
    if section is None:
        return None
    short = next((fields[key] for key, length in expected_in.items()
                  if laid_out_in.get(key, 0) < length), None)
    return section, short


def whole_on_first_page(rendered, section: str) -> bool:
    """Is the section laid out on the first page, and nowhere else?"""
    return section in sections_on_pages(rendered.pages[:1]) and \
        section not in sections_on_pages(rendered.pages[1:])


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


# --- two dimensions: the safe area, the folds, the boxes ----------------------------------

def check_bounds(rendered, where) -> None:
    folds = fold_lines(rendered)
    for number, page in enumerate(rendered.pages):
        # Layout coordinates start at the trim's corner; bleed (print-shop) lies outside.
        left, top, right, bottom = 0, 0, page.width, page.height
        safe = (left + SAFE_MARGIN_PX, top + SAFE_MARGIN_PX,
                right - SAFE_MARGIN_PX, bottom - SAFE_MARGIN_PX)
        for box, owner, boxed, panel in _text_boxes(page._page_box):
            x0, y0 = box.position_x, box.position_y
            x1, y1 = x0 + box.width, y0 + box.height
            tolerance = SAFE_TOLERANCE_PX
            problem, needed = None, None
            fix = "shorten it, or break a long word or address"
            # Text with no room left is laid out past the page's far edge: the right one, or
            # in right-to-left text (whose columns fill leftwards) the left one.
            past_the_end = x0 >= right or (box.style["direction"] == "rtl" and x1 <= left)
            if past_the_end:
                problem = "has no room: the columns are full from here on (the rest runs off "
                problem += "the page)"
                fix = "shorten the text before it or here"
                needed = columns_needed(page, safe)
            elif x1 > safe[2] + tolerance or x0 < safe[0] - tolerance:
                problem = (f"runs {_mm(max(x1 - safe[2], safe[0] - x0))} past the side of "
                           f"the page's safe area (0.25 in from the edge)")
            elif y1 > safe[3] + tolerance or y0 < safe[1] - tolerance:
                problem = (f"runs {_mm(max(y1 - safe[3], safe[1] - y0))} past the top or "
                           f"bottom of the page's safe area (0.25 in from the edge)")
            else:
                for fold in folds.get(number, ()):
                    if x0 < left + fold + FOLD_CLEARANCE_PX - tolerance and \
                            x1 > left + fold - FOLD_CLEARANCE_PX + tolerance:
                        problem = "runs across a fold"
                        break
            if problem is None and boxed is not None:
                inner = _inner_edges(boxed)
                if x1 > inner[1] + tolerance or x0 < inner[0] - tolerance:
                    problem = (f"runs {_mm(max(x1 - inner[1], inner[0] - x0))} past the edge "
                               f"of its box")
            if problem:
                text = " ".join(getattr(box, "text", "").split())[:40]
                named = where(owner)
                subject = f"{named}: '{text}'" if named else f"'{text}'"
                raise FitError(f"text does not fit: {subject} {problem}; {fix}", panel=panel,
                               field=owner.get("data-field") if owner is not None else None,
                               needed=needed)


def columns_needed(page, safe) -> float:
    """How much more room text that ran out of columns needs, as a ratio (1.2: a fifth more
    than there is). Columns past the page continue at the same pitch, each as tall as the
    ones on it: count the full ones and the filled part of the last (the copyfit uses this
    to skip sizes that cannot fit)."""
    boxes = [b for b, *_ in _text_boxes(page._page_box)]
    inside = [b for b in boxes if b.position_x < page.width]
    outside = [b for b in boxes if b.position_x >= page.width]
    top = min(b.position_y for b in inside)
    height = max(b.position_y + b.height for b in inside) - top
    pitch = page.width / 3
    extra = {}
    for b in outside:
        column = int((b.position_x - page.width) // pitch)
        extra[column] = max(extra.get(column, 0), b.position_y + b.height - top)
    filled = sum(min(1.0, depth / height) for depth in extra.values())
    return (3 + filled) / 3


def fold_lines(rendered) -> dict[int, list[float]]:
    """The folds of each page, as x positions from the trim's left edge. A page with several
    panels has its folds between them; a page holding one spread (the brochure's inside)
    folds where its back does, mirrored (the sheet turns over)."""
    folds: dict[int, list[float]] = {}
    for number, page in enumerate(rendered.pages):
        boxes = panel_boxes(page._page_box)
        if len(boxes) > 1:
            edges = sorted(box.position_x for _, box in boxes)
            folds[number] = [edge for edge in edges if edge > 1]
    widths = {n: page.width for n, page in enumerate(rendered.pages)}
    for number in range(len(rendered.pages)):
        if number not in folds and folds:
            other = next(iter(folds))
            folds[number] = sorted(widths[number] - x for x in folds[other])
    return folds


def _inner_edges(box) -> tuple[float, float]:
    x = box.position_x + box.margin_left + box.border_left_width
    return x, x + box.padding_left + box.width + box.padding_right


def _text_boxes(box, owner=None, boxed=None, panel=None):
    """(text box, the element it belongs to, the nearest box it must stay in, its panel) for
    every piece of text laid out under `box`."""
    element = getattr(box, "element", None)
    if element is not None and not _is_pseudo(box):
        if element.get("data-panel"):
            panel = element.get("data-panel")
        if element.get("data-field"):
            owner = element
        if element.get("data-box") is not None and type(box).__name__ not in ("LineBox",):
            if getattr(box, "element_tag", None) and box.element is element:
                boxed = box
    if type(box).__name__ == "TextBox" and not _is_pseudo(box):
        yield box, owner, boxed, panel
    for child in getattr(box, "children", None) or ():
        yield from _text_boxes(child, owner, boxed, panel)


def _mm(px: float) -> str:
    return f"{max(px, 0) / PX_PER_MM:.0f} mm"
