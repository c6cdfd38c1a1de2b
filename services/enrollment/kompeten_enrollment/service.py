"""The enrollment service: thin nameko entrypoints over handlers.py (use cases in a unit of
work), views.py and the domain core.

    nameko run --config config.yaml kompeten_enrollment.service:EnrollmentService
"""

from datetime import UTC, date, datetime

from kompeten_chassis import privacy
from kompeten_chassis.consuming import consume
from kompeten_chassis.endpoints import StandardEndpoints
from kompeten_chassis.notify import Notifications
from kompeten_chassis.publishing import EventPublisher
from kompeten_chassis.unit_of_work import Relay, UnitsOfWork
from kompeten_chassis.web import api
from kompeten_shared.errors import InvalidInput
from nameko.dependency_providers import Config
from nameko.timer import timer

from . import handlers, repository, views
from .repository import Repository
from .schemas import (
    ApplicationRequest,
    AttendanceRequest,
    CommunityRequest,
    ConsentRequest,
    ImportFileRequest,
    ImportRequest,
    LeaveRequest,
    MemberRequest,
    ParticipantRequest,
    PostRequest,
    ProgrammeRequest,
    ProviderRequest,
    TargetRequest,
    TrainerRequest,
)

PERSON_FIELDS = ("nik", "name", "sex", "birth_date", "phone", "email", "employment_status",
                 "domicile_regency_code", "domicile_district_code", "previous_trainings")


def _now() -> datetime:
    return datetime.now(UTC)


NOTICE_SECONDS = 5
OPERATOR = ("operator",)
OFFICERS = ("operator", "monitoring_officer")  # read: the agency's own data


