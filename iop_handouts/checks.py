"""`generate.py check`: is the content safe to print?

Rules a program can check, from the project's health-literacy and crisis-line references:
crisis lines (present, 24/7, sourced, recently verified, valid numbers, printed in the PDFs),
reading level, plain-language rules (PEMAT-P and the CDC Clear Communication Index items a
program can judge), typography from the stylesheets, Spanish questions without their ¿ (and
exclamations without their ¡), and review records.

Each problem is a Finding: rule, severity, where, what is wrong, how to fix it.
"""

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from .documents import DOCUMENTS, LARGE_PRINT_SUFFIX
from .colors import contrast_ratio, parse_hex_color
from .content import REFERENCE_LANGUAGE, TEXT_FILES, ContentSet, Edition, printed_texts
from .clinic_folder import open_content
from .errors import ContentError, error_lines
from .languages import base_language, matches, spellings_found
from .paths import display_path
from .scripts import writing

STALE_WARNING_DAYS = 180
STALE_ERROR_DAYS = 365
MAX_LIST_ITEMS = 7
MIN_CONTRAST = 4.5
MIN_CRISIS_NUMBER_POINTS = 16
PEMAT_GOOD = 70
SHORT_SECTION_WORDS = 150

# Words that address the reader, and verbs that open a call to action, per language. A
# language with no list here is not measured on these (Chinese and Korean leave "you" out and
# put the verb last): the check says so instead of guessing.
READER_WORDS = {"en": {"you", "your"}, "es": {"usted", "su", "sus", "le"},
                "fr": {"vous", "votre", "vos"}, "vi": {"bạn", "quý"},
                "fil": {"ka", "mo", "kayo", "ninyo", "inyong", "iyong", "iyo", "ikaw"},
                "ar": {"أنت", "لك", "إليك", "عليك", "منك", "بك"}}
ACTION_VERBS = {
    "en": {"ask", "call", "bring", "check", "use", "take", "look", "make", "talk", "text",
           "tick", "visit", "compare"},
    "es": {"pregunte", "llame", "lleve", "revise", "use", "tome", "vea", "asegúrese", "hable",
           "marque", "compare", "visite"},
    "fr": {"demandez", "appelez", "apportez", "vérifiez", "utilisez", "prenez", "regardez",
           "assurez-vous", "parlez", "cochez", "comparez", "visitez", "informez-vous"},
    "vi": {"hãy", "hỏi", "gọi", "xem", "dùng", "kiểm", "so", "mang", "tìm", "xin", "liên"},
    "fil": {"tanungin", "tumawag", "gamitin", "tingnan", "suriin", "ihambing", "magtanong",
            "itanong", "alamin", "hanapin", "humingi", "tawagan"},
    "ar": {"اسأل", "اتصل", "استخدم", "راجع", "قارن", "تحقق", "انظر", "اطلب", "ابحث", "تواصل"},
}
PERCENTAGES = re.compile(r"\d\s*%|\bper\s?cent|\bpercentage|\bpor\s?ciento|\bporcentaje|"
                         r"\bpour\s?cent|\bpourcentage", re.IGNORECASE)
CALCULATIONS = re.compile(r"\b(multiply|divide|calculate|add up|subtract|multiplique|divida|"
                          r"calcule|multipliez|divisez|calculez)\b", re.IGNORECASE)
# Not \b: in Chinese, "IOP是" has no word boundary after the P.
ABBREVIATION = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,6}(?![A-Za-z0-9])")
# Chinese and Japanese brackets, read as ASCII ones by the bracket rules.
FULL_WIDTH_BRACKETS = str.maketrans("（）", "()")


