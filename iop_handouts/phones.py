"""Phone numbers: validated and formatted per region with the phonenumbers library.

Short codes (988, 911, 116 123, 13 11 14, ...) are not numbers phonenumbers calls valid, so a
region lists the ones it uses; anything else must be a full, valid number for the region.
"""

import re
from dataclasses import dataclass

import phonenumbers

from .sources import Location, Source


@dataclass(frozen=True)
class Contact:
    """A number or address as printed, with the link it opens."""
    label: str
    text: str
    href: str
    kind: str = ""      # how it is reached (call, text, call_or_text, chat, web): its icon


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


class PhoneBook:
    def __init__(self, country: str, short_codes: list[str]):
        self.country = country
        self.short_codes = {digits(code) for code in short_codes}

    def contact(self, source: Source, location: Location, number: str, label: str,
                display: str | None = None, scheme: str = "tel", kind: str = "") -> Contact:
        """Check `number` (read from `source` at `location`) and make its printed form and link."""
        number_digits = digits(number)
        if number_digits in self.short_codes:
            self._check_display(source, location, number_digits, display)
            return Contact(label, display or number, f"{scheme}:{number_digits}", kind)
        try:
            parsed = phonenumbers.parse(number, self.country)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            hint = (" (a short code must be listed in the region's short_codes)"
                    if len(number_digits) <= 6 else "")
            raise source.error(location, f"'{number}' is not a valid phone number for "
                                         f"{self.country}{hint}")
        self._check_display(source, location, str(parsed.national_number), display)
        text = display or phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return Contact(label, text, f"{scheme}:{e164}", kind)

    @staticmethod
    def _check_display(source, location, number_digits, display):
        """A printed form ('1-800-662-HELP', '988, then press 1') must show the same number."""
        if display is None:
            return
        shown = digits(phonenumbers.convert_alpha_characters_in_number(display))
        if number_digits not in shown:
            raise source.error(tuple(location[:-1]) + ("display",),
                               f"'{display}' does not show the number {number_digits}")
