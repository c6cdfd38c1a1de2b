"""Every event type Kompeten publishes: its marshmallow schema, producer and version.

These schemas are the public contract. Partners read them as JSON Schema from the AsyncAPI
catalogue (kompeten_shared/asyncapi.yaml), generated from this module. A breaking change
means a new version number, never an edit in place. Fields marked x-personal-data carry personal
data (UU PDP, Law 27/2022) and appear only in events whose consumers need them for their purpose;
no event carries a NIK.
"""

import functools
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from .envelope import InvalidEvent
from .holder import PATTERN as HOLDER_HASH
from .vocabulary import (
    CONSENT_PURPOSES,
    PLACEMENT_BASES,
    PLACEMENT_KINDS,
    PROGRAMME_CERTIFICATES,
    PROGRAMME_KINDS,
    RESULTS,
)

PERSONAL = {"x-personal-data": True}

_id = validate.Length(min=1, max=100)
_regency = validate.Regexp(r"^\d{4}$", error="must be a 4-digit regency code")


def _ident(**kw):
    return fields.String(required=True, validate=_id, **kw)


class Contract(Schema):
    class Meta:
        # Unknown fields are refused: a producer that drifts from its contract is caught at once.
        unknown = RAISE
        ordered = True


class TrainingCompleted(Contract):
    """A participant completed a programme: met the attendance rule of a training course, or
    was admitted to a certification-only programme or an apprenticeship intake (no attendance
    rule, attendance_rate null)."""

    participant_id = _ident()
    programme_id = _ident()
    programme_kind = fields.String(required=True, validate=validate.OneOf(PROGRAMME_KINDS))
    programme_title = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                    metadata={"description": "printed on a training certificate"})
    scheme_code = _ident()
    organiser = fields.String(required=True)
    agency = fields.String(load_default=None, allow_none=True,
                           validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9-]{1,63}$"),
                           metadata={"description": "the code of the agency that ran the "
                                     "programme (DISPAR-64, DKUPP-3574, BLKI-BPN...): the issuer "
                                     "of its training certificate; absent before catalogue "
                                     "2.1.0"})
    region_code = fields.String(required=True, validate=_regency)
    certificates = fields.List(
        fields.String(validate=validate.OneOf(PROGRAMME_CERTIFICATES)), load_default=None,
        allow_none=True, metadata={"description": "the certificates the programme leads to: "
                                   "agency (its training certificate), kemnaker (the Ministry "
                                   "of Manpower's), bnsp (an LSP's assessment); absent before "
                                   "catalogue 2.2.0, meaning the agency's and, except for an "
                                   "apprenticeship intake, a BNSP assessment"})
    attendance_rate = fields.Float(required=True, allow_none=True, validate=validate.Range(0, 1))
    completed_on = fields.Date(required=True)
    asesi_name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                               metadata={**PERSONAL, "description":
                                         "for the asesor and the certificate only"})


class TrainingNotCompleted(Contract):
    """A participant did not complete: below the attendance rule, dropped out, withdrew or did
    not show up on day one. The reason says which; no assessment follows."""

    participant_id = _ident()
    programme_id = _ident()
    scheme_code = _ident()
    attendance_rate = fields.Float(required=True, validate=validate.Range(0, 1))
    required_rate = fields.Float(required=True, validate=validate.Range(0, 1))
    reason = fields.String(required=True)


class SharedProfile(Contract):
    """What a participant agreed to share with partner employers."""

    name = fields.String(required=True, metadata=PERSONAL)
    phone = fields.String(load_default=None, allow_none=True, metadata=PERSONAL)
    region_code = fields.String(required=True, validate=_regency)


class ConsentChanged(Contract):
    """A participant gave or withdrew consent for one purpose. The profile travels only with a
    grant of partner_sharing; a withdrawal tells every consumer to erase what it holds."""

    participant_id = _ident()
    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    granted = fields.Boolean(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    profile = fields.Nested(SharedProfile, load_default=None, allow_none=True)

    @validates_schema
    def _profile_only_with_sharing_grant(self, data, **kwargs):
        sharing_grant = data.get("purpose") == "partner_sharing" and data.get("granted")
        if data.get("profile") and not sharing_grant:
            raise ValidationError("only a partner_sharing grant carries a profile", "profile")
        if sharing_grant and not data.get("profile"):
            raise ValidationError("a partner_sharing grant carries the shared profile", "profile")


class Unit(Contract):
    code = fields.String(required=True)
    title = fields.String(required=True)


class UnitResult(Unit):
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))


class Organisation(Contract):
    code = fields.String(required=True)
    name = fields.String(required=True)


