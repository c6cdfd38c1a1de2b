"""Who gets a seat first when demand exceeds seats. Pure domain code.

A programme names its priority criteria in order; the time of application always breaks the
remaining ties, so the order is total and stable. The key is stored with each application, and
the repository sorts the waitlist by it.
"""

from datetime import UTC, datetime

from .eligibility import Applicant

CRITERIA = {
    # criterion: (description, rank function; lower ranks first)
    "first_timers": ("those without any previous training first",
                     lambda a: 0 if a.previous_trainings == 0 else 1),
    "job_seekers": ("job seekers before the employed",
                    lambda a: 0 if a.employment_status == "job_seeker" else 1),
    "fewest_trainings": ("fewer previous trainings first", lambda a: a.previous_trainings),
}
DEFAULT = ("first_timers",)


def priority_key(applicant: Applicant, criteria: tuple[str, ...] | list[str],
                 applied_at: datetime) -> str:
    """One string that sorts like the tuple (ranks in criteria order..., application time), so
    the database can sort the waitlist by it: '0000.0003.2026-11-24T08:00:00+00:00'."""
    ranks = [min(CRITERIA[name][1](applicant), 9999) for name in criteria]
    return "".join(f"{rank:04d}." for rank in ranks) + applied_at.astimezone(UTC).isoformat()

