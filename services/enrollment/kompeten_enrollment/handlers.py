"""Use cases: one function per command or event. Each runs in a unit of work (`uow.repo`, the
enrollment repository; events staged with the write they record), checks who may act
(access.py), asks the domain (programme, participant, eligibility, waitlist, target) and
stores. Nothing here knows about HTTP or nameko; the clock and the NIK key are passed in.
"""

import uuid
from datetime import date, datetime, timedelta

from kompeten_chassis import uploads
from kompeten_chassis.notify import Message, Sender, Undeliverable
from kompeten_chassis.unit_of_work import UnitOfWork
from kompeten_shared import holder
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Conflict, DomainError, InvalidInput, NotFound
from kompeten_shared.vocabulary import programme_certificate
from marshmallow import ValidationError

from . import access, spreadsheet
from . import nik as nik_rules
from .community import Community, certificate_text, follow_up_text, offer_text, post_text
from .interest import by_sector
from .participant import Consent, Participant
from .programme import Outcome, Programme, leaving_status
from .provider import Provider, Trainer
from .schemas import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, ImportRow
from .target import Target, progress
from .waitlist import priority_key


def new_id() -> str:
    return str(uuid.uuid4())


def _participant_from(person: dict, nik_key: str) -> Participant:
    nik = nik_rules.parse(person["nik"], birth_date=person["birth_date"], sex=person["sex"])
    details = {key: person.get(key) for key in ("phone", "email", "employment_status",
                                                "domicile_regency_code",
                                                "domicile_district_code", "previous_trainings",
                                                "agency")}
    return Participant.register(id=new_id(), nik=nik, nik_key=nik_key, name=person["name"],
                                **details)


# programmes and targets ---------------------------------------------------------------------------
def create_programme(uow: UnitOfWork, caller: Caller, body: dict) -> Programme:
    """A programme of the operator's agency; absent optional fields take the domain's
    defaults."""
    programme = Programme(id=new_id(), agency=caller.agency,
                          **{key: value for key, value in body.items() if value is not None})
    with uow:
        if programme.target_id:
            uow.repo.target(programme.target_id)
        if programme.provider_id:
            _check_named([programme.provider_id], uow.repo.providers, "provider_id",
                         "provider")
        if programme.trainer_ids:
            _check_named(programme.trainer_ids, uow.repo.trainers, "trainer_ids", "trainer")
        uow.repo.add_programme(programme)
    return programme


def _check_named(ids: list[str], records, field: str, what: str) -> None:
    """Every provider or trainer a programme names is registered."""
    unknown = sorted(set(ids) - set(records(ids)))
    if unknown:
        raise InvalidInput(f"no {what} {', '.join(unknown)}; register it first",
                           code=f"unknown_{what}", details={"field": field, "ids": unknown})


def add_provider(uow: UnitOfWork, caller: Caller, body: dict) -> Provider:
    provider = Provider(agency=caller.agency, **body)
    with uow:
        uow.repo.add_provider(provider)
    return provider


def add_trainer(uow: UnitOfWork, caller: Caller, body: dict) -> Trainer:
    trainer = Trainer(id=new_id(), agency=caller.agency, **body)
    with uow:
        _check_named([trainer.provider_id], uow.repo.providers, "provider_id", "provider")
        uow.repo.add_trainer(trainer)
    return trainer


def programme_of(uow: UnitOfWork, caller: Caller, programme_id: str) -> Programme:
    """A programme the caller's agency runs."""
    programme = uow.repo.programme(programme_id)
    access.runs(caller, programme)
    return programme


def attendance_sheet(uow: UnitOfWork, caller: Caller, programme_id: str, path: str,
                     now: datetime) -> tuple[Programme, list[dict]]:
    """Who is enrolled, by name, for the operator to mark present."""
    programme = programme_of(uow, caller, programme_id)
    return programme, _named(uow, caller, uow.repo.enrolments(programme.id, "enrolled"),
                             path, now)


def waitlist(uow: UnitOfWork, caller: Caller, programme_id: str, path: str,
             now: datetime) -> list[dict]:
    """The waitlist in the order seats will be given, by name, for the officer to call."""
    programme = programme_of(uow, caller, programme_id)
    return _named(uow, caller, uow.repo.waitlist(programme.id), path, now)


def _named(uow: UnitOfWork, caller: Caller, enrolments: list[dict], path: str,
           now: datetime) -> list[dict]:
    """Enrolments with their person: each name read is recorded (purpose administration)."""
    people = uow.repo.participants([doc["participant_id"] for doc in enrolments])
    uow.repo.record_access(caller, list(people), "administration", path, now)
    return [{**doc, "person": people[doc["participant_id"]]} for doc in enrolments
            if doc["participant_id"] in people]


def create_target(uow: UnitOfWork, caller: Caller, body: dict) -> Target:
    """A target of the operator's agency, under one of its own targets if any."""
    target = Target(id=new_id(), agency=caller.agency, **body)
    with uow:
        if target.parent_id:
            access.owns(caller, uow.repo.target(target.parent_id))
        uow.repo.add_target(target)
    return target


