"""The enrollment service: thin nameko entrypoints over handlers.py and the domain core.

    nameko run --config config.yaml kompeten_enrollment.service:EnrollmentService
"""

from datetime import UTC, date, datetime

from kompeten_chassis import outbox, privacy, regions
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.mongo import Database
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.web import api
from kompeten_shared.errors import InvalidInput
from nameko.dependency_providers import Config

from . import access, handlers, repository
from . import nik as nik_rules
from .programme import Programme
from .repository import Repository
from .schemas import (
    ApplicationRequest,
    AttendanceRequest,
    ConsentRequest,
    ImportRequest,
    LeaveRequest,
    ParticipantRequest,
    ProgrammeRequest,
    TargetRequest,
)
from .target import Target

PERSON_FIELDS = ("nik", "name", "sex", "birth_date", "phone", "employment_status",
                 "domicile_regency_code", "previous_trainings")


def _now() -> datetime:
    return datetime.now(UTC)


def programme_view(p: Programme) -> dict:
    return {"id": p.id, "title": p.title, "kind": p.kind, "organiser": p.organiser,
            "organiser_region": p.organiser_region, "scheme_code": p.scheme_code,
            "venue": p.venue, "region_code": p.region_code,
            "region_name": regions.regency_name(p.region_code),
            "start_date": p.start_date, "end_date": p.end_date,
            "duration_days": p.duration_days, "session_days": p.session_days,
            "capacity": p.capacity, "attendance_threshold": p.attendance_threshold,
            "target_id": p.target_id, "partner_employers": p.partner_employers,
            "eligibility": p.eligibility.__dict__, "priority": p.priority, "closed": p.closed,
            "agency": p.agency}


def enrolment_view(doc: dict) -> dict:
    return {"participant_id": doc["participant_id"], "status": doc["status"],
            "days_attended": len(doc["attended"]),
            "attendance_rate": doc.get("attendance_rate"), "reason": doc.get("reason"),
            "certificate": doc.get("certificate"), "placement": doc.get("placement")}


def participant_view(p) -> dict:
    return {"participant_id": p.id, "nik": p.nik_masked, "name": p.name, "sex": p.sex,
            "regency": regions.regency_name(p.regency_code),
            "residence": p.residence, "employment_status": p.employment_status,
            "consents": {c.purpose: c.granted for c in p.consents}}


OPERATOR = ("operator",)
OFFICERS = ("operator", "monitoring_officer")  # read: the agency's own data


