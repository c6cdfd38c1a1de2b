"""Participants and their consent, recorded per purpose. Pure domain code.

Consent follows UU PDP (Law 27/2022): one decision per purpose, each with time, source and the
wording the person was shown, kept as a history (a withdrawal adds a record, it erases none).
Someone under 18 needs a parent's or guardian's consent. Data reaches partner employers only
under a partner_sharing grant.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from kompeten_shared.errors import DomainError, InvalidInput
from kompeten_shared.vocabulary import CONSENT_PURPOSES

from .eligibility import Applicant
from .nik import Nik

ADULT_AGE = 18


@dataclass(frozen=True)
class Consent:
    purpose: str
    granted: bool
    recorded_at: datetime
    source: str
    wording: str
    guardian: dict | None = None  # {"name", "relationship"} for someone under 18


@dataclass
class Participant:
    id: str
    nik_digest: str
    nik_masked: str
    name: str
    sex: str
    birth_date: date
    regency_code: str
    phone: str | None = None
    email: str | None = None  # for notices (offers, follow-up, the community), if given
    employment_status: str = "job_seeker"
    domicile_regency_code: str | None = None
    domicile_district_code: str | None = None  # the kecamatan, where a programme targets one
    district_code: str | None = None  # the NIK's kecamatan; older records lack it
    previous_trainings: int = 0
    consents: list[Consent] = field(default_factory=list)
    agency: str | None = None  # the agency that registered them
    nik_sealed: str | None = None  # for the BNSP report only (nik.unseal); older records lack it

    @classmethod
    def register(cls, *, id: str, nik: Nik, nik_key: str, name: str, **details) -> "Participant":
        return cls(id=id, nik_digest=nik.digest(nik_key), nik_masked=nik.masked, name=name,
                   sex=nik.sex, birth_date=nik.birth_date, regency_code=nik.regency_code,
                   district_code=nik.district_code, nik_sealed=nik.sealed(nik_key),
                   **details)

    def __post_init__(self):
        district = self.domicile_district_code
        if district and self.domicile_regency_code not in (None, district[:4]):
            raise InvalidInput("the kecamatan is not in the regency given",
                               code="district_outside_regency",
                               details={"field": "domicile_district_code"})
        self.domicile_regency_code = self.domicile_regency_code or (district and district[:4])

    @property
    def residence(self) -> str:
        """The regency: the stated domicile, else the NIK's."""
        return self.domicile_regency_code or self.regency_code

    @property
    def residence_district(self) -> str | None:
        """The kecamatan: the stated one, else the NIK's when the person lives in the
        regency of their KTP; unknown otherwise."""
        if self.domicile_district_code:
            return self.domicile_district_code
        if self.district_code and self.district_code[:4] == self.residence:
            return self.district_code
        return None

    def age(self, on: date) -> int:
        before_birthday = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - before_birthday

    def applicant(self, active_enrolments: int, completed_here: int = 0) -> Applicant:
        return Applicant(birth_date=self.birth_date, employment_status=self.employment_status,
                         residence=self.residence, district=self.residence_district,
                         previous_trainings=self.previous_trainings + completed_here,
                         active_enrolments=active_enrolments)

    def current_consent(self, purpose: str) -> Consent | None:
        assert purpose in CONSENT_PURPOSES, purpose
        return next((c for c in reversed(self.consents) if c.purpose == purpose), None)

    def consented(self, purpose: str) -> bool:
        consent = self.current_consent(purpose)
        return bool(consent and consent.granted)

    def require_consent(self, purpose: str) -> None:
        if not self.consented(purpose):
            raise DomainError(f"participant has not consented to {purpose}",
                              code="consent_required", details={"purpose": purpose})

    def record_consent(self, consent: Consent) -> None:
        """Add a grant or withdrawal. A minor's grant needs a parent or guardian."""
        if consent.granted and consent.guardian is None and \
                self.age(consent.recorded_at.date()) < ADULT_AGE:
            raise DomainError(
                f"under {ADULT_AGE}: a parent's or guardian's consent is needed for "
                f"{consent.purpose}", code="guardian_consent_required",
                details={"field": "guardian", "purpose": consent.purpose})
        self.consents.append(consent)

    def consent_event(self, consent: Consent) -> dict:
        """participant.consent_changed data: the shared profile rides only on a sharing grant."""
        data = {"participant_id": self.id, "purpose": consent.purpose,
                "granted": consent.granted, "recorded_at": consent.recorded_at, "profile": None}
        if consent.purpose == "partner_sharing" and consent.granted:
            data["profile"] = {"name": self.name, "phone": self.phone,
                               "region_code": self.residence}
        return data
