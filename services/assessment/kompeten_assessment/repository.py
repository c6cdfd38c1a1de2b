"""Assessment cases in MongoDB, one document per case, and evidence files by content hash."""

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta

from kompeten_chassis import outbox, unit_of_work
from kompeten_chassis.mongo import (
    append_to_list,
    build_lists,
    by_ids,
    listed,
    take_next,
    taken_count,
)
from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .bnsp_report import decision_day
from .case import Case, Evidence, Review, UnitResult
from .registry import ASESORS, LSPS, SCHEMES, TUKS, Asesor, Lsp, Scheme, Tuk


def prepare(db: Database) -> None:
    seed(db)
    db.cases.create_index([("programme_id", ASCENDING)])
    db.cases.create_index([("participant_id", ASCENDING)])
    db.cases.create_index([("asesor", ASCENDING), ("assigned_on", ASCENDING)])
    # A programme's and an asesi's cases, and each day's decisions per LSP, as lists kept by
    # _id (queries on those fields read every case on FerretDB); older databases: once, a scan.
    def cases(query: dict | None = None, fields: dict | None = None):
        return db.cases.find(query or {}, fields).sort("opened_at")
    build_lists(db.programme_cases, lambda: ((c["programme_id"], c["_id"]) for c in cases(
        {}, {"programme_id": 1}) if c.get("programme_id")), "case")
    build_lists(db.participant_cases, lambda: ((c["participant_id"], c["_id"]) for c in cases(
        {}, {"participant_id": 1})), "case")
    build_lists(db.decided_cases, lambda: (
        (f"{c.lsp_code}:{decision_day(d['decided_at'])}", c.id)
        for c in map(_from_doc, cases({"decisions.0": {"$exists": True}}))
        for d in c.decisions), "case")


def _to_doc(case: Case) -> dict:
    doc = asdict(case)
    doc["_id"] = doc.pop("id")
    # Unit codes contain dots, which cannot be field names: keyed maps are stored as lists.
    for key in ("results", "reviews"):
        doc[key] = [{"code": code, **value} for code, value in doc[key].items()]
    return doc


def _from_doc(doc: dict) -> Case:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    doc.pop("version", None)
    doc.pop(outbox.FIELD, None)
    doc["results"] = {r.pop("code"): UnitResult(**r) for r in doc["results"]}
    doc["reviews"] = {r.pop("code"): Review(**r) for r in doc.get("reviews", [])}
    doc["evidence"] = [Evidence(**e) for e in doc.get("evidence", [])]
    return Case(**doc)


class DayFull(Exception):
    """Every place the asesor has on the day is taken."""


