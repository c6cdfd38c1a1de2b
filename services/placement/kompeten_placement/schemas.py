"""Request schemas for partner employers and placement officers."""

from kompeten_shared.events import PLACEMENT_KINDS
from kompeten_shared.web import Request
from marshmallow import fields, validate

_name = validate.Length(min=2, max=200)


class EmployerRequest(Request):
    name = fields.String(required=True, validate=_name)
    sector = fields.String(required=True, validate=_name)
    region_code = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}$", error="must be a 4-digit regency code"))
    contact = fields.String(load_default=None, allow_none=True, validate=_name)


class VacancyRequest(Request):
    employer_id = fields.String(required=True)
    title = fields.String(required=True, validate=_name)
    kind = fields.String(required=True, validate=validate.OneOf(PLACEMENT_KINDS))
    scheme_code = fields.String(required=True, validate=validate.Length(min=2, max=100))
    places = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000))
    start_date = fields.Date(required=True)


class OfferRequest(Request):
    vacancy_id = fields.String(required=True)
    participant_id = fields.String(required=True)


class AnswerRequest(Request):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=1000))
