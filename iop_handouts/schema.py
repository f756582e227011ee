"""The content schema (pydantic) and the one-line messages for what does not match it."""

from datetime import date
from string import Formatter
from typing import Annotated, Literal

from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError,
                      field_validator, model_validator)

from .languages import LanguageTag
from .sources import Source

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$")]
HexColor = Annotated[str, StringConstraints(pattern=r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")]
# A keypad option ("1") and a text keyword ("SHOUT"): kept apart from the number they go with,
# so a number's printed form holds nothing but the number.
KeypadOption = Annotated[str, StringConstraints(pattern=r"^[0-9*#]{1,2}$")]
Keyword = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,20}$")]
RegionId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[a-z0-9]+)*$")]
# Text per language: {en: ..., es: ...}; a variety ("en-GB") may have its own.
LocalText = dict[LanguageTag, Text]
ReviewStatus = Literal[
    "draft", "needs-review", "needs-clinical-review", "needs-translator-review", "reviewed"]

# The brochure's sections; the content must have all of them, once, in this order. They flow
# through the three inside panels in this order, the questions people ask after them.
BROCHURE_SECTION_IDS = (
    "what-is-iop", "who-may-help", "what-to-expect", "therapies", "medications",
    "co-occurring", "what-we-know", "when-iop-is-not-enough", "aftercare", "insurance",
    "choosing",
)
FAQ_ID = "faq"


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
    or_: Text = Field(alias="or")
    call: Text
    text: Text
    call_or_text: Text
    chat: Text
    web: Text
    hours_24_7: Text
    contact_heading: Text
    local_resources_heading: Text
    phone: Text | None = None
    website: Text
    qr_code: Text
    disclaimer_heading: Text
    notes: Text
    program_name: Text
    call_us: Text
    program: Text
    emergency: Text
    good_answer: Text       # beside each check box of the checklist's grid
    # How a keypad option and a text keyword are worded around their number:
    # "{number}, then press {option}", "Text {keyword} to".
    press_option: Text
    text_keyword: Text
    hours: Text
    email: Text
    tty: Text
    # On every page of an edition made from content not yet approved (approvals.py).
    draft_notice: Text
    # In the edition mark of a final edition: "Approved {date}" (the date as 2026-12-01).
    approved_on: Text

    @field_validator("press_option", "text_keyword", "approved_on")
    @classmethod
    def _has_placeholders(cls, value: str, info) -> str:
        wanted = {"press_option": {"number", "option"},
                  "text_keyword": {"keyword"},
                  "approved_on": {"date"}}[info.field_name]
        return placeholders_only(value, wanted)


def placeholders_only(value: str, wanted: set[str]) -> str:
    """`value` if it holds each {name} of `wanted` once, with nothing inside the braces and
    no other braces (an unpaired one would stop str.format with a traceback)."""
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion
                  in Formatter().parse(value) if name is not None]
    except ValueError:
        fields = None   # an unpaired brace
    # Names only, each once: a format code ("{number:.2}") or conversion would change the
    # number as printed, which check compares with nothing but itself; an attribute
    # ("{name.__class__}") would print what the code holds.
    names = sorted(name for name, _, _ in fields or ())
    if fields is None or names != sorted(wanted) or any(
            spec or conversion for _, spec, conversion in fields):
        raise ValueError("must contain " + " and ".join(f"{{{name}}}" for name in sorted(wanted))
                         + " once each, nothing inside the braces, and no other braces")
    return value


class JargonTerm(Strict):
    """A term readers may not know: where it is printed, its first use must come with its
    plain words in brackets (or follow them), or it must be replaced by them."""
    term: Text
    plain: Text


class Common(Strict):
    review: Review
    labels: Labels
    disclaimer: Text
    jargon: list[JargonTerm] = []


class Section(Strict):
    id: Literal[BROCHURE_SECTION_IDS]  # type: ignore[valid-type]
    heading: Text
    paragraphs: list[Text] = []
    items: list[Text] = []   # 7 or fewer read best: `check` reports longer lists
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


