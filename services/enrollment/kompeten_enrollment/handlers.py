"""Use cases: each loads what it needs, asks the domain, stores, publishes. The nameko entrypoints
call these; nothing here knows about HTTP or nameko.

`publish(type, data, subject=..., event_id=...)` is injected, so are the repository and the
clock, which keeps these functions testable against a real database without a broker.
"""

import uuid
from collections.abc import Callable
from datetime import date, datetime

from kompeten_shared.errors import Conflict, DomainError, InvalidInput
from marshmallow import ValidationError

from . import nik as nik_rules
from .participant import Consent, Participant
from .programme import Outcome, Programme, leaving_status
from .repository import Repository
from .schemas import ImportRow
from .target import Target, progress
from .waitlist import priority_key

Publish = Callable[..., dict]


def new_id() -> str:
    return str(uuid.uuid4())


def _participant_from(person: dict, nik_key: str) -> Participant:
    nik = nik_rules.parse(person["nik"], birth_date=person["birth_date"], sex=person["sex"])
    details = {key: person.get(key) for key in ("phone", "employment_status",
                                                "domicile_regency_code", "previous_trainings",
                                                "agency")}
    return Participant.register(id=new_id(), nik=nik, nik_key=nik_key, name=person["name"],
                                **details)


def register(repo: Repository, publish: Publish, nik_key: str, person: dict,
             consents: list[dict], now: datetime) -> Participant:
    participant = _participant_from(person, nik_key)
    recorded = [Consent(recorded_at=now, **c) for c in consents]
    for consent in recorded:
        participant.record_consent(consent)
    repo.add_participant(participant)
    for consent in recorded:
        publish("participant.consent_changed", participant.consent_event(consent),
                subject=participant.id)
    return participant


def change_consent(repo: Repository, publish: Publish, participant_id: str, consent: dict,
                   now: datetime) -> Participant:
    participant = repo.participant(participant_id)
    recorded = Consent(recorded_at=now, **consent)
    participant.record_consent(recorded)
    repo.add_consent(participant, recorded)
    publish("participant.consent_changed", participant.consent_event(recorded),
            subject=participant.id)
    return participant


def check_application(repo: Repository, programme: Programme, participant: Participant,
                      today: date) -> None:
    """Everything that could refuse an application, before anything is written."""
    _check(programme, participant,
           participant.applicant(repo.active_elsewhere(participant.id, programme.id),
                                 repo.completed_count(participant.id)), today)


def _check(programme: Programme, participant: Participant, applicant, today: date) -> None:
    programme.check_open()
    participant.require_consent(programme.required_consent)
    refusals = programme.eligibility.check(applicant, programme.organiser_region, today)
    if refusals:
        raise DomainError("not eligible for this programme", code="not_eligible",
                          details={"refusals": [r.to_dict() for r in refusals]})


def apply(repo: Repository, programme: Programme, participant: Participant, today: date,
          now: datetime) -> dict:
    """Apply, then seat the waitlist in priority order: the applicant gets a seat while seats
    are free and nobody ranks ahead of them; otherwise waits in line."""
    check_application(repo, programme, participant, today)
    if repo.statuses(programme.id, [participant.id]):
        raise Conflict("participant has already applied to this programme",
                       code="already_applied")
    applicant = participant.applicant(0, repo.completed_count(participant.id))
    repo.admit(programme, [(participant.id, priority_key(applicant, programme.priority, now))],
               now)
    return repo.enrolment(programme.id, participant.id)


def leave(repo: Repository, publish: Publish, programme: Programme, participant_id: str,
          reason: str, today: date, now: datetime) -> dict:
    """Withdrawal (before the start or from the waitlist) frees the seat for the next in line;
    a drop-out after the start is recorded and published, the seat stays empty."""
    programme.check_open()
    doc = repo.enrolment(programme.id, participant_id)
    if doc["status"] not in ("waitlisted", "enrolled"):
        raise DomainError(f"the enrolment has already ended ({doc['status']})",
                          code="enrolment_ended")
    status = leaving_status(programme, doc["status"], today)
    staged = _not_completed(publish, programme, participant_id,
                            programme.outcome(len(doc["attended"])).rate,
                            f"{status.replace('_', ' ')}: {reason}", f"{doc['_id']}:end") \
        if doc["status"] == "enrolled" else None
    repo.leave(doc, status, reason, now, staged)
    repo.relay(doc["_id"], publish.send)
    if status == "withdrawn":
        repo.fill_seats(programme)
    return repo.enrolment(programme.id, participant_id)


