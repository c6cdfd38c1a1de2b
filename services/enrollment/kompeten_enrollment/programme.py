"""Programmes: kinds, eligibility and priority, and the rule that decides completion. Pure
domain code."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from kompeten_chassis import regions
from kompeten_shared.errors import Conflict, DomainError, InvalidInput
from kompeten_shared.vocabulary import PROGRAMME_CERTIFICATES, PROGRAMME_KINDS

from .eligibility import Eligibility
from .waitlist import DEFAULT as DEFAULT_PRIORITY

# Which consent an applicant needs, by the programme's purpose.
CONSENT_FOR_KIND = {"training": "certification", "certification_only": "certification",
                    "apprenticeship_intake": "partner_sharing"}
assert set(CONSENT_FOR_KIND) == set(PROGRAMME_KINDS)
# The certificates each kind leads to unless the programme says otherwise, and those it may
# lead to: only a course trains (a training certificate), and apprentices are assessed when
# their apprenticeship ends, not at intake.
DEFAULT_CERTIFICATES = {"training": ["agency", "bnsp"], "certification_only": ["bnsp"],
                        "apprenticeship_intake": []}
ALLOWED_CERTIFICATES = {"training": set(PROGRAMME_CERTIFICATES), "certification_only": {"bnsp"},
                        "apprenticeship_intake": set()}


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
    closing: bool = False  # the close has begun: everyone's outcome is being recorded
    agency: str | None = None  # the agency that runs it: its operators' tenancy
    certificates: list[str] | None = None  # what it leads to; None: the kind's default
    sector: str | None = None
    # The days the course meets, when not every day from start to end (weekdays, a 4-day
    # course spread over two weeks); and the days someone must attend, when the programme
    # sets it in days rather than as a share (3 of 4 days), which then replaces the threshold.
    session_dates: list[date] | None = None
    min_days: int | None = None
    provider_id: str | None = None  # the training provider that runs the course
    # The last day to apply, when seats are allocated after it by the programme's priority
    # (first-timers, job seekers) rather than given as people apply; allocated once done.
    applications_until: date | None = None
    allocated: bool = False
    trainer_ids: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.end_date < self.start_date:
            raise InvalidInput("end_date is before start_date", code="invalid_dates",
                               details={"field": "end_date"})
        if isinstance(self.eligibility, dict):
            self.eligibility = Eligibility(**self.eligibility)
        self.organiser_region = self.organiser_region or self.region_code
        outside = [d for d in self.eligibility.districts
                   if not regions.within(d, self.organiser_region)]
        if outside:
            raise InvalidInput(f"kecamatan {', '.join(outside)} outside the organiser's region "
                               f"{self.organiser_region}", code="district_outside_region",
                               details={"field": "eligibility.districts"})
        if self.certificates is None:
            self.certificates = list(DEFAULT_CERTIFICATES[self.kind])
        not_allowed = set(self.certificates) - ALLOWED_CERTIFICATES[self.kind]
        if not_allowed:
            raise InvalidInput(f"a {self.kind} programme does not lead to "
                               f"{', '.join(sorted(not_allowed))}",
                               code="certificate_not_for_kind", details={"field": "certificates"})
        self._check_sessions()
        if self.applications_until is not None and self.applications_until > self.start_date:
            raise InvalidInput("applications close on or before the first day",
                               code="invalid_dates", details={"field": "applications_until"})

    def _check_sessions(self) -> None:
        if self.session_dates is not None:
            self.session_dates = sorted({d if isinstance(d, date) else date.fromisoformat(d)
                                         for d in self.session_dates})
            outside = [d for d in self.session_dates
                       if not self.start_date <= d <= self.end_date]
            if not self.has_attendance or not self.session_dates or outside:
                raise InvalidInput("session dates must be days of a training course, from its "
                                   "start to its end", code="invalid_session_dates",
                                   details={"field": "session_dates"})
        if self.min_days is not None and not (self.has_attendance
                                              and 1 <= self.min_days <= self.session_days):
            raise InvalidInput(f"min_days must be between 1 and the {self.session_days} session "
                               "days", code="invalid_min_days", details={"field": "min_days"})

    @property
    def duration_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def has_attendance(self) -> bool:
        """Only a training course has sessions; the other kinds lead straight on."""
        return self.kind == "training"

    @property
    def session_days(self) -> int:
        """The session dates the programme names, else every day from start to end (a 30-day
        course has 30)."""
        return len(self.days())

    @property
    def required_days(self) -> int | None:
        """The days someone must attend to complete, as the operator is shown it: the
        programme's own figure, else the threshold's share rounded up (80% of 4 days is 4)."""
        if not self.has_attendance:
            return None
        if self.min_days is not None:
            return self.min_days
        return math.ceil(round(self.attendance_threshold * self.session_days, 6))

    def leads_to(self, certificate: str) -> bool:
        return certificate in self.certificates

    @property
    def required_consent(self) -> str:
        return CONSENT_FOR_KIND[self.kind]

    def days(self) -> list[date]:
        if not self.has_attendance:
            return []
        if self.session_dates is not None:
            return list(self.session_dates)
        return [self.start_date + timedelta(n) for n in range(self.duration_days)]

    def has_started(self, today: date) -> bool:
        return today >= self.start_date

    def check_open(self) -> None:
        if self.closed or self.closing:
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
        if self.session_dates is not None and day not in self.session_dates:
            raise InvalidInput(f"{day} is not one of the programme's session days",
                               code="not_a_session_day", details={"field": "date"})

    def allocating_later(self) -> bool:
        """Applicants wait until the seats are allocated by priority after applications
        close."""
        return self.applications_until is not None and not self.allocated

    def check_can_allocate(self, today: date) -> None:
        self.check_open()
        if self.applications_until is None:
            raise DomainError("seats go to applicants as they apply",
                              code="no_allocation")
        if self.allocated:
            raise Conflict("the seats are allocated already", code="already_allocated")
        if today < self.applications_until:
            raise DomainError(f"applications are open until {self.applications_until}",
                              code="applications_open")

    def check_can_close(self, today: date) -> None:
        self.check_open()
        if today < self.end_date:
            raise DomainError(f"the programme runs until {self.end_date}",
                              code="programme_not_finished")

    def outcome(self, days_attended: int) -> "Outcome":
        if not self.has_attendance:
            return Outcome(rate=None, completed=True, required=None)
        rate = round(days_attended / self.session_days, 4)
        return Outcome(rate=rate, completed=days_attended >= self.required_days,
                       required=round(self.required_days / self.session_days, 4),
                       days=days_attended, required_days=self.required_days,
                       session_days=self.session_days)


@dataclass(frozen=True)
class Outcome:
    rate: float | None
    completed: bool
    required: float | None
    days: int | None = None
    required_days: int | None = None
    session_days: int | None = None

    @property
    def status(self) -> str:
        return "completed" if self.completed else "not_completed"

    @property
    def reason(self) -> str:
        if self.rate is None:
            return "admitted without an attendance rule"
        return (f"attended {self.days} of {self.session_days} session days; "
                f"{self.required_days} required")


def leaving_status(programme: Programme, enrolment_status: str, today: date) -> str:
    """Leaving before the start (or from the waitlist) is a withdrawal; after, a drop-out."""
    if enrolment_status == "waitlisted" or not programme.has_started(today):
        return "withdrawn"
    return "dropped_out"