def targets(uow: UnitOfWork, caller: Caller) -> list[dict]:
    """The agency's top targets, each with its progress and its sub-targets'."""
    return [target_progress(uow, target) for target in uow.repo.targets(caller.agency)]


def target_of(uow: UnitOfWork, caller: Caller, target_id: str) -> Target:
    target = uow.repo.target(target_id)
    access.owns(caller, target)
    return target


# participants and consent -------------------------------------------------------------------------
def register(uow: UnitOfWork, nik_key: str, person: dict, consents: list[dict],
             now: datetime, caller: Caller | None = None,
             programme_id: str | None = None) -> Participant:
    """Register a person; registering for a programme, its rules are checked first, so
    someone it would refuse is not registered (the operator corrects what was typed)."""
    participant = _participant_from(person, nik_key)
    recorded = [Consent(recorded_at=now, **c) for c in consents]
    for consent in recorded:
        participant.record_consent(consent)
    with uow:
        if programme_id:
            _check(programme_of(uow, caller, programme_id), participant,
                   participant.applicant(0), now.date())
        uow.repo.add_participant(participant)
        for consent in recorded:
            uow.publish("participant.consent_changed", participant.consent_event(consent),
                        subject=participant.id)
    return participant


def read_participant(uow: UnitOfWork, caller: Caller, participant_id: str, purpose: str,
                     path: str, now: datetime) -> Participant:
    """A participant for the agency that registered them, or themself; an officer's read is
    recorded with its purpose."""
    participant = uow.repo.participant(participant_id)
    access.may_see(caller, participant)
    if caller.participant_id != participant.id:
        uow.repo.record_access(caller, [participant.id], purpose, path, now)
    return participant


def read_participants(uow: UnitOfWork, caller: Caller, participant_ids: list[str],
                      purpose: str, path: str, now: datetime) -> list[Participant]:
    """Many participants in one read, for an officer: those their agency registered (others
    are left out, as if unknown); each read is recorded with its purpose."""
    found = [p for p in uow.repo.participants(_batch(participant_ids)).values()
             if p.agency == caller.agency]
    uow.repo.record_access(caller, [p.id for p in found], purpose, path, now)
    return found


MAX_READ = 200


def _batch(participant_ids: list[str]) -> list[str]:
    """The ids of a read of many (?id=...&id=...), each once, 1 to MAX_READ of them."""
    if not participant_ids or len(participant_ids) > MAX_READ:
        raise InvalidInput(f"name 1 to {MAX_READ} participants (?id=...&id=...)",
                           code="invalid_parameter", details={"id": [f"1 to {MAX_READ}"]})
    return list(dict.fromkeys(participant_ids))


def access_log(uow: UnitOfWork, caller: Caller, participant_id: str) -> list[dict]:
    access.may_see(caller, uow.repo.participant(participant_id))
    return uow.repo.access_log(participant_id)


def enrolments_of(uow: UnitOfWork, caller: Caller,
                  participant_id: str) -> list[tuple[Programme, dict]]:
    """A person's programmes and how each went: for themself, or the agency that registered
    them."""
    access.may_see(caller, uow.repo.participant(participant_id))
    docs = uow.repo.enrolments_of(participant_id)
    programmes = uow.repo.programmes_by_id([doc["programme_id"] for doc in docs])
    return [(programmes[doc["programme_id"]], doc) for doc in docs
            if doc["programme_id"] in programmes]


def change_consent(uow: UnitOfWork, caller: Caller, participant_id: str, consent: dict,
                   now: datetime) -> Participant:
    """Give or withdraw consent for one purpose; other services hear of it at once."""
    with uow:
        participant = uow.repo.participant(participant_id)
        access.may_see(caller, participant)
        recorded = Consent(recorded_at=now, **consent)
        participant.record_consent(recorded)
        uow.repo.add_consent(participant, recorded)
        uow.publish("participant.consent_changed", participant.consent_event(recorded),
                    subject=participant.id)
    return participant


# applications, the waitlist, leaving --------------------------------------------------------------
NO_HISTORY = {"active": 0, "completed": 0, "here": None}


def check_application(programme: Programme, participant: Participant, past: dict,
                      today: date) -> None:
    """Everything that could refuse an application, before anything is written; `past`, the
    person's enrolment history (Repository.enrolment_history)."""
    _check(programme, participant, participant.applicant(past["active"], past["completed"]),
           today)


def _check(programme: Programme, participant: Participant, applicant, today: date) -> None:
    programme.check_open()
    participant.require_consent(programme.required_consent)
    refusals = programme.eligibility.check(applicant, programme.organiser_region, today)
    if refusals:
        raise DomainError("not eligible for this programme", code="not_eligible",
                          details={"refusals": [r.to_dict() for r in refusals]})


