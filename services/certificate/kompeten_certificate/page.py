"""The human verification page, the target of the QR code on every printed certificate:
bilingual (Indonesian first), readable on a phone, with the holder's name shown only partially.
Rendered from the public view, never from the full record."""

from datetime import date
from functools import cache

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, select_autoescape

STATUS = {  # status -> (Indonesian, English)
    "valid": ("BERLAKU", "VALID"),
    "expired": ("KEDALUWARSA", "EXPIRED"),
    "suspended": ("DIBEKUKAN", "SUSPENDED"),
    "revoked": ("DICABUT", "REVOKED"),
}
KIND = {
    "certification": ("Sertifikat Kompetensi", "Certificate of Competency"),
    "training": ("Sertifikat Pelatihan", "Training Certificate"),
}


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("kompeten_certificate"),
                       autoescape=select_autoescape(default=True))


def dates(day: date | None) -> tuple[str, str] | None:
    """A date as Indonesians write it (25 November 2026), and in English."""
    if day is None:
        return None
    return (format_date(day, "d MMMM y", locale="id_ID"),
            format_date(day, "d MMMM y", locale="en_GB"))


def certificate_page(view: dict, holder_matches: bool | None = None) -> str:
    """The page; after its holder form was sent, with whether the NIK and code matched."""
    return _templates().get_template("certificate.html").render(
        c=view, status=STATUS[view["status"]], kind=KIND[view["kind"]],
        issued=dates(view["issued_on"]), valid_until=dates(view["valid_until"]),
        holder_matches=holder_matches)


def not_found_page(number: str) -> str:
    return _templates().get_template("not_found.html").render(number=number)
