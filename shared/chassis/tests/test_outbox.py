"""The outbox relay on the real database: what a crashed worker left is found through the
markers, not by scanning the aggregates, and each event is sent once."""

from datetime import UTC, datetime, timedelta

import pytest
from kompeten_chassis import outbox
from kompeten_chassis.unit_of_work import Repository

pytestmark = pytest.mark.integration


class Cases(Repository):
    outbox_collections = ("cases",)


def staged(n: int) -> dict:
    return {"event": {"id": f"e-{n}", "type": "case.changed"}, "routing_key": "case.changed"}


def crashed_write(repo: Cases, doc_id: str, n: int, ago: timedelta) -> None:
    """A worker that staged an event with its change and died before sending it."""
    update = repo.with_outbox("cases", doc_id, {"$set": {"step": n}}, staged(n))
    for entry in update["$push"][outbox.FIELD]["$each"]:
        entry["staged_at"] -= ago
    repo.db.outbox_pending.update_many({}, {"$set": {"staged_at": datetime.now(UTC) - ago}})
    repo.db.cases.update_one({"_id": doc_id}, update, upsert=True)


def test_a_crashed_workers_event_is_sent_once_through_its_marker(database):
    db = database("shared")
    sent = []
    outbox.relay_pending(db, ("cases",), sent.append)  # this process's one sweep, nothing yet
    repo = Cases(db)
    crashed_write(repo, "case-1", 1, timedelta(minutes=1))
    db.cases.insert_one({"_id": "old", outbox.FIELD: [{**staged(9), "staged_at": datetime.now(
        UTC) - timedelta(minutes=1)}]})  # unmarked: written before markers; the sweep is done
    assert outbox.relay_pending(db, ("cases",), sent.append) == 1
    assert [s["event"]["id"] for s in sent] == ["e-1"]
    assert db.cases.find_one({"_id": "case-1"})[outbox.FIELD] == []
    assert db.outbox_pending.count_documents({}) == 0
    assert outbox.relay_pending(db, ("cases",), sent.append) == 0  # nothing twice


def test_a_fresh_event_is_left_to_the_worker_sending_it_and_a_marker_without_a_write_goes(
        database):
    db = database("shared")
    outbox.relay_pending(db, ("cases",), [].append)
    repo = Cases(db)
    crashed_write(repo, "case-2", 2, timedelta(0))  # staged just now: its worker may send it
    repo.with_outbox("cases", "case-3", {"$set": {"step": 3}}, staged(3))  # never written
    db.outbox_pending.update_many({"doc_id": "case-3"}, {"$set": {
        "staged_at": datetime.now(UTC) - timedelta(minutes=1)}})
    sent = []
    assert outbox.relay_pending(db, ("cases",), sent.append) == 0
    assert sorted(m["doc_id"] for m in db.outbox_pending.find()) == ["case-2"]
    assert repo.send_outboxes(sent.append) == 1  # the workers' own sending, after the write
    assert [s["event"]["id"] for s in sent] == ["e-2"]
    assert db.outbox_pending.count_documents({}) == 0


def test_the_first_round_of_a_process_sweeps_outboxes_written_before_the_markers(database):
    db = database("shared")
    db.cases.insert_one({"_id": "old", outbox.FIELD: [{**staged(7), "staged_at": datetime.now(
        UTC) - timedelta(minutes=1)}]})
    sent = []
    assert outbox.relay_pending(db, ("cases",), sent.append) == 1
    assert db.cases.find_one({"_id": "old"})[outbox.FIELD] == []


def test_the_sweep_is_made_once_per_database_not_once_per_process(database):
    """A restart (a new process) does not scan the aggregates again: the database records
    that it was swept. An unmarked outbox can only come from before the markers."""
    db = database("shared")
    outbox.relay_pending(db, ("cases",), [].append)  # the first process sweeps
    outbox._swept.clear()  # as a new process
    db.cases.insert_one({"_id": "unmarked", outbox.FIELD: [{**staged(8), "staged_at": datetime
                                                             .now(UTC) - timedelta(minutes=1)}]})
    assert outbox.relay_pending(db, ("cases",), [].append) == 0
    assert [d["_id"] for d in db[outbox.SWEPT].find()] == ["cases"]
