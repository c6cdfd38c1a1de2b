"""Follow-up after certification: check-ins some months after the certificate (3 and 6 by
default) record whether the graduate is employed, self-employed, apprenticing or still looking,
and what stands in the way. Pure domain code.

Only holders who consented to follow-up (the `follow_up` purpose) are reminded or recorded; a
withdrawal stops both.
"""

from dataclasses import dataclass
from datetime import date, datetime

from kompeten_shared.errors import Conflict
from kompeten_shared.vocabulary import FOLLOW_UP_STATUSES

from .dates import add_months

STATUSES = FOLLOW_UP_STATUSES
MONTHS = (3, 6)


@dataclass
class CheckIn:
    id: str
    participant_id: str
    certificate_number: str
    programme_id: str | None
    scheme_code: str
    months: int
    due_on: date
    reminded_at: datetime | None = None
    status: str | None = None
    obstacles: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None

    def record(self, status: str, obstacles: str | None, by: str, now: datetime) -> None:
        if self.status is not None:
            raise Conflict(f"check-in already recorded as {self.status}",
                           code="check_in_recorded")
        self.status, self.obstacles, self.recorded_by, self.recorded_at = \
            status, obstacles, by, now


def schedule(certificate: dict, months: tuple[int, ...] = MONTHS) -> list[CheckIn]:
    issued_on = certificate["issued_on"]
    return [CheckIn(id=f"{certificate['certificate_number']}:{m}m",
                    participant_id=certificate["participant_id"],
                    certificate_number=certificate["certificate_number"],
                    programme_id=certificate["programme_id"],
                    scheme_code=certificate["scheme_code"], months=m,
                    due_on=add_months(issued_on, m)) for m in months]


def outcomes(check_ins: list[CheckIn]) -> dict:
    """Per check-in month: how many are scheduled, recorded, and in each status."""
    report: dict[int, dict] = {}
    for check_in in check_ins:
        row = report.setdefault(check_in.months, {"scheduled": 0, "recorded": 0,
                                                  **{s: 0 for s in STATUSES}})
        row["scheduled"] += 1
        if check_in.status:
            row["recorded"] += 1
            row[check_in.status] += 1
    return {f"{m}_months": report[m] for m in sorted(report)}
