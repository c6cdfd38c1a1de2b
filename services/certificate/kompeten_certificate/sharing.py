"""Sharing a certificate beyond Kompeten: the public link (the verification page, which shows
the name only partly) and LinkedIn's "Add to Profile" link, which pre-fills a certification
on the holder's profile with that link as its proof. Pure domain code."""

from datetime import date
from urllib.parse import urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile(title: str, issuer: str, issued_on: date, valid_until: date | None,
                   verification_url: str, number: str) -> str:
    fields = {"startTask": "CERTIFICATION_NAME", "name": title, "organizationName": issuer,
              "issueYear": issued_on.year, "issueMonth": issued_on.month}
    if valid_until:
        fields |= {"expirationYear": valid_until.year, "expirationMonth": valid_until.month}
    fields |= {"certUrl": verification_url, "certId": number}
    return f"{ADD_TO_PROFILE}?{urlencode(fields)}"