def apply(uow: UnitOfWork, caller: Caller, programme_id: str, participant_id: str,
          today: date, now: datetime) -> dict:
    """Apply, then seat the waitlist in priority order: the applicant gets a seat while seats
    are free and nobody ranks ahead of them; otherwise waits in line."""
    with uow:
        programme = uow.repo.programme(programme_id)
        access.acts_for(caller, participant_id, programme)
        participant = uow.repo.participant(participant_id)
        past = uow.repo.enrolment_history([participant.id], programme.id).get(
            participant.id, NO_HISTORY)  # read once: the rules and a repeat both need it
        check_application(programme, participant, past, today)
        if past["here"]:
            raise Conflict("participant has already applied to this programme",
                           code="already_applied")
        applicant = participant.applicant(0, past["completed"])
        uow.repo.admit(programme, [(participant.id,
                                    priority_key(applicant, programme.priority, now))], now)
    return uow.repo.enrolment(programme.id, participant.id)


def allocate(uow: UnitOfWork, caller: Caller, programme_id: str, today: date) -> dict:
    """Applications closed: the seats go to the applicants in the programme's priority order
    (first-timers, job seekers, as it says), the rest wait in that order."""
    with uow:
        programme = programme_of(uow, caller, programme_id)
        programme.check_can_allocate(today)
        if not uow.repo.mark_allocated(programme.id):
            raise Conflict("the seats are allocated already", code="already_allocated")
        programme.allocated = True
        seated = uow.repo.fill_seats(programme)
    return {"programme_id": programme.id, "enrolled": len(seated),
            "waitlisted": len(uow.repo.waitlist(programme.id))}


def leave(uow: UnitOfWork, caller: Caller, programme_id: str, participant_id: str,
          reason: str, today: date, now: datetime) -> dict:
    """Withdrawal (before the start or from the waitlist) frees the seat for the next in line;
    a drop-out after the start is recorded and published, the seat stays empty."""
    with uow:
        programme = uow.repo.programme(programme_id)
        access.acts_for(caller, participant_id, programme)
        programme.check_open()
        doc = uow.repo.enrolment(programme.id, participant_id)
        if doc["status"] not in ("waitlisted", "enrolled"):
            raise DomainError(f"the enrolment has already ended ({doc['status']})",
                              code="enrolment_ended")
        status = leaving_status(programme, doc["status"], today)
        staged = _not_completed(uow, programme, participant_id,
                                programme.outcome(len(doc["attended"])).rate,
                                f"{status.replace('_', ' ')}: {reason}", f"{doc['_id']}:end") \
            if doc["status"] == "enrolled" else None
        uow.repo.leave(doc, status, reason, now, staged)
        if status == "withdrawn":
            uow.repo.fill_seats(programme)
    return uow.repo.enrolment(programme.id, participant_id)


def record_attendance(uow: UnitOfWork, caller: Caller, programme_id: str, day: date,
                      present: list[str], present_niks: list[str], nik_key: str,
                      now: datetime) -> dict:
    """Mark who came, by participant id or by NIK. On day one, whoever is absent is a no-show:
    their seat goes to the waitlist at once."""
    with uow:
        programme = programme_of(uow, caller, programme_id)
        present = present + _ids_for_niks(uow, present_niks, nik_key)
        programme.check_attendance_day(day)
        # those marked, looked up by _id; the whole class (a query) only on day one
        statuses = uow.repo.statuses(programme.id, present)
        strangers = sorted({pid for pid in present if statuses.get(pid) != "enrolled"})
        if strangers:
            raise InvalidInput("participants not enrolled in this programme",
                               code="not_enrolled", details={"present": strangers})
        recorded = uow.repo.record_attendance(programme.id, day, present)
        no_shows = sorted({doc["participant_id"] for doc in uow.repo.enrolments(
            programme.id, "enrolled")} - set(present)) if day == programme.start_date else []
        for participant_id in no_shows:
            doc = uow.repo.enrolment(programme.id, participant_id)
            uow.repo.leave(doc, "no_show", "absent on day one", now, _not_completed(
                uow, programme, participant_id, 0.0, "no show on day one",
                f"{doc['_id']}:end"))
        promoted = uow.repo.fill_seats(programme) if no_shows else []
        # The newly seated attended day one in the sense that matters: they start now.
        if promoted:
            uow.repo.record_attendance(programme.id, day, promoted)
    return {"date": day, "recorded": recorded + len(promoted), "no_shows": no_shows,
            "promoted": promoted}


def _ids_for_niks(uow: UnitOfWork, niks: list[str], nik_key: str) -> list[str]:
    if not niks:
        return []
    digests = {}
    for position, raw in enumerate(niks):
        if not (raw.isdigit() and len(raw) == 16):
            raise InvalidInput("NIK must have 16 digits", code="nik_invalid",
                               details={"present_niks": [position]})
        digests[nik_rules.digest(raw, nik_key)] = position
    found = uow.repo.participant_ids_by_nik(list(digests))
    unknown = sorted(pos for digest, pos in digests.items() if digest not in found)
    if unknown:
        raise InvalidInput("no participant with these NIKs", code="nik_unknown",
                           details={"present_niks": unknown})
    return list(found.values())