@dataclass
class Finding:
    rule: str
    severity: str          # error, warning or info
    where: str
    problem: str
    fix: str


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    reading: list[dict] = field(default_factory=list)
    pemat: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, rule, severity, where, problem, fix):
        self.findings.append(Finding(rule, severity, where, problem, fix))

    def count(self, severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def as_dict(self) -> dict:
        return {"errors": self.count("error"), "warnings": self.count("warning"),
                "findings": [asdict(f) for f in self.findings], "reading_level": self.reading,
                "pemat": self.pemat, "notes": self.notes}


# --- the run ---------------------------------------------------------------------------------

def run_checks(content_dir: Path, output_dir: Path, styles_dir: Path, renderer=None,
               regions=(), languages=(), today: date | None = None) -> Report:
    from .readability import HOW_TEXT_IS_SCORED

    today = today or date.today()
    report = Report(notes=[HOW_TEXT_IS_SCORED])
    content = open_content(content_dir)
    editions, failures = content.editions(regions, languages)
    for where, error in failures:
        for message in error_lines(error):
            report.add("content", "error", where, message, "fix the file as the message says")
    for region_id in regions or content.region_ids():
        try:
            _, region, _ = content.region(region_id)
        except ContentError:
            continue  # reported above
        check_region(report, region, today)
    for edition in editions:
        check_pdfs(report, edition, output_dir)
        check_clinic_wording(report, edition, content)
        check_spelling(report, edition, content)
    for tag in sorted({edition.language for edition in editions}):
        check_variety_safety_text(report, tag, content, editions)
    check_opening_marks(report, editions)
    check_texts(report, editions, renderer)
    check_typography(report, styles_dir)
    check_reviews(report, content, {base_language(e.language) for e in editions})
    return report


# --- crisis lines ----------------------------------------------------------------------------

# Wording that keeps a reader safe or states the handout's limits: a region may word it its
# own way, but a person should look at that before it is printed.
SAFETY_TEXT = {("common", "disclaimer"), *(("common", "labels", name) for name in (
    "crisis_heading", "crisis_intro", "danger", "emergency_after", "hours_24_7", "emergency"))}


def check_region(report: Report, region, today: date) -> None:
    where = f"regions/{region.id}.yaml"
    for language, documents in region.content.items():
        for document, fields in documents.items():
            for path in SAFETY_TEXT:
                value = {document: fields}
                for part in path:
                    value = value.get(part) if isinstance(value, dict) else None
                if value is not None and any(matches(tag, (language,)) for tag in region.languages):
                    field = ".".join(path)
                    report.add("governance.safety-text", "warning", where,
                               f"rewrites the safety text '{field}' ({language})",
                               "have a clinician review the new wording before printing")
    if not region.emergency.numbers:
        report.add("crisis.emergency", "error", where, "no emergency number",
                   "add emergency.numbers (e.g. 911) with its source")
    if not any(line.open_24_7 for line in region.crisis_lines):
        report.add("crisis.24-7", "error", where, "no crisis line is open 24/7",
                   "add a crisis line that answers at all hours (open_24_7: true)")
    dated = [("emergency number", region.emergency.source, region.emergency.verified_on)]
    dated += [(next(iter(line.name.values())), line.source, line.verified_on)
              for line in region.crisis_lines]
    for name, source, verified_on in dated:
        if not source or not verified_on:
            report.add("crisis.source", "error", where, f"{name}: no source or verified_on",
                       "add the page that states the number and the date you checked it")
            continue
        age = (today - verified_on).days
        if age > STALE_ERROR_DAYS:
            report.add("crisis.verified", "error", where,
                       f"{name}: last verified {verified_on} ({age} days ago)",
                       f"check it against {source} and update verified_on")
        elif age > STALE_WARNING_DAYS:
            report.add("crisis.verified", "warning", where,
                       f"{name}: last verified {verified_on} ({age} days ago)",
                       f"check it against {source} before printing, update verified_on")


def check_variety_safety_text(report: Report, tag: str, content: ContentSet, editions) -> None:
    """A variety file that rewords or respells the safety text: a clinician should see it,
    as when a region rewords it (its approval needs one too)."""
    edition = next(e for e in editions if e.language == tag)
    region_source, region, _ = content.region(edition.region_id)
    source, _ = content.variant(tag, region_source)
    if source is None:
        return
    # The language's text as the region words it, without and with the variety.
    plain, _, _ = content.text("common", base_language(tag), region_source, region)
    varied, _, _ = content.text("common", tag, region_source, region)
    for path in SAFETY_TEXT:
        before, after = plain, varied
        for part in path[1:]:
            before, after = getattr(before, part), getattr(after, part)
        if before != after:
            report.add("governance.safety-text", "warning", display_path(source.path),
                       f"changes the safety text '{'.'.join(path)}' ({tag}): '{after}'",
                       "have a clinician review the new wording before printing")


def check_clinic_wording(report: Report, edition: Edition, content: ContentSet) -> None:
    """Opening hours written once are printed as written in every language."""
    _, region, _ = content.region(edition.region_id)
    if edition.clinic.hours and not edition.clinic.hours_per_language \
            and len(region.languages) > 1 and edition.language != region.languages[0]:
        where = f"{edition.key}: {edition.origin('clinic.hours') or 'the clinic file'}"
        report.add("plain.translation", "warning", where,
                   f"the clinic's hours print as written ('{edition.clinic.hours}') in the "
                   f"'{edition.language}' edition too",
                   f"give them per language in the clinic file: hours: "
                   f"{{{base_language(region.languages[0])}: \"...\", "
                   f"{base_language(edition.language)}: \"...\"}}")


# Web addresses and email addresses are spelled as they are registered.
ADDRESSES = re.compile(r"\S*(?:[/@]|\.\w)\S*")


def check_spelling(report: Report, edition: Edition, content: ContentSet) -> None:
    """Words spelled as another variety spells them ('program' in a British edition): the
    language text is respelled for the edition, but a region's lines or a clinic's own words
    are printed as written."""
    from .content import printed_texts

    region_source = content.region(edition.region_id)[0]
    _, variant = content.variant(edition.language, region_source)
    others = (set(variant.avoid) | set(variant.spelling)) - set(variant.spelling.values())
    if not others:
        return
    email = ((f"email.{key}", value) for key, value in edition.email.model_dump().items()
             if isinstance(value, str))
    for field, text in (*printed_texts(edition), *email):
        for word in dict.fromkeys(spellings_found(ADDRESSES.sub(" ", text), others)):
            local = variant.spelling.get(word.lower())
            report.add("plain.spelling", "warning", edition.origin(field) or edition.key,
                       f"'{word}' is how another variety spells it, not {edition.language}",
                       f"write '{local}'" if local else
                       f"use {edition.language} spelling (languages/{edition.language}.yaml "
                       f"lists the words to avoid)")


def check_pdfs(report: Report, edition: Edition, output_dir: Path) -> None:
    """Read the built PDFs (not the YAML): each must show its region's numbers. The
    large-print editions, where built, and the web page are checked too."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from .format_checks import check_large_print, check_web_edition, text_sizes

    wanted = [c.text for c in edition.emergency]
    wanted += [c.text for line in edition.crisis_lines for c in line.contacts]
    for document in DOCUMENTS:
        for suffix in ("", LARGE_PRINT_SUFFIX):
            path = Path(output_dir) / edition.region_id / edition.language / f"{document}{suffix}.pdf"
            where = display_path(path)
            if not path.exists():
                if not suffix:  # the large print is made only when asked for
                    report.add("crisis.in-pdf", "warning", where, "not built, so not checked",
                               "run `python generate.py build`, then check again")
                continue
            try:
                reader = PdfReader(path)
                pages = [_flatten(page.extract_text()) for page in reader.pages]
                if not pages:
                    raise PdfReadError("it has no pages")
                sizes = text_sizes(reader) if suffix else None
                visuals = Report()
                if not suffix or document == "brochure":
                    check_visuals(visuals, reader, where)
            # A damaged or hostile file makes pypdf raise almost anything: it is unreadable.
            except Exception as exc:  # noqa: BLE001
                report.add("crisis.in-pdf", "error", where, "cannot read the PDF: "
                           + (" ".join(str(exc).split())[:200] or type(exc).__name__),
                           "rebuild it with `iop-handouts build --force`")
                continue
            check_crisis_lines(report, pages, wanted, where, edition.direction)
            check_edition_mark(report, edition, pages, where)
            report.findings += visuals.findings
            if suffix:
                check_large_print(report, edition, document, sizes, pages, wanted, where)
            elif document == "brochure":
                check_cover(report, edition, pages[0], where)
    check_web_edition(report, edition, output_dir)


def check_edition_mark(report: Report, edition: Edition, pages: list[str], where: str) -> None:
    """Each page's edition mark must be this edition's as the content now stands: another
    one means a PDF of another edition, or one made before the content changed."""
    stale = [number for number, text in enumerate(pages, 1)
             if not text_found(edition.mark, text)]
    if stale:
        report.add("edition.mark", "error", f"{where}, page {stale[0]}",
                   f"the edition mark is not {edition.mark}: the PDF was made from other "
                   f"content, or before the content changed",
                   "rebuild it (`iop-handouts build`, with --large-print for the large print)")


def check_crisis_lines(report: Report, pages: list[str], wanted: list[str], where: str,
                       direction: str = "ltr") -> None:
    """Every crisis number in the document's text, and one on every page."""
    flat = " ".join(pages)
    missing = [n for n in wanted if not text_found(n, flat, direction)]
    if missing:
        report.add("crisis.in-pdf", "error", where,
                   f"the PDF's text lacks {', '.join(missing)}",
                   "rebuild it; if it persists, the template lost the crisis block")
    # A crisis line on every page: a reader may hold only one side of the sheet.
    for number, text in enumerate(pages, 1):
        if not any(text_found(n, text, direction) for n in wanted):
            report.add("crisis.every-page", "error", f"{where}, page {number}",
                       "no crisis line on this page",
                       "keep the crisis strip (or box) in the template for every page")


def check_cover(report: Report, edition: Edition, first_page: str, where: str) -> None:
    """The main message and a call to action on the front cover (CDC Clear Communication
    Index: the main message up front; a call to action)."""
    for field, text in (("summary", edition.brochure.summary),
                        ("cover_action", edition.brochure.cover_action)):
        if not text_found(text, first_page, edition.direction):
            report.add("plain.cover", "error", f"{where}, front cover",
                       f"the cover lacks the {field.replace('_', ' ')} '{text[:40]}'",
                       "keep the summary and the call to action on the front cover")


def check_visuals(report: Report, reader, where: str) -> None:
    """At least one visual a reader can use (PEMAT: visual aids; CDC: a visual that supports
    the main message): a figure with alt text, or a table with header cells."""
    figures, tables = [], 0

    def walk(node, depth=0):
        nonlocal tables
        node = node.get_object()
        if not isinstance(node, dict) or depth > 60:
            return
        kind = node.get("/S")
        if kind == "/Figure":
            figures.append(str(node.get("/Alt") or ""))
        elif kind == "/Table":
            tables += 1
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, list) else [kids]) if kids is not None else []:
            if hasattr(kid, "get_object") or isinstance(kid, dict):
                walk(kid, depth + 1)

    root = reader.trailer["/Root"]
    if "/StructTreeRoot" in root:
        walk(root["/StructTreeRoot"])
    if not any(alt.strip() for alt in figures) and not tables:
        report.add("plain.visual", "error", where, "no visual with alt text (nor a table)",
                   "keep the levels-of-care diagram or the comparison grid in the template")
    for alt in figures:
        if not alt.strip():
            report.add("plain.visual", "error", where, "a figure without alt text",
                       "give every figure a description")