class AssessmentDecided(Contract):
    """The LSP's plenary (rapat pleno) decided a case: K/BK per unit and overall. A case decided
    again after an upheld appeal (banding) publishes its next decision_number."""

    case_id = _ident()
    decision_number = fields.Integer(required=True, strict=True, validate=validate.Range(1, 99))
    participant_id = _ident()
    programme_id = fields.String(load_default=None, allow_none=True)
    scheme_code = _ident()
    scheme_title = fields.String(required=True)
    lsp = fields.Nested(Organisation, required=True)
    asesor_reg = fields.String(required=True)
    units = fields.List(fields.Nested(UnitResult), required=True, validate=validate.Length(min=1))
    overall = fields.String(required=True, validate=validate.OneOf(RESULTS))
    decided_at = fields.AwareDateTime(required=True)
    decided_by = fields.String(required=True)
    holder_name = fields.String(required=True, metadata={**PERSONAL, "description":
                                                         "printed on the certificate"})
    validity_years = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(1, 10),
                                    metadata={"description": "the scheme's certificate validity"})

    @validates_schema
    def _overall_follows_units(self, data, **kwargs):
        units = data.get("units") or []
        expected = "K" if units and all(u["result"] == "K" for u in units) else "BK"
        if data.get("overall") and data["overall"] != expected:
            raise ValidationError(f"overall must be {expected} for these unit results", "overall")


class AssessmentRequested(Contract):
    """A case for a scheme held by an external LSP, routed to it with the routing key
    assessment.requested.<LSP code>. The LSP answers with assessment.decision_submitted."""

    case_id = _ident()
    participant_id = _ident()
    programme_id = fields.String(load_default=None, allow_none=True)
    scheme_code = _ident()
    scheme_title = fields.String(required=True)
    lsp_code = _ident()
    units = fields.List(fields.Nested(Unit), required=True, validate=validate.Length(min=1))
    asesi_name = fields.String(required=True, metadata={**PERSONAL, "description":
                                                        "for the LSP's asesor"})
    requested_at = fields.AwareDateTime(required=True)


class DecisionSubmitted(AssessmentDecided):
    """An external LSP's plenary decision, in the assessment.decided shape plus a signature:
    HMAC-SHA256 (hex) of the canonical JSON of all other data fields (sorted keys, no spaces),
    keyed with the LSP's secret. Kompeten checks the LSP, the case, the licence and the
    signature, then publishes it as assessment.decided; what fails is dead-lettered."""

    signature = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))


class CertificateIssued(Contract):
    """A certificate was issued: a certification by an LSP after a K decision, or a training
    certificate by the labour office that ran the training. A renewal names the certificate it
    renews. Carries no name: anyone may verify it by number."""

    certificate_number = _ident()
    kind = fields.String(required=True, validate=validate.OneOf(("certification", "training")))
    renews = fields.String(load_default=None, allow_none=True,
                           metadata={"description": "the earlier certificate it renews"})
    participant_id = _ident()
    case_id = fields.String(required=True, allow_none=True,
                            metadata={"description": "the assessment case; null for training"})
    programme_id = fields.String(load_default=None, allow_none=True,
                                 metadata={"description": "the programme that led to it"})
    scheme_code = _ident()
    scheme_title = fields.String(required=True)
    units = fields.List(fields.Nested(Unit), required=True)
    issuer = fields.Nested(Organisation, required=True)
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True, allow_none=True,
                              metadata={"description": "null: does not expire (training)"})
    verification_url = fields.Url(required=True, require_tld=False)


class HolderIdentified(Contract):
    """Enrollment, which alone keeps the NIK, attests whose a certificate is: the holder's NIK
    hashed with a salt kept from everyone but the holder (kompeten_shared.holder). The
    certificate service puts it into the credential as an Open Badges IdentityObject."""

    certificate_number = _ident()
    participant_id = _ident()
    identity_hash = fields.String(required=True, validate=validate.Regexp(HOLDER_HASH),
                                  metadata={**PERSONAL, "description":
                                            "sha256$ of the NIK and the holder's code"})


class CertificateStatusChanged(Contract):
    """A certificate was revoked (for good), suspended (until reinstated) or reinstated; the
    published status lists say the same to every verifier."""

    certificate_number = _ident()
    participant_id = _ident()
    reason = fields.String(load_default=None, allow_none=True)
    by = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class CertificateExpiring(Contract):
    """A certificate ends soon (90 days ahead by default): time to invite the holder to
    re-certification."""

    certificate_number = _ident()
    participant_id = _ident()
    scheme_code = _ident()
    valid_until = fields.Date(required=True)
    days_left = fields.Integer(required=True, validate=validate.Range(0, 3660))


class OfferFacts(Contract):
    """Which offer, for which vacancy of which employer, to whom."""

    offer_id = _ident()
    vacancy_id = _ident()
    employer_id = _ident()
    participant_id = _ident()


class OfferMade(OfferFacts):
    """A partner employer offered a graduate a job or an apprenticeship."""

    kind = fields.String(required=True, validate=validate.OneOf(PLACEMENT_KINDS))
    made_at = fields.AwareDateTime(required=True)


class OfferDeclined(OfferFacts):
    """The graduate declined the offer."""

    reason = fields.String(load_default=None, allow_none=True)
    declined_at = fields.AwareDateTime(required=True)


