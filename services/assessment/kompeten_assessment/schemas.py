"""Request schemas for the asesor and the plenary committee."""

from kompeten_shared.events import RESULTS
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .case import METHODS


class Strict(Schema):
    class Meta:
        unknown = "raise"


class UnitResultRequest(Strict):
    code = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(RESULTS))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))


class ResultsRequest(Strict):
    asesor = fields.String(required=True, metadata={"description": "registration number"})
    units = fields.List(fields.Nested(UnitResultRequest), required=True,
                        validate=validate.Length(min=1))

    @validates_schema
    def _each_unit_once(self, data, **kwargs):
        codes = [u["code"] for u in data["units"]]
        if len(codes) != len(set(codes)):
            raise ValidationError("a unit is listed twice", "units")


class DecisionRequest(Strict):
    decided_by = fields.String(required=True, metadata={"description": "plenary member id"})