def _flatten(text: str) -> str:
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))


# A run of Latin letters and digits (a number, "988lifeline.org"), as it reads left to right.
LTR_RUN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-/:()]*[0-9A-Za-z]|[0-9A-Za-z]")
RTL_WORD = re.compile(r"[^\W\d_A-Za-z]+")


def text_found(needle: str, page: str, direction: str = "ltr") -> bool:
    """Whether a page's text (as read back from the PDF, flattened) holds `needle`.

    Line breaks are ignored: Chinese and Korean lines may break inside a word. Right to left,
    a PDF's text comes back in the order it is drawn, left to right across the line, so the
    words of a right-to-left sentence come back in reverse and mixed with the numbers between
    them: there, every word must be on the page and every number and Latin word must read
    exactly as it should, left to right ("1-800-662-4357", never "4357-662-800-1")."""
    if direction != "rtl":
        return "".join(needle.split()) in "".join(page.split())
    words = set(RTL_WORD.findall(page))
    squashed = "".join(page.split())
    return (all(word in words for word in RTL_WORD.findall(needle))
            and all(run in squashed for run in LTR_RUN.findall(needle)))


# --- texts: reading level and plain language -------------------------------------------------

def document_parts(edition: Edition, document: str):
    """(section id, [headings], [text items]) in reading order, the title and summary first.
    Headings are kept apart: a section's score leaves them out, the whole document's counts
    them (every printed sentence)."""
    if document == "brochure":
        brochure = edition.brochure
        yield "title", [brochure.title], [brochure.summary, brochure.cover_action]
        levels = brochure.levels_of_care
        yield "levels-of-care", [levels.heading], [f"{level.name}: {level.detail}"
                                                   for level in levels.levels]
        yield "next-steps", [brochure.next_steps.heading], list(brochure.next_steps.steps)
        for section in brochure.sections:
            yield section.id, [section.heading], [*section.paragraphs, *section.items,
                                                  *section.closing]
        yield "faq", [brochure.faq.heading], [text for item in brochure.faq.items
                                              for text in (item.question, item.answer)]
    else:
        checklist = edition.checklist
        yield "title", [checklist.title], [*checklist.steps, checklist.intro]
        yield "questions", [q.topic for q in checklist.questions], \
            [q.question for q in checklist.questions]
        yield "closing", [], [checklist.closing]
    yield "disclaimer", [edition.labels.disclaimer_heading], [edition.disclaimer]


