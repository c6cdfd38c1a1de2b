"""Programmes and the attendance rule that decides completion. Pure domain code."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from kompeten_shared.errors import Conflict, DomainError, InvalidInput


@dataclass
class Programme:
    id: str
    title: str
    organiser: str
    scheme_code: str
    venue: str
    region_code: str
    start_date: date
    end_date: date
    capacity: int
    attendance_threshold: float
    kind: str = "training"
    partner_employers: list[str] = field(default_factory=list)
    closed: bool = False

    def __post_init__(self):
        if self.end_date < self.start_date:
            raise InvalidInput("end_date is before start_date", code="invalid_dates",
                               details={"field": "end_date"})

    @property
    def session_days(self) -> int:
        """Every calendar day from start to end is a session day (a 30-day course has 30)."""
        return (self.end_date - self.start_date).days + 1

    def days(self) -> list[date]:
        return [self.start_date + timedelta(n) for n in range(self.session_days)]

    def check_attendance_day(self, day: date) -> None:
        if self.closed:
            raise Conflict("programme is closed", code="programme_closed")
        if not self.start_date <= day <= self.end_date:
            raise InvalidInput(f"{day} is outside the programme ({self.start_date} to "
                               f"{self.end_date})", code="day_outside_programme",
                               details={"field": "date"})

    def check_can_close(self, today: date) -> None:
        if today < self.end_date:
            raise DomainError(f"the programme runs until {self.end_date}",
                              code="programme_not_finished")

    def outcome(self, days_attended: int) -> "Outcome":
        rate = round(days_attended / self.session_days, 4)
        return Outcome(rate=rate, completed=rate >= self.attendance_threshold,
                       required=self.attendance_threshold)


@dataclass(frozen=True)
class Outcome:
    rate: float
    completed: bool
    required: float

    @property
    def status(self) -> str:
        return "completed" if self.completed else "not_completed"

    @property
    def reason(self) -> str:
        return (f"attended {self.rate:.0%} of the sessions; {self.required:.0%} required")
