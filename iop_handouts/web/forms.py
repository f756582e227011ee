"""The web form's fields, and the check findings linked to the field that fixes them.

The form asks what `init` asks, with the same names (`init --brand-color` is the form's
`brand-color`), and turns into the same ClinicAnswers; the checks are `init`'s own.
"""

import re
from dataclasses import dataclass

from ..clinic_folder import ClinicAnswers

COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "IE": "Ireland",
             "AU": "Australia", "NZ": "New Zealand"}


@dataclass(frozen=True)
class Field:
    name: str           # as init's option and the form's input
    label: str
    hint: str = ""
    kind: str = "text"  # text, tel, email, url, textarea
    required: bool = False
    autocomplete: str = "off"


FIELDS = [
    Field("name", "Clinic name", "As printed on the handouts.", required=True,
          autocomplete="organization"),
    Field("address", "Address", "One line of the address per line.", kind="textarea",
          required=True, autocomplete="street-address"),
    Field("phone", "Phone number", "The number new patients call, e.g. 503-555-0142.",
          kind="tel", required=True, autocomplete="tel"),
    Field("website", "Website", "Optional, e.g. https://clinic.example.org.", kind="url",
          autocomplete="url"),
    Field("hours", "Opening hours", "Optional, as printed, e.g. Mon-Fri 8 am to 6 pm."),
    Field("intake-email", "Email address for new patients", "Optional.", kind="email",
          autocomplete="email"),
    Field("tty", "TTY number", "Optional: a TTY number, or 711 for the relay service.",
          kind="tel"),
    Field("brand-color", "Brand colour", "Optional, written #RRGGBB, e.g. #1F4E79. White "
          "text must be readable on it."),
    Field("logo-alt", "Logo description", "A few words read out by screen readers, e.g. "
          "'Cedar Valley Health logo'. Needed with a logo."),
    Field("sender", "Email sender for the handouts",
          "Optional, e.g. Clinic <intake@clinic.org>.", kind="text"),
]

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French"}


def language_label(tag: str) -> str:
    """'es-US' -> 'Spanish (United States)', for people who do not read language tags."""
    base, _, country = tag.partition("-")
    name = LANGUAGE_NAMES.get(base, tag)
    return f"{name} ({COUNTRIES.get(country, country)})" if country else name


# What the error summary calls each answer: the label of its field.
LABELS = {**{f.name: f.label for f in FIELDS}, "country": "Country",
          "state": "State or province", "languages": "Languages", "logo": "Logo"}


def answers_from_form(form, country: str = "", state: str = "", logo=None) -> ClinicAnswers:
    """ClinicAnswers from the submitted form (and, when editing, the country and state set
    up before)."""
    def text(name: str) -> str:
        return (form.get(name) or "").strip()

    address = [line.strip() for line in (form.get("address") or "").splitlines()
               if line.strip()]
    languages = form.getlist("languages") or [
        part for part in re.split(r"[\s,]+", text("languages-text")) if part]
    return ClinicAnswers(
        name=text("name"), address=address, phone=text("phone"),
        country=country or text("country"), state=state or text("state"),
        languages=languages, website=text("website"), logo=logo,
        logo_alt=text("logo-alt"), brand_color=text("brand-color"), hours=text("hours"),
        intake_email=text("intake-email"), tty=text("tty"), sender=text("sender"))


def form_values(answers: ClinicAnswers) -> dict[str, str]:
    """What each field shows, from the answers."""
    return {"name": answers.name, "address": "\n".join(answers.address),
            "phone": answers.phone, "website": answers.website, "hours": answers.hours,
            "intake-email": answers.intake_email, "tty": answers.tty,
            "brand-color": answers.brand_color, "logo-alt": answers.logo_alt,
            "sender": answers.sender, "country": answers.country, "state": answers.state,
            "languages-text": ", ".join(answers.languages)}


# --- check findings, linked to their field -------------------------------------------------------

CLINIC_FIELD_TO_FORM = {"name": "name", "address": "address", "phone": "phone",
                        "website": "website", "hours": "hours", "intake_email": "intake-email",
                        "tty": "tty", "brand_color": "brand-color", "logo": "logo"}
WHERE = re.compile(r"(?P<file>[^,]+\.yaml)(?:, line (?P<line>\d+))?(?:, field '(?P<field>[^']+)')?")


def field_for(where: str, clinic_id: str) -> str | None:
    """The form field that fixes a finding at `where` ("clinics/cedar.yaml, line 6, field
    'phone'"), or None when the fix is in a file the form does not edit."""
    found = WHERE.search(where)
    if not found or not found["field"]:
        return None
    file = found["file"].replace("\\", "/")
    root = re.split(r"[.\[]", found["field"])[0]
    if file.endswith(f"clinics/{clinic_id}.yaml"):
        return CLINIC_FIELD_TO_FORM.get(root)
    if "/regions/" in f"/{file}" and root == "languages":
        return "languages"
    return None
