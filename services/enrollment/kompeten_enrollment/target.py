"""Targets above programmes: a province aims at 1,500 certified job seekers this year, 1,000 at
one BLKI and 500 at another, and 400 apprentices. Pure domain code.

Progress counts come from the enrolments of the target's programmes and of its sub-targets'
programmes; certified and placed come from the certificate and placement services' events.
"""

from dataclasses import dataclass

METRICS = ("enrolled", "completed", "certified", "placed", "apprenticeships")


@dataclass
class Target:
    id: str
    name: str
    organiser: str
    year: int
    goals: dict[str, int]
    parent_id: str | None = None
    agency: str | None = None  # the agency that set it: its officers' tenancy


def progress(target: Target, counts: dict[str, int]) -> dict:
    """Goals against counts, with the share reached for each goal."""
    return {
        "target_id": target.id, "name": target.name, "year": target.year,
        "goals": target.goals,
        "counts": {metric: counts.get(metric, 0) for metric in METRICS},
        "reached": {metric: round(counts.get(metric, 0) / goal, 4)
                    for metric, goal in target.goals.items() if goal},
    }