class Level(Strict):
    name: Text
    detail: Text
    current: bool = False       # the level this handout is about: highlighted


class LevelsOfCare(Strict):
    """The diagram of the levels of care, most care first. Built from HTML boxes, so its
    words come from here, wrap, translate, and are seen by the fit checks."""
    heading: Text
    description: Text           # the diagram's alt text
    levels: list[Level] = Field(min_length=2, max_length=6)

    @model_validator(mode="after")
    def one_current_level(self):
        if sum(level.current for level in self.levels) != 1:
            raise ValueError("exactly one level needs 'current: true' (the one this handout "
                             "is about)")
        return self


StepIcon = Literal["ask", "checklist", "call", "license"]


class NextSteps(Strict):
    heading: Text
    steps: list[Text] = Field(min_length=1, max_length=7)   # printed numbered
    # An icon beside each step (a picture of the action), in the steps' order; or none.
    icons: list[StepIcon] = []

    @model_validator(mode="after")
    def _an_icon_per_step(self):
        if self.icons and len(self.icons) != len(self.steps):
            raise ValueError(f"has {len(self.icons)} icons for {len(self.steps)} steps; give "
                             f"one per step, or none")
        return self


class Brochure(Strict):
    review: Review
    title: Text
    summary: Text               # the main message, large on the front cover
    cover_action: Text          # the call to action on the front cover
    levels_of_care: LevelsOfCare
    next_steps: NextSteps
    sections: list[Section]
    faq: Faq

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    @property
    def flow(self) -> list:
        """What flows through the inside panels, in reading order."""
        return [*self.sections, self.faq]


class Question(Strict):
    topic: Text
    question: Text


class Checklist(Strict):
    review: Review
    title: Text
    # The main message as three steps, each drawn with its icon: call, ask, compare.
    steps: list[Text] = Field(min_length=3, max_length=3)
    intro: Text
    # The intro of the large-print checklist, which has a part per program, not a column.
    large_print_intro: Text
    questions: list[Question] = Field(min_length=1)
    closing: Text


class EmailText(Strict):
    """The words of the email that carries the handouts."""
    review: Review
    subject: Text
    greeting: Text
    greeting_no_name: Text
    intro: Text
    attachments_heading: Text
    closing: Text

    @field_validator("greeting")
    @classmethod
    def _names_the_recipient(cls, value: str) -> str:
        return placeholders_only(value, {"name"})


# A word (or a few, joined by spaces or hyphens: "one-on-one") in a variety's spelling list:
# lower case, letters only (capitals follow the text).
SpelledWord = Annotated[str, StringConstraints(pattern=r"^[^\W\d_A-Z]+([ -][^\W\d_A-Z]+)*$")]


class Variant(Strict):
    """languages/<tag>.yaml: what one variety of a language changes in its handout text."""
    review: Review | None = None
    spelling: dict[SpelledWord, SpelledWord] = {}   # the text's word -> this variety's spelling
    avoid: list[SpelledWord] = []                   # other varieties' spellings `check` flags
    content: dict[str, dict] = {}                   # {document: fields}, over the language files


# --- regions and clinics ---------------------------------------------------------------------

class Reach(Strict):
    """One way to reach a line: call, text or call-or-text a number, chat or visit a website."""
    how: Literal["call", "text", "call_or_text", "chat", "web"]
    number: Text | None = None
    # How to print the number when that differs from the plain form: the same digits, keypad
    # letters allowed ("1-800-662-HELP (4357)"); nothing else. Text, or text per language.
    display: Text | LocalText | None = None
    option: KeypadOption | None = None     # a key to press after dialling: "988, then press 1"
    keyword: Keyword | None = None         # the word to text: "Text SHOUT to 85258"
    url: HttpsUrl | None = None