class Repository(unit_of_work.Repository):
    """The cases, each with an outbox for the events its changes cause."""

    outbox_collections = ("cases",)

    def __init__(self, db: Database):
        super().__init__(db)
        self._versions: dict[str, int] = {}  # the version of each case as this worker read it
        self._outboxes: dict[str, list] = {}  # and the events it held, not sent yet

    def open(self, case: Case) -> bool:
        """False when the case is already open: training.completed may arrive twice. Listed
        first under its programme and its asesi (an entry whose case was never stored, after
        a crash, is ignored)."""
        if case.programme_id:
            append_to_list(self.db.programme_cases, case.programme_id, "case", case.id)
        append_to_list(self.db.participant_cases, case.participant_id, "case", case.id)
        try:
            self.db.cases.insert_one(_to_doc(case))
        except DuplicateKeyError:
            return False
        return True

    def get(self, case_id: str) -> Case:
        doc = self.db.cases.find_one({"_id": case_id})
        if doc is None:
            raise NotFound(f"no case {case_id}", code="case_not_found")
        self._versions[case_id] = doc.get("version", 0)
        self._outboxes[case_id] = doc.get(outbox.FIELD, [])
        return _from_doc(doc)

    def find(self, **query) -> list[Case]:
        """Cases by field; `asesor` finds those the asesor leads or is a team member of. A
        programme's or an asesi's cases are read through their lists, by _id (a query on the
        field reads every case on FerretDB); other filters apply to those."""
        asesor = query.pop("asesor", None)
        for owner, lists in (("programme_id", self.db.programme_cases),
                             ("participant_id", self.db.participant_cases)):
            if owner in query:
                docs = by_ids(self.db.cases, listed(lists, query[owner], "case"))
                found = [d for d in docs if all(d.get(k) == v for k, v in query.items())
                         and (asesor is None or asesor == d.get("asesor")
                              or asesor in d.get("members", []))]
                return [_from_doc(d) for d in sorted(found, key=lambda d: d["opened_at"])]
        if asesor is not None:
            query["$or"] = [{"asesor": asesor}, {"members": asesor}]
        return [_from_doc(doc) for doc in self.db.cases.find(query).sort("opened_at")]

    def record_export(self, caller, start: date, end: date, cases: int, at) -> None:
        """Who read an LSP's BNSP report, for which period, when: the LSP's own audit."""
        self.db.exports.insert_one({"lsp": caller.lsp, "by": caller.actor, "at": at,
                                    "from": start.isoformat(), "to": end.isoformat(),
                                    "cases": cases})

    def exports(self, lsp: str) -> list[dict]:
        return [{k: v for k, v in d.items() if k != "_id"}
                for d in self.db.exports.find({"lsp": lsp}).sort("at", -1)]

    def places_taken(self, asesor: str, day: date) -> int:
        """How many asesi the asesor was given on a day: their places {_id:
        "<asesor>:<day>:<k>"}, k = 1, 2, ..., a sequence (take_next) found by lookups by _id
        (counting cases by asesor and day would scan every case on FerretDB)."""
        return taken_count(self._places(asesor, day), self._place_taken(asesor, day))

    def take_place(self, asesor: str, day: date, case_id: str, limit: int) -> bool:
        """Claims the asesor's next place of the day for a case by a unique insert, so two
        admins assigning at once cannot both get the last one; False when all `limit` are
        taken. A place is not given back when the case goes to another asesor later that
        day: the load counts whom the asesor was given."""
        def take(k: int) -> None:
            if k > limit:
                raise DayFull()
            self.db.asesor_places.insert_one({"_id": f"{asesor}:{day.isoformat()}:{k}",
                                              "case_id": case_id})

        try:
            take_next(self._places(asesor, day), self._place_taken(asesor, day), take)
            return True
        except DayFull:
            return False

    def _places(self, asesor: str, day: date) -> tuple:
        return (self.db.name, "asesor places", asesor, day.isoformat())

    def _place_taken(self, asesor: str, day: date) -> Callable[[int], bool]:
        return lambda k: self.db.asesor_places.find_one(
            {"_id": f"{asesor}:{day.isoformat()}:{k}"}, {"_id": 1}) is not None

    def withdraw_open_cases(self, participant_id: str, at) -> int:
        """The asesi withdrew consent: open cases stop; decided ones stay as the record. Each
        goes through save(), so a step racing with the withdrawal cannot undo it."""
        withdrawn = 0
        for found in self.find(participant_id=participant_id, status="open"):
            case = self.get(found.id)
            if case.status == "open":
                case.status, case.withdrawn_at = "withdrawn", at
                self.save(case)
                withdrawn += 1
        return withdrawn

    def decided_cases(self, lsp: str, start: date, end: date) -> list[Case]:
        """The LSP's cases with a decision on a day of the period, through the list of each
        day's decisions (a query on the LSP and status read every case on FerretDB: past 30 s
        among 50,000)."""
        ids = []
        for n in range((end - start).days + 1):
            ids += listed(self.db.decided_cases, f"{lsp}:{start + timedelta(days=n)}", "case")
        return [_from_doc(doc) for doc in by_ids(self.db.cases, ids)]

    def save_decided(self, case: Case, staged: dict) -> None:
        """A decision: listed under its LSP and day first, then saved with its event."""
        day = decision_day(case.decision["decided_at"]).isoformat()
        append_to_list(self.db.decided_cases, f"{case.lsp_code}:{day}", "case", case.id)
        self.save(case, staged)

    def save(self, case: Case, staged: dict | None = None) -> None:
        """Store a case read with get(), unless someone else changed it since: each version
        is claimed by a unique insert into case_versions, which only one writer wins on any
        MongoDB-wire server, before the case is replaced by _id (the lookup FerretDB indexes;
        a filter on _id and status would scan every case)."""
        version = self._versions[case.id] + 1
        try:
            self.db.case_versions.insert_one({"_id": f"{case.id}:{version}"})
        except DuplicateKeyError:
            raise Conflict("the case changed meanwhile", code="case_changed") from None
        pending = self._outboxes.get(case.id, []) + (
            self.filling("cases", case.id, staged) if staged else [])
        self.db.cases.replace_one({"_id": case.id}, {**_to_doc(case), "version": version,
                                                     outbox.FIELD: pending})
        self._versions[case.id], self._outboxes[case.id] = version, pending

    def store_file(self, sha256: str, content: bytes) -> None:
        """Evidence files are kept once per content hash."""
        try:
            self.db.evidence_files.insert_one({"_id": sha256, "content": content,
                                               "size": len(content)})
        except DuplicateKeyError:
            pass


# -- the registry ---------------------------------------------------------------------------------

