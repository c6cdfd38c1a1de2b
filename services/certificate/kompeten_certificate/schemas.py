"""Request schemas for the issuer's staff."""

from kompeten_chassis.web import Request
from marshmallow import fields, validate


class StatusChangeRequest(Request):
    """Who decided it is the signed-in certificate officer."""

    reason = fields.String(required=True, validate=validate.Length(min=5, max=2000))