FINISH_TRIES = 3  # a changed enrolment read again; then the close waits for its next step
CLOSE_BATCH = 100  # people per step of a close: what one request does (about 3 s here)
CLOSE_IDLE = timedelta(seconds=15)  # a step takes seconds: a close idle this long lost its worker


def close(uow: UnitOfWork, caller: Caller, programme_id: str, today: date,
          now: datetime, batch: int = CLOSE_BATCH) -> dict:
    """Begin the close (once: the claim is the close's own document) and do its first step.
    A programme of up to CLOSE_BATCH people closes within the request; a larger one goes on
    behind it (resume_closings), its progress readable meanwhile (closing)."""
    programme = programme_of(uow, caller, programme_id)
    enrolled = None
    if uow.repo.closing(programme.id) is None:
        programme.check_can_close(today)
        enrolled = uow.repo.enrolments(programme.id, "enrolled")  # read once: the cohort
        with uow:
            uow.repo.start_close(programme.id, caller.actor, len(enrolled), now)
    return close_step(uow, programme.id, now, batch, enrolled)


def closing(uow: UnitOfWork, caller: Caller, programme_id: str) -> dict:
    """How far the programme's close has come."""
    programme = programme_of(uow, caller, programme_id)
    found = uow.repo.closing(programme.id)
    if found is None:
        raise NotFound("the programme's close has not begun", code="close_not_started")
    return _close_view(found)


def resume_closings(uow: UnitOfWork, now: datetime, batch: int = CLOSE_BATCH) -> int:
    """A step of every close nobody is working on (its worker died, or it is large)."""
    resumed = uow.repo.unfinished_closings(now - CLOSE_IDLE)
    for programme_id in resumed:
        close_step(uow, programme_id, now, batch)
    return len(resumed)


def close_step(uow: UnitOfWork, programme_id: str, now: datetime,
               batch: int = CLOSE_BATCH, enrolled: list[dict] | None = None) -> dict:
    """Apply the completion rule to the next `batch` people still enrolled and publish
    each outcome (the outcome and its event are one write: the enrolment's outbox); once
    nobody is left, the waitlist leaves and the programme is closed."""
    job = uow.repo.closing(programme_id)
    if job["finished"]:
        return _close_view(job)
    with uow:
        uow.repo.close_progress(programme_id, job["done"], now)  # working on it: a lease
        programme = uow.repo.programme(programme_id)
        if enrolled is None:
            enrolled = uow.repo.enrolments(programme_id, "enrolled")
        for doc in enrolled[:batch]:
            _close_one(uow, programme, doc)
        left = max(len(enrolled) - batch, 0)
        if left:  # step done: the next timer tick may take the next step at once
            job["done"] = job["total"] - left
            uow.repo.close_progress(programme_id, job["done"], now - CLOSE_IDLE)
            return _close_view(job)  # what this step did (a timer may be taking the next)
        for doc in uow.repo.waitlist(programme_id):
            uow.repo.leave(doc, "not_admitted", "the programme closed", now)
        uow.repo.finish_close(programme_id, {"total": job["total"],
                                             **uow.repo.outcomes(programme_id)}, now)
    return _close_view(uow.repo.closing(programme_id))


def _close_one(uow: UnitOfWork, programme: Programme, doc: dict) -> None:
    participant = uow.repo.participant(doc["participant_id"])
    outcome = programme.outcome(len(doc["attended"]))
    event_id = f"{doc['_id']}:end"
    staged, held = None, False
    if not outcome.completed:
        staged = _not_completed(uow, programme, participant.id, outcome.rate, outcome.reason,
                                event_id)
    elif participant.consented("certification") or programme.kind == "apprenticeship_intake":
        staged = _completed(uow, programme, participant, outcome, event_id)
    else:  # consent withdrawn since enrolment: completion is recorded, not passed on
        held = True
    for _ in range(FINISH_TRIES):
        if uow.repo.finish(doc, outcome.status, outcome.rate, staged, held):
            return
        doc = uow.repo.enrolment(programme.id, doc["participant_id"])  # changed meanwhile
        if doc["status"] != "enrolled":
            return  # they left, or another close worker wrote the outcome
    # its version is held by a writer that may have died: the close resumes after a while
    raise Conflict("the enrolment changed meanwhile", code="enrolment_changed")


def _close_view(job: dict) -> dict:
    view = {"programme_id": job["_id"], "status": "closed" if job["finished"] else "closing",
            "total": job["total"], "done": job["done"]}
    if job["finished"]:
        view.update({k: job[k] for k in ("completed", "not_completed",
                                         "held_without_consent")})
    return view


