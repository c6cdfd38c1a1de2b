"""Which subscription gets which event. Pure domain code."""

# What partners may subscribe to: events about certificates (no names) and about their own
# offers and placements (matched on the subscription's employer_id).
PARTNER_EVENTS = ("certificate.issued", "certificate.revoked", "certificate.suspended",
                  "certificate.reinstated", "offer.made", "offer.declined", "graduate.placed",
                  "placement.terminated")


def entitled(subscription: dict, event_type: str, data: dict) -> bool:
    if not subscription["active"] or event_type not in subscription["event_types"]:
        return False
    employer = data.get("employer_id")
    return employer is None or subscription.get("employer_id") == employer