def reading_sequence(edition: Edition, document: str) -> list[str]:
    """Every visible string, headings included, in the order a person reads them."""
    sequence = []
    for section_id, headings, texts in document_parts(edition, document):
        if section_id == "questions":  # each topic heads its own question
            sequence += [text for pair in zip(headings, texts) for text in pair]
        else:
            sequence += [*headings, *texts]
    return sequence


def check_texts(report: Report, editions: list[Edition], renderer) -> None:
    from .readability import NOT_SCORED, as_sentences, can_score, score

    seen: dict[str, list[str]] = {}
    pending = []
    for edition in editions:
        for document in DOCUMENTS:
            parts = list(document_parts(edition, document))
            key = hashlib.sha256(repr((edition.language, document, parts)).encode()).hexdigest()
            if key in seen:
                seen[key].append(edition.key)
                continue
            seen[key] = [edition.key]
            pending.append((key, edition, document, parts))
    for key, edition, document, parts in pending:
        editions_text = ", ".join(seen[key][:3]) + (f" and {len(seen[key]) - 3} more"
                                                    if len(seen[key]) > 3 else "")
        where = f"{document} ({editions_text})"
        language = base_language(edition.language)
        # Reading level: the whole document (every printed sentence, headings included),
        # then each section (its text alone).
        scored = [("whole document", [t for _, headings, texts in parts
                                      for t in (*headings, *texts)])]
        scored += [(f"section '{sid}'", texts) for sid, _, texts in parts
                   if sid not in ("title", "disclaimer")]
        if not can_score(language):
            report.reading.append({"document": document, "editions": seen[key],
                                   "part": "whole document", "language": language,
                                   "verdict": "not measured", "measures": {},
                                   "summary": NOT_SCORED})
            report.add("reading.not-measured", "info", where, NOT_SCORED,
                       "have a native speaker who knows plain-language writing read it")
            scored = []
        for label, texts in scored:
            result = score(as_sentences(texts), language, whole=label == "whole document")
            report.reading.append({"document": document, "editions": seen[key], "part": label,
                                   "language": language, "sentences": result.sentences,
                                   "verdict": result.verdict, "measures": result.measures,
                                   "summary": result.summary})
            if result.verdict != "ok":
                report.add("reading.level", result.verdict, f"{where}, {label}",
                           f"reads above the target: {result.summary}",
                           "shorter sentences and shorter, everyday words")
        outcomes = plain_language(report, edition, document, parts, where, renderer)
        # An item a language cannot be measured on (None) is left out, as PEMAT scores an item
        # that does not apply.
        understand = [outcomes[k] for k in ("headings", "short-sections", "lists", "numbers",
                                            "abbreviations", "jargon", "summary", "all-caps")
                      if outcomes[k] is not None]
        act = [outcomes[k] for k in ("reader", "action", "tool") if outcomes[k] is not None]
        unmeasured = [k for k, v in outcomes.items() if v is None]
        if unmeasured:
            report.add("plain.not-measured", "info", where,
                       f"not measured in this language: {', '.join(unmeasured)} (the rules "
                       f"count words or look for words the check knows only in some languages)",
                       "have a native speaker check these by reading it")
        entry = {"document": document, "editions": seen[key],
                 "understandability": round(100 * sum(understand) / len(understand)),
                 "actionability": round(100 * sum(act) / len(act)), "items": outcomes}
        report.pemat.append(entry)
        for domain in ("understandability", "actionability"):
            if entry[domain] < PEMAT_GOOD:
                report.add("plain.pemat", "warning", where,
                           f"PEMAT-style {domain} {entry[domain]}% (70% is good)",
                           "see the failed plain-language rules above")


