"""Subscriptions, as an operator registers them for a partner."""

from kompeten_shared.web import Request
from marshmallow import fields, validate

from .subscription import PARTNER_EVENTS


class SubscriptionRequest(Request):
    partner = fields.String(required=True, validate=validate.Length(min=2, max=200))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    event_types = fields.List(fields.String(validate=validate.OneOf(PARTNER_EVENTS)),
                              required=True, validate=validate.Length(min=1))
    employer_id = fields.String(load_default=None, allow_none=True,
                                metadata={"description": "required for offer and placement "
                                                         "events: only the employer's own"})
