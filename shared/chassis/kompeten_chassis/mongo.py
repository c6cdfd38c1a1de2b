"""One MongoDB client per service container, and the `Database` dependency that hands the
service's own database to its workers and runs its `prepare` hook (indexes, seed data) at start."""

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import eventlet
from eventlet.patcher import is_monkey_patched
from nameko.extensions import DependencyProvider, SharedExtension
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database as MongoDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

T = TypeVar("T")
MONGO_URI_KEY = "MONGO_URI"
MONGO_DATABASE_KEY = "MONGO_DATABASE"


class MongoConnection(SharedExtension):
    """Shared by every extension of one container that needs the database."""

    client: MongoClient | None = None

    def setup(self):
        config = self.container.config
        # Writes are acknowledged by the majority where a replica set exists (w=majority is the
        # driver default); a short server selection timeout makes an absent server fail fast.
        self.client = MongoClient(config[MONGO_URI_KEY], serverSelectionTimeoutMS=5000,
                                  tz_aware=True)
        self.db: MongoDatabase = self.client[config[MONGO_DATABASE_KEY]]

    def stop(self):
        if self.client is not None:
            self.client.close()

    kill = stop


class Database(DependencyProvider):
    """`db = Database(prepare=repository.prepare)` gives workers the service's pymongo Database."""

    connection = MongoConnection()

    def __init__(self, prepare: Callable[[MongoDatabase], None] | None = None, **kwargs):
        self.prepare = prepare
        super().__init__(**kwargs)

    def start(self):
        if self.prepare is not None:
            self.prepare(self.connection.db)

    def get_dependency(self, worker_ctx):
        return self.connection.db


class NoFreeSlot(Exception):
    pass


def upsert(collection: Collection, selector: dict, update: dict) -> None:
    """update_one(..., upsert=True) that holds on FerretDB too, whose upsert is not atomic: when
    two arrive at once for a new _id, one fails with DuplicateKeyError. The document exists
    then, so the update is applied to it (or, if the selector's other conditions no longer
    match, deliberately not at all)."""
    try:
        collection.update_one(selector, update, upsert=True)
    except DuplicateKeyError:
        collection.update_one(selector, update)


def first_free(taken: Callable[[int], bool], after: int = 0) -> int:
    """The lowest number above `after` that is not taken, where the taken numbers are always
    1..k for some k (each is claimed only once all below it are) and `after` is 0 or taken.

    Galloping then bisecting: about 2*log2(distance) probes. A probe should be a lookup by _id,
    the only query every MongoDB-wire server answers without a scan."""
    low, step = after, 1
    while taken(low + step):
        low, step = low + step, step * 2
    high = low + step  # low is taken (or 0), high is free
    while high - low > 1:
        middle = (low + high) // 2
        if taken(middle):
            low = middle
        else:
            high = middle
    return high


# Per process and sequence (a series of numbers, an owner's list): the last number it took,
# and the lock its workers take turns by. A sequence only grows, so the last number stays
# taken and the search for the next free one starts there. Bounded (an asesor's places are a
# sequence a day): a forgotten one costs lookups, and a lock forgotten while held lets two
# workers try one number, which the insert still settles.
_sequence_ends: dict[tuple, int] = {}
_sequence_locks: dict[tuple, threading.Lock] = {}
SEQUENCES_KEPT = 10_000


def _last_taken(key: tuple, taken: Callable[[int], bool]) -> int:
    """The last number this process took, if it is still taken (a database recreated under
    the same name forgets it), else 0."""
    last = _sequence_ends.get(key, 0)
    return last if last and taken(last) else 0


def _remember(key: tuple, last: int) -> None:
    if len(_sequence_ends) >= SEQUENCES_KEPT:
        _sequence_ends.clear()
    _sequence_ends[key] = last


def taken_count(key: tuple, taken: Callable[[int], bool]) -> int:
    """How many numbers of the sequence (take_next) are taken: searched from the last this
    process took, so two lookups where no other process took one since."""
    return first_free(taken, _last_taken(key, taken)) - 1