class GraduatePlaced(OfferFacts):
    """An accepted offer became a placement (a job or a pemagangan), on the strength of a
    certificate or, for an apprenticeship, of completing an apprenticeship intake (version 2,
    catalogue 3.0.0: an apprentice may start before any certificate)."""

    placement_id = _ident()
    basis = fields.String(required=True, validate=validate.OneOf(PLACEMENT_BASES),
                          metadata={"description": "certificate: the certificate_number the "
                                    "vacancy accepted; apprenticeship_intake: the apprentice "
                                    "completed the intake of programme_id and is not certified "
                                    "yet (certificate_number null)"})
    certificate_number = fields.String(required=True, allow_none=True, validate=_id)
    programme_id = fields.String(load_default=None, allow_none=True,
                                 metadata={"description": "the programme the graduate came from"})
    kind = fields.String(required=True, validate=validate.OneOf(PLACEMENT_KINDS))
    start_date = fields.Date(required=True)

    @validates_schema
    def _basis(self, data, **kwargs):
        if (data.get("basis") == "certificate") != (data.get("certificate_number") is not None):
            raise ValidationError("a certificate basis names its certificate, an intake none",
                                  "certificate_number")
        if data.get("basis") == "apprenticeship_intake" and data.get("kind") != "apprenticeship":
            raise ValidationError("only an apprenticeship rests on an apprenticeship intake",
                                  "basis")


class PlacementTerminated(Contract):
    """A placement ended before its time: the graduate left, or the employer ended it."""

    placement_id = _ident()
    participant_id = _ident()
    employer_id = _ident()
    programme_id = fields.String(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(PLACEMENT_KINDS))
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True)
    by = fields.String(required=True)


class FollowUpDue(Contract):
    """A follow-up check-in after certification is due (3 and 6 months by default): ask the
    graduate whether they work, and what stands in the way. Only for holders who consented
    to follow-up."""

    check_in_id = _ident()
    participant_id = _ident()
    certificate_number = _ident()
    programme_id = fields.String(load_default=None, allow_none=True)
    months = fields.Integer(required=True, strict=True, validate=validate.Range(1, 120))
    due_on = fields.Date(required=True)


@dataclass(frozen=True)
class EventType:
    type: str
    version: int
    producer: str
    schema: type[Contract]
    routing_key: str | None = None  # a narrower key than the type, with {field} placeholders

    @property
    def dataschema(self) -> str:
        return f"urn:kompeten:schema:{self.type}:{self.version}"

    @property
    def summary(self) -> str:
        return " ".join((self.schema.__doc__ or self.type).split())


EVENTS: dict[str, EventType] = {e.type: e for e in (
    EventType("participant.consent_changed", 1, "enrollment", ConsentChanged),
    EventType("training.completed", 1, "enrollment", TrainingCompleted),
    EventType("training.not_completed", 1, "enrollment", TrainingNotCompleted),
    EventType("assessment.decided", 2, "assessment", AssessmentDecided),
    EventType("assessment.requested", 1, "assessment", AssessmentRequested,
              routing_key="assessment.requested.{lsp_code}"),
    EventType("assessment.decision_submitted", 2, "lsp", DecisionSubmitted),
    EventType("certificate.issued", 1, "certificate", CertificateIssued),
    EventType("holder.identified", 1, "enrollment", HolderIdentified),
    EventType("certificate.revoked", 1, "certificate", CertificateStatusChanged),
    EventType("certificate.suspended", 1, "certificate", CertificateStatusChanged),
    EventType("certificate.reinstated", 1, "certificate", CertificateStatusChanged),
    EventType("certificate.expiring", 1, "certificate", CertificateExpiring),
    EventType("offer.made", 1, "placement", OfferMade,
              routing_key="offer.made.{employer_id}"),
    EventType("offer.declined", 1, "placement", OfferDeclined,
              routing_key="offer.declined.{employer_id}"),
    EventType("graduate.placed", 2, "placement", GraduatePlaced,
              routing_key="graduate.placed.{employer_id}"),
    EventType("placement.terminated", 1, "placement", PlacementTerminated,
              routing_key="placement.terminated.{employer_id}"),
    EventType("follow_up.due", 1, "placement", FollowUpDue),
)}


def event_type(name: str) -> EventType:
    try:
        return EVENTS[name]
    except KeyError:
        raise InvalidEvent(f"unknown event type {name!r}") from None


@functools.cache
def _schema(name: str) -> Schema:
    """One instance per event type, reused: making one copies its fields (a tenth of a
    certificate's issuance when made per event); loading and dumping keep no state in it."""
    return event_type(name).schema()


def load_data(name: str, data: Any, dataschema: str | None = None) -> dict:
    """Validate an incoming event's data against its contract; InvalidEvent says what is wrong."""
    spec = event_type(name)
    if dataschema is not None and dataschema != spec.dataschema:
        raise InvalidEvent(f"unsupported dataschema {dataschema!r}, expected {spec.dataschema!r}")
    try:
        return _schema(name).load(data)
    except ValidationError as exc:
        raise InvalidEvent(f"invalid {name} data", exc.messages) from exc


def dump_data(name: str, data: dict) -> dict:
    """Serialise outgoing data; a producer that breaks its own contract fails loudly here."""
    schema = _schema(name)
    dumped = schema.dump(data)
    errors = schema.validate(dumped)
    if errors:
        raise ValueError(f"{name} would break its contract: {errors}")
    return dumped
