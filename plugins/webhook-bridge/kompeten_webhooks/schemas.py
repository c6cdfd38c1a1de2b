"""Subscriptions, as an employer's HR registers them; the employer is the one in the token
(offer and placement events reach it only for its own vacancies)."""

from kompeten_chassis.web import Request
from marshmallow import fields, validate

from .subscription import PARTNER_EVENTS


class SubscriptionRequest(Request):
    partner = fields.String(required=True, validate=validate.Length(min=2, max=200))
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    event_types = fields.List(fields.String(validate=validate.OneOf(PARTNER_EVENTS)),
                              required=True, validate=validate.Length(min=1))