def plain_language(report, edition, document, parts, where, renderer) -> dict:
    language = base_language(edition.language)
    texts = [t for _, _, ts in parts for t in ts]
    joined = " ".join(texts)
    sequence = reading_sequence(edition, document)
    words = re.findall(r"[\w'’-]+", joined.lower())
    outcomes = {}

    # Lists of 7 items or fewer.
    lists = []
    if document == "brochure":
        lists = [(f"section '{s.id}'", s.items) for s in edition.brochure.sections]
        lists.append(("faq", edition.brochure.faq.items))
    else:
        lists = [("questions", edition.checklist.questions)]
    long_lists = [(name, len(items)) for name, items in lists if len(items) > MAX_LIST_ITEMS]
    for name, count in long_lists:
        report.add("plain.list-length", "error", f"{where}, {name}",
                   f"a list of {count} items (7 or fewer are easy to take in)",
                   "split the list, or drop or merge items")
    outcomes["lists"] = not long_lists

    # Every section has a heading (checked on the HTML the PDF is made from).
    missing_headings = sections_without_heading(renderer.html(document, edition)) \
        if renderer else []
    for section in missing_headings:
        report.add("plain.headings", "error", f"{where}, section '{section}'",
                   "a section without a heading", "give the section a short heading")
    outcomes["headings"] = not missing_headings

    # Short sections (the questions people ask: each question and its answer). Words are
    # counted by the spaces between them: not in Chinese.
    long_sections = [sid for sid, _, ts in parts if sid != "faq"
                     and len(" ".join(ts).split()) > SHORT_SECTION_WORDS]
    if document == "brochure":
        long_sections += [f"faq: {item.question}" for item in edition.brochure.faq.items
                          if len(f"{item.question} {item.answer}".split()) > SHORT_SECTION_WORDS]
    if not writing(language).spaces_between_words:
        long_sections = []
    outcomes["short-sections"] = (not long_sections
                                  if writing(language).spaces_between_words else None)
    for sid in long_sections:
        report.add("plain.short-sections", "warning", f"{where}, section '{sid}'",
                   f"more than {SHORT_SECTION_WORDS} words", "split it under two headings")

    # The reader is addressed as "you".
    outcomes["reader"] = (bool(READER_WORDS[language] & set(words))
                          if language in READER_WORDS else None)
    if outcomes["reader"] is False:
        report.add("plain.you", "error", where, "never speaks to the reader as 'you'",
                   "write to the reader: 'you can', 'ask your doctor'")

    # At least one call to action.
    starts = {s.split()[0].lower().strip("¿¡\"'") for s in re.split(r"(?<=[.!?])\s+", joined)
              if s.split()}
    outcomes["action"] = (bool(ACTION_VERBS[language] & starts)
                          if language in ACTION_VERBS else None)
    if outcomes["action"] is False:
        report.add("plain.call-to-action", "error", where, "no call to action",
                   "tell the reader one thing to do, e.g. 'Ask your care team if IOP is right "
                   "for you.'")

    # Abbreviations spelled out on first use.
    undefined = undefined_abbreviations(sequence)
    for abbreviation in undefined:
        report.add("plain.abbreviations", "error", where,
                   f"'{abbreviation}' is used before it is spelled out",
                   f"at its first use write the full name, then ({abbreviation})")
    outcomes["abbreviations"] = not undefined

    # Jargon: defined in brackets at its first use, or not used at all.
    unexplained = undefined_jargon(sequence, edition.jargon,
                                   whole_words=writing(language).whole_words)
    for term in unexplained:
        report.add("plain.jargon", "error", where, f"'{term.term}' is used without its plain "
                   f"words at first use", f"write '{term.term} ({term.plain})', or "
                   f"'{term.plain} ({term.term})', or just '{term.plain}'")
    outcomes["jargon"] = not unexplained

    # No all-caps sentences.
    shouting = [s for s in re.split(r"(?<=[.!?])\s+", joined)
                if len(re.findall(r"[^\W\d_]{2,}", s)) >= 3
                and all(w.isupper() for w in re.findall(r"[^\W\d_]{2,}", s))]
    for sentence in shouting:
        report.add("plain.all-caps", "error", where, f"all capitals: '{sentence[:40]}'",
                   "write it in sentence case; use bold sparingly for emphasis")
    outcomes["all-caps"] = not shouting

    # Numbers the reader can use as they are: no percentages, no sums to do.
    problems = PERCENTAGES.findall(joined) + CALCULATIONS.findall(joined)
    for found in problems:
        report.add("plain.numbers", "error", where, f"asks the reader to work with numbers: "
                   f"'{found}'", "give plain counts ('3 to 5 days a week'), not percentages")
    outcomes["numbers"] = not problems

    # A summary up front (the brochure's one-line summary; the checklist's intro).
    outcomes["summary"] = bool(parts[0][2] and parts[0][2][0].strip())
    # A practical tool: the checklist is one, and the brochure points to it (in words, or
    # with the checklist's picture among its next steps, in any language).
    outcomes["tool"] = document == "checklist" or any(
        word in joined.lower() for word in ("checklist", "lista", "liste")) or (
        "checklist" in (edition.brochure.next_steps.icons or ()))
    return outcomes


