"""Helpers for MongoDB-wire servers whose upserts are not atomic (FerretDB), on the real one."""

import eventlet
import pytest
from kompeten_chassis.mongo import add_to_list, by_ids, claim, listed, upsert

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


def test_lists_kept_by_id_lose_nothing_added_at_once_and_keep_no_repeat(database):
    """Ten values added to one owner's list at the same moment all land, once each; another
    owner's list is its own."""
    collection = database("shared").lists
    values = [f"v-{n % 10}" for n in range(20)]  # each twice
    list(eventlet.GreenPool(20).imap(lambda v: add_to_list(collection, "p-1", "value", v),
                                     values))
    assert sorted(listed(collection, "p-1", "value")) == sorted(set(values))
    add_to_list(collection, "p-2", "value", "v-0")
    assert listed(collection, "p-2", "value") == ["v-0"]
    assert listed(collection, "p-3", "value") == []


def test_documents_by_ids_in_the_order_asked_the_missing_left_out(database):
    collection = database("shared").things
    collection.insert_many([{"_id": f"t-{n}", "n": n} for n in range(5)])
    found = by_ids(collection, ["t-3", "nope", "t-1", "t-3"], {"n": 1})
    assert found == [{"_id": "t-3", "n": 3}, {"_id": "t-1", "n": 1}]
    assert by_ids(collection, []) == []
    # a long list, looked up several at a time: still in the order asked, each once
    collection.insert_many([{"_id": f"u-{n}", "n": n} for n in range(40)])
    asked = [f"u-{n}" for n in range(39, -1, -3)] + ["nope", "u-39"]
    assert [d["n"] for d in by_ids(collection, asked)] == list(range(39, -1, -3))


def test_a_claim_is_won_by_one_of_many_at_once_and_a_stale_one_taken_over(database):
    from datetime import UTC, datetime, timedelta

    collection = database("shared").claims
    now = datetime.now(UTC)
    won = list(eventlet.GreenPool(10).imap(lambda _: claim(collection, "offer-1", now),
                                           range(10)))
    assert won.count(True) == 1
    assert claim(collection, "offer-1", now + timedelta(seconds=59)) is False
    # its writer died: a minute on, the next writer takes it over, once
    assert claim(collection, "offer-1", now + timedelta(seconds=61)) is True
    assert claim(collection, "offer-1", now + timedelta(seconds=62)) is False
    # a stale claim whose change was made after all (a version written) is not taken over
    assert claim(collection, "v-1", now) is True
    later = now + timedelta(seconds=61)
    assert claim(collection, "v-1", later, done=lambda: True) is False
    assert claim(collection, "v-1", later, done=lambda: False) is True


def test_values_appended_at_once_all_land_in_a_list_without_holes(database):
    """append_to_list finds the next place without reading the list; ten appended at the
    same moment each get a place of their own, 1 to 10, so listed reads them all."""
    from kompeten_chassis.mongo import append_to_list

    collection = database("shared").cohort
    pool = eventlet.GreenPool(10)
    list(pool.imap(lambda n: append_to_list(collection, "prog", "case", f"c{n}"), range(10)))
    assert sorted(listed(collection, "prog", "case")) == sorted(f"c{n}" for n in range(10))
    assert collection.count_documents({}) == 10


def test_batches_appended_at_once_all_land_in_order_without_holes(database):
    """append_all claims a run of places with one ordered insert; where another writer took
    a place first, the rest of the batch goes on after it: nothing lost, no holes, and each
    batch keeps its order."""
    from kompeten_chassis.mongo import append_all

    collection = database("shared").cohort
    batches = [[f"b{b}-{n}" for n in range(5)] for b in range(6)]
    list(eventlet.GreenPool(6).imap(lambda values: append_all(
        collection, "prog", "participant_id", values), batches))
    found = listed(collection, "prog", "participant_id")
    assert sorted(found) == sorted(v for batch in batches for v in batch)
    assert collection.count_documents({}) == 30
    for batch in batches:
        assert [v for v in found if v in batch] == batch


