"""Content stage: YAML files -> validated models -> one Edition per region and language.

Validation happens here, once, before anything renders. Every problem becomes a ContentError
naming the file, line and field. Templates receive only the Edition built at the end.
"""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .colors import contrast_ratio, parse_hex_color
from .errors import ContentError
from .paths import CONTENT_DIR
from .sources import YamlSource, load_yaml

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
ReviewStatus = Literal[
    "draft", "needs-review", "needs-clinical-review", "needs-translator-review", "reviewed"]

# The brochure's sections; the content must have all of them, once, in this order.
BROCHURE_SECTION_IDS = (
    "what-is-iop", "who-may-help", "what-to-expect", "therapies", "medications",
    "co-occurring", "aftercare", "insurance", "choosing",
)
FAQ_ID = "faq"
# Panels that carry content, in the order a person reads the folded brochure. The back cover
# always carries the crisis lines, the clinic's contact details and the disclaimer.
CONTENT_PANELS = ("front_cover", "inside_flap", "inside_left", "inside_middle", "inside_right")
DOCUMENTS = ("brochure", "checklist")
MIN_BRAND_CONTRAST = 4.5


class Strict(BaseModel):
    # strict: a number where text belongs is a mistake, not something to coerce.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Review(Strict):
    status: ReviewStatus
    reviewer: Text
    date: date
    note: Text | None = None


# --- handout text, per language -------------------------------------------------------------

class Labels(Strict):
    crisis_heading: Text
    crisis_intro: Text
    danger: Text
    emergency_after: Text
    call: Text
    text: Text
    call_or_text: Text
    chat: Text
    hours_24_7: Text
    free: Text
    contact_heading: Text
    phone: Text
    website: Text
    address: Text
    disclaimer_heading: Text
    notes: Text
    program_name: Text
    see_checklist: Text


class Common(Strict):
    review: Review
    labels: Labels
    disclaimer: Text


class Section(Strict):
    id: Literal[BROCHURE_SECTION_IDS]  # type: ignore[valid-type]
    heading: Text
    paragraphs: list[Text] = []
    items: list[Text] = []
    closing: list[Text] = []
    review: Review | None = None


class FaqItem(Strict):
    question: Text
    answer: Text


class Faq(Strict):
    heading: Text
    items: list[FaqItem] = Field(min_length=1)

    @property
    def id(self) -> str:
        return FAQ_ID


PanelSections = list[Literal[BROCHURE_SECTION_IDS + (FAQ_ID,)]]  # type: ignore[valid-type]


class Panels(Strict):
    """Which sections go on which panel. Languages differ in length, so each language's
    content can rebalance its panels without touching the template."""
    front_cover: PanelSections = []
    inside_flap: PanelSections = []
    inside_left: PanelSections = []
    inside_middle: PanelSections = []
    inside_right: PanelSections = []


class Brochure(Strict):
    review: Review
    title: Text
    summary: Text
    panels: Panels
    sections: list[Section]
    faq: Faq

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def panel(self, name: str) -> list[Section | Faq]:
        return [self.faq if i == FAQ_ID else self.section(i) for i in getattr(self.panels, name)]


class Question(Strict):
    topic: Text
    question: Text


class Checklist(Strict):
    review: Review
    title: Text
    intro: Text
    questions: list[Question] = Field(min_length=1)
    closing: Text


# --- regions and clinics ---------------------------------------------------------------------

HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$")]
LocalText = dict[LanguageCode, Text]


class Reach(Strict):
    """One way to reach a line: call, text or call-or-text a number, or chat on a website."""
    how: Literal["call", "text", "call_or_text", "chat"]
    number: Text | None = None
    display: Text | None = None
    url: HttpsUrl | None = None


class CrisisLine(Strict):
    name: LocalText
    reach: list[Reach] = Field(min_length=1)
    open_24_7: bool
    languages: list[LanguageCode] = Field(min_length=1)
    notes: LocalText | None = None
    source: HttpsUrl
    verified_on: date


class Emergency(Strict):
    number: Text
    source: Text
    verified_on: date


class Region(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z0-9]+)*$")]
    name: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    languages: list[LanguageCode] = Field(min_length=1)
    paper: Literal["letter", "a4"]
    clinic: Text
    emergency: Emergency
    short_codes: list[Text] = []
    crisis_lines: list[CrisisLine] = Field(min_length=1)