def undefined_jargon(texts, jargon, whole_words: bool = True) -> list:
    """The terms of the language's jargon list whose first printed use comes without their
    plain words in brackets right after (or right before, with the term in brackets). Where
    words are not found whole (Chinese has no spaces; Arabic joins "and" and "the" to the
    word), a term is found wherever it stands."""
    joined = " ".join(" ".join(texts).split()).translate(FULL_WIDTH_BRACKETS)
    unexplained = []
    for term in jargon:
        flags = 0 if any(c.isupper() for c in term.term) else re.IGNORECASE
        pattern = rf"(?<![\w-]){re.escape(term.term)}(?![\w-])" if whole_words \
            else re.escape(term.term)
        found = re.search(pattern, joined, flags)
        if not found:
            continue
        plain = term.plain.lower()
        # The rest of the word the term starts (an Arabic ending, "معتمدًا"), then the brackets.
        end = re.match(r"[\w\u064b-\u065f\u0670]*", joined[found.end():]).end() + found.end()
        after = joined[end:end + len(plain) + 40].lower().lstrip()
        before = joined[max(0, found.start() - len(plain) - 40):found.start()].lower().rstrip()
        explained_after = after.startswith("(") and plain in after[:after.find(")") + 1]
        explained_before = before.endswith("(") and before[:-1].rstrip().endswith(plain)
        if not (explained_after or explained_before):
            unexplained.append(term)
    return unexplained


