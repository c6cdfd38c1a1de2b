"""Request schemas for asesor, LSP staff and the plenary committee."""

from kompeten_chassis.web import Request
from kompeten_shared.vocabulary import RESULTS, SECTORS
from marshmallow import ValidationError, fields, validate, validates_schema

from .case import METHODS

EVIDENCE_TYPES = ("certificate", "award", "work_sample", "photo", "reference_letter", "other")
MAX_EVIDENCE_BYTES = 1_000_000


class UnitResultRequest(Request):
    code = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))


class ResultsRequest(Request):
    """The asesor is the signed-in one (the token's `asesor` claim)."""

    units = fields.List(fields.Nested(UnitResultRequest), required=True,
                        validate=validate.Length(min=1))

    @validates_schema
    def _each_unit_once(self, data, **kwargs):
        codes = [u["code"] for u in data["units"]]
        if len(codes) != len(set(codes)):
            raise ValidationError("a unit is listed twice", "units")


class RecommendationRequest(Request):
    """No fields: the asesor is the signed-in one."""


class Overturn(Request):
    code = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=2000))


class DecisionRequest(Request):
    """A plenary member's vote (the member is the signed-in one): the units whose result they
    overturn, each with its reason; none confirms the asesor's results."""

    units = fields.List(fields.Nested(Overturn), load_default=list)


class AssignmentRequest(Request):
    asesor = fields.String(required=True, metadata={"description": "the lead asesor's "
                                                    "registration number"})
    members = fields.List(fields.String(), load_default=list, validate=validate.Length(max=5),
                          metadata={"description": "the other asesor of a team"})
    tuk = fields.String(required=True, metadata={"description": "TUK code"})


class BriefingRequest(Request):
    held_on = fields.Date(required=True)
    venue = fields.String(required=True, validate=validate.Length(min=2, max=200))


class AgreementRequest(Request):
    """The lead asesor's proposal (FR.AK.01): when the assessment takes place."""

    scheduled_on = fields.Date(required=True)


class AcceptRequest(Request):
    """No fields: the asesi is the signed-in one."""


class PeriodQuery(Request):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, at most a year."""

    start = fields.Date(required=True, data_key="from")
    end = fields.Date(required=True, data_key="to")

    @validates_schema
    def _a_period(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("before from", "to")
        if (data["end"] - data["start"]).days > 366:
            raise ValidationError("at most a year after from", "to")


class QuorumRequest(Request):
    plenary_quorum = fields.Integer(required=True, strict=True, validate=validate.Range(1, 9))


class EvidenceRequest(Request):
    type = fields.String(required=True, validate=validate.OneOf(EVIDENCE_TYPES))
    title = fields.String(required=True, validate=validate.Length(min=2, max=300))
    issued_on = fields.Date(load_default=None, allow_none=True)
    content = fields.String(required=True, metadata={"description": "the file, base64",
                                                     "contentEncoding": "base64"})


class ReviewRequest(Request):
    evidence_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    valid = fields.Boolean(required=True)
    authentic = fields.Boolean(required=True, metadata={"description": "asli"})
    current = fields.Boolean(required=True, metadata={"description": "terkini"})
    sufficient = fields.Boolean(required=True, metadata={"description": "memadai"})


class SelfAssessmentUnit(Request):
    code = fields.String(required=True)
    competent = fields.Boolean(required=True)
    evidence_ids = fields.List(fields.String(), load_default=list)


class SelfAssessmentRequest(Request):
    """APL-02: the asesi's own judgement per unit."""

    units = fields.List(fields.Nested(SelfAssessmentUnit), required=True,
                        validate=validate.Length(min=1))


class AppealRequest(Request):
    reason = fields.String(required=True, validate=validate.Length(min=10, max=4000))


class AppealDecisionRequest(Request):
    outcome = fields.String(required=True, validate=validate.OneOf(("upheld", "rejected")))
    reason = fields.String(required=True, validate=validate.Length(min=5, max=4000))


_code = validate.Regexp(r"^[A-Z0-9][A-Z0-9.\-]{1,39}$", error="upper-case letters, digits, . and -")


class UnitRequest(Request):
    code = fields.String(required=True, validate=validate.Length(min=3, max=40))
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))


class SchemeRequest(Request):
    code = fields.String(required=True, validate=_code)
    title = fields.String(required=True, validate=validate.Length(min=3, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(("okupasi", "klaster", "kkni")))
    validity_years = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 10))
    sector = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SECTORS))
    units = fields.List(fields.Nested(UnitRequest), required=True,
                        validate=validate.Length(min=1, max=100))


class LspRequest(Request):
    code = fields.String(required=True, validate=_code)
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    licence_number = fields.String(required=True, validate=validate.Length(min=3, max=100))
    licence_valid_until = fields.Date(required=True)
    schemes = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    external = fields.Boolean(load_default=False)
    plenary_quorum = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 9))


class AsesorRequest(Request):
    registration_number = fields.String(required=True, validate=validate.Length(min=5, max=40))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    lsp_code = fields.String(required=True)
    schemes = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    valid_until = fields.Date(required=True)
    daily_limit = fields.Integer(load_default=10, strict=True, validate=validate.Range(1, 50))
    trained_programmes = fields.List(fields.String(), load_default=list)


class AsesorStatusRequest(Request):
    active = fields.Boolean(required=True)


class TukRequest(Request):
    code = fields.String(required=True, validate=_code)
    name = fields.String(required=True, validate=validate.Length(min=3, max=200))
    lsp_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(
        ("sewaktu", "tempat kerja", "mandiri")))
    region_code = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}$", error="must be a 4-digit regency code"))
