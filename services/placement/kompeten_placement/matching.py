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
# An apprenticeship may also take someone who completed an apprenticeship intake of its scheme:
# certification comes after the apprenticeship. Their record stands beside the certificates.
INTAKE = "apprenticeship_intake"


def valid_certificate(certificates: list[dict], scheme_code: str, today: date,
                      kinds: tuple[str, ...] | list[str] = CERTIFICATIONS) -> dict | None:
    """What the graduate holds of the scheme, of a kind the vacancy accepts (a certification,
    an agency's training certificate, a completed apprenticeship intake), valid today: the
    latest certificate before any intake."""
    valid = [c for c in certificates if c["scheme_code"] == scheme_code
             and c.get("kind", "certification") in kinds
             and (c.get("valid_until") is None or date.fromisoformat(c["valid_until"]) >= today)]
    return max(valid, key=lambda c: (c.get("kind") != INTAKE, c["number"] or ""), default=None)


def basis(certificate: dict) -> str:
    """What a placement rests on (graduate.placed's `basis`): a certificate, or an intake."""
    return "certificate" if certificate["number"] else INTAKE


def factors(certificate: dict, region_code: str, availability: str,
            vacancy: dict) -> list[Factor]:
    held = {u["code"] for u in certificate.get("units", [])}
    required = set(vacancy.get("required_units") or []) or held
    covered = len(required & held)
    distance = regions.distance(region_code, vacancy["region_code"])
    where = {regions.SAME_REGENCY: "same regency", regions.SAME_PROVINCE: "same province",
             regions.ELSEWHERE: "another province"}[distance]
    competency = Factor("competency", WEIGHTS["competency"],
                        covered / len(required) if required else 1.0,
                        f"{covered} of {len(required)} required units certified "
                        f"({certificate['number']})")
    if certificate.get("kind") == INTAKE:  # nothing certified yet: the apprenticeship teaches it
        competency = Factor("competency", WEIGHTS["competency"], 0.0,
                            "apprenticeship intake completed; certified after the "
                            "apprenticeship")
    return [
        competency,
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
