"""Read models: what the routes answer. Stored documents lose their storage fields (`_id`
becomes `id`, the outbox stays inside)."""

from kompeten_chassis import outbox

from .follow_up import CheckIn
from .pool import Offer


def document(doc: dict) -> dict:
    return {"id": doc["_id"],
            **{key: value for key, value in doc.items() if key not in ("_id", outbox.FIELD)}}


def offer(offer: Offer) -> dict:
    return dict(offer.__dict__)


def check_in(check_in: CheckIn) -> dict:
    return dict(check_in.__dict__)