class Logo(Strict):
    path: Text
    alt: Text


class Clinic(Strict):
    name: Text
    address: list[Text] = Field(min_length=1)
    phone: Text
    website: HttpsUrl | None = None
    logo: Logo | None = None
    brand_color: Text | None = None


# --- the model templates receive -------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """A number or address as printed, with the link it opens."""
    label: str
    text: str
    href: str


@dataclass(frozen=True)
class CrisisLineView:
    name: str
    contacts: tuple[Contact, ...]
    open_24_7: bool
    notes: str | None


@dataclass(frozen=True)
class ClinicView:
    name: str
    address: tuple[str, ...]
    phone: Contact
    website: Contact | None
    logo_src: str | None
    logo_alt: str | None
    brand_color: str | None


@dataclass(frozen=True)
class Edition:
    """Everything one region's handouts in one language show, validated and resolved."""
    region_id: str
    region_name: str
    language: str
    paper: str
    emergency: Contact
    crisis_lines: tuple[CrisisLineView, ...]
    clinic: ClinicView
    labels: Labels
    disclaimer: str
    brochure: Brochure
    checklist: Checklist
    input_files: tuple[Path, ...]


# --- loading ---------------------------------------------------------------------------------

def validate(source: YamlSource, model: type[Strict]):
    """Validate parsed YAML against a model; the first problem becomes a one-line error."""
    if not isinstance(source.data, dict):
        raise source.error((), f"expected a mapping of fields at the top of the file, "
                               f"got {type(source.data).__name__}")
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        location = _clean_location(first["loc"])
        problem = describe_problem(first, model, location)
        if len(errors) > 1:
            problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise source.error(location, problem) from None


def _clean_location(loc) -> tuple:
    # pydantic adds the name of the union member or constraint tried ('str', 'function-after'):
    # not part of the path in the file.
    return tuple(part for part in loc
                 if isinstance(part, int) or not re.fullmatch(r"[a-z-]+\[.*\]|str|date|bool|list|dict", part)
                 or part in ("date",) and False)


def describe_problem(error: dict, model: type[Strict], location: tuple) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "is missing (required)"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, location[:-1])
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return f"is not a known field (check the spelling){hint}"
    if kind in ("string_type", "string_too_short"):
        if kind == "string_too_short" or value is None:
            return "must not be empty"
        return f"expected text, got {_describe(value)} (put it in quotes if it is meant as text)"
    if kind == "date_type":
        return f"expected a date written as YYYY-MM-DD, got {_describe(value)}"
    if kind == "bool_type":
        return f"expected true or false, got {_describe(value)}"
    if kind == "list_type":
        return f"expected a list (lines starting with '- '), got {_describe(value)}"
    if kind in ("dict_type", "model_type"):
        return f"expected a group of fields, got {_describe(value)}"
    if kind == "literal_error":
        return f"got {value!r}; {error['msg'].lower()}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not in the expected form ({_pattern_hint(location)})"
    if kind == "too_short":
        return "must have at least one entry"
    return error["msg"]


def _pattern_hint(location: tuple) -> str:
    name = next((p for p in reversed(location) if isinstance(p, str)), "")
    return {
        "url": "a full https:// address", "source": "a full https:// address",
        "website": "a full https:// address", "country": "two capital letters, e.g. US",
        "id": "lower-case letters and dashes, e.g. us-or",
    }.get(name, "a two-letter language code such as en" if name in ("languages", "name", "notes") else "see the shipped examples")


def _describe(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):
        return "a group of fields" if isinstance(value, dict) else "a list"
    return f"{type(value).__name__} {value!r}"


def _allowed_fields(model: type[Strict], location: tuple) -> list[str]:
    """The field names allowed at `location` inside `model`, for a helpful hint."""
    current = model
    for part in location:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return list(current.model_fields)


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


