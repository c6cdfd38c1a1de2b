"""Request schemas: the issuer's staff, and whoever checks a certificate's holder."""

from kompeten_chassis.web import Request
from marshmallow import fields, validate


class StatusChangeRequest(Request):
    """Who decided it is the signed-in certificate officer."""

    reason = fields.String(required=True, validate=validate.Length(min=5, max=2000))


class HolderCheckRequest(Request):
    """A NIK and holder code the holder gave, checked against the certificate's identity hash;
    kept nowhere."""

    nik = fields.String(required=True, validate=validate.Regexp(r"^\s*(\d\s*){16}$",
                                                                error="NIK has 16 digits"))
    holder_code = fields.String(required=True, validate=validate.Length(min=16, max=40))