class EnrollmentService(StandardEndpoints, Relay):
    """Programmes, participants (one record per NIK), consent, applications and the waitlist,
    attendance, completion, targets and bulk import."""

    name = "enrollment"

    uow = UnitsOfWork(prepare=repository.prepare, repo=Repository)
    notify = Notifications()
    publish = EventPublisher()
    config = Config()

    # programmes and targets ------------------------------------------------------------------
    @api("POST", "/programmes", body=ProgrammeRequest, allow=OPERATOR)
    def create_programme(self, request, body, caller):
        """Create a programme: a training course, certification-only, or apprenticeship intake.
        It belongs to the operator's agency."""
        return 201, views.programme(handlers.create_programme(self.uow, caller, body))

    @api("GET", "/programmes", allow=OFFICERS)
    def list_programmes(self, request, caller):
        """The programmes of the caller's agency, the latest start first."""
        return [views.programme(p) for p in self.uow.repo.programmes(caller.agency)]

    @api("GET", "/programmes/<programme_id>/attendance-sheet", allow=OPERATOR)
    def attendance_sheet(self, request, programme_id, caller):
        """The enrolled participants by name (NIK masked) and the days each attended, to mark
        who is present; each name read is recorded."""
        programme, rows = handlers.attendance_sheet(self.uow, caller, programme_id,
                                                    request.path, _now())
        return {"programme": views.programme(programme),
                "participants": [views.attendance_row(row) for row in rows]}

    @api("GET", "/programmes/<programme_id>", allow=OFFICERS)
    def get_programme(self, request, programme_id, caller):
        """A programme."""
        return views.programme(handlers.programme_of(self.uow, caller, programme_id))

    @api("POST", "/providers", body=ProviderRequest, allow=OPERATOR)
    def add_provider(self, request, body, caller):
        """A training provider (an LPK, a BLK or BLKI, a partner company, a community group)
        programmes can name."""
        return 201, views.provider(handlers.add_provider(self.uow, caller, body))

    @api("GET", "/providers", allow=OFFICERS)
    def list_providers(self, request, caller):
        """Every registered training provider."""
        return [views.provider(p) for p in self.uow.repo.providers().values()]

    @api("POST", "/trainers", body=TrainerRequest, allow=OPERATOR)
    def add_trainer(self, request, body, caller):
        """A trainer (narasumber) of a provider, e.g. a partner company's staff."""
        return 201, views.trainer(handlers.add_trainer(self.uow, caller, body))

    @api("GET", "/trainers", allow=OFFICERS)
    def list_trainers(self, request, caller):
        """Every registered trainer, by name."""
        return [views.trainer(t) for t in self.uow.repo.trainers().values()]

    @api("POST", "/targets", body=TargetRequest, allow=OPERATOR)
    def create_target(self, request, body, caller):
        """A goal above programmes, e.g. 1,500 certified job seekers in a year."""
        return 201, handlers.create_target(self.uow, caller, body).__dict__

    @api("GET", "/targets", allow=OFFICERS)
    def list_targets(self, request, caller):
        """The agency's top targets with their progress and their sub-targets'."""
        return handlers.targets(self.uow, caller)

    @api("GET", "/targets/<target_id>/progress", allow=OFFICERS)
    def target_progress(self, request, target_id, caller):
        """Progress against a target and each sub-target, counted from enrolments and from
        the certificate and placement services' events."""
        return handlers.target_progress(self.uow, handlers.target_of(self.uow, caller,
                                                                     target_id))

    @api("GET", "/reports/interest", allow=OFFICERS)
    def interest(self, request, caller):
        """Applicants per seat by sector over the agency's programmes, the lowest first
        (`?year=` by start date): where interest is low and must be watched."""
        year = request.args.get("year")
        if year is not None and not (year.isdigit() and len(year) == 4):
            raise InvalidInput("year must be four digits", code="validation_failed",
                               details={"year": ["must be four digits"]})
        return handlers.interest(self.uow, caller, int(year) if year else None)

    # participants and consent ----------------------------------------------------------------
    @api("POST", "/participants", body=ParticipantRequest, allow=OPERATOR)
    def register_participant(self, request, body, caller):
        """Register a person once, by NIK, with their consent per purpose, for the operator's
        agency."""
        participant = handlers.register(
            self.uow, self.config["NIK_HASH_KEY"],
            {**{k: body[k] for k in PERSON_FIELDS}, "agency": caller.agency}, body["consents"],
            _now(), caller, body["for_programme"])
        return 201, views.participant(participant)

    @api("GET", "/participants", allow=OFFICERS)
    def get_participants(self, request, caller):
        """Several participants at once (?id=...&id=..., at most 200), NIK masked: those the
        officer's agency registered (?purpose=, default administration; each read recorded)."""
        return [views.participant(p) for p in handlers.read_participants(
            self.uow, caller, request.args.getlist("id"),
            privacy.purpose_of(request, "administration"), request.path, _now())]

    @api("GET", "/participants/<participant_id>", allow=OFFICERS + ("participant",))
    def get_participant(self, request, participant_id, caller):
        """A participant, NIK masked: for the agency that registered them, or themself
        (?purpose=, default administration; each read is recorded)."""
        return views.participant(handlers.read_participant(
            self.uow, caller, participant_id, privacy.purpose_of(request, "administration"),
            request.path, _now()))

    @api("GET", "/participants/<participant_id>/access-log",
         allow=OFFICERS + ("participant",))
    def participant_access_log(self, request, participant_id, caller):
        """Who read this participant's personal data here, when and for what purpose."""
        return handlers.access_log(self.uow, caller, participant_id)

    @api("GET", "/participants/<participant_id>/holder-codes/<number>", allow=("participant",))
    def holder_code(self, request, participant_id, number, caller):
        """The code that, with their NIK, proves a certificate is the holder's (its salted
        identity hash): for the holder alone."""
        return handlers.holder_code(self.uow, caller, self.config["NIK_HASH_KEY"],
                                    participant_id, number)

    @api("GET", "/participants/<participant_id>/enrolments", allow=OFFICERS + ("participant",))
    def participant_enrolments(self, request, participant_id, caller):
        """A person's programmes, the latest first, with how far each went."""
        return [{**views.enrolment(doc), "programme": views.programme(programme)}
                for programme, doc in handlers.enrolments_of(self.uow, caller, participant_id)]

    @api("POST", "/participants/<participant_id>/consents", body=ConsentRequest,
         allow=OPERATOR + ("participant",))
    def change_consent(self, request, participant_id, body, caller):
        """Give or withdraw consent for one purpose; other services hear of it at once."""
        return 201, views.participant(handlers.change_consent(self.uow, caller, participant_id,
                                                              body, _now()))

    # applications, waitlist, leaving -----------------------------------------------------------
    @api("POST", "/programmes/<programme_id>/enrolments", body=ApplicationRequest,
         allow=OPERATOR + ("participant",))
    def apply(self, request, programme_id, body, caller):
        """Apply: eligibility is checked; a free seat enrols, otherwise the waitlist."""
        return 201, views.enrolment(handlers.apply(self.uow, caller, programme_id,
                                                   body["participant_id"], date.today(),
                                                   _now()))

    @api("GET", "/programmes/<programme_id>/enrolments", allow=OFFICERS)
    def list_enrolments(self, request, programme_id, caller):
        """Everyone who applied, with their status."""
        programme = handlers.programme_of(self.uow, caller, programme_id)
        return [views.enrolment(doc)
                for doc in self.uow.repo.enrolments(programme.id, request.args.get("status"))]

    @api("GET", "/programmes/<programme_id>/waitlist", allow=OFFICERS)
    def waitlist(self, request, programme_id, caller):
        """The waitlist in the order seats will be given, by name (NIK masked), first-timers
        first; each name read is recorded."""
        return [{"position": n + 1, **views.named(row)} for n, row in enumerate(
            handlers.waitlist(self.uow, caller, programme_id, request.path, _now()))]

    @api("POST", "/programmes/<programme_id>/enrolments/<participant_id>/leave",
         body=LeaveRequest, allow=OPERATOR + ("participant",))
    def leave(self, request, programme_id, participant_id, body, caller):
        """Withdraw (before the start: the seat goes to the waitlist) or drop out (after)."""
        return views.enrolment(handlers.leave(self.uow, caller, programme_id, participant_id,
                                              body["reason"], date.today(), _now()))

    # attendance and completion ----------------------------------------------------------------
    @api("POST", "/programmes/<programme_id>/attendance", body=AttendanceRequest,
         allow=OPERATOR)
    def record_attendance(self, request, programme_id, body, caller):
        """Who was present on a day, by participant id or by NIK."""
        return handlers.record_attendance(self.uow, caller, programme_id, body["date"],
                                          body["present"], body["present_niks"],
                                          self.config["NIK_HASH_KEY"], _now())

    @api("POST", "/programmes/<programme_id>/allocation", allow=OPERATOR)
    def allocate(self, request, programme_id, caller):
        """Once applications have closed (`applications_until`), give the seats in the
        programme's priority order; the rest wait in that order."""
        return handlers.allocate(self.uow, caller, programme_id, date.today())

    @api("POST", "/programmes/<programme_id>/close", allow=OPERATOR)
    def close_programme(self, request, programme_id, caller):
        """Apply the completion rule to everyone enrolled and publish the outcomes: 200 with
        them when done within the request, else 202 with the progress (GET .../closing)."""
        found = handlers.close(self.uow, caller, programme_id, date.today(), _now(),
                               self._close_batch)
        return (200 if found["status"] == "closed" else 202), found

    @api("GET", "/programmes/<programme_id>/closing", allow=OFFICERS)
    def closing(self, request, programme_id, caller):
        """How far the close has come: status closing or closed, done of total, outcomes."""
        return handlers.closing(self.uow, caller, programme_id)

    @timer(interval=1)
    def resume_closings(self):
        """The next step of a large close, or of one whose worker died."""
        handlers.resume_closings(self.uow, _now(), self._close_batch)

    @property
    def _close_batch(self) -> int:
        return int(self.config.get("CLOSE_BATCH", handlers.CLOSE_BATCH))

    # bulk import ------------------------------------------------------------------------------
    @api("POST", "/programmes/<programme_id>/imports", body=ImportRequest, allow=OPERATOR)
    def import_participants(self, request, programme_id, body, caller):
        """Register and enrol up to 1,000 spreadsheet rows; each row's outcome or errors."""
        return {"rows": handlers.import_rows(
            self.uow, caller, self.config["NIK_HASH_KEY"], programme_id, body["source"],
            body["wording"], body["rows"], date.today(), _now())}

    @api("POST", "/programmes/<programme_id>/imports/file", body=ImportFileRequest,
         allow=OPERATOR)
    def import_file(self, request, programme_id, body, caller):
        """Register and enrol a whole spreadsheet (CSV or XLSX, up to 10,000 rows), read
        here: each row's outcome or errors, by its row number in the file."""
        return {"rows": handlers.import_file(
            self.uow, caller, self.config["NIK_HASH_KEY"], programme_id, body["filename"],
            body["content"], body["wording"], date.today(), _now())}

    @api("GET", "/bnsp/identities", allow=("lsp_admin",))
    def bnsp_identities(self, request, caller):
        """For an LSP's report to BNSP: the whole NIK, name, sex and birth date of the asesi
        its plenary decided (?id=...&id=..., at most 200), while they consent to
        certification; others are left out. Each read is recorded (purpose bnsp_report)."""
        return handlers.bnsp_identities(self.uow, caller, self.config["NIK_HASH_KEY"],
                                        request.args.getlist("id"), request.path, _now())

    # the community after certification --------------------------------------------------------
    @api("POST", "/communities", body=CommunityRequest, allow=OFFICERS)
    def create_community(self, request, body, caller):
        """A group of the graduates of the agency's programmes, who consent to follow-up."""
        return 201, views.community(handlers.create_community(self.uow, caller, body, _now()),
                                    [])

    @api("GET", "/communities", allow=OFFICERS)
    def list_communities(self, request, caller):
        """The agency's communities, the newest first (without members)."""
        return [views.community(c, None) for c in self.uow.repo.communities(caller.agency)]

    @api("GET", "/communities/<community_id>", allow=OFFICERS)
    def get_community(self, request, community_id, caller):
        """A community with its members by name (each read recorded), mentors and posts."""
        return views.community(*handlers.read_community(self.uow, caller, community_id,
                                                        request.path, _now()))

    @api("POST", "/communities/<community_id>/posts", body=PostRequest, allow=OFFICERS)
    def post(self, request, community_id, body, caller):
        """An announcement or job information, sent to every member on their channel."""
        return 201, handlers.post(self.uow, caller, community_id, body, _now())

    @api("POST", "/communities/<community_id>/mentors", body=MemberRequest, allow=OFFICERS)
    def mark_mentor(self, request, community_id, body, caller):
        """A member becomes a mentor (role model) for newer participants."""
        return views.community(handlers.mark_mentor(self.uow, caller, community_id,
                                                    body["participant_id"]), None)

    @api("POST", "/communities/<community_id>/mentees", body=MemberRequest, allow=OFFICERS)
    def pair_mentor(self, request, community_id, body, caller):
        """A newer participant of the agency matched with the nearest mentor."""
        return 201, handlers.pair_mentor(self.uow, caller, community_id,
                                         body["participant_id"], _now())

    @api("GET", "/participants/<participant_id>/notices", allow=OFFICERS + ("participant",))
    def notices(self, request, participant_id, caller):
        """What was sent to a person and how it went (subjects, not texts)."""
        handlers.read_participant(self.uow, caller, participant_id, "follow_up", request.path,
                                  _now())
        return self.uow.repo.notices(participant_id)

    @timer(interval=NOTICE_SECONDS)
    def deliver_notices(self):
        """Notices out through the channel (e-mail, or a WhatsApp/SMS adapter)."""
        handlers.deliver_notices(self.uow, self.notify, _now())

    @consume("placement", "offer.made")
    def on_offer_made(self, event):
        handlers.offer_made(self.uow, event.data, _now())

    @consume("placement", "follow_up.due")
    def on_follow_up_due(self, event):
        handlers.follow_up_due(self.uow, event.data, _now())

    # outcomes from other services -------------------------------------------------------------
    @consume("assessment", "assessment.decided")
    def on_assessment_decided(self, event):
        handlers.assessment_decided(self.uow, event.data)

    @consume("certificate", "certificate.issued")
    def on_certificate_issued(self, event):
        handlers.certificate_issued(self.uow, event.data, _now(), self.config["NIK_HASH_KEY"])

    @consume("certificate", "certificate.expiring")
    def on_certificate_expiring(self, event):
        handlers.certificate_expiring(self.uow, event.data)

    @api("GET", "/recertification", allow=OFFICERS)
    def recertification_due(self, request, caller):
        """Holders whose certification ends soon (?scheme_code= to narrow), soonest first, with
        the contact details to invite them: only those who still consent to certification.
        Enrol them in a certification-only programme; the new certificate renews the old."""
        return [views.recertification(item) for item in handlers.recertification_due(
            self.uow, caller, request.args.get("scheme_code"), request.path, _now())]

    @consume("placement", "graduate.placed")
    def on_graduate_placed(self, event):
        handlers.graduate_placed(self.uow, event.data)
