"""Editing a clinic that `init` (or the web app) set up: its answers read back from its files,
checked the way `init` checks them, and written into the same files with their comments,
order and quoting kept (ruamel.yaml's round trip), so a clinic's own notes in its files
survive an edit made in the web app.

The country and state stay as set up: they chose the region the clinic extends and its id.
"""

import io
from dataclasses import dataclass
from pathlib import Path

from .clinic_folder import (ClinicAnswers, InitError, _with_scheme, answer_problems,
                            check_answers, national_regions, read_settings, write_clinic_folder)
from .errors import HandoutError
from .logos import LogoError, uploaded_logo
from .output_folder import write_atomically
from .paths import CONTENT_DIR, SETTINGS_FILE
from .sources import load_yaml

# The clinic file's fields the web form edits, in the order `init` writes them.
CLINIC_FIELDS = ("name", "address", "phone", "website", "logo", "brand_color", "hours",
                 "intake_email", "tty")


@dataclass(frozen=True)
class ClinicEntry:
    """A clinic in a folder: its file's name, its printed name and the regions printing it."""
    clinic_id: str
    name: str
    region_ids: tuple[str, ...]
    base_region: str
    languages: tuple[str, ...]


def clinics_in(folder: Path) -> list[ClinicEntry]:
    """The clinics a folder's own regions print, by clinic id. A file with a mistake in it
    is passed over here: the page that reads it says what the mistake is."""
    folder = Path(folder)
    found: dict[str, dict] = {}
    for region_path in sorted((folder / "regions").glob("*.yaml")):
        data = _data_or_none(region_path)
        if not isinstance(data, dict) or not isinstance(data.get("clinic"), str):
            continue
        clinic_path = folder / "clinics" / f"{data['clinic']}.yaml"
        if not clinic_path.is_file():
            continue
        entry = found.setdefault(data["clinic"], {"regions": [], "base": data.get("extends", ""),
                                                  "languages": data.get("languages") or []})
        entry["regions"].append(data.get("id", region_path.stem))
    entries = []
    for clinic_id, entry in sorted(found.items()):
        clinic = _data_or_none(Path(folder) / "clinics" / f"{clinic_id}.yaml")
        name = clinic.get("name") if isinstance(clinic, dict) else None
        entries.append(ClinicEntry(clinic_id, str(name or clinic_id), tuple(entry["regions"]),
                                   str(entry["base"]), tuple(entry["languages"])))
    return entries


def _data_or_none(path: Path):
    try:
        return load_yaml(path).data
    except HandoutError:
        return None


def clinic_entry(folder: Path, clinic_id: str) -> ClinicEntry:
    for entry in clinics_in(folder):
        if entry.clinic_id == clinic_id:
            return entry
    raise InitError("clinic", f"no clinic '{clinic_id}' in {folder}")


def read_answers(folder: Path, clinic_id: str, base: Path = CONTENT_DIR) -> ClinicAnswers:
    """The answers that would write this clinic's files as they are now."""
    folder = Path(folder)
    entry = clinic_entry(folder, clinic_id)
    data = load_yaml(folder / "clinics" / f"{clinic_id}.yaml").data
    regions = national_regions(base)
    base_region = regions.get(entry.base_region, {})
    logo = data.get("logo") or {}
    settings = read_settings(folder) if (folder / SETTINGS_FILE).is_file() else None
    hours = data.get("hours") or ""
    return ClinicAnswers(
        name=str(data.get("name") or ""), address=[str(a) for a in data.get("address") or []],
        phone=str(data.get("phone") or ""), country=str(base_region.get("country", "")),
        state=entry.base_region.split("-")[1] if "-" in entry.base_region else "",
        languages=list(entry.languages), website=str(data.get("website") or ""),
        logo=folder / logo["path"] if logo.get("path") else None,
        logo_alt=str(logo.get("alt") or ""), brand_color=str(data.get("brand_color") or ""),
        hours=hours if isinstance(hours, str) else "",
        intake_email=str(data.get("intake_email") or ""), tty=str(data.get("tty") or ""),
        sender=str(settings.email.sender or "") if settings else "")


def hours_per_language(folder: Path, clinic_id: str) -> bool:
    """Whether the clinic's hours are written per language in its file (edited there)."""
    data = load_yaml(Path(folder) / "clinics" / f"{clinic_id}.yaml").data
    return isinstance(data.get("hours"), dict)


def save_logo(folder: Path, clinic_id: str, data: bytes) -> Path:
    """Check an uploaded logo and save it, downsampled for print, as the clinic's logo file;
    returns its path. Raises InitError('logo', ...)."""
    try:
        ready, suffix = uploaded_logo(data)
    except LogoError as exc:
        raise InitError("logo", f"the file {exc}") from None
    path = Path(folder) / "clinics" / f"{clinic_id}-logo{suffix}"
    write_atomically(path, ready)
    return path


