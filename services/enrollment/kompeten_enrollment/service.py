"""The enrollment service: thin nameko entrypoints over the domain core.

    nameko run --config config.yaml kompeten_enrollment.service:EnrollmentService
"""

import uuid
from datetime import UTC, date, datetime

from kompeten_shared.endpoints import StandardEndpoints
from kompeten_shared.errors import InvalidInput
from kompeten_shared.mongo import Database
from kompeten_shared.publishing import EventPublisher
from kompeten_shared.web import api
from nameko.dependency_providers import Config

from . import nik as nik_rules
from . import repository
from .participant import Consent, Participant
from .programme import Programme
from .repository import Repository
from .schemas import AttendanceRequest, EnrolmentRequest, ParticipantRequest, ProgrammeRequest


def _new_id() -> str:
    return str(uuid.uuid4())


def programme_view(p: Programme) -> dict:
    return {"id": p.id, "title": p.title, "organiser": p.organiser, "kind": p.kind,
            "scheme_code": p.scheme_code, "venue": p.venue, "region_code": p.region_code,
            "region_name": nik_rules.regency_name(p.region_code),
            "start_date": p.start_date, "end_date": p.end_date, "session_days": p.session_days,
            "capacity": p.capacity, "attendance_threshold": p.attendance_threshold,
            "partner_employers": p.partner_employers, "closed": p.closed}


def enrolment_view(doc: dict) -> dict:
    return {"participant_id": doc["participant_id"], "status": doc["status"],
            "days_attended": len(doc["attended"]),
            "attendance_rate": doc.get("attendance_rate")}


class EnrollmentService(StandardEndpoints):
    name = "enrollment"

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()
    config = Config()

    @api("POST", "/programmes", body=ProgrammeRequest)
    def create_programme(self, request, body):
        programme = Programme(id=_new_id(), **body)
        Repository(self.db).add_programme(programme)
        return 201, programme_view(programme)

    @api("GET", "/programmes/<programme_id>")
    def get_programme(self, request, programme_id):
        return programme_view(Repository(self.db).programme(programme_id))

    @api("POST", "/participants", body=ParticipantRequest)
    def register_participant(self, request, body):
        nik = nik_rules.parse(body["nik"], birth_date=body["birth_date"],
                              sex=body["sex"])
        now = datetime.now(UTC)
        consents = [Consent(recorded_at=now, **c) for c in body["consents"]]
        participant = Participant.register(
            id=_new_id(), nik=nik, nik_key=self.config["NIK_HASH_KEY"], name=body["name"],
            phone=body["phone"], consents=consents)
        Repository(self.db).add_participant(participant)
        for consent in consents:
            self.publish("participant.consent_changed", participant.consent_event(consent),
                         subject=participant.id)
        return 201, {"participant_id": participant.id, "nik": participant.nik_masked,
                     "regency": nik_rules.regency_name(participant.regency_code),
                     "consents": {c.purpose: c.granted for c in consents}}

    @api("POST", "/programmes/<programme_id>/enrolments", body=EnrolmentRequest)
    def enrol(self, request, programme_id, body):
        repo = Repository(self.db)
        programme = repo.programme(programme_id)
        participant = repo.participant(body["participant_id"])
        # Training here leads to certification: the asesi must have agreed to that purpose.
        participant.require_consent("certification")
        return 201, enrolment_view(repo.enrol(programme, participant.id, date.today()))

    @api("GET", "/programmes/<programme_id>/enrolments")
    def list_enrolments(self, request, programme_id):
        repo = Repository(self.db)
        repo.programme(programme_id)
        return [enrolment_view(doc) for doc in repo.enrolments(programme_id)]

    @api("POST", "/programmes/<programme_id>/attendance", body=AttendanceRequest)
    def record_attendance(self, request, programme_id, body):
        repo = Repository(self.db)
        programme = repo.programme(programme_id)
        programme.check_attendance_day(body["date"])
        enrolled = {doc["participant_id"] for doc in repo.enrolments(programme_id, "enrolled")}
        strangers = sorted(set(body["present"]) - enrolled)
        if strangers:
            raise InvalidInput("participants not enrolled in this programme",
                               code="not_enrolled", details={"present": strangers})
        recorded = repo.record_attendance(programme_id, body["date"], body["present"])
        return {"date": body["date"], "recorded": recorded}

    @api("POST", "/programmes/<programme_id>/close")
    def close_programme(self, request, programme_id):
        """Apply the attendance rule to everyone still enrolled and publish the outcomes."""
        repo = Repository(self.db)
        programme = repo.programme(programme_id)
        programme.check_can_close(date.today())
        pending = repo.enrolments(programme_id, "enrolled")
        people = repo.participants([doc["participant_id"] for doc in pending])
        summary = {"completed": 0, "not_completed": 0}
        for doc in pending:
            outcome = programme.outcome(len(doc["attended"]))
            participant = people[doc["participant_id"]]
            # Publish before recording, under an id derived from the enrolment: a crash in
            # between means a re-close publishes the same event id again, which consumers skip.
            self._publish_outcome(programme, participant, outcome, event_id=f"{doc['_id']}:end")
            if repo.finish(doc["_id"], outcome.status, outcome.rate):
                summary[outcome.status] += 1
        repo.close_programme(programme_id)
        return {"programme_id": programme_id, **summary}

    def _publish_outcome(self, programme, participant, outcome, event_id):
        common = {"participant_id": participant.id, "programme_id": programme.id,
                  "scheme_code": programme.scheme_code, "attendance_rate": outcome.rate}
        if outcome.completed:
            self.publish("training.completed", {
                **common, "organiser": programme.organiser,
                "region_code": programme.region_code, "completed_on": programme.end_date,
                "asesi_name": participant.name,
            }, subject=participant.id, event_id=event_id)
        else:
            self.publish("training.not_completed", {
                **common, "required_rate": outcome.required, "reason": outcome.reason,
            }, subject=participant.id, event_id=event_id)