class ContentSet:
    """Loads and validates content files, each once, from one content folder."""

    def __init__(self, content_dir: Path = CONTENT_DIR):
        self.content_dir = Path(content_dir)
        self._cache: dict[Path, tuple[YamlSource, Strict]] = {}

    def _load(self, path: Path, model: type[Strict]) -> tuple[YamlSource, Strict]:
        if path not in self._cache:
            source = load_yaml(path)
            self._cache[path] = (source, validate(source, model))
        return self._cache[path]

    def region_ids(self) -> list[str]:
        return sorted(p.stem for p in (self.content_dir / "regions").glob("*.yaml"))

    def edition(self, region_id: str, language: str) -> Edition:
        region_path = self.content_dir / "regions" / f"{region_id}.yaml"
        if not region_path.exists():
            known = ", ".join(self.region_ids()) or "none"
            raise ContentError(region_path, f"no such region '{region_id}' (known regions: {known})")
        region_source, region = self._load(region_path, Region)
        if region.id != region_id:
            raise region_source.error(("id",), f"is '{region.id}' but the file is named "
                                               f"'{region_id}.yaml'; make them match")
        if language not in region.languages:
            raise region_source.error(("languages",), f"region '{region_id}' has no '{language}' "
                                                      f"edition (it has {', '.join(region.languages)})")
        files = {name: self.content_dir / f"{name}.{language}.yaml"
                 for name in ("common", "brochure", "checklist")}
        _, common = self._load(files["common"], Common)
        brochure_source, brochure = self._load(files["brochure"], Brochure)
        _, checklist = self._load(files["checklist"], Checklist)
        check_brochure_sections(brochure_source, brochure)

        clinic_path = self.content_dir / "clinics" / f"{region.clinic}.yaml"
        if not clinic_path.exists():
            raise region_source.error(("clinic",), f"no clinic file {clinic_path.name} in "
                                                   f"content/clinics/")
        clinic_source, clinic = self._load(clinic_path, Clinic)

        phones = PhoneBook(region_source, region)
        input_files = [region_path, clinic_path, *files.values()]
        clinic_view = resolve_clinic(clinic_source, clinic, phones, common.labels, self.content_dir)
        if clinic.logo:
            input_files.append(self.content_dir / clinic.logo.path)
        return Edition(
            region_id=region.id,
            region_name=region.name,
            language=language,
            paper=region.paper,
            emergency=phones.contact(("emergency", "number"), region.emergency.number,
                                     common.labels.call),
            crisis_lines=tuple(resolve_crisis_line(region_source, i, line, language, phones,
                                                   common.labels)
                               for i, line in enumerate(region.crisis_lines)),
            clinic=clinic_view,
            labels=common.labels,
            disclaimer=common.disclaimer,
            brochure=brochure,
            checklist=checklist,
            input_files=tuple(input_files),
        )

    def editions(self) -> list[Edition]:
        """Every region in every one of its languages, all validated before any rendering."""
        editions = []
        for region_id in self.region_ids():
            _, region = self._load(self.content_dir / "regions" / f"{region_id}.yaml", Region)
            editions.extend(self.edition(region_id, lang) for lang in region.languages)
        return editions


def check_brochure_sections(source: YamlSource, brochure: Brochure) -> None:
    ids = [s.id for s in brochure.sections]
    for index, section_id in enumerate(ids):
        if section_id in ids[:index]:
            raise source.error(("sections", index, "id"), f"section '{section_id}' appears twice")
    missing = [s for s in BROCHURE_SECTION_IDS if s not in ids]
    if missing:
        raise source.error(("sections",), f"missing section{'s' if len(missing) > 1 else ''}: "
                                          f"{', '.join(missing)}")
    if tuple(ids) != BROCHURE_SECTION_IDS:
        raise source.error(("sections",), "sections are out of order; expected "
                                          + ", ".join(BROCHURE_SECTION_IDS))
    placed: dict[str, str] = {}
    for panel in CONTENT_PANELS:
        for index, section_id in enumerate(getattr(brochure.panels, panel)):
            if section_id in placed:
                raise source.error(("panels", panel, index),
                                   f"'{section_id}' is already on {placed[section_id]}")
            placed[section_id] = panel
    unplaced = [s for s in BROCHURE_SECTION_IDS + (FAQ_ID,) if s not in placed]
    if unplaced:
        raise source.error(("panels",), f"not on any panel: {', '.join(unplaced)}; "
                                        f"add {'them' if len(unplaced) > 1 else 'it'} to a panel")


