"""A clinic's own folder: its clinic file, its region and its settings, laid over the shipped
content (national regions, handout text, templates), so a clinic keeps only what is its own.

    iop-handouts.yaml          settings: schema version, default regions and languages,
                               output folder, email sender
    regions/<region>.yaml      the clinic's region: extends a shipped national region
    clinics/<clinic>.yaml      name, address, phone, website, logo, colour, hours, ...
    clinics/<logo file>
    schemas/*.schema.json      for editors that complete and check fields as you type

`init` writes such a folder from answers checked one by one; `open_content` recognises one by
its settings file; `upgrade` turns a copied content folder (the older way to make handouts of
one's own) into one.
"""

import filecmp
import json
import re
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from .errors import ContentError, HandoutError
from .paths import CONTENT_DIR, SETTINGS_FILE
from .languages import LanguageTag, matches
from .schema import HexColor, RegionId, Strict, Text, validate
from .sources import INVISIBLE, NOT_ONE_LINE, load_yaml

SCHEMA_VERSION = 1
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"


class SmtpServer(Strict):
    """The mail server the web app sends through; the password is only ever read from the
    environment (IOP_SMTP_PASSWORD), never from a file."""
    host: Text
    port: int | None = Field(default=None, ge=1, le=65535)   # default: 25, 587 or 465
    security: Literal["starttls", "ssl", "plain"] = "starttls"
    user: Text | None = None


class EmailSettings(Strict):
    sender: Text | None = None      # "Clinic <intake@clinic.org>"; --sender overrides it
    smtp: SmtpServer | None = None  # the web app's server; without it, the outbox


class Settings(Strict):
    """iop-handouts.yaml: what the commands do by default in a clinic's folder."""
    schema_version: Literal[1]
    regions: list[RegionId] = []            # default: every region in the folder
    languages: list[LanguageTag] = []      # default: every language of those regions
    output: Text = "output"
    email: EmailSettings = EmailSettings()


class InitError(HandoutError):
    """An answer to `init` that cannot be used: names the answer and what is expected."""

    def __init__(self, answer: str, problem: str):
        self.answer = answer
        self.problem = problem
        super().__init__(f"{answer}: {problem}")


# --- finding and opening a clinic folder ------------------------------------------------------

def is_clinic_folder(folder: Path) -> bool:
    return (Path(folder) / SETTINGS_FILE).is_file()


def read_settings(folder: Path) -> Settings:
    path = Path(folder) / SETTINGS_FILE
    source = load_yaml(path)
    if isinstance(source.data, dict) and source.data.get("schema_version") not in (None, 1):
        found = source.data.get("schema_version")
        raise source.error(("schema_version",),
                           f"is {found!r}; this version of iop-handouts reads folders of "
                           f"version {SCHEMA_VERSION} (run: iop-handouts upgrade)")
    return validate(source, Settings)


def open_content(folder: Path):
    """The content to build from `folder`: a clinic folder laid over the shipped content, or
    a complete content folder as it is."""
    from .content import ContentSet

    folder = Path(folder)
    if is_clinic_folder(folder):
        return ContentSet(folder, base_dir=CONTENT_DIR)
    return ContentSet(folder)


# --- init ------------------------------------------------------------------------------------

@dataclass
class ClinicAnswers:
    """What `init` asks; each checked by `check_answers` before anything is written."""
    name: str
    address: list[str]
    phone: str
    country: str                    # US, CA, GB, IE, AU, NZ
    state: str = ""                 # TX, ON, QC ...: picks the province's region where one ships
    languages: list[str] = field(default_factory=list)  # default: the national region's
    website: str = ""
    logo: Path | None = None
    logo_alt: str = ""
    brand_color: str = ""
    hours: str = ""
    intake_email: str = ""
    tty: str = ""
    sender: str = ""


@dataclass(frozen=True)
class Plan:
    """The files `init` will write, derived from checked answers."""
    clinic_id: str
    region_id: str
    base_region: str
    languages: tuple[str, ...]
    short_codes: tuple[str, ...]    # the base region's, which a relay number's 711 joins
    answers: ClinicAnswers


