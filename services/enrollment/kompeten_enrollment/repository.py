"""Enrollment's MongoDB collections. Dates are stored as ISO strings (BSON has no date type).

participants   one per person, keyed by an opaque id; the NIK only as keyed hash and mask
programmes     programmes, with their eligibility and priority rules
enrolments     one per person and programme: waitlisted, enrolled, then how it ended
applied_to     each person's programmes, "<participant>:<k>" -> programme_id: their
               enrolments found by _id (a query on participant_id scans them all on FerretDB)
cohorts        each programme's applicants, "<programme>:<k>" -> participant_id: its
               enrolments found by _id, likewise
seats          one per seat taken; the unique (programme_id, seat) index guards capacity
waitlists      a marker per programme where someone has waited for a seat
attendance     each programme's attendance sheets, "<programme>:<k>" -> {day, present}
targets        goals above programmes, nested by parent_id
"""

import functools
from dataclasses import asdict
from datetime import UTC, date, datetime

from kompeten_chassis import privacy, unit_of_work
from kompeten_chassis.mongo import (
    BUILT,
    Contended,
    add_to_list,
    append_all,
    build_lists,
    build_once,
    by_ids,
    change_version,
    listed,
    slot_order,
    upsert,
)
from kompeten_shared.errors import Conflict, NotFound
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from .community import Community
from .participant import Consent, Participant
from .programme import Programme
from .provider import Provider, Trainer
from .target import Target

DATE_FIELDS = ("start_date", "end_date", "birth_date", "applications_until")
ACTIVE = ("waitlisted", "enrolled")
EVER_ENROLLED = ("enrolled", "completed", "not_completed", "dropped_out")


def history_of(enrolments, programme_id: str) -> dict:
    """Per participant of these enrolments: active applications elsewhere, completed
    programmes, and the status of their application to this programme."""
    history: dict[str, dict] = {}
    for doc in enrolments:
        entry = history.setdefault(doc["participant_id"],
                                   {"active": 0, "completed": 0, "here": None})
        if doc["programme_id"] == programme_id:
            entry["here"] = doc["status"]
        elif doc["status"] in ACTIVE:
            entry["active"] += 1
        if doc["status"] == "completed":
            entry["completed"] += 1
    return history


def prepare(db: Database) -> None:
    db.participants.create_index([("nik_digest", ASCENDING)], unique=True)
    db.seats.create_index([("programme_id", ASCENDING), ("seat", ASCENDING)], unique=True)
    db.programmes.create_index([("target_id", ASCENDING)])
    db.targets.create_index([("parent_id", ASCENDING)])
    privacy.prepare(db)
    # Markers and lists kept by _id (queries on other fields read every document on
    # FerretDB); a database from before them: each once, a scan.
    build_once(db.waitlists, lambda: ({"_id": p} for p in sorted({
        d["programme_id"] for d in db.enrolments.find({"status": "waitlisted"},
                                                      {"programme_id": 1})})))
    build_once(db.notices_pending, lambda: (
        {"_id": n["_id"], "queued_at": n["queued_at"]}
        for n in db.notices.find({"status": "pending"}, {"queued_at": 1})))

    @functools.cache  # both lists from one scan
    def enrolments() -> list[dict]:
        return list(db.enrolments.find({}, {"participant_id": 1, "programme_id": 1}).sort(
            "applied_at"))
    build_lists(db.applied_to, lambda: ((d["participant_id"], d["programme_id"])
                                        for d in enrolments()), "programme_id")
    build_lists(db.cohorts, lambda: ((d["programme_id"], d["participant_id"])
                                     for d in enrolments()), "participant_id")


def _to_doc(obj) -> dict:
    doc = asdict(obj)
    doc["_id"] = doc.pop("id")
    for key in DATE_FIELDS:
        if doc.get(key) is not None:
            doc[key] = doc[key].isoformat()
    if doc.get("session_dates"):
        doc["session_dates"] = [day.isoformat() for day in doc["session_dates"]]
    return doc


def _from_doc(doc: dict) -> dict:
    doc = dict(doc)
    doc["id"] = doc.pop("_id")
    for key in DATE_FIELDS:
        if doc.get(key) is not None:
            doc[key] = date.fromisoformat(doc[key])
    return doc