def record_attendance(repo: Repository, publish: Publish, programme: Programme, day: date,
                      present: list[str], now: datetime) -> dict:
    """Mark who came. On day one, whoever is absent is a no-show: their seat goes to the
    waitlist at once."""
    programme.check_attendance_day(day)
    enrolled = {doc["participant_id"] for doc in repo.enrolments(programme.id, "enrolled")}
    strangers = sorted(set(present) - enrolled)
    if strangers:
        raise InvalidInput("participants not enrolled in this programme", code="not_enrolled",
                           details={"present": strangers})
    recorded = repo.record_attendance(programme.id, day, present)
    no_shows = sorted(enrolled - set(present)) if day == programme.start_date else []
    for participant_id in no_shows:
        doc = repo.enrolment(programme.id, participant_id)
        repo.leave(doc, "no_show", "absent on day one", now, _not_completed(
            publish, programme, participant_id, 0.0, "no show on day one", f"{doc['_id']}:end"))
        repo.relay(doc["_id"], publish.send)
    promoted = repo.fill_seats(programme) if no_shows else []
    # The newly seated attended day one in the sense that matters: they start now.
    if promoted:
        repo.record_attendance(programme.id, day, promoted)
    return {"date": day, "recorded": recorded + len(promoted), "no_shows": no_shows,
            "promoted": promoted}


def close(repo: Repository, publish: Publish, programme: Programme, today: date,
          now: datetime) -> dict:
    """Apply the completion rule to everyone still enrolled and publish each outcome: the
    outcome and its event are one write (the enrolment's outbox), sent after it; a crash in
    between leaves the event for the relay timer."""
    programme.check_can_close(today)
    pending = repo.enrolments(programme.id, "enrolled")
    summary = {"completed": 0, "not_completed": 0, "held_without_consent": 0}
    for doc in pending:
        participant = repo.participant(doc["participant_id"])
        outcome = programme.outcome(len(doc["attended"]))
        event_id = f"{doc['_id']}:end"
        staged = None
        if not outcome.completed:
            staged = _not_completed(publish, programme, participant.id, outcome.rate,
                                    outcome.reason, event_id)
        elif participant.consented("certification") or programme.kind == "apprenticeship_intake":
            staged = _completed(publish, programme, participant, outcome, event_id)
        else:  # consent withdrawn since enrolment: completion is recorded, not passed on
            summary["held_without_consent"] += 1
        if repo.finish(doc["_id"], outcome.status, outcome.rate, staged):
            summary[outcome.status] += 1
            repo.relay(doc["_id"], publish.send)
    for doc in repo.waitlist(programme.id):
        repo.leave(doc, "not_admitted", "the programme closed", now)
    repo.close_programme(programme.id)
    return {"programme_id": programme.id, **summary}


def _completed(publish, programme: Programme, participant: Participant,
               outcome: Outcome, event_id: str) -> dict:
    return publish.stage("training.completed", {
        "participant_id": participant.id, "programme_id": programme.id,
        "programme_kind": programme.kind, "programme_title": programme.title,
        "scheme_code": programme.scheme_code,
        "organiser": programme.organiser, "region_code": programme.region_code,
        "attendance_rate": outcome.rate, "completed_on": programme.end_date,
        "asesi_name": participant.name,
    }, subject=participant.id, event_id=event_id)


def _not_completed(publish, programme: Programme, participant_id: str,
                   rate: float | None, reason: str, event_id: str) -> dict:
    return publish.stage("training.not_completed", {
        "participant_id": participant_id, "programme_id": programme.id,
        "scheme_code": programme.scheme_code, "attendance_rate": rate or 0.0,
        "required_rate": programme.attendance_threshold if programme.has_attendance else 0.0,
        "reason": reason,
    }, subject=participant_id, event_id=event_id)


def target_progress(repo: Repository, target: Target) -> dict:
    """A target's progress over its own programmes and all its sub-targets', with each
    sub-target's own report nested."""
    children = [target_progress(repo, child) for child in repo.subtargets(target.id)]
    ids = [target.id] + [node["target_id"] for node in _descendants(children)]
    return {**progress(target, repo.counts(ids)), "subtargets": children}


def _descendants(children: list[dict]) -> list[dict]:
    return [node for child in children for node in [child, *_descendants(child["subtargets"])]]


# -- bulk import ---------------------------------------------------------------------------------

def import_rows(repo: Repository, publish: Publish, nik_key: str, programme: Programme,
                source: str, wording: dict[str, str], rows: list[dict], today: date,
                now: datetime) -> list[dict]:
    """Register and enrol every valid row; report every invalid one with its row number,
    column and reason. Each row is checked completely before anything of it is written, and a
    row already imported changes nothing.

    Set-based: a batch costs a few queries and bulk writes, not a few per row, so thousands of
    rows stay fast even on a MongoDB-wire server that scans (FerretDB on SQLite)."""
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

    existing = repo.participants_by_nik([c.nik_digest for _, _, c in parsed])
    history = repo.enrolment_history([p.id for p in existing.values()], programme.id)
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

    refused = repo.add_participants([p for p, _ in new])
    for participant, consents in new:
        if participant.id not in refused:
            for consent in consents:
                publish("participant.consent_changed", participant.consent_event(consent),
                        subject=participant.id)
    applying = [a for a in applying if a[2].id not in refused]
    repo.admit(programme, [(p.id, priority_key(applicant, programme.priority, now))
                           for _, _, p, applicant, _ in applying], now)
    statuses = repo.statuses(programme.id, [p.id for _, _, p, _, _ in applying])
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
