"""Ranking graduates for a vacancy, every score explained. Pure domain code.

Only graduates who consented to partner sharing and hold a valid certification of the
vacancy's scheme are ranked at all. Their score (0..100) adds three weighted factors:

- competency: the share of the vacancy's required units the graduate's certificate covers
  (all of the scheme's units when the vacancy names none);
- distance: 1 in the vacancy's regency, 0.5 elsewhere in its province, 0 further away
  (administrative distance from the region codes);
- availability: 1 when free, 0.5 with an open offer elsewhere, 0 while placed.

Each candidate carries the factors, their weights, values and points, so an employer or an
officer can see why one graduate ranks above another.
"""

from dataclasses import dataclass
from datetime import date

from kompeten_chassis import regions

WEIGHTS = {"competency": 50, "distance": 30, "availability": 20}
DISTANCE_VALUE = {regions.SAME_REGENCY: 1.0, regions.SAME_PROVINCE: 0.5, regions.ELSEWHERE: 0.0}
AVAILABILITY_VALUE = {"free": 1.0, "offered": 0.5, "placed": 0.0}


@dataclass(frozen=True)
class Factor:
    name: str
    weight: int
    value: float
    why: str

    @property
    def points(self) -> float:
        return round(self.weight * self.value, 2)


CERTIFICATIONS = ("certification",)  # what a vacancy accepts unless it says otherwise


def valid_certificate(certificates: list[dict], scheme_code: str, today: date,
                      kinds: tuple[str, ...] | list[str] = CERTIFICATIONS) -> dict | None:
    """The graduate's latest certificate of the scheme, of a kind the vacancy accepts (a
    certification, or also an agency's training certificate), that is valid today."""
    valid = [c for c in certificates if c["scheme_code"] == scheme_code
             and c.get("kind", "certification") in kinds
             and (c.get("valid_until") is None or date.fromisoformat(c["valid_until"]) >= today)]
    return max(valid, key=lambda c: c["number"], default=None)


def factors(certificate: dict, region_code: str, availability: str,
            vacancy: dict) -> list[Factor]:
    held = {u["code"] for u in certificate.get("units", [])}
    required = set(vacancy.get("required_units") or []) or held
    covered = len(required & held)
    distance = regions.distance(region_code, vacancy["region_code"])
    where = {regions.SAME_REGENCY: "same regency", regions.SAME_PROVINCE: "same province",
             regions.ELSEWHERE: "another province"}[distance]
    return [
        Factor("competency", WEIGHTS["competency"], covered / len(required) if required else 1.0,
               f"{covered} of {len(required)} required units certified "
               f"({certificate['number']})"),
        Factor("distance", WEIGHTS["distance"], DISTANCE_VALUE[distance],
               f"lives in {region_code}, {where} as the vacancy ({vacancy['region_code']})"),
        Factor("availability", WEIGHTS["availability"], AVAILABILITY_VALUE[availability],
               {"free": "no placement, no open offer", "offered": "has an open offer elsewhere",
                "placed": "placed at the moment"}[availability]),
    ]


def explain(participant_id: str, found: list[Factor]) -> dict:
    return {"participant_id": participant_id,
            "score": round(sum(f.points for f in found), 2),
            "factors": [{"factor": f.name, "weight": f.weight, "value": round(f.value, 4),
                         "points": f.points, "why": f.why} for f in found]}


def rank(candidates: list[dict]) -> list[dict]:
    """Highest score first; ties by participant id, so the order is stable."""
    return sorted(candidates, key=lambda c: (-c["score"], c["participant_id"]))