def undefined_abbreviations(texts) -> list[str]:
    """Abbreviations whose first use is not '(ABBR)' right after the spelled-out name."""
    joined = " ".join(texts).translate(FULL_WIDTH_BRACKETS)
    first_use = {}
    for match in ABBREVIATION.finditer(joined):
        first_use.setdefault(match.group(), match.start())
    undefined = []
    for abbreviation, position in first_use.items():
        before, after = joined[max(0, position - 1):position], joined[position + len(abbreviation):][:1]
        words_before = joined[:position].rstrip("( ").split()
        if not (before == "(" and after == ")" and len(words_before) >= 1):
            undefined.append(abbreviation)
    return undefined


class _SectionHeadings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.missing = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.stack.append([dict(attrs).get("data-section"), False])
        elif re.fullmatch(r"h[1-6]", tag) and self.stack:
            self.stack[-1][1] = True

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            name, has_heading = self.stack.pop()
            if name and not has_heading:
                self.missing.append(name)


def sections_without_heading(html: str) -> list[str]:
    parser = _SectionHeadings()
    parser.feed(html)
    return parser.missing


# --- typography: Spanish opening marks ------------------------------------------------------

def check_opening_marks(report: Report, editions: list[Edition]) -> None:
    """A Spanish question opens with ¿ and an exclamation with ¡. Typesetting cannot add
    them (where a question starts is a matter of wording), so each one without its opening
    mark is reported at its file, line and field, once however many editions print it."""
    from .typography import language_rules, unopened_marks

    seen = set()
    for edition in editions:
        if language_rules(edition.language) != "es":
            continue
        for field, text in printed_texts(edition, email=True):
            for sentence, mark in unopened_marks(text):
                where = edition.origin(field) or f"{edition.key}, field '{field}'"
                if (where, sentence) in seen:
                    continue
                seen.add((where, sentence))
                shown = sentence if len(sentence) <= 60 else "..." + sentence[-57:]
                report.add("typography.opening-marks", "warning", where,
                           f"'{shown}' has no opening '{mark}'",
                           f"put '{mark}' where the question or exclamation starts "
                           f"(e.g. '¿Cuánto cuesta?', 'Si puede, ¿viene?')")


# --- typography, from the stylesheets --------------------------------------------------------