def _sequence_lock(key: tuple) -> threading.Lock:
    if len(_sequence_locks) >= SEQUENCES_KEPT:
        _sequence_locks.clear()
    return _sequence_locks.setdefault(key, threading.Lock())


def _next_number(key: tuple, taken: Callable[[int], bool]) -> int:
    last = _last_taken(key, taken)
    return last + 1 if last else first_free(taken)


def take_next(key: tuple, taken: Callable[[int], bool], take: Callable[[int], T]) -> T:
    """The next number of a gap-free sequence 1, 2, ... (first_free's rule), taken by
    `take(n)`: a unique insert that raises DuplicateKeyError when n is taken, or any other
    error to give up (the lock is released). Returns what `take` returns.

    A process's workers take turns (a lock per sequence; a green lock under nameko), each
    trying the number after the last this process took: no lookups for a free one and no
    refused inserts among them, where racing workers would all try the same number and all
    but one search again. One lookup checks that the last number is still taken (a database
    recreated under the same name); another process's numbers are found by the refusal and
    searched past."""
    with _sequence_lock(key):
        number = _next_number(key, taken)
        while True:
            try:
                result = take(number)
            except DuplicateKeyError:
                number = first_free(taken, number)
                continue
            _remember(key, number)
            return result


DUPLICATE_KEY = 11000  # the server's error code for a unique index refusing an insert


def _only_taken(refused: BulkWriteError) -> bool:
    """Whether every insert refused was refused as already taken (no other error)."""
    return all(error["code"] == DUPLICATE_KEY for error in refused.details["writeErrors"])


def take_run(key: tuple, items: list[T], taken: Callable[[int], bool],
             take: Callable[[int, list[T]], object]) -> list[tuple[int, T]]:
    """Consecutive numbers of a gap-free sequence (take_next's rule and lock) for the items, in
    order, taken by `take(first, pending)`: one ordered insert of pending[k] under first + k
    (a batch of certificates, a cohort appended to a list). Where another process took a
    number, the rest go on past it; an item refused while its number is free was refused for
    itself (another unique key: its source issued meanwhile) and is left out, its number going
    to the next. Returns the items placed, each with its number."""
    if not items:
        return []
    placed: list[tuple[int, T]] = []
    with _sequence_lock(key):
        number, pending = _next_number(key, taken), list(items)
        while pending:
            try:
                take(number, pending)
                landed = len(pending)
            except BulkWriteError as exc:
                if not _only_taken(exc):
                    raise
                landed = exc.details["nInserted"]
            placed += [(number + k, item) for k, item in enumerate(pending[:landed])]
            number, pending = number + landed, pending[landed:]
            if pending and taken(number):
                number = first_free(taken, number)
            elif pending:
                pending.pop(0)
        if placed:
            _remember(key, placed[-1][0])
    return placed


LOOKUPS_AT_ONCE = 8


def by_ids(collection: Collection, ids, projection: dict | None = None) -> list[dict]:
    """The documents with these _ids, one lookup each. FerretDB answers `{"_id": {"$in": ...}}`
    by reading the whole collection (measured here: 620 ms for five ids among 20,000 documents,
    against 3.6 ms for five lookups), a single _id from its index."""
    def lookup(one):
        return collection.find_one({"_id": one}, projection)

    return [doc for doc in at_once(lookup, list(dict.fromkeys(ids))) if doc is not None]


def at_once(lookup: Callable[[object], T], keys: list) -> list[T]:
    """`lookup` of each key, in order. Under nameko (eventlet) a list longer than
    LOOKUPS_AT_ONCE is looked up that many at a time (a cohort's 1,000 by _id: 2,700 lookups a
    second one by one, 4,900 eight at once, on two cores)."""
    if len(keys) > LOOKUPS_AT_ONCE and is_monkey_patched("socket"):
        return list(eventlet.GreenPool(LOOKUPS_AT_ONCE).imap(lookup, keys))
    return [lookup(key) for key in keys]


STALE_CLAIM = timedelta(seconds=60)


