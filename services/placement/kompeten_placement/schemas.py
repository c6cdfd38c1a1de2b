"""Request schemas for partner employers and placement officers."""

from kompeten_chassis.web import Request
from kompeten_shared.vocabulary import PLACEMENT_KINDS
from marshmallow import ValidationError, fields, validate, validates_schema

from .follow_up import STATUSES
from .matching import INTAKE

ACCEPTS = ("certification", "training", INTAKE)

_name = validate.Length(min=2, max=200)
_text = validate.Length(min=1, max=4000)
_regency = validate.Regexp(r"^\d{4}$", error="must be a 4-digit regency code")


class Contact(Request):
    person = fields.String(required=True, validate=_name)
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?\d{8,15}$"))
    email = fields.Email(load_default=None, allow_none=True)


class EmployerRequest(Request):
    id = fields.String(load_default=None, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9-]{1,62}$", error="lowercase letters, digits and dashes"),
        metadata={"description": "a short code, e.g. maju-jahit: the `employer` claim of its "
                                 "HR officers' accounts (generated when absent)"})
    name = fields.String(required=True, validate=_name)
    sector = fields.String(required=True, validate=_name)
    region_code = fields.String(required=True, validate=_regency)
    workforce = fields.Integer(required=True, strict=True, validate=validate.Range(1, 1_000_000),
                               metadata={"description": "employees; caps apprentices at 20%"})
    contact = fields.Nested(Contact, required=True)
    programme_ids = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                load_default=list,
                                metadata={"description": "the programmes it partners with"})


class VacancyRequest(Request):
    employer_id = fields.String(required=True)
    title = fields.String(required=True, validate=_name)
    kind = fields.String(required=True, validate=validate.OneOf(PLACEMENT_KINDS))
    scheme_code = fields.String(required=True, validate=validate.Length(min=2, max=100))
    required_units = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                 load_default=list,
                                 metadata={"description": "unit codes; none: the whole scheme"})
    region_code = fields.String(load_default=None, allow_none=True, validate=_regency,
                                metadata={"description": "where the work is; the employer's "
                                                         "region when absent"})
    places = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000))
    start_date = fields.Date(required=True)
    end_date = fields.Date(load_default=None, allow_none=True)
    accepts = fields.List(
        fields.String(validate=validate.OneOf(ACCEPTS)),
        load_default=lambda: ["certification"], validate=validate.Length(min=1),
        metadata={"description": "what qualifies: a certification (an LSP's, after a K "
                                 "decision), an agency's training certificate, and for an "
                                 "apprenticeship a completed apprenticeship intake of the "
                                 "scheme (certification after the apprenticeship)"})

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("end_date") and data.get("start_date") and \
                data["end_date"] <= data["start_date"]:
            raise ValidationError("must be after start_date", "end_date")
        if INTAKE in data.get("accepts", []) and data.get("kind") != "apprenticeship":
            raise ValidationError("only an apprenticeship takes people from an apprenticeship "
                                  "intake", "accepts")


class OfferRequest(Request):
    vacancy_id = fields.String(required=True)
    participant_id = fields.String(required=True)


class AgreementRequest(Request):
    """The written apprenticeship agreement (perjanjian pemagangan), ratified by the district
    labour office."""

    apprentice_rights = fields.String(required=True, validate=_text)
    apprentice_duties = fields.String(required=True, validate=_text)
    company_rights = fields.String(required=True, validate=_text)
    company_duties = fields.String(required=True, validate=_text)
    programme = fields.String(required=True, validate=_text)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    monthly_allowance = fields.Integer(required=True, strict=True,
                                       validate=validate.Range(0, 1_000_000_000))
    ratified_by = fields.String(load_default=None, allow_none=True, validate=_name)
    ratified_on = fields.Date(load_default=None, allow_none=True)
    ratification_number = fields.String(load_default=None, allow_none=True,
                                        validate=validate.Length(min=1, max=100))


class AcceptRequest(Request):
    agreement = fields.Nested(AgreementRequest, load_default=None, allow_none=True,
                              metadata={"description": "required for an apprenticeship"})


class AnswerRequest(Request):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=1000))


class TerminationRequest(Request):
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000))


class CheckInRequest(Request):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    obstacles = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=2000))
