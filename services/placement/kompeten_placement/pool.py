"""The graduate pool and offers. Pure domain code.

A graduate is visible to partner employers only while their partner_sharing consent stands and
they hold a certificate for the vacancy's scheme; a withdrawal erases the shared profile.
"""

from dataclasses import dataclass, field
from datetime import datetime

from kompeten_shared.errors import Conflict, DomainError


@dataclass
class Graduate:
    participant_id: str
    sharing: bool = False
    profile: dict | None = None
    certificates: list[dict] = field(default_factory=list)

    def certificate_for(self, scheme_code: str) -> dict | None:
        return next((c for c in self.certificates if c["scheme_code"] == scheme_code), None)

    def candidate_for(self, vacancy: dict) -> dict:
        """The graduate as an employer may see them for this vacancy, or a refusal."""
        if not (self.sharing and self.profile):
            raise DomainError("graduate has not consented to share data with employers",
                              code="no_sharing_consent")
        cert = self.certificate_for(vacancy["scheme_code"])
        if cert is None:
            raise DomainError(f"graduate holds no {vacancy['scheme_code']} certificate",
                              code="not_certified_for_vacancy")
        return {"participant_id": self.participant_id, **self.profile,
                "certificate_number": cert["number"],
                "verification_url": cert["verification_url"]}


OFFER_TRANSITIONS = {"accept": "accepted", "decline": "declined"}


@dataclass
class Offer:
    id: str
    vacancy_id: str
    employer_id: str
    participant_id: str
    kind: str
    made_at: datetime
    status: str = "made"
    answered_at: datetime | None = None
    reason: str | None = None

    def answer(self, action: str, now: datetime, reason: str | None = None) -> None:
        if self.status != "made":
            raise Conflict(f"offer is already {self.status}", code="offer_answered")
        self.status = OFFER_TRANSITIONS[action]
        self.answered_at = now
        self.reason = reason
