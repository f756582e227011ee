"""Phone numbers: validated and formatted per region with the phonenumbers library.

Short codes (988, 911, 116 123, 13 11 14, ...) are not numbers phonenumbers calls valid, so a
region lists the ones it uses; anything else must be a full, valid number for the region.
"""

import re
from dataclasses import dataclass

import phonenumbers

from .sources import Location, Source


# What a number's printed form may hold: digits, keypad letters and the usual separators; and
# after it, optionally, the last digits again in brackets (4 digits or more).
DISPLAY_CHARACTERS = re.compile(r"\+?[0-9A-Za-z]+(?:[ .-][0-9A-Za-z]+)*")
DIALLED = re.compile(r"\+?[0-9() .-]*[0-9][0-9() .-]*")
REPEAT = re.compile(r"\([0-9]+(?:[ .-][0-9]+)*\)")


@dataclass(frozen=True)
class Contact:
    """A number or address as printed, with the link it opens."""
    label: str
    text: str
    href: str
    kind: str = ""      # how it is reached (call, text, call_or_text, chat, web): its icon


def call_and_text(contact: Contact, call_label: str, text_label: str) -> list[Contact]:
    """A number one calls or texts as two links, a tel: and an sms: one, where a screen can
    open either (the web page); any other contact as it is."""
    if contact.kind != "call_or_text" or not contact.href.startswith("tel:"):
        return [contact]
    return [Contact(call_label, contact.text, contact.href, "call"),
            Contact(text_label, contact.text, "sms:" + contact.href.removeprefix("tel:"), "text")]


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)


class PhoneBook:
    def __init__(self, country: str, short_codes: list[str]):
        self.country = country
        self.short_codes = {digits(code) for code in short_codes}

    def contact(self, source: Source, location: Location, number: str, label: str,
                display: str | None = None, scheme: str = "tel", kind: str = "") -> Contact:
        """Check `number` (read from `source` at `location`) and make its printed form and link."""
        if not DIALLED.fullmatch(number):
            raise source.error(location, f"'{number}' is not a phone number: digits, spaces, "
                                         "hyphens, dots and brackets only (put letters in "
                                         "'display')")
        number_digits = digits(number)
        if number_digits in self.short_codes:
            self._check_display(source, location, number_digits, display)
            return Contact(label, display or number, f"{scheme}:{number_digits}", kind)
        try:
            parsed = phonenumbers.parse(number, self.country)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not self._valid_here(parsed):
            hint = (" (a short code must be listed in the region's short_codes)"
                    if len(number_digits) <= 6 else "")
            raise source.error(location, f"'{number}' is not a valid phone number for "
                                         f"{self.country}{hint}")
        national = phonenumbers.national_significant_number(parsed)
        self._check_display(source, location, national, display,
                            self._prefixes(parsed.country_code))
        text = display or phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return Contact(label, text, f"{scheme}:{e164}", kind)

    def _valid_here(self, parsed) -> bool:
        """Valid in this country: a Texas number is a valid number, but not an Ottawa
        clinic's. Toll-free numbers are shared by the countries of one numbering plan
        (1-866 serves Canada and the US alike)."""
        if phonenumbers.is_valid_number_for_region(parsed, self.country):
            return True
        return (phonenumbers.is_valid_number(parsed)
                and parsed.country_code == phonenumbers.country_code_for_region(self.country)
                and phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE)

    def _prefixes(self, country_code: int) -> tuple[str, ...]:
        """What may come before the national number in a printed form: nothing, the national
        (trunk) prefix ("1-800-...", "0477 ..."), or the country code ("+44 ...")."""
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(self.country)
        trunk = metadata.national_prefix if metadata and metadata.national_prefix else ""
        return ("", trunk, str(country_code))

    def _check_display(self, source, location, number_digits, display, prefixes=("",)):
        """A printed form must show exactly the dialled number: the same digits (keypad letters
        read as digits, "1-800-662-HELP"), optionally after the national prefix, and at most a
        bracketed repeat of its last digits or of the whole number ("1 866 APPELLE (277-3553)"). Nothing else: an
        instruction or a keyword has its own field, so a stray digit can never hide in one."""
        if display is None:
            return
        where = tuple(location[:-1]) + ("display",)
        main, bracket, repeat = display.partition(" (")
        if not DISPLAY_CHARACTERS.fullmatch(main) or (
                bracket and not REPEAT.fullmatch("(" + repeat)):
            raise source.error(where, f"'{display}' may hold only the number (digits, keypad "
                                      "letters, spaces, hyphens, dots) and a bracketed repeat of "
                                      "its last digits; put a key to press in 'option' and a "
                                      "word to text in 'keyword'")
        shown = digits(phonenumbers.convert_alpha_characters_in_number(main))
        if shown not in {prefix + number_digits for prefix in prefixes}:
            raise source.error(where, f"'{display}' shows {shown or 'no digits'}, not the "
                                      f"number dialled ({number_digits})")
        # The repeat may be the whole number as dialled ("1 866 APPELLE (1 866 277-3553)"),
        # so a reader who cannot use the letters has every digit.
        if bracket and not any((prefix + number_digits).endswith(digits(repeat))
                               for prefix in prefixes):
            raise source.error(where, f"'{display}': the digits in brackets must repeat the "
                                      f"end of the number ({number_digits})")
