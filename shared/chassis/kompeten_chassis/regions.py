"""Indonesian provinces, regencies (kabupaten/kota) and districts (kecamatan) by their official
codes, as the first 2, 4 and 6 digits of a NIK.

The lists are the Ministry of Home Affairs' codes as the idn-area-data package publishes them
(data/README.md: source, version, licence). Distance between two places is administrative, in
three steps: 0 the same regency, 1 the same province, 2 elsewhere; matching and eligibility use
it, and it needs no coordinates.
"""

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
SAME_REGENCY, SAME_PROVINCE, ELSEWHERE = 0, 1, 2


@cache
def _names(kind: str) -> dict[str, str]:
    """Code without dots: name, for one of provinces, regencies, districts."""
    with (DATA / f"{kind}.csv").open(encoding="utf-8", newline="") as rows:
        return {row["code"].replace(".", ""): row["name"] for row in csv.DictReader(rows)}


def province_name(code: str) -> str | None:
    return _names("provinces").get(code[:2])


def regency_name(code: str) -> str | None:
    """'3204' -> 'Kabupaten Bandung, Jawa Barat'; None for a code that does not exist."""
    name = _names("regencies").get(code) if len(code) == 4 else None
    return name and f"{name}, {province_name(code)}"


def district_name(code: str) -> str | None:
    """'351317' -> 'Kecamatan Maron, Kabupaten Probolinggo'; None for an unknown code."""
    name = _names("districts").get(code) if len(code) == 6 else None
    return name and f"Kecamatan {name}, {_names('regencies')[code[:4]]}"


def districts_of(regency: str) -> dict[str, str]:
    """The kecamatan of a regency, code: name, in code order."""
    return {code: name for code, name in _names("districts").items()
            if code[:4] == regency}


def exists(code: str) -> bool:
    """A 2-digit province, 4-digit regency or 6-digit district code that exists."""
    kind = {2: "provinces", 4: "regencies", 6: "districts"}.get(len(code))
    return bool(kind) and code in _names(kind)


def within(place: str, area: str) -> bool:
    """Is the place (a regency or district code) inside the area (a province, regency or
    district code)?"""
    return place.startswith(area)


def distance(a: str, b: str) -> int:
    if a[:4] == b[:4]:
        return SAME_REGENCY
    if a[:2] == b[:2]:
        return SAME_PROVINCE
    return ELSEWHERE
