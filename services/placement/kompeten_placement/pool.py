"""The graduate pool and offers. Pure domain code.

A graduate is visible to partner employers only while their partner_sharing consent stands and
they hold what the vacancy accepts of its scheme (a certificate, or for an apprenticeship a
completed apprenticeship intake); a withdrawal erases the shared profile.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from kompeten_shared.errors import Conflict, DomainError

from . import matching


@dataclass
class Graduate:
    participant_id: str
    sharing: bool = False
    profile: dict | None = None
    certificates: list[dict] = field(default_factory=list)
    open_offers: list[str] = field(default_factory=list)
    placed_in: str | None = None  # the active placement
    follow_up: bool = False  # consented to follow-up after certification

    @property
    def availability(self) -> str:
        return "placed" if self.placed_in else "offered" if self.open_offers else "free"

    def certificate_for(self, vacancy: dict, today: date) -> dict | None:
        """The certificate this vacancy counts: of its scheme, of a kind it accepts."""
        return matching.valid_certificate(self.certificates, vacancy["scheme_code"], today,
                                          _accepts(vacancy))

    def candidate_for(self, vacancy: dict, today: date) -> dict:
        """The graduate as an employer may see them for this vacancy, ranked and explained,
        or a refusal."""
        if not (self.sharing and self.profile):
            raise DomainError("graduate has not consented to share data with employers",
                              code="no_sharing_consent")
        cert = self.certificate_for(vacancy, today)
        if cert is None:
            raise DomainError(f"graduate holds nothing of {vacancy['scheme_code']} the vacancy "
                              f"accepts ({', '.join(_accepts(vacancy))})",
                              code="not_certified_for_vacancy")
        found = matching.factors(cert, self.profile["region_code"], self.availability, vacancy)
        return {**matching.explain(self.participant_id, found), **self.profile,
                "basis": matching.basis(cert),
                "certificate_number": cert["number"],
                "verification_url": cert["verification_url"]}


def _accepts(vacancy: dict) -> list[str]:
    return vacancy.get("accepts") or list(matching.CERTIFICATIONS)


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
    agreement: dict | None = None  # an apprenticeship's written agreement, as HR drew it up
    title: str = ""  # the vacancy's and the employer's names, as the graduate reads the offer
    employer_name: str = ""

    def draw_up(self, agreement: dict) -> None:
        """An apprenticeship's written agreement, while the offer awaits its answer; drawn up
        again, the last one stands."""
        if self.kind != "apprenticeship":
            raise DomainError("only an apprenticeship has an agreement",
                              code="not_an_apprenticeship")
        if self.status != "made":
            raise Conflict(f"offer is already {self.status}", code="offer_answered")
        self.agreement = agreement

    def answer(self, action: str, now: datetime, reason: str | None = None) -> None:
        if self.status != "made":
            raise Conflict(f"offer is already {self.status}", code="offer_answered")
        self.status = OFFER_TRANSITIONS[action]
        self.answered_at = now
        self.reason = reason
