"""Declarative eligibility rules per programme, checked when someone applies. Pure domain code.

Each failed rule gives a stable reason code and the field it concerns, so a refusal (and a bad
import row) says exactly what to fix.
"""

from dataclasses import dataclass
from datetime import date

from kompeten_chassis import regions

EMPLOYMENT = ("job_seeker", "employed", "self_employed", "student")


@dataclass(frozen=True)
class Applicant:
    """What the rules look at, derived from the participant record and their enrolments."""

    birth_date: date
    employment_status: str
    residence: str  # regency code: the stated domicile, else the NIK's region
    previous_trainings: int
    active_enrolments: int  # enrolled or waitlisted in other programmes now
    district: str | None = None  # kecamatan code, when known

    def age(self, on: date) -> int:
        before_birthday = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - before_birthday


@dataclass(frozen=True)
class Refusal:
    code: str
    field: str
    message: str

    def to_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Eligibility:
    job_seekers_only: bool = False
    min_age: int | None = None
    max_age: int | None = None
    residents_only: bool = False  # residence within the organiser's region
    one_programme_at_a_time: bool = True
    # The kecamatan a programme is for (a village-hall course for Kecamatan Maron): the
    # applicant must live in one of them.
    districts: tuple[str, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "districts", tuple(self.districts))

    def check(self, applicant: Applicant, organiser_region: str, on: date) -> list[Refusal]:
        refusals = []
        if self.job_seekers_only and applicant.employment_status != "job_seeker":
            refusals.append(Refusal("not_job_seeker", "employment_status",
                                    "this programme is for job seekers only"))
        age = applicant.age(on)
        if self.min_age is not None and age < self.min_age:
            refusals.append(Refusal("too_young", "birth_date",
                                    f"aged {age}; the minimum is {self.min_age}"))
        if self.max_age is not None and age > self.max_age:
            refusals.append(Refusal("too_old", "birth_date",
                                    f"aged {age}; the maximum is {self.max_age}"))
        if self.residents_only and not regions.within(applicant.residence, organiser_region):
            refusals.append(Refusal(
                "not_resident", "domicile_regency_code",
                f"residence {applicant.residence} is outside the organiser's region "
                f"{organiser_region}"))
        if self.districts and applicant.district not in self.districts:
            where = ", ".join(regions.district_name(d) or d for d in self.districts)
            refusals.append(Refusal(
                "outside_districts", "domicile_district_code",
                f"this programme is for residents of {where}; "
                + (f"the residence is {regions.district_name(applicant.district)}"
                   if applicant.district else "state the kecamatan of residence")))
        if self.one_programme_at_a_time and applicant.active_enrolments:
            refusals.append(Refusal("enrolled_elsewhere", "nik",
                                    "already enrolled or waitlisted in another programme"))
        return refusals
