"""Request schemas for the issuer's staff."""

from kompeten_shared.web import Request
from marshmallow import fields, validate


class StatusChangeRequest(Request):
    reason = fields.String(required=True, validate=validate.Length(min=5, max=2000))
    by = fields.String(required=True, validate=validate.Length(min=2, max=200),
                       metadata={"description": "who decided it, e.g. the LSP's manager"})