class CrisisLine(Strict):
    name: LocalText
    reach: list[Reach] = Field(min_length=1)
    open_24_7: bool
    languages: list[LanguageTag] = Field(min_length=1)
    notes: LocalText | None = None
    source: HttpsUrl
    verified_on: date


class Emergency(Strict):
    numbers: list[Text] = Field(min_length=1)
    source: HttpsUrl
    verified_on: date


class LocalResource(Strict):
    name: LocalText
    phone: Text | None = None
    website: HttpsUrl | None = None
    notes: LocalText | None = None


class Region(Strict):
    id: RegionId
    name: Text
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    languages: list[LanguageTag] = Field(min_length=1)
    paper: Literal["letter", "a4"]
    clinic: Text
    emergency: Emergency
    short_codes: list[Text] = []
    crisis_lines: list[CrisisLine] = Field(min_length=1)
    local_resources: list[LocalResource] = []
    # Wording this region puts over the language files: {language: {document: {...}}}.
    content: dict[LanguageTag, dict] = {}

    @field_validator("languages")
    @classmethod
    def _each_language_once(cls, languages):
        # Twice would build the same PDFs twice, at once, into the same files.
        for index, tag in enumerate(languages):
            if tag in languages[:index]:
                raise ValueError(f"'{tag}' appears twice")
        return languages


class Logo(Strict):
    path: Text
    alt: Text


class Clinic(Strict):
    name: Text
    address: list[Text] = Field(min_length=1)
    phone: Text | None = None
    website: HttpsUrl | None = None
    logo: Logo | None = None
    brand_color: HexColor | None = None
    hours: Text | LocalText | None = None       # "Mon-Fri 8 am to 6 pm", or per language
    intake_email: Text | None = None            # where a new patient can write
    tty: Text | None = None                     # a TTY number, or 711 for the relay service


# --- validation ------------------------------------------------------------------------------

def validate(source: Source, model: type[Strict]):
    """Validate parsed YAML against a model; every problem becomes a one-line error (the
    first raised, carrying the others)."""
    if not isinstance(source.data, dict):
        raise source.error((), f"expected a mapping of fields at the top of the file, "
                               f"got {_describe(source.data)}")
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        # A problem with a mapping's key ("content: {sp: ...}") is at the key itself.
        problems = [source.error(_at(error), describe_problem(error, model, _at(error)))
                    for error in exc.errors()]
        first = problems[0]
        first.also = problems[1:]
        raise first from None


def describe_problem(error: dict, model: type[Strict], location: tuple) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        return "is missing (required)"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, location[:-1])
        hint = f"; expected one of: {', '.join(allowed)}" if allowed else ""
        return f"is not a known field (check the spelling){hint}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_type":
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
        return "must have at least one entry" if error.get("ctx", {}).get("min_length", 1) <= 1 \
            else f"must have at least {error['ctx']['min_length']} entries"
    if kind == "too_long":
        return f"has too many entries (at most {error.get('ctx', {}).get('max_length')})"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return error["msg"]


def _at(error: dict) -> tuple:
    return tuple(part for part in error["loc"] if part != "[key]")


def _pattern_hint(location: tuple) -> str:
    names = [p for p in location if isinstance(p, str)]
    last = names[-1] if names else ""
    if last in ("url", "source", "website"):
        return "a full https:// address"
    if last == "brand_color":
        return "a colour written #RRGGBB or #RGB, in quotes, e.g. \"#1F4E79\""
    if last == "country":
        return "two capital letters, e.g. US"
    if last == "id":
        return "lower-case letters and dashes, e.g. us-or"
    if last == "sha256":
        return "64 hexadecimal digits (0-9, a-f)"
    if "spelling" in names or "avoid" in names:
        return "lower-case words, e.g. program: programme"
    return "the form this field takes (see the README)"


def _describe(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a group of fields"
    if isinstance(value, list):
        return "a list"
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
    return [f.alias or name for name, f in current.model_fields.items()]


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None

