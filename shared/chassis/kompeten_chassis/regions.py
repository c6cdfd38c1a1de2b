"""Indonesian provinces and regencies (kabupaten/kota) by their BPS codes, as used in the NIK.

The code list is python-stdnum's (stdnum/id/loc.dat, kept up to date by its maintainers). A
2-digit code is a province, a 4-digit code a regency. Distance between two regions is
administrative, in three steps: 0 the same regency, 1 the same province, 2 elsewhere; matching
and eligibility rules use it, and it needs no coordinates.
"""

from functools import cache

from stdnum import numdb

SAME_REGENCY, SAME_PROVINCE, ELSEWHERE = 0, 1, 2


@cache
def _info(code: str) -> list:
    return numdb.get("id/loc").info(code)


def province_name(code: str) -> str | None:
    found = _info(code[:2].ljust(4, "0"))[0]
    return found[1].get("name_id") if found[1] else None


def regency_name(code: str) -> str | None:
    """'3204' -> 'BANDUNG, Jawa Barat'; None for a code that does not exist."""
    if len(code) != 4 or not code.isdigit():
        return None
    parts = _info(code)
    if len(parts) != 2 or not parts[1][1]:
        return None
    return f"{parts[1][1]['name_id']}, {parts[0][1]['name_id']}"


def exists(code: str) -> bool:
    """A 2-digit province or 4-digit regency code that exists."""
    if len(code) == 2 and code.isdigit():
        return province_name(code) is not None
    return regency_name(code) is not None


def within(regency: str, area: str) -> bool:
    """Is the regency inside the area (a province or regency code)?"""
    return regency.startswith(area)


def distance(a: str, b: str) -> int:
    if a[:4] == b[:4]:
        return SAME_REGENCY
    if a[:2] == b[:2]:
        return SAME_PROVINCE
    return ELSEWHERE