class EnrollmentService(StandardEndpoints, outbox.Relay):
    """Programmes, participants (one record per NIK), consent, applications and the waitlist,
    attendance, completion, targets and bulk import."""

    name = "enrollment"
    outbox_collections = ("enrolments",)

    db = Database(prepare=repository.prepare)
    publish = EventPublisher()
    config = Config()

    # programmes and targets ------------------------------------------------------------------
    @api("POST", "/programmes", body=ProgrammeRequest, allow=OPERATOR)
    def create_programme(self, request, body, caller):
        """Create a programme: a training course, certification-only, or apprenticeship intake.
        It belongs to the operator's agency."""
        repo = Repository(self.db)
        if body["target_id"]:
            repo.target(body["target_id"])
        # Absent optional fields take the domain's defaults.
        programme = Programme(id=handlers.new_id(), agency=caller.agency,
                              **{key: value for key, value in body.items() if value is not None})
        repo.add_programme(programme)
        return 201, programme_view(programme)

    @api("GET", "/programmes/<programme_id>", allow=OFFICERS)
    def get_programme(self, request, programme_id, caller):
        """A programme."""
        return programme_view(self._programme_of(caller, Repository(self.db), programme_id))

    @staticmethod
    def _programme_of(caller, repo: Repository, programme_id: str) -> Programme:
        programme = repo.programme(programme_id)
        access.runs(caller, programme)
        return programme

    @api("POST", "/targets", body=TargetRequest, allow=OPERATOR)
    def create_target(self, request, body, caller):
        """A goal above programmes, e.g. 1,500 certified job seekers in a year."""
        repo = Repository(self.db)
        if body["parent_id"]:
            repo.target(body["parent_id"])
        target = Target(id=handlers.new_id(), **body)
        repo.add_target(target)
        return 201, target.__dict__

    @api("GET", "/targets/<target_id>/progress", allow=OFFICERS)
    def target_progress(self, request, target_id, caller):
        """Progress against a target and each sub-target, counted from enrolments and from
        the certificate and placement services' events."""
        repo = Repository(self.db)
        return handlers.target_progress(repo, repo.target(target_id))

    # participants and consent ----------------------------------------------------------------
    @api("POST", "/participants", body=ParticipantRequest, allow=OPERATOR)
    def register_participant(self, request, body, caller):
        """Register a person once, by NIK, with their consent per purpose, for the operator's
        agency."""
        participant = handlers.register(
            Repository(self.db), self.publish, self.config["NIK_HASH_KEY"],
            {**{k: body[k] for k in PERSON_FIELDS}, "agency": caller.agency}, body["consents"],
            _now())
        return 201, participant_view(participant)

    @api("GET", "/participants/<participant_id>", allow=OFFICERS + ("participant",))
    def get_participant(self, request, participant_id, caller):
        """A participant, NIK masked: for the agency that registered them, or themself
        (?purpose=, default administration; each read is recorded)."""
        purpose = privacy.purpose_of(request, "administration")
        participant = Repository(self.db).participant(participant_id)
        access.may_see(caller, participant)
        if caller.participant_id != participant.id:
            privacy.record(self.db, caller, [participant.id], purpose, request.path, _now())
        return participant_view(participant)

    @api("GET", "/participants/<participant_id>/access-log",
         allow=OFFICERS + ("participant",))
    def participant_access_log(self, request, participant_id, caller):
        """Who read this participant's personal data here, when and for what purpose."""
        access.may_see(caller, Repository(self.db).participant(participant_id))
        return privacy.log(self.db, participant_id)

    @api("POST", "/participants/<participant_id>/consents", body=ConsentRequest,
         allow=OPERATOR + ("participant",))
    def change_consent(self, request, participant_id, body, caller):
        """Give or withdraw consent for one purpose; other services hear of it at once."""
        repo = Repository(self.db)
        access.may_see(caller, repo.participant(participant_id))
        participant = handlers.change_consent(repo, self.publish, participant_id, body, _now())
        return 201, participant_view(participant)

    # applications, waitlist, leaving -----------------------------------------------------------
    @api("POST", "/programmes/<programme_id>/enrolments", body=ApplicationRequest,
         allow=OPERATOR + ("participant",))
    def apply(self, request, programme_id, body, caller):
        """Apply: eligibility is checked; a free seat enrols, otherwise the waitlist."""
        repo = Repository(self.db)
        programme = repo.programme(programme_id)
        access.acts_for(caller, body["participant_id"], programme)
        doc = handlers.apply(repo, programme,
                             repo.participant(body["participant_id"]), date.today(), _now())
        return 201, enrolment_view(doc)

    @api("GET", "/programmes/<programme_id>/enrolments", allow=OFFICERS)
    def list_enrolments(self, request, programme_id, caller):
        """Everyone who applied, with their status."""
        repo = Repository(self.db)
        self._programme_of(caller, repo, programme_id)
        return [enrolment_view(doc) for doc in repo.enrolments(programme_id,
                                                               request.args.get("status"))]

    @api("GET", "/programmes/<programme_id>/waitlist", allow=OFFICERS)
    def waitlist(self, request, programme_id, caller):
        """The waitlist in the order seats will be given."""
        repo = Repository(self.db)
        self._programme_of(caller, repo, programme_id)
        return [{"position": n + 1, "participant_id": doc["participant_id"]}
                for n, doc in enumerate(repo.waitlist(programme_id))]

    @api("POST", "/programmes/<programme_id>/enrolments/<participant_id>/leave",
         body=LeaveRequest, allow=OPERATOR + ("participant",))
    def leave(self, request, programme_id, participant_id, body, caller):
        """Withdraw (before the start: the seat goes to the waitlist) or drop out (after)."""
        repo = Repository(self.db)
        programme = repo.programme(programme_id)
        access.acts_for(caller, participant_id, programme)
        doc = handlers.leave(repo, self.publish, programme, participant_id,
                             body["reason"], date.today(), _now())
        return enrolment_view(doc)

    # attendance and completion ----------------------------------------------------------------
    @api("POST", "/programmes/<programme_id>/attendance", body=AttendanceRequest,
         allow=OPERATOR)
    def record_attendance(self, request, programme_id, body, caller):
        """Who was present on a day, by participant id or by NIK."""
        repo = Repository(self.db)
        programme = self._programme_of(caller, repo, programme_id)
        present = body["present"] + self._ids_for_niks(repo, body["present_niks"])
        return handlers.record_attendance(repo, self.publish, programme, body["date"], present,
                                          _now())

    def _ids_for_niks(self, repo: Repository, niks: list[str]) -> list[str]:
        digests = {}
        for position, raw in enumerate(niks):
            if not (raw.isdigit() and len(raw) == 16):
                raise InvalidInput("NIK must have 16 digits", code="nik_invalid",
                                   details={"present_niks": [position]})
            digests[nik_rules.digest(raw, self.config["NIK_HASH_KEY"])] = position
        found = repo.participant_ids_by_nik(list(digests))
        unknown = sorted(pos for digest, pos in digests.items() if digest not in found)
        if unknown:
            raise InvalidInput("no participant with these NIKs", code="nik_unknown",
                               details={"present_niks": unknown})
        return list(found.values())

    @api("POST", "/programmes/<programme_id>/close", allow=OPERATOR)
    def close_programme(self, request, programme_id, caller):
        """Apply the completion rule to everyone enrolled and publish the outcomes."""
        repo = Repository(self.db)
        return handlers.close(repo, self.publish, self._programme_of(caller, repo, programme_id),
                              date.today(), _now())

    # bulk import ------------------------------------------------------------------------------
    @api("POST", "/programmes/<programme_id>/imports", body=ImportRequest, allow=OPERATOR)
    def import_participants(self, request, programme_id, body, caller):
        """Register and enrol up to 1,000 spreadsheet rows; each row's outcome or errors."""
        repo = Repository(self.db)
        results = handlers.import_rows(
            repo, self.publish, self.config["NIK_HASH_KEY"],
            self._programme_of(caller, repo, programme_id),
            body["source"], body["wording"], body["rows"], date.today(), _now())
        return {"rows": results}


    # outcomes from other services -------------------------------------------------------------
    @consume("certificate", "certificate.issued")
    def on_certificate_issued(self, event):
        """Certifications count towards targets; a training certificate only restates the
        completion recorded here already."""
        data = event.data
        if data["kind"] != "certification":
            return
        if data["renews"]:
            Repository(self.db).recertified(data["renews"])
        Repository(self.db).record_outcome(data["participant_id"], data["programme_id"],
                                           "certificate", {
                                               "number": data["certificate_number"],
                                               "issued_on": data["issued_on"].isoformat()})

    @consume("certificate", "certificate.expiring")
    def on_certificate_expiring(self, event):
        """A certification ends soon: the holder is due for re-certification."""
        Repository(self.db).add_recertification_due(event.data)

    @api("GET", "/recertification", allow=OFFICERS)
    def recertification_due(self, request, caller):
        """Holders whose certification ends soon (?scheme_code= to narrow), soonest first, with
        the contact details to invite them: only those who still consent to certification.
        Enrol them in a certification-only programme; the new certificate renews the old."""
        scheme_code = request.args.get("scheme_code")
        repo = Repository(self.db)
        due = []
        for item in repo.recertification_due(scheme_code):
            person = repo.participant(item["participant_id"])
            if person.consented("certification") and person.agency == caller.agency:
                due.append({**item, "name": person.name, "phone": person.phone,
                            "nik": person.nik_masked})
        privacy.record(self.db, caller, [d["participant_id"] for d in due], "recertification",
                       request.path, _now())
        return due

    @consume("placement", "graduate.placed")
    def on_graduate_placed(self, event):
        data = event.data
        Repository(self.db).record_outcome(data["participant_id"], data["programme_id"],
                                           "placement", {
                                               "kind": data["kind"],
                                               "employer_id": data["employer_id"],
                                               "start_date": data["start_date"].isoformat()})
