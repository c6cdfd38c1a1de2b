"""Request schemas for the asesor and the plenary committee."""

from kompeten_shared.events import RESULTS
from kompeten_shared.web import Request
from marshmallow import ValidationError, fields, validate, validates_schema

from .case import METHODS


class UnitResultRequest(Request):
    code = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))


class ResultsRequest(Request):
    asesor = fields.String(required=True, metadata={"description": "registration number"})
    units = fields.List(fields.Nested(UnitResultRequest), required=True,
                        validate=validate.Length(min=1))

    @validates_schema
    def _each_unit_once(self, data, **kwargs):
        codes = [u["code"] for u in data["units"]]
        if len(codes) != len(set(codes)):
            raise ValidationError("a unit is listed twice", "units")


class DecisionRequest(Request):
    decided_by = fields.String(required=True, metadata={"description": "plenary member id"})