def _completed(uow: UnitOfWork, programme: Programme, participant: Participant,
               outcome: Outcome, event_id: str) -> dict:
    return uow.stage("training.completed", {
        "participant_id": participant.id, "programme_id": programme.id,
        "programme_kind": programme.kind, "programme_title": programme.title,
        "scheme_code": programme.scheme_code,
        "organiser": programme.organiser, "agency": programme.agency,
        "region_code": programme.region_code, "certificates": programme.certificates,
        "attendance_rate": outcome.rate, "completed_on": programme.end_date,
        "asesi_name": participant.name,
    }, subject=participant.id, event_id=event_id)


def _not_completed(uow: UnitOfWork, programme: Programme, participant_id: str,
                   rate: float | None, reason: str, event_id: str) -> dict:
    return uow.stage("training.not_completed", {
        "participant_id": participant_id, "programme_id": programme.id,
        "scheme_code": programme.scheme_code, "attendance_rate": rate or 0.0,
        "required_rate": programme.outcome(0).required or 0.0,
        "reason": reason,
    }, subject=participant_id, event_id=event_id)


def interest(uow: UnitOfWork, caller: Caller, year: int | None) -> list[dict]:
    """Applicants per seat by sector over the agency's programmes (of a year, by start)."""
    programmes = [p for p in uow.repo.programmes(caller.agency)
                  if year is None or p.start_date.year == year]
    return by_sector(programmes, uow.repo.applications([p.id for p in programmes]))


def target_progress(uow: UnitOfWork, target: Target) -> dict:
    """A target's progress over its own programmes and all its sub-targets', with each
    sub-target's own report nested."""
    children = [target_progress(uow, child) for child in uow.repo.subtargets(target.id)]
    ids = [target.id] + [node["target_id"] for node in _descendants(children)]
    return {**progress(target, uow.repo.counts(ids)), "subtargets": children}


def _descendants(children: list[dict]) -> list[dict]:
    return [node for child in children for node in [child, *_descendants(child["subtargets"])]]


# outcomes from other services ---------------------------------------------------------------------
def certificate_issued(uow: UnitOfWork, data: dict, now: datetime, nik_key: str) -> None:
    """A certificate counts towards targets when it is one its programme leads to (a course
    whose only certificate is the agency's counts those; a BNSP course its certifications); a
    certificate of no programme (a renewal) counts if it is a certification. The holder is
    told, once however often the event arrives, and identified in it (holder.identified)."""
    route = programme_certificate(data["kind"], data["issuer"]["code"])
    subject, text = certificate_text(
        data["scheme_title"], data["certificate_number"], data["issuer"]["name"],
        data["valid_until"] and data["valid_until"].isoformat(), data["verification_url"])
    with uow:
        uow.repo.queue_notices([_notice(f"certificate:{data['certificate_number']}",
                                        data["participant_id"], "certification", subject, text,
                                        now)])
        _identify_holder(uow, data["certificate_number"], data["participant_id"], nik_key)
        if data["renews"]:
            uow.repo.recertified(data["renews"])
        programme = uow.repo.programmes_by_id([data["programme_id"]]).get(data["programme_id"])
        if programme.leads_to(route) if programme else route == "bnsp":
            uow.repo.record_outcome(data["participant_id"], data["programme_id"], "certificate",
                                    {"number": data["certificate_number"], "route": route,
                                     "issued_on": data["issued_on"].isoformat()})


def _identify_holder(uow: UnitOfWork, number: str, participant_id: str, nik_key: str) -> None:
    """The holder's NIK hashed with this certificate's holder code, for the credential; not for
    someone registered before NIKs were sealed (nothing to hash) or elsewhere."""
    person = uow.repo.participants([participant_id]).get(participant_id)
    if person is None or not person.nik_sealed:
        return
    hashed = holder.identity_hash(nik_rules.unseal(person.nik_sealed, nik_key),
                                  nik_rules.holder_code(nik_key, number, participant_id))
    uow.repo.identify_holder(number, participant_id, uow.stage(
        "holder.identified", {"certificate_number": number, "participant_id": participant_id,
                              "identity_hash": hashed},
        subject=participant_id, event_id=f"holder:{number}"))


def holder_code(uow: UnitOfWork, caller: Caller, nik_key: str, participant_id: str,
                number: str) -> dict:
    """The code a holder gives, with their NIK, to whoever checks that a certificate is
    theirs: to the holder alone, for a certificate identified as theirs."""
    caller.require(caller.has("participant") and caller.participant_id == participant_id,
                   "only the holder may see their holder code", participant=participant_id)
    if uow.repo.holder_of(number) != participant_id:
        raise NotFound(f"no certificate {number} of yours is identified yet",
                       code="holder_not_identified")
    code = nik_rules.holder_code(nik_key, number, participant_id)
    return {"certificate_number": number, "holder_code": holder.shown(code)}


