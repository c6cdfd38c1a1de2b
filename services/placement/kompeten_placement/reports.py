"""Absorption and follow-up reports. Pure domain code over what the repository read.

Absorption: per programme, how many certified graduates there are (and, for an apprenticeship
intake, how many completed it, certification coming later), how many share their data with
partners, how many got offers and placements (jobs and apprenticeships), how many ended early,
and the share of them placed. Per partner employer: offers, placements, early endings. Targets
live in enrollment: its target progress counts the same placements from graduate.placed.
"""

from collections import defaultdict

from .follow_up import CheckIn, outcomes
from .matching import INTAKE
from .pool import Graduate, Offer


def _counts() -> dict:
    return {"certified": 0, "intake_completed": 0, "sharing": 0, "offers": 0, "placed": 0,
            "jobs": 0, "apprenticeships": 0, "terminated_early": 0}


def absorption(graduates: list[Graduate], placements: list[dict], offers: list[Offer],
               only: str | None = None) -> dict:
    """Per programme and per employer; `only` a programme: its row, and the employers' offers
    and placements of its graduates."""
    programmes: dict = defaultdict(_counts)
    employers: dict = defaultdict(lambda: {k: v for k, v in _counts().items()
                                           if k not in ("certified", "intake_completed",
                                                        "sharing")})
    programme_of: dict[str, str | None] = {}
    for graduate in graduates:
        for programme_id, intake in {(c.get("programme_id"), c.get("kind") == INTAKE)
                                     for c in graduate.certificates}:
            if only and programme_id != only:
                continue
            row = programmes[programme_id or "none"]
            row["intake_completed" if intake else "certified"] += 1
            row["sharing"] += graduate.sharing
        if graduate.certificates:
            programme_of[graduate.participant_id] = graduate.certificates[-1].get("programme_id")
    for offer in offers:
        programme_id = programme_of.get(offer.participant_id) or "none"
        if only and programme_id != only:
            continue
        programmes[programme_id]["offers"] += 1
        employers[offer.employer_id]["offers"] += 1
    for placement in placements:
        if only and placement.get("programme_id") != only:
            continue
        for row in (programmes[placement.get("programme_id") or "none"],
                    employers[placement["employer_id"]]):
            row["placed"] += 1
            row["jobs" if placement["kind"] == "job" else "apprenticeships"] += 1
            row["terminated_early"] += placement.get("status") == "terminated"
    for row in programmes.values():
        graduated = row["certified"] + row["intake_completed"]
        row["absorption_rate"] = round(row["placed"] / graduated, 4) if graduated else None
    return {"programmes": dict(sorted(programmes.items())),
            "employers": dict(sorted(employers.items()))}


def follow_ups(check_ins: list[CheckIn]) -> dict:
    by_programme: dict[str, list[CheckIn]] = defaultdict(list)
    for check_in in check_ins:
        by_programme[check_in.programme_id or "none"].append(check_in)
    return {programme: outcomes(items) for programme, items in sorted(by_programme.items())}