def enrolment_id(programme_id: str, participant_id: str) -> str:
    return f"{programme_id}:{participant_id}"


class Repository(unit_of_work.Repository):
    """Programmes, participants, enrolments (each with an outbox for the event its ending
    causes), seats, targets and outcomes."""

    outbox_collections = ("enrolments", "holders")
    # Per process and database: the last seat found per programme, where the search for the
    # next starts (see _seat).
    _seat_hints: dict[tuple[str, str], int] = {}

    # programmes ------------------------------------------------------------------------------
    def add_programme(self, programme: Programme) -> None:
        self.db.programmes.insert_one(_to_doc(programme))

    def programme(self, programme_id: str) -> Programme:
        doc = self.db.programmes.find_one({"_id": programme_id})
        if doc is None:
            raise NotFound(f"no programme {programme_id}", code="programme_not_found")
        return Programme(**_from_doc(doc))

    def enrolments_of(self, participant_id: str) -> list[dict]:
        """Every application of one person, the latest first."""
        return sorted(self._with_attendance(self._enrolments_of([participant_id])),
                      key=lambda d: d["applied_at"], reverse=True)

    def _enrolments_of(self, participant_ids: list[str], fields: dict | None = None) -> list:
        """The people's enrolments, found through their lists of programmes by _id."""
        ids = [enrolment_id(programme_id, pid) for pid in participant_ids
               for programme_id in listed(self.db.applied_to, pid, "programme_id")]
        return by_ids(self.db.enrolments, ids, fields)

    def _cohort(self, programme_id: str, fields: dict | None = None) -> list[dict]:
        """The programme's enrolments, found through its list of applicants by _id: the
        cost is the cohort's size, not the number of enrolments stored."""
        return by_ids(self.db.enrolments, [
            enrolment_id(programme_id, pid)
            for pid in listed(self.db.cohorts, programme_id, "participant_id")], fields)

    def programmes_by_id(self, programme_ids: list[str]) -> dict[str, Programme]:
        docs = by_ids(self.db.programmes, programme_ids)
        return {doc["_id"]: Programme(**_from_doc(doc)) for doc in docs}

    def programmes(self, agency: str) -> list[Programme]:
        """An agency's programmes, the latest start first."""
        return [Programme(**_from_doc(doc)) for doc in
                self.db.programmes.find({"agency": agency}).sort("start_date", -1)]

    def participants(self, participant_ids: list[str]) -> dict[str, Participant]:
        docs = by_ids(self.db.participants, participant_ids)
        return {doc["_id"]: self._participant(doc, doc["_id"]) for doc in docs}

    def assessed_by(self, lsp: str | None, participant_ids: list[str]) -> set[str]:
        """Those among the participants whose assessment the LSP decided."""
        if lsp is None:
            return set()
        return {d["participant_id"] for d in self._enrolments_of(
            participant_ids, {"participant_id": 1, "assessment.lsp": 1})
            if d.get("assessment", {}).get("lsp") == lsp}

    def applications(self, programme_ids: list[str]) -> dict[str, int]:
        """Applications per programme, whatever became of them."""
        counted = {p: len(self._cohort(p, {"_id": 1})) for p in programme_ids}
        return {p: n for p, n in counted.items() if n}

    def mark_allocated(self, programme_id: str) -> bool:
        """False when another request allocated first."""
        return self.db.programmes.update_one({"_id": programme_id, "allocated": {"$ne": True}},
                                             {"$set": {"allocated": True}}).modified_count == 1

    # closing: a job per programme, claimed by its unique id, resumed by a timer ------------
    def start_close(self, programme_id: str, by: str, total: int, now: datetime) -> bool:
        """Claim the close (False if it has begun already) and stop further changes."""
        try:
            self.db.closings.insert_one({"_id": programme_id, "by": by, "total": total,
                                         "done": 0, "started_at": now, "worked_at": now,
                                         "finished": False})
        except DuplicateKeyError:
            return False
        self.db.programmes.update_one({"_id": programme_id}, {"$set": {"closing": True}})
        return True

    def closing(self, programme_id: str) -> dict | None:
        return self.db.closings.find_one({"_id": programme_id})

    def unfinished_closings(self, idle_since: datetime) -> list[str]:
        """Closes nobody worked on since then: a worker died, or a batch is due."""
        return [d["_id"] for d in self.db.closings.find(
            {"finished": False, "worked_at": {"$lt": idle_since}}, {"_id": 1})]

    def close_progress(self, programme_id: str, done: int, worked_at: datetime) -> None:
        self.db.closings.update_one({"_id": programme_id},
                                    {"$set": {"done": done, "worked_at": worked_at}})

    def finish_close(self, programme_id: str, outcome: dict, now: datetime) -> None:
        self.db.programmes.update_one({"_id": programme_id},
                                      {"$set": {"closed": True, "closing": False}})
        self.db.closings.update_one({"_id": programme_id}, {"$set": {
            **outcome, "done": outcome["total"], "finished": True, "finished_at": now,
            "worked_at": now}})

    # participants ----------------------------------------------------------------------------
    def add_participant(self, participant: Participant) -> None:
        try:
            self.db.participants.insert_one(_to_doc(participant))
        except DuplicateKeyError:
            raise Conflict("a participant with this NIK is already registered",
                           code="participant_exists") from None

    def participant(self, participant_id: str) -> Participant:
        return self._participant(self.db.participants.find_one({"_id": participant_id}),
                                 participant_id)

    def participants_by_nik(self, digests: list[str]) -> dict[str, Participant]:
        docs = self.db.participants.find({"nik_digest": {"$in": digests}})
        return {doc["nik_digest"]: self._participant(doc, "") for doc in docs}

    def add_participants(self, participants: list[Participant]) -> set[str]:
        """Insert many; the ids refused because their NIK was registered meanwhile."""
        if not participants:
            return set()
        try:
            self.db.participants.insert_many([_to_doc(p) for p in participants], ordered=False)
        except BulkWriteError as exc:
            return {participants[e["index"]].id for e in exc.details["writeErrors"]}
        return set()

    def participant_ids_by_nik(self, digests: list[str]) -> dict[str, str]:
        docs = self.db.participants.find({"nik_digest": {"$in": digests}}, {"nik_digest": 1})
        return {doc["nik_digest"]: doc["_id"] for doc in docs}

    @staticmethod
    def _participant(doc: dict | None, participant_id: str) -> Participant:
        if doc is None:
            raise NotFound(f"no participant {participant_id}", code="participant_not_found")
        doc = _from_doc(doc)
        doc["consents"] = [Consent(**c) for c in doc["consents"]]
        return Participant(**doc)

    def add_consent(self, participant: Participant, consent: Consent) -> None:
        self.db.participants.update_one({"_id": participant.id},
                                        {"$push": {"consents": asdict(consent)}})

    # applications, seats and the waitlist ---------------------------------------------------
    def admit(self, programme: Programme, applications: list[tuple[str, str]],
              now: datetime) -> None:
        """[(participant_id, priority)]: seat them in priority order while seats are free, the
        rest join the waitlist. Repeats are ignored (the first application stands).

        Each enrolment is written once, with its final status: on FerretDB an update costs a
        scan, an insert does not."""
        if not applications:
            return
        if programme.allocating_later():  # seats wait for the allocation by priority
            self._insert_enrolments(programme, [(p, r, "waitlisted") for p, r in applications],
                                    now)
            return
        if self._has_waitlist(programme.id):
            # People are already waiting: they may rank ahead, so everyone queues first.
            self._insert_enrolments(programme, [(p, r, "waitlisted") for p, r in applications],
                                    now)
            self.fill_seats(programme)
            return
        decided, full = [], False
        for participant_id, priority in sorted(applications, key=lambda a: a[1]):
            full = full or not self._seat(programme, participant_id)
            decided.append((participant_id, priority, "waitlisted" if full else "enrolled"))
        self._insert_enrolments(programme, decided, now)

    def _seat(self, programme: Programme, participant_id: str) -> bool:
        """A free seat for the participant (or the one they hold); False when all are taken.
        Seats are tried by insert in slot_order from where this process last found one: the
        unique index refuses a taken seat at the cost of an insert, where asking which seats
        are taken reads every seat on FerretDB."""
        key = (self.db.name, programme.id)
        for seat in slot_order(self._seat_hints.get(key, 0), programme.capacity):
            if self._take_seat(programme, participant_id, seat):
                self._seat_hints[key] = seat
                return True
        return False

    def _insert_enrolments(self, programme: Programme, decided: list[tuple[str, str, str]],
                           now: datetime) -> None:
        docs = [{"_id": enrolment_id(programme.id, pid), "programme_id": programme.id,
                 "participant_id": pid, "status": status, "priority": priority,
                 "applied_at": now, "attended": []} for pid, priority, status in decided]
        self._list_applications(programme.id, [pid for pid, _, _ in decided])
        append_all(self.db.cohorts, programme.id, "participant_id",
                   [pid for pid, _, _ in decided])
        if any(status == "waitlisted" for _, _, status in decided):
            self._mark_waitlist(programme.id)
        try:
            self.db.enrolments.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            # Applied before: the existing application stands, and so must its seat.
            for error in exc.details["writeErrors"]:
                repeat = docs[error["index"]]
                if repeat["status"] == "enrolled" and self.db.enrolments.find_one(
                        {"_id": repeat["_id"], "status": {"$ne": "enrolled"}}, {"_id": 1}):
                    self.db.seats.delete_one({"_id": repeat["_id"]})

    def _has_waitlist(self, programme_id: str) -> bool:
        """Whether anyone has ever waited for a seat here (then seats go by priority through
        fill_seats): a marker read by _id, where asking for a waitlisted enrolment reads every
        enrolment on FerretDB."""
        return self.db.waitlists.find_one({"_id": programme_id}, {"_id": 1}) is not None

    def _mark_waitlist(self, programme_id: str) -> None:
        """Before the first waitlisted enrolment is written."""
        try:
            self.db.waitlists.insert_one({"_id": programme_id})
        except DuplicateKeyError:
            pass

    def _list_applications(self, programme_id: str, participant_ids: list[str]) -> None:
        """Each person's list of programmes, before the enrolments (a list entry without its
        enrolment, after a crash, is ignored). Someone new starts a list: many in one insert."""
        first = [{"_id": f"{pid}:1", "programme_id": programme_id} for pid in participant_ids]
        try:
            self.db.applied_to.insert_many(first, ordered=False)
            return
        except BulkWriteError as exc:
            taken = [participant_ids[e["index"]] for e in exc.details["writeErrors"]]
        for pid in taken:  # they applied somewhere before
            add_to_list(self.db.applied_to, pid, "programme_id", programme_id)

    def _take_seat(self, programme: Programme, participant_id: str, seat: int) -> bool:
        """The unique (programme_id, seat) index is the guard against overbooking; the _id
        (the enrolment's) keeps one person from holding two seats."""
        try:
            self.db.seats.insert_one({"_id": enrolment_id(programme.id, participant_id),
                                      "programme_id": programme.id,
                                      "participant_id": participant_id, "seat": seat})
            return True
        except DuplicateKeyError:
            return self.db.seats.find_one(
                {"_id": enrolment_id(programme.id, participant_id)}, {"_id": 1}) is not None

    def enrolment_history(self, participant_ids: list[str], programme_id: str) -> dict:
        return history_of(self._enrolments_of(participant_ids, {
            "status": 1, "programme_id": 1, "participant_id": 1}), programme_id)

    def statuses(self, programme_id: str, participant_ids: list[str]) -> dict[str, str]:
        ids = [enrolment_id(programme_id, pid) for pid in participant_ids]
        return {doc["participant_id"]: doc["status"] for doc in by_ids(
            self.db.enrolments, ids, {"participant_id": 1, "status": 1})}

    def enrolment(self, programme_id: str, participant_id: str) -> dict:
        doc = self.db.enrolments.find_one({"_id": enrolment_id(programme_id, participant_id)})
        if doc is None:
            raise NotFound("participant has not applied to this programme",
                           code="enrolment_not_found")
        return self._with_attendance([doc])[0]

    def fill_seats(self, programme: Programme) -> list[str]:
        """Give free seats to the waitlist in priority order; the promoted participant ids.
        None before a programme's allocation: everyone waits for it."""
        if programme.allocating_later():
            return []
        cohort = self._cohort(programme.id, {"participant_id": 1, "status": 1,
                                             "priority": 1, "version": 1})
        # Whoever is enrolled holds a seat (taken before the status is set, freed after it
        # changes): no more can be free than this, so a full programme tries none.
        free = programme.capacity - sum(d["status"] == "enrolled" for d in cohort)
        waiting = sorted((d for d in cohort if d["status"] == "waitlisted"),
                         key=lambda d: d["priority"])
        promoted = []
        for doc in waiting[:max(free, 0)]:
            if not self._seat(programme, doc["participant_id"]):
                break  # taken meanwhile: the programme is full
            if self._change(doc, {"$set": {"status": "enrolled"}}):
                promoted.append(doc["participant_id"])
            elif self.db.enrolments.find_one({"_id": doc["_id"]})["status"] != "enrolled":
                self.db.seats.delete_one({"_id": doc["_id"]})  # they left the waitlist meanwhile
        return promoted

    def leave(self, doc: dict, status: str, reason: str, now: datetime,
              staged: dict | None = None) -> None:
        if not self._change(doc, {"$set": {"status": status, "left_at": now, "reason": reason}},
                            staged):
            raise Conflict("the enrolment changed meanwhile", code="enrolment_changed")
        self.db.seats.delete_one({"_id": doc["_id"]})

    def _change(self, doc: dict, update: dict, staged: dict | None = None) -> bool:
        """Apply `update` to the enrolment read as `doc` unless another writer changed it
        since (change_version: its next version claimed in enrolment_versions): an assessment
        and a certificate recorded at the same moment both land. False when another writer
        has the version."""
        return change_version(self.db.enrolments, self.db.enrolment_versions, doc["_id"],
                              doc.get("version", 0), lambda: self.with_outbox(
                                  "enrolments", doc["_id"], update, staged), datetime.now(UTC))

    def waitlist(self, programme_id: str) -> list[dict]:
        return sorted((d for d in self._cohort(programme_id) if d["status"] == "waitlisted"),
                      key=lambda d: d["priority"])

    def enrolments(self, programme_id: str, status: str | None = None) -> list[dict]:
        return self._with_attendance(sorted(
            (d for d in self._cohort(programme_id) if status in (None, d["status"])),
            key=lambda d: d["_id"]))

    # attendance and completion ----------------------------------------------------------------
    def record_attendance(self, programme_id: str, day: date, present: list[str]) -> int:
        """One sheet per submission, in the programme's list of sheets (claimed by unique
        insert): two officers marking at the same moment, the same day or not, both count;
        marking a person on each enrolment would lose one of two updates at once on FerretDB
        (and read every enrolment to find them). The same sheet sent twice is kept once."""
        present = sorted(set(present))
        add_to_list(self.db.attendance, programme_id, "sheet",
                    {"day": day.isoformat(), "present": present})
        return len(present)

    def _with_attendance(self, docs: list[dict]) -> list[dict]:
        """The enrolments with `attended`: the days from their programme's sheets (and any
        recorded on the enrolment itself, as before the sheets)."""
        days: dict[str, dict[str, set[str]]] = {}
        for doc in docs:
            if doc["programme_id"] not in days:
                found = days[doc["programme_id"]] = {}
                for sheet in listed(self.db.attendance, doc["programme_id"], "sheet"):
                    for pid in sheet["present"]:
                        found.setdefault(pid, set()).add(sheet["day"])
            doc["attended"] = sorted(set(doc.get("attended", [])) | days[
                doc["programme_id"]].get(doc["participant_id"], set()))
        return docs

    def finish(self, doc: dict, status: str, rate: float | None, staged: dict | None,
               held: bool = False) -> bool:
        """Record the outcome with its event in the outbox, unless the enrolment changed since
        it was read (False: a drop-out meanwhile, or a second close worker that did it)."""
        return self._change(doc, {"$set": {"status": status, "attendance_rate": rate,
                                           "held_without_consent": held}}, staged)

    def outcomes(self, programme_id: str) -> dict:
        """How the programme's close ended for its people."""
        found = {"completed": 0, "not_completed": 0, "held_without_consent": 0}
        for doc in self._cohort(programme_id, {"status": 1, "held_without_consent": 1}):
            if doc["status"] not in ("completed", "not_completed"):
                continue
            found[doc["status"]] += 1
            found["held_without_consent"] += bool(doc.get("held_without_consent"))
        return found

    # outcomes from other services --------------------------------------------------------------
    def record_outcome(self, participant_id: str, programme_id: str | None, field: str,
                       value: dict) -> bool:
        """Attach a certificate or placement to the enrolment that led to it: the programme
        named by the event, else the participant's latest completed enrolment."""
        if programme_id is None:
            completed = [d for d in self._enrolments_of([participant_id])
                         if d["status"] == "completed"]
            doc = max(completed, key=lambda d: d["applied_at"], default=None)
        else:
            doc = self.db.enrolments.find_one({"_id": enrolment_id(programme_id,
                                                                   participant_id)})
        if doc is None:
            return False
        if not self._change(doc, {"$set": {field: value}}):
            raise Contended(f"enrolment {doc['_id']}")  # the event is requeued: read again
        return True

    def add_recertification_due(self, expiring: dict) -> None:
        upsert(self.db.recertification_due, {"_id": expiring["certificate_number"]}, {"$set": {
            "participant_id": expiring["participant_id"], "scheme_code": expiring["scheme_code"],
            "valid_until": expiring["valid_until"].isoformat()}})

    def recertified(self, old_number: str) -> None:
        self.db.recertification_due.delete_one({"_id": old_number})

    def recertification_due(self, scheme_code: str | None) -> list[dict]:
        scope = {"scheme_code": scheme_code} if scheme_code else {}
        return [{"certificate_number": d.pop("_id"), **d}
                for d in self.db.recertification_due.find(scope).sort("valid_until")]

    # targets ---------------------------------------------------------------------------------
    # communities and notices ------------------------------------------------------------------
    def add_community(self, community: Community) -> None:
        self.db.communities.insert_one(_to_doc(community))

    def community(self, community_id: str) -> Community:
        doc = self.db.communities.find_one({"_id": community_id})
        if doc is None:
            raise NotFound(f"no community {community_id}", code="community_not_found")
        return Community(**_from_doc(doc))

    def communities(self, agency: str | None) -> list[Community]:
        return [Community(**_from_doc(d)) for d in
                self.db.communities.find({"agency": agency}).sort("created_at", -1)]

    def save_community(self, community: Community) -> None:
        self.db.communities.replace_one({"_id": community.id}, _to_doc(community))

    def graduates(self, programme_ids: list[str]) -> list[str]:
        """Who completed the programmes."""
        return sorted({d["participant_id"] for p in programme_ids
                       for d in self._cohort(p, {"participant_id": 1, "status": 1})
                       if d["status"] == "completed"})

    def identify_holder(self, number: str, participant_id: str, staged: dict) -> None:
        """Whose the certificate is, with the event saying so; once per certificate, however
        often certificate.issued arrives."""
        try:
            self.db.holders.insert_one(self.new_with_outbox(
                "holders", {"_id": number, "participant_id": participant_id}, staged))
        except DuplicateKeyError:
            pass

    def holder_of(self, number: str) -> str | None:
        doc = self.db.holders.find_one({"_id": number}, {"participant_id": 1})
        return doc and doc["participant_id"]

    def queue_notices(self, notices: list[dict]) -> None:
        """One document per message, sent by the delivery timer; a repeated id (the same
        event delivered twice) is kept once. Each pending one has a marker in
        `notices_pending`, inserted first, so the timer reads the few pending, not every
        notice ever sent (a query on the status reads them all on FerretDB, every 5 s)."""
        if notices:
            for collection, docs in (
                    (self.db.notices_pending, [{"_id": n["_id"], "queued_at": n["queued_at"]}
                                               for n in notices]),
                    (self.db.notices, notices)):
                try:
                    collection.insert_many(docs, ordered=False)
                except BulkWriteError:
                    pass

    def pending_notices(self, limit: int) -> list[dict]:
        markers = [m["_id"] for m in self.db.notices_pending.find(
            {"_id": {"$ne": BUILT}}).sort("queued_at").limit(limit)]
        found = {d["_id"]: d for d in by_ids(self.db.notices, markers)
                 if d["status"] == "pending"}
        for gone in set(markers) - found.keys():  # never stored (a crash), or done already
            self.db.notices_pending.delete_one({"_id": gone})
        return [found[m] for m in markers if m in found]

    def notice_done(self, notice_id: str, status: str, at: datetime,
                    error: str | None = None) -> None:
        update = {"$set": {"status": status, "done_at": at}}
        if error:
            update["$set"]["error"] = error
        self.db.notices.update_one({"_id": notice_id}, update)
        self.db.notices_pending.delete_one({"_id": notice_id})

    def notice_failed(self, notice: dict, error: str, give_up: bool) -> None:
        self.db.notices.update_one({"_id": notice["_id"]}, {
            "$set": {"attempts": notice.get("attempts", 0) + 1, "error": error,
                     "status": "failed" if give_up else "pending"}})
        if give_up:
            self.db.notices_pending.delete_one({"_id": notice["_id"]})

    def notices(self, participant_id: str) -> list[dict]:
        return [{k: v for k, v in d.items() if k != "text"} for d in self.db.notices.find(
            {"participant_id": participant_id}).sort("queued_at")]

    # providers and trainers ------------------------------------------------------------------
    def add_provider(self, provider: Provider) -> None:
        try:
            self.db.providers.insert_one(_to_doc(provider))
        except DuplicateKeyError:
            raise Conflict(f"provider {provider.id} is registered already",
                           code="provider_exists", details={"field": "id"}) from None

    def providers(self, ids: list[str] | None = None) -> dict[str, Provider]:
        query = {} if ids is None else {"_id": {"$in": ids}}
        return {d["_id"]: Provider(**_from_doc(d))
                for d in self.db.providers.find(query).sort("_id")}

    def add_trainer(self, trainer: Trainer) -> None:
        self.db.trainers.insert_one(_to_doc(trainer))

    def trainers(self, ids: list[str] | None = None) -> dict[str, Trainer]:
        query = {} if ids is None else {"_id": {"$in": ids}}
        return {d["_id"]: Trainer(**_from_doc(d))
                for d in self.db.trainers.find(query).sort("name")}

    def add_target(self, target: Target) -> None:
        self.db.targets.insert_one(_to_doc(target))

    def target(self, target_id: str) -> Target:
        doc = self.db.targets.find_one({"_id": target_id})
        if doc is None:
            raise NotFound(f"no target {target_id}", code="target_not_found")
        return Target(**_from_doc(doc))

    def targets(self, agency: str) -> list[Target]:
        """An agency's top targets (those under no other)."""
        return [Target(**_from_doc(d)) for d in self.db.targets.find(
            {"agency": agency, "parent_id": None}).sort("year", -1)]

    def subtargets(self, target_id: str) -> list[Target]:
        return [Target(**_from_doc(d)) for d in self.db.targets.find({"parent_id": target_id})]

    def counts(self, target_ids: list[str]) -> dict[str, int]:
        programmes = [d["_id"] for d in self.db.programmes.find(
            {"target_id": {"$in": target_ids}}, {"_id": 1})]
        enrolments = [d for p in programmes for d in self._cohort(p, {
            "status": 1, "certificate": 1, "placement.kind": 1})]
        return {
            "enrolled": sum(d["status"] in EVER_ENROLLED for d in enrolments),
            "completed": sum(d["status"] == "completed" for d in enrolments),
            "certified": sum("certificate" in d for d in enrolments),
            "placed": sum("placement" in d for d in enrolments),
            "apprenticeships": sum(d.get("placement", {}).get("kind") == "apprenticeship"
                                   for d in enrolments),
        }