def slug(text: str) -> str:
    """'Clinique Érable' -> 'clinique-erable': accents dropped, for file names and ids."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].strip("-") or "clinic"


def national_regions(base: Path = CONTENT_DIR) -> dict[str, dict]:
    """The shipped regions a clinic's region may extend, by id: country, languages. Read once
    per version of the region files (the web app asks at every edit)."""
    import copy

    versions = tuple((p.name, p.stat().st_mtime_ns)
                     for p in sorted((Path(base) / "regions").glob("*.yaml")))
    return copy.deepcopy(_national_regions(str(base), versions))


@lru_cache(maxsize=4)
def _national_regions(base: str, versions: tuple) -> dict[str, dict]:
    from .content import ContentSet

    content = ContentSet(Path(base))
    regions = {}
    for region_id in content.region_ids():
        _, region, _ = content.region(region_id)
        regions[region_id] = {"country": region.country, "languages": list(region.languages),
                              "name": region.name, "short_codes": list(region.short_codes)}
    return regions


def base_region_for(country: str, state: str, regions: dict[str, dict]) -> str:
    """The shipped region for a country (and province, when one ships: ca-qc for Québec)."""
    country, state = country.upper(), state.lower()
    national = country.lower()
    if national not in regions:
        known = sorted({r["country"] for r in regions.values()})
        raise InitError("country", f"'{country}' has no shipped crisis lines (countries: "
                                   f"{', '.join(known)}); add a region for it first")
    provincial = f"{national}-{state}"
    # Only a province with its own crisis lines counts; us-or is an example clinic's region.
    if state and provincial in regions and provincial not in EXAMPLE_REGIONS:
        return provincial
    return national


# Shipped regions that exist as examples of a clinic's own region, not as a base.
EXAMPLE_REGIONS = {"us-or"}


def check_answers(answers: ClinicAnswers, base: Path = CONTENT_DIR) -> Plan:
    """Check each answer as `init` would when asked for it; InitError names the first bad one."""
    problems, plan = _checked(answers, base)
    if problems:
        answer, problem = next(iter(problems.items()))
        raise InitError(answer, problem)
    return plan


def answer_problems(answers: ClinicAnswers, base: Path = CONTENT_DIR) -> dict[str, str]:
    """Every answer that cannot be used, by its name ('phone', 'brand-color'), with what is
    wrong with it, in the order `init` asks: the web form shows each beside its field."""
    return _checked(answers, base)[0]


def _checked(answers: ClinicAnswers, base: Path) -> tuple[dict[str, str], Plan | None]:
    problems: dict[str, str] = {}

    def attempt(check, *args):
        try:
            return check(*args)
        except InitError as exc:
            problems.setdefault(exc.answer, exc.problem)
            return None

    attempt(_check_characters, answers)
    for check in (_check_name, _check_address, _check_state):
        attempt(check, answers)
    regions = national_regions(base)
    base_region = attempt(base_region_for, answers.country, answers.state, regions)
    languages = attempt(_check_languages, answers, base_region, regions) if base_region else ()
    if base_region:
        attempt(_check_phones, answers, regions[base_region]["country"])
    for check in (_check_website, _check_brand_color, _check_logo, _check_emails):
        attempt(check, answers)
    if problems:
        return problems, None
    clinic_id = slug(answers.name)
    state = f"-{answers.state.lower()}" if answers.state and base_region.count("-") == 0 else ""
    region_id = f"{base_region}{state}-{clinic_id}"
    return {}, Plan(clinic_id, region_id, base_region, languages,
                    tuple(regions[base_region]["short_codes"]), answers)


# Each answer is one line (a form posted by hand can hold a line break, which would end the
# line it is written on) of a length a handout can print.
MAX_ANSWER_LENGTH = 200


def _check_characters(answers: ClinicAnswers) -> None:
    values = [(name, getattr(answers, name) or "") for name in (
        "name", "phone", "website", "logo_alt", "hours", "intake_email", "tty", "sender",
        "state")] + [("address", line) for line in answers.address] + \
        [("languages", language) for language in answers.languages]
    for name, value in values:
        answer = name.replace("_", "-")
        if INVISIBLE.search(str(value)) or NOT_ONE_LINE.search(str(value)):
            raise InitError(answer, "holds a line break, an invisible or a control "
                                    "character; retype it on one line")
        if len(str(value)) > MAX_ANSWER_LENGTH:
            raise InitError(answer, f"is {len(str(value)):,} characters long; an answer is "
                                    f"at most {MAX_ANSWER_LENGTH}")


def _check_name(answers: ClinicAnswers) -> None:
    if not answers.name.strip():
        raise InitError("name", "the clinic's name is needed")


def _check_address(answers: ClinicAnswers) -> None:
    if not [line for line in answers.address if line.strip()]:
        raise InitError("address", "at least one line of address is needed")


def _check_state(answers: ClinicAnswers) -> None:
    if answers.state and not re.fullmatch(r"[A-Za-z]{2,3}", answers.state):
        raise InitError("state", f"'{answers.state}' is not a state or province code "
                                 f"like TX or ON")


def _check_languages(answers: ClinicAnswers, base_region: str, regions: dict) -> tuple:
    available = regions[base_region]["languages"]
    # "es" stands for the region's Spanish ("es-US"); a full tag must be one it prints; "zh"
    # is Simplified or Traditional Chinese, so it must be named.
    chosen = []
    for wanted in answers.languages or available:
        candidates = [tag for tag in available if matches(tag, (wanted,))]
        if wanted not in available and len(candidates) > 1:
            raise InitError("languages", f"'{wanted}' is more than one of {base_region}'s "
                                         f"languages ({', '.join(candidates)}); name the one "
                                         f"to print")
        chosen.append(wanted if wanted in available or not candidates else candidates[0])
    languages = tuple(dict.fromkeys(chosen))      # "en, en-US" is one language
    missing = [language for language in languages if language not in available]
    if missing:
        raise InitError("languages", f"{base_region} has no '{missing[0]}' text (it has "
                                     f"{', '.join(available)})")
    return languages


def _check_phones(answers: ClinicAnswers, country: str) -> None:
    from .phones import PhoneBook

    phones = PhoneBook(country, ["711"])
    if not answers.phone.strip():
        raise InitError("phone", "the clinic's phone number is needed")
    for name in ("phone", "tty"):
        number = getattr(answers, name)
        if number:
            try:
                phones.contact(_AnswerSource(), (name,), number, name)
            except ContentError as exc:
                raise InitError(name, exc.problem) from None


def _check_website(answers: ClinicAnswers) -> None:
    if answers.website and not re.fullmatch(r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?",
                                            _with_scheme(answers.website)):
        raise InitError("website", f"'{answers.website}' is not a web address like "
                                   f"https://clinic.example.org")


def _check_brand_color(answers: ClinicAnswers) -> None:
    from .colors import contrast_ratio, parse_hex_color
    from .content import MIN_BRAND_CONTRAST

    if not answers.brand_color:
        return
    try:
        rgb = parse_hex_color(answers.brand_color)
        if not answers.brand_color.startswith("#"):
            raise ValueError
    except ValueError:
        raise InitError("brand-color", f"'{answers.brand_color}' is not a colour written "
                                       f"#RRGGBB or #RGB, like #1F4E79") from None
    ratio = contrast_ratio(rgb, (255, 255, 255))
    if ratio < MIN_BRAND_CONTRAST:
        raise InitError("brand-color", f"white text on {answers.brand_color} has contrast "
                                       f"{ratio:.1f}:1, below {MIN_BRAND_CONTRAST}:1; "
                                       f"choose a darker colour, e.g. #1F4E79 (dark blue) "
                                       f"or #2F5D3A (dark green)")


def _check_logo(answers: ClinicAnswers) -> None:
    if not answers.logo:
        return
    logo = Path(answers.logo)
    if not logo.is_file():
        raise InitError("logo", f"{logo} is not a file")
    if logo.suffix.lower() not in (".png", ".svg"):
        raise InitError("logo", "the logo must be a .png or .svg file")
    if not answers.logo_alt.strip():
        raise InitError("logo-alt", "describe the logo in a few words (read out by "
                                    "screen readers), e.g. 'Cedar Valley Health logo'")


def _check_emails(answers: ClinicAnswers) -> None:
    from email_validator import EmailNotValidError, validate_email

    for name in ("intake_email", "sender"):
        value = getattr(answers, name)
        if value:
            address = re.search(r"<([^>]*)>\s*$", value)
            try:
                validate_email(address[1] if address else value, check_deliverability=False)
            except EmailNotValidError as exc:
                raise InitError(name.replace("_", "-"), str(exc)) from None


class _AnswerSource:
    """Stands in for a YAML file when a phone number is checked as an answer."""

    def error(self, location, problem):
        return ContentError(None, problem)


def _with_scheme(website: str) -> str:
    return website if "://" in website else f"https://{website}"


def _quoted(text: str) -> str:
    """A YAML double-quoted string (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def write_clinic_folder(folder: Path, plan: Plan) -> list[Path]:
    """Write the clinic's files into `folder` (created if needed; refuses to overwrite a
    clinic or region of the same name). Returns the files written."""
    folder = Path(folder)
    answers = plan.answers
    region_path = folder / "regions" / f"{plan.region_id}.yaml"
    clinic_path = folder / "clinics" / f"{plan.clinic_id}.yaml"
    for path in (region_path, clinic_path):
        if path.exists():
            raise InitError("name", f"{path} already exists; choose another name or edit it")
    (folder / "regions").mkdir(parents=True, exist_ok=True)
    (folder / "clinics").mkdir(parents=True, exist_ok=True)
    written = []

    logo_lines = []
    if answers.logo:
        logo_name = f"{plan.clinic_id}-logo{Path(answers.logo).suffix.lower()}"
        shutil.copyfile(answers.logo, folder / "clinics" / logo_name)
        written.append(folder / "clinics" / logo_name)
        logo_lines = ["logo:", f"  path: {_quoted('clinics/' + logo_name)}",
                      f"  alt: {_quoted(answers.logo_alt.strip())}"]
    clinic_lines = [
        "# yaml-language-server: $schema=../schemas/clinic.schema.json",
        "# The clinic as printed on its handouts. Edit freely; `iop-handouts check` says if",
        "# something is wrong.",
        f"name: {_quoted(answers.name.strip())}",
        "address:",
        *(f"  - {_quoted(line.strip())}" for line in answers.address if line.strip()),
        f"phone: {_quoted(answers.phone)}",
        *([f"website: {_quoted(_with_scheme(answers.website))}"] if answers.website else []),
        *logo_lines,
        *([f"brand_color: {_quoted(answers.brand_color)}"] if answers.brand_color else []),
        *([f"hours: {_quoted(answers.hours.strip())}"] if answers.hours else []),
        *([f"intake_email: {_quoted(answers.intake_email)}"] if answers.intake_email else []),
        *([f"tty: {_quoted(answers.tty)}"] if answers.tty else []),
    ]
    clinic_path.write_text("\n".join(clinic_lines) + "\n", encoding="utf-8")
    written.append(clinic_path)

    state = f" ({answers.state.upper()})" if answers.state else ""
    region_lines = [
        "# yaml-language-server: $schema=../schemas/region.schema.json",
        f"# {answers.name.strip()}'s region: the shipped '{plan.base_region}' region (its crisis",
        "# lines, emergency numbers, paper) with this clinic. Add local_resources, or wording",
        "# under content: <language>: <document>: to change what is printed.",
        f"extends: {plan.base_region}",
        f"id: {_quoted(plan.region_id)}",
        f"name: {_quoted(answers.name.strip() + state)}",
        f"languages: [{', '.join(plan.languages)}]",
        f"clinic: {_quoted(plan.clinic_id)}",
    ]
    if answers.tty and re.sub(r"\D", "", answers.tty) == "711":
        # The relay service's short code, added to the national region's own.
        codes = [*plan.short_codes, "711"]
        region_lines.append(f"short_codes: [{', '.join(_quoted(code) for code in codes)}]")
    region_path.write_text("\n".join(region_lines) + "\n", encoding="utf-8")
    written.append(region_path)

    settings_path = folder / SETTINGS_FILE
    if not settings_path.exists():
        sender = _quoted(answers.sender) if answers.sender else None
        settings_lines = [
            "# yaml-language-server: $schema=schemas/settings.schema.json",
            "# Settings for the iop-handouts commands run in this folder.",
            f"schema_version: {SCHEMA_VERSION}",
            "# Default regions and languages (every region here, in all its languages, if empty):",
            "regions: []",
            "languages: []",
            "output: \"output\"",
            *(["email:", f"  sender: {sender}"] if sender else []),
        ]
        settings_path.write_text("\n".join(settings_lines) + "\n", encoding="utf-8")
        written.append(settings_path)
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# Built handouts: rebuilt from the files here at any time.\n"
                                 "output/\n", encoding="utf-8")
            written.append(gitignore)
    written += write_schemas(folder)
    return written


