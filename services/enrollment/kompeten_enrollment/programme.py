"""Programmes: kinds, eligibility and priority, and the rule that decides completion. Pure
domain code."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from kompeten_shared.errors import Conflict, DomainError, InvalidInput
from kompeten_shared.vocabulary import PROGRAMME_KINDS

from .eligibility import Eligibility
from .waitlist import DEFAULT as DEFAULT_PRIORITY

# Which consent an applicant needs, by the programme's purpose.
CONSENT_FOR_KIND = {"training": "certification", "certification_only": "certification",
                    "apprenticeship_intake": "partner_sharing"}
assert set(CONSENT_FOR_KIND) == set(PROGRAMME_KINDS)


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
    attendance_threshold: float = 0.8
    kind: str = "training"
    organiser_region: str | None = None  # province or regency the organiser serves
    target_id: str | None = None
    partner_employers: list[str] = field(default_factory=list)
    eligibility: Eligibility = field(default_factory=Eligibility)
    priority: list[str] = field(default_factory=lambda: list(DEFAULT_PRIORITY))
    closed: bool = False
    agency: str | None = None  # the agency that runs it: its operators' tenancy

    def __post_init__(self):
        if self.end_date < self.start_date:
            raise InvalidInput("end_date is before start_date", code="invalid_dates",
                               details={"field": "end_date"})
        if isinstance(self.eligibility, dict):
            self.eligibility = Eligibility(**self.eligibility)
        self.organiser_region = self.organiser_region or self.region_code

    @property
    def duration_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def has_attendance(self) -> bool:
        """Only a training course has sessions; the other kinds lead straight on."""
        return self.kind == "training"

    @property
    def session_days(self) -> int:
        """Every calendar day from start to end is a session day (a 30-day course has 30)."""
        return self.duration_days if self.has_attendance else 0

    @property
    def required_consent(self) -> str:
        return CONSENT_FOR_KIND[self.kind]

    def days(self) -> list[date]:
        return [self.start_date + timedelta(n) for n in range(self.session_days)]

    def has_started(self, today: date) -> bool:
        return today >= self.start_date

    def check_open(self) -> None:
        if self.closed:
            raise Conflict("programme is closed", code="programme_closed")

    def check_attendance_day(self, day: date) -> None:
        self.check_open()
        if not self.has_attendance:
            raise DomainError(f"a {self.kind} programme records no attendance",
                              code="no_attendance_for_kind")
        if not self.start_date <= day <= self.end_date:
            raise InvalidInput(f"{day} is outside the programme ({self.start_date} to "
                               f"{self.end_date})", code="day_outside_programme",
                               details={"field": "date"})

    def check_can_close(self, today: date) -> None:
        self.check_open()
        if today < self.end_date:
            raise DomainError(f"the programme runs until {self.end_date}",
                              code="programme_not_finished")

    def outcome(self, days_attended: int) -> "Outcome":
        if not self.has_attendance:
            return Outcome(rate=None, completed=True, required=None)
        rate = round(days_attended / self.session_days, 4)
        return Outcome(rate=rate, completed=rate >= self.attendance_threshold,
                       required=self.attendance_threshold)


@dataclass(frozen=True)
class Outcome:
    rate: float | None
    completed: bool
    required: float | None

    @property
    def status(self) -> str:
        return "completed" if self.completed else "not_completed"

    @property
    def reason(self) -> str:
        if self.rate is None:
            return "admitted without an attendance rule"
        return f"attended {self.rate:.0%} of the sessions; {self.required:.0%} required"


def leaving_status(programme: Programme, enrolment_status: str, today: date) -> str:
    """Leaving before the start (or from the waitlist) is a withdrawal; after, a drop-out."""
    if enrolment_status == "waitlisted" or not programme.has_started(today):
        return "withdrawn"
    return "dropped_out"
