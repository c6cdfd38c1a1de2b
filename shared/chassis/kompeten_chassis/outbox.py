"""An outbox inside the aggregate's own document, so a state change and the event it causes
cannot diverge: the change and the staged event are one single-document write (atomic on every
MongoDB-wire server); the event is sent after the write and then removed from the document.
If the process dies in between, the service's relay timer finds the document with a non-empty
outbox and sends it then. Consumers may see an event twice, never not at all; they skip repeats
by event id.

Repositories write outboxes through kompeten_chassis.unit_of_work.Repository, and the unit of
work sends them; this module is the storage underneath.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pymongo.collection import Collection
from pymongo.database import Database

log = logging.getLogger(__name__)
FIELD = "outbox"
GRACE = timedelta(seconds=10)  # the worker that staged an event sends it well within this
RELAY_SECONDS = 5


def entries(staged: dict | list[dict]) -> list[dict]:
    """Staged event(s) as outbox entries: a new document's `outbox` field."""
    now = datetime.now(UTC)
    return [{**entry, "staged_at": now}
            for entry in (staged if isinstance(staged, list) else [staged])]


def staging(staged: dict | list[dict], update: dict) -> dict:
    """The update, plus pushing the staged event(s) into the document's outbox."""
    return {**update, "$push": {FIELD: {"$each": entries(staged)}}}


def relay(collection: Collection, doc_id: str, send: Callable[[dict], None]) -> int:
    """Send what the document's outbox holds, oldest first, each removed once sent."""
    sent = 0
    try:
        doc = collection.find_one({"_id": doc_id}, {FIELD: 1}) or {}
        for entry in doc.get(FIELD, []):
            send(entry)
            # The entry exactly as read: FerretDB's $pull matches whole values, not conditions.
            collection.update_one({"_id": doc_id}, {"$pull": {FIELD: entry}})
            sent += 1
    except Exception as exc:  # the change is stored; the relay timer sends the rest
        log.warning("outbox of %s %s kept for the relay: %s", collection.name, doc_id,
                    type(exc).__name__)
    return sent


def relay_pending(db: Database, collections: tuple[str, ...],
                  send: Callable[[dict], None]) -> int:
    """What crashed workers left behind: entries staged longer ago than GRACE, so a worker
    still sending its own is not doubled (a scan: run it from a timer, not per request)."""
    sent, before = 0, datetime.now(UTC) - GRACE
    for name in collections:
        for doc in db[name].find({f"{FIELD}.0.staged_at": {"$lt": before}}, {"_id": 1}):
            sent += relay(db[name], doc["_id"], send)
    return sent
