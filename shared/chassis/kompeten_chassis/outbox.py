"""An outbox inside the aggregate's own document, so a state change and the event it causes
cannot diverge: the change and the staged event are one single-document write (atomic on every
MongoDB-wire server); the event is sent after the write and then removed from the document.
If the process dies in between, the service's relay timer sends it then. Consumers may see an
event twice, never not at all; they skip repeats by event id.

How the relay finds them without scanning the aggregates (on FerretDB a query on an outbox
field reads every document: seconds per round once a province's cases are stored): each staged
event gets a marker in `outbox_pending`, inserted *before* the write that stages it and removed
once the event is sent. The relay reads the markers, a collection as small as what is unsent. A
marker whose write never happened finds no event in its document and is dropped.

Repositories write outboxes through kompeten_chassis.unit_of_work.Repository, and the unit of
work sends them; this module is the storage underneath.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

log = logging.getLogger(__name__)
FIELD = "outbox"
GRACE = timedelta(seconds=10)  # the worker that staged an event sends it well within this
RELAY_SECONDS = 5
PENDING = "outbox_pending"
SWEPT = "outbox_swept"  # which collections of a database were swept, once


def entries(staged: dict | list[dict]) -> list[dict]:
    """Staged event(s) as outbox entries: a new document's `outbox` field."""
    now = datetime.now(UTC)
    return [{**entry, "staged_at": now}
            for entry in (staged if isinstance(staged, list) else [staged])]


def mark(db: Database, collection: str, doc_id, staged: list[dict]) -> None:
    """Before the write that puts `staged` (from entries()) into the document's outbox."""
    try:
        db[PENDING].insert_many([{"_id": _marker(collection, doc_id, entry),
                                  "collection": collection, "doc_id": doc_id,
                                  "staged_at": entry["staged_at"]} for entry in staged],
                                ordered=False)
    except BulkWriteError:
        pass  # marked already: the same events staged again


def _marker(collection: str, doc_id, entry: dict) -> str:
    return f"{collection}/{doc_id}/{entry['event']['id']}"


def _send(db: Database, collection: str, doc_id, send: Callable[[dict], None]) -> int:
    """Send what the document's outbox holds, oldest first, each removed once sent, then its
    marker. Raises when sending fails: what is left stays for the relay."""
    sent = 0
    doc = db[collection].find_one({"_id": doc_id}, {FIELD: 1}) or {}
    for entry in doc.get(FIELD, []):
        send(entry)
        # The entry exactly as read: FerretDB's $pull matches whole values, not conditions.
        db[collection].update_one({"_id": doc_id}, {"$pull": {FIELD: entry}})
        db[PENDING].delete_one({"_id": _marker(collection, doc_id, entry)})
        sent += 1
    return sent


def relay(db: Database, collection: str, doc_id, send: Callable[[dict], None]) -> int:
    """Send the document's outbox now (after the write, by the worker that wrote it)."""
    try:
        return _send(db, collection, doc_id, send)
    except Exception as exc:  # the change is stored; the relay timer sends the rest
        log.warning("outbox of %s %s kept for the relay: %s", collection, doc_id,
                    type(exc).__name__)
        return 0


def relay_pending(db: Database, collections: tuple[str, ...],
                  send: Callable[[dict], None]) -> int:
    """What crashed workers left behind: events marked longer ago than GRACE, so a worker
    still sending its own is not doubled. Read from the markers, never by scanning the
    aggregates; the first round of a process also sweeps outboxes written before there were
    markers (that one round scans, once per database: at 50,000 certificates it took two
    minutes of the database server)."""
    sent, before = 0, datetime.now(UTC) - GRACE
    for marker in list(db[PENDING].find({"staged_at": {"$lt": before},
                                         "collection": {"$in": list(collections)}})):
        try:
            sent += _send(db, marker["collection"], marker["doc_id"], send)
        except Exception as exc:  # noqa: BLE001 -- the broker is away: next round
            log.warning("relay of %s waits: %s", marker["_id"], type(exc).__name__)
            continue
        # sent now, or before (its marker's removal was lost), or its write never happened
        db[PENDING].delete_one({"_id": marker["_id"]})
    if (db.name, collections) not in _swept:
        for name in collections:
            if db[SWEPT].find_one({"_id": name}) is not None:
                continue
            for doc in db[name].find({f"{FIELD}.0.staged_at": {"$lt": before}}, {"_id": 1}):
                sent += relay(db, name, doc["_id"], send)
            try:
                db[SWEPT].insert_one({"_id": name, "at": datetime.now(UTC)})
            except DuplicateKeyError:
                pass  # another instance swept it too
        _swept.add((db.name, collections))
    return sent


_swept: set[tuple[str, tuple[str, ...]]] = set()  # (database, collections) swept once
