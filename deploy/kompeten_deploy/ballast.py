"""Ballast for the flat-with-data benchmark: a province's worth of records beside a new cohort.

The records a chain run stored (participants, enrolments, cases, certificates, offers,
placements) are copied into another run's databases until each such collection holds `size`
documents. Each copy keeps its shape, so every query the services make reads it as it would a
real record, but takes a new `_id` and new values in its unique keys (strings marked
`~b<copy>`, integers made negative), so it never collides with, or is found by a lookup of, the
new cohort. The new chain then runs into those databases, and its rate is compared with the
same chain into empty ones.

The lists kept by `_id` (a programme's applicants, a scheme's holders) are copied the same
way, under other `_id`s: the ballast stands for a province's other programmes and schemes,
whose records the new cohort's reads must not pay for. (Were all 50,000 certificates of the
vacancy's scheme, the ranking would read them all, as it would through an index.)
"""

from itertools import count

from bson import ObjectId
from pymongo import MongoClient

# service: the collections a province's data makes large (what the hot paths would scan)
RECORDS = {
    "enrollment": ("participants", "enrolments", "applied_to", "cohorts", "seats"),
    "assessment": ("cases", "case_versions", "programme_cases", "participant_cases",
                   "decided_cases"),
    "certificate": ("certificates", "certificate_sources", "holdings", "status_slots"),
    "placement": ("certificates", "held", "scheme_pool", "programme_graduates", "sharing",
                  "follow_up_consents", "offers", "offered", "placements", "check_ins"),
}
# copied as they are, once: the markers that say a database's lists were built (else the
# services would build them again from the ballast on start)
MARKERS = {"enrollment": ("waitlists", "notices_pending", "outbox_swept"),
           "assessment": ("outbox_swept",), "certificate": ("issuers", "outbox_swept"),
           "placement": ("apprentice_places", "outbox_swept")}
BATCH = 1000


def unique_fields(collection) -> set[str]:
    """Fields of the collection's unique indexes, but _id."""
    return {field for index in collection.index_information().values() if index.get("unique")
            for field, _ in index["key"] if field != "_id"}


def copy_of(doc: dict, copy: int, unique: set[str]) -> dict:
    clone = dict(doc)
    clone["_id"] = ObjectId() if isinstance(doc["_id"], ObjectId) else f"{doc['_id']}~b{copy}"
    for field in unique & doc.keys():
        value = doc[field]
        if isinstance(value, str):
            clone[field] = f"{value}~b{copy}"
        elif isinstance(value, int) and not isinstance(value, bool):
            clone[field] = -(copy * 10_000_000 + value)
    return clone


def fill(mongo_uri: str, source: dict[str, str], target: dict[str, str], size: int,
         progress=print) -> dict[str, int]:
    """Copies of the records in the `source` databases (service: database) into the `target`
    ones until each collection of RECORDS holds `size`; the documents now held, by
    service.collection."""
    client = MongoClient(mongo_uri)
    held = {}
    try:
        for service, collections in RECORDS.items():
            for name in collections:
                original = list(client[source[service]][name].find())
                into = client[target[service]][name]
                unique = unique_fields(client[source[service]][name])
                copies = count(1)
                stored = 0  # counted here: a count on FerretDB reads every document
                while original and stored < size:
                    copy = next(copies)
                    batch = [copy_of(doc, copy, unique) for doc in original][:size - stored]
                    for first in range(0, len(batch), BATCH):
                        into.insert_many(batch[first:first + BATCH], ordered=False)
                    stored += len(batch)
                held[f"{service}.{name}"] = stored
            for name in MARKERS.get(service, ()):
                markers = list(client[source[service]][name].find())
                if markers:
                    client[target[service]][name].insert_many(markers, ordered=False)
            progress(f"  ballast {service}: " + ", ".join(
                f"{name} {held[f'{service}.{name}']:,}" for name in collections))
    finally:
        client.close()
    return held