def stylesheet_declarations(path: Path):
    """(selector, property, value) for every declaration in a stylesheet and its imports."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(Path(path).read_text(encoding="utf-8"),
                                      skip_comments=True, skip_whitespace=True)
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword == "import":
            target = next((t for t in rule.prelude if t.type in ("url", "string")), None)
            if target is not None:
                yield from stylesheet_declarations(Path(path).parent / target.value)
        elif rule.type == "qualified-rule":
            selector = tinycss2.serialize(rule.prelude).strip()
            for declaration in tinycss2.parse_declaration_list(
                    rule.content, skip_comments=True, skip_whitespace=True):
                if declaration.type == "declaration":
                    yield selector, declaration.lower_name, \
                        tinycss2.serialize(declaration.value).strip()


def _points(value: str, variables: dict, base: float) -> float | None:
    value = _resolve(value, variables)
    match = re.fullmatch(r"([\d.]+)(pt|px|em|rem|in|mm)", value)
    if not match:
        return None
    number, unit = float(match[1]), match[2]
    return {"pt": number, "px": number * 0.75, "in": number * 72, "mm": number * 72 / 25.4,
            "em": number * base, "rem": number * base}[unit]


def _resolve(value: str, variables: dict) -> str:
    for _ in range(5):
        match = re.fullmatch(r"var\(\s*(--[\w-]+)\s*\)", value.strip())
        if not match:
            break
        value = variables.get(match[1], value)
    return value.strip()


def check_typography(report: Report, styles_dir: Path) -> None:
    for document in DOCUMENTS:
        path = Path(styles_dir) / f"{document}.css"
        declarations = list(stylesheet_declarations(path))
        variables = {prop: value for selector, prop, value in declarations
                     if selector == ":root" and prop.startswith("--")}
        where = display_path(path)
        body = next((v for s, p, v in declarations if s in ("html", "body") and p == "font-size"),
                    None)
        body_points = _points(body or "", variables, 12) if body else None
        minimum = DOCUMENTS[document].min_body_points
        if body_points is None or body_points < minimum:
            report.add("typography.body-size", "error", where,
                       f"body text is {body_points or body}pt; {minimum}pt is the minimum here",
                       f"set the body font size to {minimum}pt or more")
            body_points = body_points or minimum
        for selector, prop, value in declarations:
            if prop != "font-size" or selector in ("html", "body"):
                continue
            size = _points(value, variables, body_points)
            if size is not None and size < minimum and not selector.startswith("h"):
                report.add("typography.body-size", "error", f"{where}: {selector}",
                           f"text at {size:.1f}pt, below the {minimum}pt minimum",
                           f"make it {minimum}pt or more")
        crisis = _points(variables.get("--crisis-number-size", ""), variables, body_points)
        if crisis is None or crisis < MIN_CRISIS_NUMBER_POINTS:
            report.add("typography.crisis-size", "error", where,
                       f"crisis numbers at {crisis}pt", "set --crisis-number-size to 16pt or more")
        check_contrast(report, declarations, variables, where)


def check_contrast(report, declarations, variables, where) -> None:
    paper = _resolve(variables.get("--paper", "#ffffff"), variables)
    backgrounds = {}
    for selector, prop, value in declarations:
        if prop in ("background", "background-color"):
            backgrounds[selector] = _resolve(value, variables)
    for selector, prop, value in declarations:
        if prop != "color":
            continue
        ink = _resolve(value, variables)
        ground = backgrounds.get(selector) or _inherited_background(selector, backgrounds) or paper
        try:
            ratio = contrast_ratio(parse_hex_color(ink), parse_hex_color(ground))
        except ValueError:
            continue  # not a hex colour (inherit, currentColor): nothing to measure
        if ratio < MIN_CONTRAST:
            report.add("typography.contrast", "error", f"{where}: {selector}",
                       f"text {ink} on {ground} has contrast {ratio:.1f}:1 (4.5:1 needed)",
                       "use a darker text colour or a lighter background")


def _inherited_background(selector: str, backgrounds: dict) -> str | None:
    """A text colour set inside a box with its own background (.crisis h2 inside .crisis)."""
    for candidate, colour in backgrounds.items():
        if selector.startswith(candidate + " "):
            return colour
    return None


# --- review records --------------------------------------------------------------------------

def check_reviews(report: Report, content: ContentSet, languages: set[str]) -> None:
    from .sources import load_yaml

    for language in sorted(languages | {REFERENCE_LANGUAGE}):
        for name in TEXT_FILES:
            path = content.path(f"{name}.{language}.yaml")
            if not path.exists():
                continue
            try:
                data = load_yaml(path).data
            except ContentError:
                continue  # reported by the content rule
            records = [("file", data.get("review"))]
            records += [(f"section '{s.get('id')}'", s.get("review"))
                        for s in data.get("sections", []) if isinstance(s, dict) and s.get("review")]
            for what, record in records:
                where = f"{display_path(path)} ({what})"
                if not record:
                    report.add("governance.review", "warning", where, "no review record",
                               "add review: status, reviewer, date")
                elif record.get("status") != "reviewed":
                    status = record.get("status")
                    who = {"needs-clinical-review": "a clinician",
                           "needs-translator-review": "a qualified medical translator"}.get(
                        status, "a reviewer")
                    report.add("governance.review", "warning", where,
                               f"{status} (last: {record.get('reviewer')}, {record.get('date')})",
                               f"have {who} review it, then set status: reviewed")