def assessment_decided(uow: UnitOfWork, data: dict) -> None:
    """Which LSP decided the assessment a programme led to: its staff may then read the
    person's NIK for the report to BNSP, and nobody else's."""
    with uow:
        uow.repo.record_outcome(data["participant_id"], data["programme_id"], "assessment", {
            "lsp": data["lsp"]["code"], "case_id": data["case_id"],
            "overall": data["overall"], "decided_at": data["decided_at"].isoformat()})


def bnsp_identities(uow: UnitOfWork, caller: Caller, nik_key: str, participant_ids: list[str],
                    path: str, now: datetime) -> list[dict]:
    """The NIK in clear for the caller's LSP's decided asesi, still consenting to
    certification; each read recorded. A record from before NIKs were sealed has none."""
    decided = uow.repo.assessed_by(caller.lsp, _batch(participant_ids))
    people = [p for p in uow.repo.participants(sorted(decided)).values()
              if p.consented("certification")]
    uow.repo.record_access(caller, [p.id for p in people], "bnsp_report", path, now)
    return [{"participant_id": p.id, "name": p.name, "sex": p.sex,
             "birth_date": p.birth_date.isoformat(),
             "nik": nik_rules.unseal(p.nik_sealed, nik_key) if p.nik_sealed else None}
            for p in people]


def certificate_expiring(uow: UnitOfWork, data: dict) -> None:
    """A certification ends soon: the holder is due for re-certification."""
    with uow:
        uow.repo.add_recertification_due(data)


def graduate_placed(uow: UnitOfWork, data: dict) -> None:
    with uow:
        uow.repo.record_outcome(data["participant_id"], data["programme_id"], "placement", {
            "kind": data["kind"], "employer_id": data["employer_id"],
            "start_date": data["start_date"].isoformat()})


def recertification_due(uow: UnitOfWork, caller: Caller, scheme_code: str | None, path: str,
                        now: datetime) -> list[dict]:
    """Holders of the caller's agency whose certification ends soon, with the contact details
    to invite them: only those who still consent to certification (each read recorded)."""
    due = []
    for item in uow.repo.recertification_due(scheme_code):
        person = uow.repo.participant(item["participant_id"])
        if person.consented("certification") and person.agency == caller.agency:
            due.append({**item, "person": person})
    uow.repo.record_access(caller, [d["participant_id"] for d in due], "recertification", path,
                           now)
    return due


# -- bulk import ---------------------------------------------------------------------------------

def import_rows(uow: UnitOfWork, caller: Caller, nik_key: str, programme_id: str,
                source: str, wording: dict[str, str], rows: list[dict], today: date,
                now: datetime) -> list[dict]:
    """Register and enrol every valid row; report every invalid one with its row number,
    column and reason. Each row is checked completely before anything of it is written, and a
    row already imported changes nothing.

    Set-based: a batch costs a few queries and bulk writes, not a few per row, so thousands of
    rows stay fast even on a MongoDB-wire server that scans (FerretDB on SQLite)."""
    with uow:
        return _import_rows(uow, programme_of(uow, caller, programme_id), nik_key, source,
                            wording, rows, today, now)


def import_file(uow: UnitOfWork, caller: Caller, nik_key: str, programme_id: str,
                filename: str, content: str, wording: dict[str, str], today: date,
                now: datetime) -> list[dict]:
    """A whole spreadsheet (base64), read here and imported as import_rows does, in batches
    of 1,000 rows; each row's result in row order."""
    raw = uploads.decoded(content, MAX_UPLOAD_BYTES)
    try:
        rows = spreadsheet.read_upload(raw, filename)
    except spreadsheet.Unreadable as exc:
        raise InvalidInput(str(exc), code="file_unreadable",
                           details={"filename": [filename]}) from None
    if not rows or len(rows) > MAX_UPLOAD_ROWS:
        raise InvalidInput(f"a file must have 1 to {MAX_UPLOAD_ROWS} rows",
                           code="file_rows", details={"rows": [len(rows)]})
    results = []
    for start in range(0, len(rows), 1000):
        results += import_rows(uow, caller, nik_key, programme_id, filename, wording,
                               rows[start:start + 1000], today, now)
    return results


