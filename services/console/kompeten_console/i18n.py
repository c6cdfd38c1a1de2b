"""What people read, in their language: Bahasa Indonesia by default, English on request, from
the message catalogues in translations/ (gettext .po files, read with Babel; msgids are the
English text). Dates the Indonesian way (25 November 2026) in the agency's own time zone."""

import io
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

LANGUAGES = ("id", "en")
DEFAULT = "id"
CATALOGUES = Path(__file__).with_name("translations")

# Indonesia's three time zones by province (the first two digits of a region code).
WITA_PROVINCES = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
WIT_PROVINCES = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


def language(wanted: str | None) -> str:
    return wanted if wanted in LANGUAGES else DEFAULT


@cache
def translations(lang: str) -> NullTranslations:
    """The catalogue of a language; English is the msgids themselves."""
    path = CATALOGUES / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalogue = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled)


def zone_of(region_code: str | None) -> str:
    """WIB, WITA or WIT for a province or regency code; WIB when unknown."""
    province = (region_code or "")[:2]
    return "WITA" if province in WITA_PROVINCES else "WIT" if province in WIT_PROVINCES \
        else "WIB"


def region_of_agency(agency: str | None) -> str | None:
    """Agency codes end with their region: DISNAKER-3204, DISNAKERTRANS-64."""
    tail = (agency or "").rsplit("-", 1)[-1]
    return tail if tail.isdigit() else None


class Formats:
    """The formatting filters of one person's pages."""

    def __init__(self, lang: str, zone: str):
        self.locale = "id_ID" if lang == "id" else "en_GB"
        self.zone = zone

    def date(self, value) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, "d MMMM y", locale=self.locale)

    def datetime(self, value) -> str:
        if not value:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        shown = format_datetime(value, "d MMMM y HH.mm", tzinfo=ZONES[self.zone],
                                locale=self.locale)
        return f"{shown} {self.zone}"

    def number(self, value) -> str:
        return format_decimal(value or 0, locale=self.locale)

    def percent(self, value) -> str:
        return format_percent(value or 0, locale=self.locale)