def test_derived_documents_are_built_once_and_an_older_collection_is_left_as_it_is(database):
    """build_once runs the scan that derives a collection only when neither its marker nor
    any document of older code is there, or when a build began and did not finish; nothing to
    build still leaves the marker."""
    from kompeten_chassis.mongo import BUILDING, BUILT, build_lists, build_once

    db = database("shared")
    scans = []

    def pairs():
        scans.append(1)
        return [("p1", "a"), ("p2", "b"), ("p1", "c")]

    build_lists(db.built, pairs, "value")
    build_lists(db.built, pairs, "value")
    assert len(scans) == 1
    assert listed(db.built, "p1", "value") == ["a", "c"]
    assert db.built.find_one({"_id": BUILT})
    build_once(db.empty, lambda: iter(()))
    assert [d["_id"] for d in db.empty.find()] == [BUILT]
    db.older.insert_one({"_id": "p1:1", "value": "kept"})
    build_lists(db.older, pairs, "value")
    assert listed(db.older, "p1", "value") == ["kept"]
    assert len(scans) == 1
    # a build that died after its first documents is done again at the next start
    db.partial.insert_many([{"_id": BUILDING}, {"_id": "p1:1", "value": "a"}])
    build_lists(db.partial, pairs, "value")
    assert len(scans) == 2 and db.partial.find_one({"_id": BUILT})
    assert (listed(db.partial, "p1", "value"), listed(db.partial, "p2", "value")) == (
        ["a", "c"], ["b"])


def test_numbers_taken_at_once_by_two_processes_are_gap_free_and_each_taken_once(database):
    """take_next: the workers of one process take turns, another process (its own lock and
    last number) is found by the refused insert: whatever is taken at once is gap-free. A
    refusal for another reason gives the number up to the next taker; a collection
    recreated under the same name starts again at 1."""
    from kompeten_chassis.mongo import take_next, taken_count

    db = database("shared")
    inserts = []

    def taken(n: int) -> bool:
        return db.numbers.find_one({"_id": str(n)}, {"_id": 1}) is not None

    def take(n: int) -> int:
        inserts.append(n)
        db.numbers.insert_one({"_id": str(n)})
        return n

    processes = [(db.name, "one"), (db.name, "two")]
    pool = eventlet.GreenPool(20)
    got = list(pool.imap(lambda k: take_next(processes[0], taken, take), range(20)))
    assert sorted(got) == list(range(1, 21))
    assert len(inserts) == 20  # one process's workers never refused each other
    got = list(pool.imap(lambda k: take_next(processes[k % 2], taken, take), range(40)))
    assert sorted(got) == list(range(21, 61))
    assert [taken_count(key, taken) for key in (*processes, (db.name, "new"))] == [60] * 3

    def refused(n: int) -> int:
        raise ValueError("the source was issued meanwhile")

    with pytest.raises(ValueError):
        take_next(processes[0], taken, refused)
    assert take_next(processes[0], taken, take) == 61
    db.numbers.drop()
    assert take_next(processes[0], taken, take) == 1


def test_runs_taken_at_once_by_two_processes_are_gap_free_and_one_refused_for_itself_is_left_out(
        database):
    """take_run: a batch takes consecutive numbers with one ordered insert; another
    process's run is found by the refused insert and gone past; an item refused for another
    unique key (its source issued meanwhile) is left out and its number goes to the next."""
    from kompeten_chassis.mongo import take_run

    db = database("shared")
    db.numbers.create_index("source", unique=True)
    db.numbers.insert_one({"_id": "x", "source": "issued-before"})

    def taken(n: int) -> bool:
        return db.numbers.find_one({"_id": str(n)}, {"_id": 1}) is not None

    def take(first: int, pending: list[str]) -> None:
        db.numbers.insert_many([{"_id": str(first + k), "source": source}
                                for k, source in enumerate(pending)], ordered=True)

    runs = [[f"r{r}-{k}" for k in range(6)] for r in range(8)]
    placed = list(eventlet.GreenPool(8).imap(lambda r: take_run(
        (db.name, ("one", "two")[r % 2]), runs[r], taken, take), range(8)))
    numbers = [number for run in placed for number, _ in run]
    assert sorted(numbers) == list(range(1, 49))
    for run, got in zip(runs, placed, strict=True):
        assert [source for _, source in got] == run  # each run in its order
    got = take_run((db.name, "one"), ["a", "issued-before", "b"], taken, take)
    assert got == [(49, "a"), (50, "b")]
    assert take_run((db.name, "one"), [], taken, take) == []
