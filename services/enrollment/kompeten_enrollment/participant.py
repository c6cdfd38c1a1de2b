"""Participants and their consent, recorded per purpose. Pure domain code.

Consent follows UU PDP (Law 27/2022): one record per purpose, each with time, source and the
wording the person was shown. Data reaches partner employers only under a partner_sharing grant.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from kompeten_shared.errors import DomainError
from kompeten_shared.events import CONSENT_PURPOSES

from .nik import Nik


@dataclass(frozen=True)
class Consent:
    purpose: str
    granted: bool
    recorded_at: datetime
    source: str
    wording: str


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
    consents: dict[str, Consent] = field(default_factory=dict)

    @classmethod
    def register(cls, *, id: str, nik: Nik, nik_key: str, name: str, phone: str | None,
                 consents: list[Consent]) -> "Participant":
        return cls(id=id, nik_digest=nik.digest(nik_key), nik_masked=nik.masked, name=name,
                   sex=nik.sex, birth_date=nik.birth_date, regency_code=nik.regency_code,
                   phone=phone, consents={c.purpose: c for c in consents})

    def consented(self, purpose: str) -> bool:
        assert purpose in CONSENT_PURPOSES, purpose
        consent = self.consents.get(purpose)
        return bool(consent and consent.granted)

    def require_consent(self, purpose: str) -> None:
        if not self.consented(purpose):
            raise DomainError(f"participant has not consented to {purpose}",
                              code="consent_required", details={"purpose": purpose})

    def consent_event(self, consent: Consent) -> dict:
        """participant.consent_changed data: the shared profile rides only on a sharing grant."""
        data = {"participant_id": self.id, "purpose": consent.purpose,
                "granted": consent.granted, "recorded_at": consent.recorded_at, "profile": None}
        if consent.purpose == "partner_sharing" and consent.granted:
            data["profile"] = {"name": self.name, "phone": self.phone,
                               "region_code": self.regency_code}
        return data
