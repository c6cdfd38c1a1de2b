"""Interest by sector: applicants per seat across an agency's programmes, so a sector where
few apply (tata graha in East Kalimantan) is seen while there is time to act. Pure domain code.
"""

from .programme import Programme

LOW = 1.0  # fewer applicants than seats


def by_sector(programmes: list[Programme], applicants: dict[str, int]) -> list[dict]:
    """One line per sector (programmes without one under `None`), the lowest interest first.
    Every application counts, whether it got a seat, waited or was withdrawn."""
    sectors: dict[str | None, dict] = {}
    for programme in programmes:
        line = sectors.setdefault(programme.sector, {"sector": programme.sector,
                                                     "programmes": 0, "seats": 0,
                                                     "applicants": 0})
        line["programmes"] += 1
        line["seats"] += programme.capacity
        line["applicants"] += applicants.get(programme.id, 0)
    for line in sectors.values():
        line["applicants_per_seat"] = round(line["applicants"] / line["seats"], 2)
        line["low_interest"] = line["applicants_per_seat"] < LOW
    return sorted(sectors.values(), key=lambda line: (line["applicants_per_seat"],
                                                      line["sector"] or ""))
