"""Request schemas: bad input stops here with the field that is wrong."""

from kompeten_shared.events import CONSENT_PURPOSES
from kompeten_shared.web import Request
from marshmallow import ValidationError, fields, validate, validates_schema

from .nik import regency_name


def _known_regency(code: str) -> None:
    if regency_name(code) is None:
        raise ValidationError("unknown regency code")


class ProgrammeRequest(Request):
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    organiser = fields.String(required=True, validate=validate.Length(min=2, max=200))
    scheme_code = fields.String(required=True, validate=validate.Length(min=2, max=100))
    venue = fields.String(required=True, validate=validate.Length(min=2, max=200))
    region_code = fields.String(required=True, validate=[
        validate.Regexp(r"^\d{4}$", error="must be a 4-digit regency code"), _known_regency])
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000))
    attendance_threshold = fields.Float(load_default=0.8,
                                        validate=validate.Range(0, 1, min_inclusive=False))
    partner_employers = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                    load_default=list)


class ConsentRequest(Request):
    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES))
    granted = fields.Boolean(required=True)
    source = fields.String(required=True, validate=validate.Length(min=2, max=200),
                           metadata={"description": "where it was given, e.g. a paper form"})
    wording = fields.String(required=True, validate=validate.Length(min=10, max=4000),
                            metadata={"description": "the text the person was shown"})


class ParticipantRequest(Request):
    nik = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    sex = fields.String(required=True, validate=validate.OneOf(("F", "M")))
    birth_date = fields.Date(required=True)
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^\+?[0-9]{8,15}$",
                                                   error="must be 8 to 15 digits"))
    consents = fields.List(fields.Nested(ConsentRequest), load_default=list)

    @validates_schema
    def _one_consent_per_purpose(self, data, **kwargs):
        purposes = [c["purpose"] for c in data["consents"]]
        if len(purposes) != len(set(purposes)):
            raise ValidationError("one consent per purpose", "consents")


class EnrolmentRequest(Request):
    participant_id = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AttendanceRequest(Request):
    date = fields.Date(required=True)
    present = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          required=True)

    @validates_schema
    def _unique(self, data, **kwargs):
        if len(set(data["present"])) != len(data["present"]):
            raise ValidationError("a participant is listed twice", "present")