def _import_rows(uow: UnitOfWork, programme: Programme, nik_key: str, source: str,
                 wording: dict[str, str], rows: list[dict], today: date,
                 now: datetime) -> list[dict]:
    programme.check_open()
    results: dict[int, dict] = {}
    parsed = []
    for index, raw in enumerate(rows):
        try:
            row = ImportRow().load(raw)
            parsed.append((index, row, _participant_from({**row, "agency": programme.agency},
                                                         nik_key)))
        except ValidationError as exc:
            results[index] = _invalid(raw.get("row"), [
                {"column": column, "code": "invalid_value", "message": "; ".join(
                    messages if isinstance(messages, list) else [str(messages)])}
                for column, messages in sorted(exc.messages.items())])
        except DomainError as error:
            results[index] = _invalid(raw.get("row"), _row_errors(error))

    existing = uow.repo.participants_by_nik([c.nik_digest for _, _, c in parsed])
    history = uow.repo.enrolment_history([p.id for p in existing.values()], programme.id)
    seen, new, applying = set(), [], []
    for index, row, candidate in parsed:
        if candidate.nik_digest in seen:
            results[index] = _invalid(row["row"], [{
                "column": "nik", "code": "duplicate_row",
                "message": "the same NIK appears on an earlier row"}])
            continue
        seen.add(candidate.nik_digest)
        person = existing.get(candidate.nik_digest)
        past = history.get(person.id, {}) if person else {}
        if past.get("here"):
            results[index] = {"row": row["row"], "status": "unchanged",
                              "enrolment": past["here"], "participant_id": person.id}
            continue
        participant = person or candidate
        consents = [] if person else _row_consents(row, source, wording, now)
        try:
            for consent in consents:
                participant.record_consent(consent)
            applicant = participant.applicant(past.get("active", 0), past.get("completed", 0))
            _check(programme, participant, applicant, today)
        except DomainError as error:
            results[index] = _invalid(row["row"], _row_errors(error))
            continue
        if person is None:
            new.append((participant, consents))
        applying.append((index, row["row"], participant, applicant, person is None))

    refused = uow.repo.add_participants([p for p, _ in new])
    for participant, consents in new:
        if participant.id not in refused:
            for consent in consents:
                uow.publish("participant.consent_changed", participant.consent_event(consent),
                            subject=participant.id)
    applying = [a for a in applying if a[2].id not in refused]
    uow.repo.admit(programme, [(p.id, priority_key(applicant, programme.priority, now))
                           for _, _, p, applicant, _ in applying], now)
    statuses = uow.repo.statuses(programme.id, [p.id for _, _, p, _, _ in applying])
    for index, row_number, participant, _, is_new in applying:
        results[index] = {"row": row_number, "status": "registered" if is_new else "applied",
                          "enrolment": statuses.get(participant.id),
                          "participant_id": participant.id}
    for index, row, candidate in parsed:
        if candidate.id in refused:  # registered by someone else between check and write
            results[index] = _invalid(row["row"], [{
                "column": "nik", "code": "participant_exists",
                "message": "registered concurrently; import the row again"}])
    return [results[index] for index in range(len(rows))]


def _invalid(row_number, errors: list[dict]) -> dict:
    return {"row": row_number, "status": "invalid", "errors": errors}


def _row_consents(row: dict, source: str, wording: dict[str, str],
                  now: datetime) -> list[Consent]:
    guardian = ({"name": row["guardian_name"], "relationship": row["guardian_relationship"]}
                if row["guardian_name"] else None)
    consents = []
    for purpose in ("certification", "partner_sharing", "follow_up"):
        if purpose not in wording:
            continue
        consents.append(Consent(purpose=purpose, granted=row[f"consent_{purpose}"],
                                recorded_at=now, source=source, wording=wording[purpose],
                                guardian=guardian))
    return consents


# Spreadsheet columns for refusals whose field differs from the HTTP API's.
COLUMN_FOR = {"consent_required": "consent_{purpose}",
              "guardian_consent_required": "guardian_name"}


def _row_errors(error: DomainError) -> list[dict]:
    """Name the spreadsheet column each refusal concerns."""
    if error.code == "not_eligible":
        return [{"column": r["field"], "code": r["code"], "message": r["message"]}
                for r in error.details["refusals"]]
    template = COLUMN_FOR.get(error.code)
    column = template.format(**error.details) if template else error.details.get("field")
    return [{"column": column, "code": error.code, "message": error.message}]


# the community after certification, and notices ---------------------------------------------------
def create_community(uow: UnitOfWork, caller: Caller, body: dict, now: datetime) -> Community:
    """A group of the graduates of the agency's programmes."""
    community = Community(id=new_id(), agency=caller.agency, created_at=now, **body)
    with uow:
        for programme_id in community.programme_ids:
            programme_of(uow, caller, programme_id)
        uow.repo.add_community(community)
    return community


def community_of(uow: UnitOfWork, caller: Caller, community_id: str) -> Community:
    community = uow.repo.community(community_id)
    caller.require(caller.agency is not None and caller.agency == community.agency,
                   "this community belongs to another agency", community=community_id)
    return community


def members(uow: UnitOfWork, community: Community) -> list[Participant]:
    """The graduates who consent to follow-up: nobody else is in the group or reached."""
    people = uow.repo.participants(uow.repo.graduates(community.programme_ids))
    return sorted((p for p in people.values() if p.consented("follow_up")),
                  key=lambda p: p.name)


def read_community(uow: UnitOfWork, caller: Caller, community_id: str, path: str,
                   now: datetime) -> tuple[Community, list[Participant]]:
    """The group with its members by name (each read recorded, purpose follow_up)."""
    community = community_of(uow, caller, community_id)
    found = members(uow, community)
    uow.repo.record_access(caller, [p.id for p in found], "follow_up", path, now)
    return community, found