def set_up_clinic(folder: Path, answers: ClinicAnswers, base: Path = CONTENT_DIR):
    """A new clinic from the web form: checked like `init`, written by the same code."""
    plan = check_answers(answers, base)
    write_clinic_folder(folder, plan)
    return plan


def problems_in(answers: ClinicAnswers, base: Path = CONTENT_DIR) -> dict[str, str]:
    return answer_problems(answers, base)


def save_answers(folder: Path, clinic_id: str, answers: ClinicAnswers,
                 base: Path = CONTENT_DIR) -> list[Path]:
    """Write edited answers into the clinic's own files, keeping everything else in them.
    Raises InitError for the first answer that cannot be used. Returns the files changed."""
    folder = Path(folder)
    plan = check_answers(answers, base)
    entry = clinic_entry(folder, clinic_id)
    changed = []

    clinic_path = folder / "clinics" / f"{clinic_id}.yaml"
    clinic = _load(clinic_path)
    logo = None
    if answers.logo:
        logo_path = Path(answers.logo).resolve()
        if not logo_path.is_relative_to(folder.resolve()):
            raise InitError("logo", "the logo must be a file in the clinic's folder")
        logo = {"path": logo_path.relative_to(folder.resolve()).as_posix(),
                "alt": answers.logo_alt.strip()}
    values = {
        "name": answers.name.strip(),
        "address": [line.strip() for line in answers.address if line.strip()],
        "phone": answers.phone.strip(),
        "website": _with_scheme(answers.website.strip()) if answers.website.strip() else None,
        "logo": logo,
        "brand_color": answers.brand_color or None,
        "hours": answers.hours.strip() or None,
        "intake_email": answers.intake_email.strip() or None,
        "tty": answers.tty.strip() or None,
    }
    if isinstance(clinic.get("hours"), dict):
        values.pop("hours")     # written per language: edited in the file
    for key in CLINIC_FIELDS:
        if key in values:
            _set(clinic, key, values[key])
    if _dump_if_changed(clinic_path, clinic):
        changed.append(clinic_path)

    for region_id in entry.region_ids:
        region_path = folder / "regions" / f"{region_id}.yaml"
        if not region_path.is_file():
            continue
        region = _load(region_path)
        _set(region, "languages", _flow(list(plan.languages)))
        old_name = str(region.get("name", ""))
        if old_name.startswith(entry.name):     # "Cedar Valley Health (OR)": keep the rest
            _set(region, "name", answers.name.strip() + old_name[len(entry.name):])
        if _dump_if_changed(region_path, region):
            changed.append(region_path)

    settings_path = folder / SETTINGS_FILE
    if settings_path.is_file():
        settings = _load(settings_path)
        email = settings.get("email")
        sender = answers.sender.strip() or None
        if sender or (email and email.get("sender")):
            if email is None:
                settings["email"] = email = _yaml_map()
            _set(email, "sender", sender)
            if _dump_if_changed(settings_path, settings):
                changed.append(settings_path)
    return changed


# --- round trip --------------------------------------------------------------------------------

def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()               # round trip: comments, order and quoting kept
    yaml.preserve_quotes = True
    yaml.width = 4096           # never fold a long line that was one line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _load(path: Path):
    load_yaml(path)             # a file with a YAML mistake is reported at its line first
    data = _yaml().load(path.read_text(encoding="utf-8"))
    if data is None:
        raise HandoutError(f"{path}: the file is empty")
    return data


def _dump_if_changed(path: Path, data) -> bool:
    out = io.StringIO()
    _yaml().dump(data, out)
    text = out.getvalue()
    if text == path.read_text(encoding="utf-8"):
        return False
    write_atomically(path, text.encode("utf-8"))
    return True


def _quoted(value):
    """New text is written double-quoted, as `init` writes it (a phone like 0800 stays text)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, str):
        return DoubleQuotedScalarString(value)
    if isinstance(value, list):
        from ruamel.yaml.comments import CommentedSeq

        return CommentedSeq([_quoted(item) for item in value])
    if isinstance(value, dict):
        mapping = _yaml_map()
        for key, item in value.items():
            mapping[key] = _quoted(item)
        return mapping
    return value


def _yaml_map():
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def _flow(items: list):
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _set(mapping, key: str, value) -> None:
    """Set, change or remove one field, leaving it alone when its value is the same (so its
    quoting and comments stay as written)."""
    if value is None:
        mapping.pop(key, None)
        return
    if _plain(mapping.get(key)) == _plain(value):
        return
    if key in mapping:
        mapping[key] = value if _is_flow(value) else _quoted(value)
        return
    # A new field goes where `init` would have put it, after the fields before it.
    new = value if _is_flow(value) else _quoted(value)
    position = len(mapping)
    if key in CLINIC_FIELDS:
        later = CLINIC_FIELDS[CLINIC_FIELDS.index(key) + 1:]
        for index, existing in enumerate(mapping):
            if existing in later:
                position = index
                break
    mapping.insert(position, key, new)


def _is_flow(value) -> bool:
    return hasattr(value, "fa") and value.fa.flow_style()


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if value is not None else None