def aware(at: datetime) -> datetime:
    """A stored datetime as UTC: pymongo hands them back naive."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def claim(collection: Collection, name: str, now: datetime,
          stale: timedelta = STALE_CLAIM, done: Callable[[], bool] | None = None) -> bool:
    """Whether this writer may make the change called `name` (a certificate's n-th status
    change, an offer's answer): the first to insert the claim wins, on any MongoDB-wire server;
    a conditional update would let two win on FerretDB. A claim older than `stale` is one whose
    writer died before making its change, and is taken over, unless `done()` says the change
    was made after all."""
    try:
        collection.insert_one({"_id": name, "at": now})
        return True
    except DuplicateKeyError:
        held = collection.find_one({"_id": name}) or {"at": now - stale}
        if now - aware(held["at"]) < stale or (done is not None and done()):
            return False
        collection.update_one({"_id": name}, {"$set": {"at": now}})
        return True


def change_version(collection: Collection, versions: Collection, doc_id, read: int,
                   update: dict | Callable[[], dict], now: datetime) -> bool:
    """Apply `update` to the document read at version `read` unless another writer changed it
    since: version read + 1 is claimed first in `versions` ("<id>:<n>", a unique insert that
    one writer alone wins), then written with the update. FerretDB rewrites the whole document
    on every update, so two at once lose one, even `$set`s of different fields (four at once:
    254 of 400 lost, measured here). False when another writer holds the version; one that died
    between its claim and its write is taken over after a minute (claim). `update` may be a
    function, called once the version is ours (an outbox's entries are marked only then)."""
    version = read + 1

    def written() -> bool:
        stored = collection.find_one({"_id": doc_id}, {"version": 1}) or {}
        return stored.get("version", 0) >= version

    if not claim(versions, f"{doc_id}:{version}", now, done=written):
        return False
    update = update() if callable(update) else update
    collection.update_one({"_id": doc_id},
                          {**update, "$set": {**update.get("$set", {}), "version": version}})
    return True


class Contended(Exception):
    """Another writer holds the claim on this change: try again shortly (an event handler's
    message is requeued)."""


@contextmanager
def exclusive(collection: Collection, name: str, now: datetime):
    """The change called `name` made by one writer at a time, where it reads before it writes
    (keep the newer of two consent changes): a claim held for the change, then dropped."""
    if not claim(collection, name, now):
        raise Contended(name)
    try:
        yield
    finally:
        collection.delete_one({"_id": name})


def listed(collection: Collection, owner: str, field: str) -> list:
    """The values of an owner's list, kept as documents {_id: "<owner>:<k>", field: value},
    k = 1, 2, ...: read by _id, so the cost is the list's length, not the collection's (a query
    on the owner would read every document on FerretDB)."""
    values = []
    while (doc := collection.find_one({"_id": f"{owner}:{len(values) + 1}"})) is not None:
        values.append(doc[field])
    return values


def add_to_list(collection: Collection, owner: str, field: str, value) -> None:
    """Adds `value` to the owner's list (`listed`) unless it is there: the next place is
    claimed by a unique insert, so two values added at once both land (an update of one
    document holding the list could lose one)."""
    values = listed(collection, owner, field)
    while value not in values:
        try:
            collection.insert_one({"_id": f"{owner}:{len(values) + 1}", field: value})
            return
        except DuplicateKeyError:  # another value took the place: look again
            values = listed(collection, owner, field)


def append_to_list(collection: Collection, owner: str, field: str, value) -> None:
    """Appends `value` to the owner's list (`listed`) without reading the list (append_all)."""
    append_all(collection, owner, field, [value])


def append_all(collection: Collection, owner: str, field: str, values: list) -> None:
    """Appends the values to the owner's list (`listed`) without reading the list: the places
    after the last this process appended are claimed by one ordered insert (take_run); where
    another writer took one, the rest go on after it. For long lists (a cohort's enrolments or
    cases, a day's decisions), where add_to_list would read every entry; a value appended
    twice (a redelivery) is listed twice, so readers take each once (by_ids does)."""
    def taken(n: int) -> bool:
        return collection.find_one({"_id": f"{owner}:{n}"}, {"_id": 1}) is not None

    def insert(first: int, pending: list) -> None:
        collection.insert_many([{"_id": f"{owner}:{first + k}", field: value}
                                for k, value in enumerate(pending)], ordered=True)

    take_run((collection.full_name, owner), values, taken, insert)


BUILT = "~built"  # in a collection built from others: it was built (see build_once)
BUILDING = "~building"  # a build began; without BUILT beside it, it did not finish


def build_once(collection: Collection, docs: Callable[[], Iterable[dict]]) -> None:
    """Documents derived from others (lists, markers) made for a database written before the
    collection existed: the scan that finds them runs once, and the `~built` marker, inserted
    last, says so (nothing to build is a result too). A build that died halfway (its
    `~building` marker without `~built`) is done again, what landed kept; a collection that
    older code filled without markers is taken as built."""
    if collection.find_one({"_id": BUILT}, {"_id": 1}) is not None:
        return
    began = collection.find_one({"_id": BUILDING}, {"_id": 1}) is not None
    if not began and collection.find_one({}, {"_id": 1}) is not None:
        insert_new(collection, [{"_id": BUILT}])  # filled by older code
        return
    insert_new(collection, [{"_id": BUILDING}])
    insert_new(collection, [*docs(), {"_id": BUILT}])
    collection.delete_one({"_id": BUILDING})  # readers of the collection know only BUILT


def insert_new(collection: Collection, docs: list[dict]) -> list:
    """Inserted in batches; those there already (an earlier build, another instance starting
    at the same time, a pointer written before a crash) are left as they are. Returns the
    _ids of those."""
    there = []
    for first in range(0, len(docs), 1000):
        try:
            collection.insert_many(docs[first:first + 1000], ordered=False)
        except BulkWriteError as exc:
            if not _only_taken(exc):
                raise
            there += [docs[first + error["index"]]["_id"]
                      for error in exc.details["writeErrors"]]
    return there


def build_lists(collection: Collection, pairs: Callable[[], Iterable[tuple]],
                field: str) -> None:
    """The lists of `listed` made once (build_once) from the (owner, value) pairs: one bulk
    insert (adding one by one costs three round trips each)."""
    def docs():
        length: dict[str, int] = {}
        for owner, value in pairs():
            length[owner] = length.get(owner, 0) + 1
            yield {"_id": f"{owner}:{length[owner]}", field: value}
    build_once(collection, docs)


# Where each process last found a free slot, per collection and scope (see insert_into_free_slot).
_slot_hints: dict[tuple, int] = {}


def slot_order(hint: int, capacity: int):
    """The slots to try, by insert, for a free one: those above where this process last found
    one, then those below (freed since, or taken by no one yet). One at a time: skipping ahead
    in growing steps sent several writers at once to the top, and from there to a query that
    reads the whole collection on FerretDB (25 s a time among 50,000 seats)."""
    yield from range(hint + 1, capacity + 1)
    yield from range(1, min(hint, capacity) + 1)


def insert_into_free_slot(collection: Collection, doc: dict, scope: dict, slot_field: str,
                          capacity: int) -> int:
    """Insert `doc` under a free slot number 1..capacity within `scope`.

    For seats and places that must never be overbooked, on any MongoDB-wire server: the
    collection needs a unique index on the scope fields plus `slot_field`, so only a single
    insert is relied on, never an atomic conditional update (FerretDB has none across
    concurrent requests). A taken slot costs a refused insert; the cost is bounded by the
    capacity, never by the collection (slot_order). Raises NoFreeSlot when all are taken;
    DuplicateKeyError when a document with the same _id exists (the same person twice, say).
    """
    key = (collection.full_name, *sorted(scope.items()))
    for slot in slot_order(_slot_hints.get(key, 0), capacity):
        try:
            collection.insert_one({**doc, **scope, slot_field: slot})
        except DuplicateKeyError:
            # Not every server names the index that refused; the _id tells the cases apart.
            if collection.find_one({"_id": doc["_id"]}, {"_id": 1}) is not None:
                raise
            continue
        _slot_hints[key] = slot
        return slot
    raise NoFreeSlot()
