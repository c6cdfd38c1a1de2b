"""Helpers for MongoDB-wire servers whose upserts are not atomic (FerretDB), on the real one."""

import eventlet
import pytest
from kompeten_chassis.mongo import upsert

pytestmark = pytest.mark.integration


def test_simultaneous_upserts_of_one_new_document_do_not_fail(database):
    """Plain update_one(upsert=True) raises DuplicateKeyError here when two create the same
    document at once. (Simultaneous updates of one document can still lose one another on
    FerretDB: the services keep one writer per document.)"""
    collection = database("shared").graduates
    pool = eventlet.GreenPool(20)
    list(pool.imap(lambda n: upsert(collection, {"_id": f"p-{n % 4}"},
                                     {"$set": {"seen": True}}), range(20)))  # re-raises
    assert sorted(d["_id"] for d in collection.find({"seen": True})) == [
        "p-0", "p-1", "p-2", "p-3"]


def test_an_upsert_whose_condition_fails_on_an_existing_document_changes_nothing(database):
    collection = database("shared").graduates
    collection.insert_one({"_id": "p-2", "stamp": 5})
    upsert(collection, {"_id": "p-2", "stamp": {"$lt": 3}}, {"$set": {"stamp": 3}})
    assert collection.find_one({"_id": "p-2"}) == {"_id": "p-2", "stamp": 5}