def write_schemas(folder: Path) -> list[Path]:
    """Copy the editor schemas shipped with the package into the folder's schemas/."""
    target = Path(folder) / "schemas"
    target.mkdir(exist_ok=True)
    written = []
    for schema in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        shutil.copyfile(schema, target / schema.name)
        written.append(target / schema.name)
    return written


# --- upgrade ---------------------------------------------------------------------------------

def upgrade(folder: Path, base: Path = CONTENT_DIR) -> list[str]:
    """Turn a copied content folder into a clinic folder: drop the files that are the same as
    the shipped ones (they come from the package now, and get its fixes), keep what differs,
    add the settings file and the editor schemas. Returns what was done, a line each."""
    folder = Path(folder)
    done = []
    if is_clinic_folder(folder):
        settings = read_settings(folder)  # checks the version
        done += [f"{folder / SETTINGS_FILE}: already version {settings.schema_version}"]
        write_schemas(folder)
        return done + ["schemas/: refreshed"]
    if not (folder / "regions").is_dir():
        raise InitError("folder", f"{folder} holds no regions/ folder: not a content folder "
                                  f"to upgrade")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        shipped = base / relative
        if shipped.is_file() and filecmp.cmp(path, shipped, shallow=False):
            path.unlink()
            done.append(f"{relative}: same as the shipped file, removed")
    settings_path = folder / SETTINGS_FILE
    settings_path.write_text(
        "# yaml-language-server: $schema=schemas/settings.schema.json\n"
        f"schema_version: {SCHEMA_VERSION}\nregions: []\nlanguages: []\noutput: \"output\"\n",
        encoding="utf-8")
    done.append(f"{SETTINGS_FILE}: written")
    write_schemas(folder)
    done.append("schemas/: written")
    return done


# --- editor schemas --------------------------------------------------------------------------

def editor_schemas() -> dict[str, dict]:
    """JSON Schemas for the files a clinic edits, from the content models themselves. A
    region file in a clinic folder extends a shipped one, so none of its fields is required
    there but `extends`, `id` and `clinic`."""
    from .schema import Clinic, Region

    region = Region.model_json_schema(by_alias=True)
    region["properties"]["extends"] = {
        "type": "string", "description": "The shipped region this one builds on, e.g. us or ca"}
    region["required"] = ["id"]
    schemas = {"clinic": Clinic.model_json_schema(by_alias=True), "region": region,
               "settings": Settings.model_json_schema(by_alias=True)}
    for name, schema in schemas.items():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema.setdefault("title", name)
    return schemas


def main() -> None:
    """Rewrite the shipped schemas from the models (run after changing schema.py):
    python -m iop_handouts.clinic_folder"""
    SCHEMAS_DIR.mkdir(exist_ok=True)
    for name, schema in editor_schemas().items():
        (SCHEMAS_DIR / f"{name}.schema.json").write_text(
            json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8")


if __name__ == "__main__":
    main()
