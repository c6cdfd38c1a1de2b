"""An in-memory stand-in for the enrollment repository: what the use cases may rely on of it,
without a database. Seats are given in priority order as the real one gives them."""

import copy

import pytest
from kompeten_chassis.testing import InMemoryRepository, fake_unit_of_work
from kompeten_enrollment.repository import enrolment_id, history_of
from kompeten_enrollment.service import EnrollmentService
from kompeten_shared.errors import Conflict, NotFound
from nameko.testing.services import worker_factory


class InMemoryEnrollment(InMemoryRepository):
    def __init__(self):
        super().__init__()
        self.programmes, self.participants, self.enrolment_docs, self.targets = {}, {}, {}, {}
        self.closings: dict[str, dict] = {}

    def _found(self, store: dict, key: str, what: str):
        if key not in store:
            raise NotFound(f"no {what} {key}", code=f"{what}_not_found")
        return copy.deepcopy(store[key])

    # programmes and participants
    def add_programme(self, programme):
        self.programmes[programme.id] = copy.deepcopy(programme)

    def programme(self, programme_id):
        return self._found(self.programmes, programme_id, "programme")

    def start_close(self, programme_id, by, total, now):
        if programme_id in self.closings:
            return False
        self.closings[programme_id] = {"_id": programme_id, "total": total, "done": 0,
                                       "finished": False, "worked_at": now}
        self.programmes[programme_id].closing = True
        return True

    def closing(self, programme_id):
        return copy.deepcopy(self.closings.get(programme_id))

    def close_progress(self, programme_id, done, now):
        self.closings[programme_id].update(done=done, worked_at=now)

    def finish_close(self, programme_id, outcome, now):
        self.programmes[programme_id].closed, self.programmes[programme_id].closing = True, False
        self.closings[programme_id].update(**outcome, done=outcome["total"], finished=True)

    def outcomes(self, programme_id):
        found = {"completed": 0, "not_completed": 0, "held_without_consent": 0}
        for doc in self._of(programme_id, None):
            if doc["status"] in ("completed", "not_completed"):
                found[doc["status"]] += 1
                found["held_without_consent"] += doc.get("held_without_consent", False)
        return found

    def target(self, target_id):
        return self._found(self.targets, target_id, "target")

    def add_participant(self, participant):
        if any(p.nik_digest == participant.nik_digest for p in self.participants.values()):
            raise Conflict("a participant with this NIK is already registered",
                           code="participant_exists")
        self.participants[participant.id] = copy.deepcopy(participant)

    def participant(self, participant_id):
        return self._found(self.participants, participant_id, "participant")

    def add_consent(self, participant, consent):
        self.participants[participant.id].consents.append(consent)

    # enrolments, seats and the waitlist
    def _of(self, programme_id, status=None):
        return sorted((d for d in self.enrolment_docs.values()
                       if d["programme_id"] == programme_id
                       and status in (None, d["status"])), key=lambda d: d["priority"])

    def admit(self, programme, applications, now):
        for participant_id, priority in applications:
            self.enrolment_docs.setdefault(enrolment_id(programme.id, participant_id), {
                "_id": enrolment_id(programme.id, participant_id),
                "programme_id": programme.id, "participant_id": participant_id,
                "status": "waitlisted", "priority": priority, "applied_at": now,
                "attended": []})
        self.fill_seats(programme)

    def fill_seats(self, programme):
        free = programme.capacity - len(self._of(programme.id, "enrolled"))
        promoted = self._of(programme.id, "waitlisted")[:max(free, 0)]
        for doc in promoted:
            doc["status"] = "enrolled"
        return [d["participant_id"] for d in promoted]

    def statuses(self, programme_id, participant_ids):
        return {d["participant_id"]: d["status"] for d in self._of(programme_id)
                if d["participant_id"] in participant_ids}

    def enrolment(self, programme_id, participant_id):
        return self._found(self.enrolment_docs, enrolment_id(programme_id, participant_id),
                           "enrolment")

    def enrolments(self, programme_id, status=None):
        return copy.deepcopy(sorted(self._of(programme_id, status), key=lambda d: d["_id"]))

    def waitlist(self, programme_id):
        return copy.deepcopy(self._of(programme_id, "waitlisted"))

    def enrolment_history(self, participant_ids, programme_id):
        return history_of([d for d in self.enrolment_docs.values()
                           if d["participant_id"] in participant_ids], programme_id)

    def leave(self, doc, status, reason, now, staged=None):
        stored = self.enrolment_docs[doc["_id"]]
        if stored["status"] != doc["status"]:
            raise Conflict("the enrolment changed meanwhile", code="enrolment_changed")
        stored.update(status=status, reason=reason, left_at=now)
        self.keep(staged)

    def record_attendance(self, programme_id, day, present):
        docs = [d for d in self._of(programme_id, "enrolled") if d["participant_id"] in present]
        for doc in docs:
            doc["attended"] = sorted(set(doc["attended"]) | {day.isoformat()})
        return len(docs)

    def finish(self, doc, status, rate, staged, held=False):
        self.enrolment_docs[doc["_id"]].update(status=status, attendance_rate=rate,
                                               held_without_consent=held)
        self.keep(staged)
        return True

    def participant_ids_by_nik(self, digests):
        return {p.nik_digest: p.id for p in self.participants.values()
                if p.nik_digest in digests}

@pytest.fixture
def service():
    return worker_factory(EnrollmentService, uow=fake_unit_of_work(
        "enrollment", repo=InMemoryEnrollment()), config={"NIK_HASH_KEY": "test-key"})