def _registry_doc(item) -> dict:
    doc = {}
    for key, value in asdict(item).items():
        if isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif key == "units":
            value = [{"code": code, "title": title} for code, title in value]
        doc[key] = value
    return doc


def _lsp(doc: dict) -> Lsp:
    return Lsp(code=doc["code"], name=doc["name"], licence_number=doc["licence_number"],
               licence_valid_until=date.fromisoformat(doc["licence_valid_until"]),
               schemes=frozenset(doc["schemes"]), external=doc["external"],
               plenary_quorum=doc.get("plenary_quorum", 1))


def _scheme(doc: dict) -> Scheme:
    return Scheme(code=doc["code"], title=doc["title"], kind=doc["kind"],
                  units=tuple((u["code"], u["title"]) for u in doc["units"]),
                  validity_years=doc.get("validity_years", 3), sector=doc.get("sector"))


def _asesor(doc: dict) -> Asesor:
    return Asesor(registration_number=doc["registration_number"], name=doc["name"],
                  lsp_code=doc["lsp_code"], schemes=frozenset(doc["schemes"]),
                  valid_until=date.fromisoformat(doc["valid_until"]), active=doc["active"],
                  daily_limit=doc["daily_limit"],
                  trained_programmes=frozenset(doc["trained_programmes"]))


def _tuk(doc: dict) -> Tuk:
    return Tuk(**{key: doc[key] for key in ("code", "name", "lsp_code", "kind", "region_code")})


COLLECTIONS = {  # kind: (collection, key field, from_doc)
    "lsp": ("lsps", "code", _lsp),
    "scheme": ("schemes", "code", _scheme),
    "asesor": ("asesors", "registration_number", _asesor),
    "tuk": ("tuks", "code", _tuk),
}


def seed(db: Database) -> None:
    """A new installation starts with the seed registry; what is stored is never overwritten."""
    for kind, items in (("scheme", SCHEMES), ("lsp", LSPS), ("asesor", ASESORS),
                        ("tuk", TUKS)):
        collection, key, _ = COLLECTIONS[kind]
        for item in items.values():
            doc = _registry_doc(item)
            try:
                db[collection].insert_one({"_id": doc[key], **doc})
            except DuplicateKeyError:
                pass


_SCHEMES: dict[tuple[str, str], Scheme] = {}


class Registry(unit_of_work.Repository):
    """The LSP registry as stored: lookups raise NotFound with a code, additions Conflict."""

    def _get(self, kind: str, key: str):
        collection, _, from_doc = COLLECTIONS[kind]
        doc = self.db[collection].find_one({"_id": key})
        if doc is None:
            raise NotFound(f"no {kind} {key}", code=f"{kind}_not_found")
        return from_doc(doc)

    def _all(self, kind: str) -> list:
        collection, _, from_doc = COLLECTIONS[kind]
        return [from_doc(doc) for doc in self.db[collection].find().sort("_id")]

    def add(self, kind: str, item) -> None:
        collection, key, _ = COLLECTIONS[kind]
        doc = _registry_doc(item)
        try:
            self.db[collection].insert_one({"_id": doc[key], **doc})
        except DuplicateKeyError:
            raise Conflict(f"{kind} {doc[key]} is already registered",
                           code=f"{kind}_exists") from None

    def lsp(self, code: str) -> Lsp:
        return self._get("lsp", code)

    def scheme(self, code: str) -> Scheme:
        """Read once per process: schemes are added, never changed (a case's every step
        and view needs its scheme)."""
        key = (self.db.name, code)
        if key not in _SCHEMES:
            _SCHEMES[key] = self._get("scheme", code)
        return _SCHEMES[key]

    def asesor(self, registration_number: str) -> Asesor:
        return self._get("asesor", registration_number)

    def tuk(self, code: str) -> Tuk:
        return self._get("tuk", code)

    def lsps(self) -> list[Lsp]:
        return self._all("lsp")

    def schemes(self) -> list[Scheme]:
        return self._all("scheme")

    def asesors(self) -> list[Asesor]:
        return self._all("asesor")

    def tuks(self) -> list[Tuk]:
        return self._all("tuk")

    def lsp_for(self, scheme_code: str) -> Lsp | None:
        doc = self.db.lsps.find_one({"schemes": scheme_code})
        return _lsp(doc) if doc else None

    def set_quorum(self, code: str, quorum: int) -> None:
        self.db.lsps.update_one({"_id": code}, {"$set": {"plenary_quorum": quorum}})

    def set_active(self, registration_number: str, active: bool) -> Asesor:
        self.asesor(registration_number)
        self.db.asesors.update_one({"_id": registration_number}, {"$set": {"active": active}})
        return self.asesor(registration_number)