def post(uow: UnitOfWork, caller: Caller, community_id: str, body: dict,
         now: datetime) -> dict:
    """An announcement or job information, kept in the group and sent to every member."""
    with uow:
        community = community_of(uow, caller, community_id)
        entry = {"id": new_id(), **body, "by": caller.actor, "at": now}
        reached = members(uow, community)
        subject, text = post_text(community.name, body["kind"], body["title"], body["text"])
        uow.repo.queue_notices([_notice(f"{entry['id']}:{p.id}", p.id, "follow_up", subject,
                                        text, now) for p in reached])
        community.posts.append({**entry, "sent_to": len(reached)})
        uow.repo.save_community(community)
    return community.posts[-1]


def mark_mentor(uow: UnitOfWork, caller: Caller, community_id: str,
                participant_id: str) -> Community:
    """One of the best graduates becomes a mentor (role model) for newer participants."""
    with uow:
        community = community_of(uow, caller, community_id)
        community.mark_mentor(participant_id, {p.id for p in members(uow, community)})
        uow.repo.save_community(community)
    return community


def pair_mentor(uow: UnitOfWork, caller: Caller, community_id: str, participant_id: str,
                now: datetime) -> dict:
    """A newer participant of the agency gets the nearest mentor with the fewest mentees; both
    are told (if they consent to follow-up)."""
    with uow:
        community = community_of(uow, caller, community_id)
        newcomer = uow.repo.participant(participant_id)
        access.may_see(caller, newcomer)
        mentors = uow.repo.participants(community.mentors)
        mentor = community.mentor_for(newcomer.residence,
                                      {m.id: m.residence for m in mentors.values()})
        if mentor is None:
            raise DomainError("the community has no mentor yet", code="no_mentor")
        pair = {"mentee": newcomer.id, "mentor": mentor, "at": now}
        community.pairs.append(pair)
        uow.repo.save_community(community)
        subject = f"[{community.name}] Mentor / Mentoring"
        uow.repo.queue_notices([
            _notice(f"pair:{newcomer.id}:{mentor}:{who}", who, "follow_up", subject,
                    text, now) for who, text in (
                (newcomer.id, f"Mentor Anda: {mentors[mentor].name}. / Your mentor: "
                              f"{mentors[mentor].name}."),
                (mentor, f"Anda menjadi mentor bagi {newcomer.name}. / You mentor "
                         f"{newcomer.name}."))])
    return {"mentee": newcomer.id, "mentor": mentor, "mentor_name": mentors[mentor].name}


def offer_made(uow: UnitOfWork, data: dict, now: datetime) -> None:
    """The graduate hears of an offer on their own channel, not only on their page: one notice
    per offer, however often the event arrives."""
    subject, text = offer_text(data["kind"])
    with uow:
        uow.repo.queue_notices([_notice(f"offer:{data['offer_id']}", data["participant_id"],
                                        "partner_sharing", subject, text, now)])


def follow_up_due(uow: UnitOfWork, data: dict, now: datetime) -> None:
    subject, text = follow_up_text(data["months"], data["due_on"].isoformat())
    with uow:
        uow.repo.queue_notices([_notice(f"check-in:{data['check_in_id']}",
                                        data["participant_id"], "follow_up", subject, text,
                                        now)])


def _notice(notice_id: str, participant_id: str, purpose: str, subject: str, text: str,
            now: datetime) -> dict:
    return {"_id": notice_id, "participant_id": participant_id, "purpose": purpose,
            "subject": subject, "text": text, "status": "pending", "attempts": 0,
            "queued_at": now}


MAX_ATTEMPTS = 10


def deliver_notices(uow: UnitOfWork, sender: Sender, now: datetime, batch: int = 50) -> int:
    """Send what is queued through the channel, each only while the person still consents to
    its purpose; a failed send is tried again on the next round, at most MAX_ATTEMPTS times.
    The number sent."""
    sent = 0
    for notice in uow.repo.pending_notices(batch):
        try:
            person = uow.repo.participant(notice["participant_id"])
        except NotFound:
            uow.repo.notice_done(notice["_id"], "dropped", now, "no such participant")
            continue
        if not person.consented(notice["purpose"]):
            uow.repo.notice_done(notice["_id"], "dropped", now, f"no {notice['purpose']} "
                                 "consent")
            continue
        try:
            sender.send(Message(notice["subject"], notice["text"], person.email, person.phone))
        except Undeliverable as exc:
            uow.repo.notice_done(notice["_id"], "undeliverable", now, str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 -- any failure of the gateway: try again later
            uow.repo.notice_failed(notice, type(exc).__name__,
                                   notice.get("attempts", 0) + 1 >= MAX_ATTEMPTS)
            continue
        uow.repo.notice_done(notice["_id"], f"sent:{sender.channel}", now)
        sent += 1
    return sent