class PhoneBook:
    """Validates and formats a region's numbers: full numbers with phonenumbers, short codes
    (988, 911, 116 123, ...) only when the region lists them."""

    def __init__(self, source: YamlSource, region: Region):
        self.source = source
        self.country = region.country
        self.short_codes = {_digits(code): code for code in region.short_codes}

    def contact(self, location: tuple, number: str, label: str, display: str | None = None,
                scheme: str = "tel", source: YamlSource | None = None) -> Contact:
        source = source or self.source
        digits = _digits(number)
        if digits in self.short_codes:
            return Contact(label, display or number, f"{scheme}:{digits}")
        try:
            parsed = phonenumbers.parse(number, self.country)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            hint = ("; short codes must be listed in the region's short_codes"
                    if len(digits) <= 6 else "")
            raise source.error(location, f"'{number}' is not a valid phone number "
                                         f"for {self.country}{hint}")
        if display is not None:
            try:
                same = phonenumbers.parse(display, self.country) == parsed
            except phonenumbers.NumberParseException:
                same = False
            if not same:
                raise source.error(location[:-1] + ("display",),
                                   f"'{display}' does not match the number '{number}'")
        text = display or phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return Contact(label, text, f"{scheme}:{e164}")


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def resolve_crisis_line(source: YamlSource, index: int, line: CrisisLine, language: str,
                        phones: PhoneBook, labels: Labels) -> CrisisLineView:
    here = ("crisis_lines", index)
    for field in ("name", "notes"):
        texts = getattr(line, field)
        if texts is not None and language not in texts:
            raise source.error(here + (field,), f"has no '{language}' text")
    contacts = []
    for j, reach in enumerate(line.reach):
        where = here + ("reach", j)
        label = getattr(labels, reach.how)
        if reach.how == "chat":
            if not reach.url:
                raise source.error(where + ("url",), "a chat needs its https:// address")
            contacts.append(Contact(label, reach.display or reach.url.removeprefix("https://"),
                                    reach.url))
            continue
        if not reach.number:
            raise source.error(where + ("number",), f"'{reach.how}' needs a number")
        scheme = "sms" if reach.how == "text" else "tel"
        contacts.append(phones.contact(where + ("number",), reach.number, label, reach.display,
                                       scheme))
    return CrisisLineView(
        name=line.name[language],
        contacts=tuple(contacts),
        open_24_7=line.open_24_7,
        notes=line.notes[language] if line.notes else None,
    )


def resolve_clinic(source: YamlSource, clinic: Clinic, phones: PhoneBook, labels: Labels,
                   content_dir: Path) -> ClinicView:
    phone = phones.contact(("phone",), clinic.phone, labels.phone, source=source)
    website = None
    if clinic.website:
        website = Contact(labels.website,
                          clinic.website.removeprefix("https://").rstrip("/"), clinic.website)
    logo_src = None
    if clinic.logo:
        if "://" in clinic.logo.path or clinic.logo.path.startswith("data:"):
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' is not a web address "
                                                 f"the handout can use: put the logo file "
                                                 f"inside content/ and give its path")
        logo_path = (content_dir / clinic.logo.path).resolve()
        if not logo_path.is_relative_to(content_dir.resolve()):
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' is outside the content "
                                                 f"folder; put the logo inside content/")
        if logo_path.suffix.lower() not in (".svg", ".png"):
            raise source.error(("logo", "path"), "the logo must be an .svg or .png file")
        if not logo_path.is_file():
            raise source.error(("logo", "path"), f"'{clinic.logo.path}' does not exist "
                                                 f"(paths are relative to content/)")
        logo_src = logo_path.as_uri()
    if clinic.brand_color:
        try:
            rgb = parse_hex_color(clinic.brand_color)
        except ValueError:
            raise source.error(("brand_color",), f"'{clinic.brand_color}' is not a colour "
                                                 f"like #1F4E79") from None
        ratio = contrast_ratio(rgb, (255, 255, 255))
        if ratio < MIN_BRAND_CONTRAST:
            raise source.error(("brand_color",),
                               f"white text on {clinic.brand_color} has contrast {ratio:.1f}:1, "
                               f"below {MIN_BRAND_CONTRAST}:1; choose a darker colour")
    return ClinicView(
        name=clinic.name, address=tuple(clinic.address), phone=phone, website=website,
        logo_src=logo_src, logo_alt=clinic.logo.alt if clinic.logo else None,
        brand_color=clinic.brand_color,
    )
