"""Use cases: one function per command or event. Each runs in a unit of work (`uow.repo`; events
staged with the write they record), checks who may act (access.py), asks the domain (pool,
matching, apprenticeship, follow_up) and stores. Nothing here knows about HTTP or nameko.
"""

import uuid
from datetime import date, datetime

from kompeten_chassis.unit_of_work import UnitOfWork
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Conflict, DomainError, InvalidInput

from . import access, apprenticeship, follow_up, matching
from .follow_up import CheckIn
from .pool import Offer


def new_id() -> str:
    return str(uuid.uuid4())


# what other services tell ------------------------------------------------------------------------
def consent_changed(uow: UnitOfWork, data: dict) -> None:
    if data["purpose"] in ("partner_sharing", "follow_up"):
        with uow:
            uow.repo.record_consent(data["participant_id"], data["purpose"], data["granted"],
                                    data["profile"], data["recorded_at"])


def certificate_issued(uow: UnitOfWork, data: dict, months: tuple[int, ...]) -> None:
    """Employers match on the certificates their vacancy accepts: certifications, or also an
    agency's training certificate where the vacancy says so. Each certification also schedules
    its follow-up check-ins."""
    with uow:
        uow.repo.add_certificate(data["participant_id"], {
            "number": data["certificate_number"], "kind": data["kind"],
            "scheme_code": data["scheme_code"],
            "units": [{"code": u["code"]} for u in data["units"]],
            "programme_id": data["programme_id"],
            "valid_until": data["valid_until"] and data["valid_until"].isoformat(),
            "verification_url": data["verification_url"]})
        if data["kind"] == "certification":
            uow.repo.schedule_check_ins(follow_up.schedule(data, months))


def intake_completed(uow: UnitOfWork, data: dict) -> None:
    """Someone who completed an apprenticeship intake may be offered an apprenticeship of its
    scheme before any certificate (a vacancy accepting `apprenticeship_intake`); the record
    stands beside the certificates, one per intake. Other programmes qualify through the
    certificates they lead to."""
    if data["programme_kind"] != matching.INTAKE:
        return
    with uow:
        uow.repo.add_certificate(data["participant_id"], {
            "_id": f"{data['programme_id']}:{data['participant_id']}", "number": None,
            "kind": matching.INTAKE, "scheme_code": data["scheme_code"], "units": [],
            "programme_id": data["programme_id"], "valid_until": None,
            "verification_url": None, "completed_on": data["completed_on"].isoformat()})


# employers and vacancies -------------------------------------------------------------------------
def register_employer(uow: UnitOfWork, body: dict) -> dict:
    doc = {**body, "_id": body["id"] or new_id()}
    doc.pop("id")
    with uow:
        return uow.repo.add("employers", doc)


def employer(uow: UnitOfWork, caller: Caller, employer_id: str) -> dict:
    """An employer with its apprentices and quota."""
    found = uow.repo.employer(employer_id)
    access.for_employer(caller, employer_id)
    return {**found, "apprentices": uow.repo.active_apprentices(employer_id),
            "apprentice_quota": apprenticeship.apprentice_quota(found["workforce"])}


def open_vacancy(uow: UnitOfWork, caller: Caller, body: dict) -> dict:
    """A job or an apprenticeship (pemagangan). An apprenticeship's places must fit the
    employer's quota of apprentices (20% of its workforce)."""
    with uow:
        found = uow.repo.employer(body["employer_id"])
        access.for_employer(caller, found["_id"])
        if body["kind"] == "apprenticeship":
            room = apprenticeship.apprentice_quota(found["workforce"]) - \
                uow.repo.active_apprentices(found["_id"])
            if body["places"] > room:
                raise DomainError(
                    f"apprentices are at most 20% of the workforce: {found['workforce']} "
                    f"employees leave room for {max(room, 0)} more",
                    code="apprenticeship_rules_broken",
                    details={"broken": [{"rule": "at_most_20_percent",
                                         "message": f"room for {max(room, 0)} apprentices"}]})
        return uow.repo.add("vacancies", {"_id": new_id(), **body,
                                          "employer_name": found["name"],
                                          "region_code": body["region_code"]
                                          or found["region_code"]})


def candidates(uow: UnitOfWork, caller: Caller, vacancy_id: str, path: str, today: date,
               now: datetime, limit: int = 50) -> tuple[list[dict], int]:
    """Graduates with a valid certification of the vacancy's scheme who agreed to share their
    data, the best `limit` first, and how many there are: HR sees (and each owner finds
    recorded) only the profiles it is shown."""
    vacancy = uow.repo.vacancy(vacancy_id)
    access.for_employer(caller, vacancy["employer_id"])
    found = []
    for graduate in uow.repo.shared_graduates(vacancy["scheme_code"]):
        try:
            found.append(graduate.candidate_for(vacancy, today))
        except DomainError:
            continue  # an expired certificate: not a candidate
    ranked = matching.rank(found)[:limit]
    uow.repo.record_access(caller, [c["participant_id"] for c in ranked], "matching", path, now)
    return ranked, len(found)


def access_log(uow: UnitOfWork, caller: Caller, participant_id: str | None) -> list[dict]:
    if not participant_id:
        raise InvalidInput("participant_id is required", code="missing_parameter",
                           details={"participant_id": ["required"]})
    access.for_participant(caller, participant_id)
    return uow.repo.access_log(participant_id)


# offers and placements ---------------------------------------------------------------------------
def make_offer(uow: UnitOfWork, caller: Caller, vacancy_id: str, participant_id: str,
               today: date, now: datetime) -> Offer:
    """HR offers one of its vacancies to a consenting, certified graduate: offer.made."""
    with uow:
        vacancy = uow.repo.vacancy(vacancy_id)
        access.for_employer(caller, vacancy["employer_id"])
        uow.repo.graduate(participant_id).candidate_for(vacancy, today)
        offer = Offer(id=new_id(), vacancy_id=vacancy["_id"],
                      employer_id=vacancy["employer_id"], participant_id=participant_id,
                      kind=vacancy["kind"], made_at=now, title=vacancy["title"],
                      employer_name=vacancy.get("employer_name", ""))
        uow.repo.add_offer(offer, uow.stage("offer.made", {
            **_offer_facts(offer), "kind": offer.kind, "made_at": offer.made_at},
            subject=offer.participant_id))
    return offer


def _offer_facts(offer: Offer) -> dict:
    return {"offer_id": offer.id, "vacancy_id": offer.vacancy_id,
            "employer_id": offer.employer_id, "participant_id": offer.participant_id}


def accept_offer(uow: UnitOfWork, caller: Caller, offer_id: str, agreement_body: dict | None,
                 today: date, now: datetime) -> dict:
    """The graduate accepts: the placement starts (graduate.placed, naming the certificate or
    the apprenticeship intake it rests on). An apprenticeship needs its written agreement,
    ratified by the district labour office, within the national rules. One placement per
    offer: its id is the offer's, so a repeated accept cannot add one."""
    with uow:
        offer = uow.repo.offer(offer_id)
        access.for_participant(caller, offer.participant_id)
        vacancy = uow.repo.vacancy(offer.vacancy_id)
        graduate = uow.repo.graduate(offer.participant_id)
        graduate.candidate_for(vacancy, today)  # consent and certificate still stand
        certificate = graduate.certificate_for(vacancy, today)
        agreement = None
        if offer.kind == "apprenticeship":
            agreement_body = agreement_body or offer.agreement
            if agreement_body is None:
                raise DomainError("an apprenticeship starts only with its written agreement",
                                  code="agreement_required")
            agreement = _agreement(agreement_body)
            employer = uow.repo.employer(offer.employer_id)
            # every rule but the quota now; the quota by taking one of the employer's places
            apprenticeship.require_valid(agreement, employer["workforce"], 0, today)
        offer.answer("accept", now)
        uow.repo.claim_answer(offer, now)
        place = None
        if agreement:
            quota = apprenticeship.apprentice_quota(employer["workforce"])
            place = uow.repo.take_apprentice_place(employer["_id"], quota, offer.id,
                                                   agreement.end_date, now)
            if place is None:
                uow.repo.release_answer(offer)
                apprenticeship.require_valid(agreement, employer["workforce"], quota, today)
        start = agreement.start_date if agreement else date.fromisoformat(vacancy["start_date"])
        facts = {**_offer_facts(offer), "certificate_number": certificate["number"],
                 "basis": matching.basis(certificate),
                 "programme_id": certificate.get("programme_id"), "kind": offer.kind,
                 "start_date": start}
        try:
            placement = uow.repo.place(vacancy, {
                **facts, "_id": offer.id, "end_date": agreement.end_date if agreement else None,
                "title": offer.title, "employer_name": offer.employer_name,
                "agreement": agreement_body and _stored(agreement_body), "status": "active",
                "apprentice_place": place},
                uow.stage("graduate.placed", {**facts, "placement_id": offer.id},
                          subject=offer.participant_id))
        except Conflict:
            uow.repo.release_apprentice_place(offer.employer_id, place, offer.id)
            uow.repo.release_answer(offer)
            raise
        uow.repo.save_answer(offer)
    return placement


def draw_up_agreement(uow: UnitOfWork, caller: Caller, offer_id: str, body: dict,
                      today: date) -> Offer:
    """HR attaches the apprenticeship's written agreement, ratified by the district labour
    office, to its offer, checked against the national rules now; the graduate reads it and
    accepts with it. Drawn up again, the last one stands."""
    with uow:
        offer = uow.repo.offer(offer_id)
        access.for_employer(caller, offer.employer_id)
        offer.draw_up(_stored(body))
        employer = uow.repo.employer(offer.employer_id)
        # the quota as it stands now, for HR; the accept takes one of the places
        apprenticeship.require_valid(_agreement(body), employer["workforce"],
                                     uow.repo.active_apprentices(employer["_id"]), today)
        uow.repo.save_agreement(offer)
    return offer


def _agreement(body: dict) -> apprenticeship.Agreement:
    return apprenticeship.Agreement(**{
        key: date.fromisoformat(value) if key in DATES and isinstance(value, str) else value
        for key, value in body.items()})


DATES = ("start_date", "end_date", "ratified_on")


def _stored(body: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()}


def decline_offer(uow: UnitOfWork, caller: Caller, offer_id: str, reason: str | None,
                  now: datetime) -> Offer:
    """The graduate declines, with a reason if they wish: offer.declined."""
    with uow:
        offer = uow.repo.offer(offer_id)
        access.for_participant(caller, offer.participant_id)
        offer.answer("decline", now, reason)
        uow.repo.claim_answer(offer, now)
        uow.repo.save_answer(offer, uow.stage("offer.declined", {
            **_offer_facts(offer), "reason": offer.reason, "declined_at": offer.answered_at},
            subject=offer.participant_id))
    return offer


def terminate_placement(uow: UnitOfWork, caller: Caller, placement_id: str, ended_on: date,
                        reason: str, now: datetime) -> dict:
    """End a placement early, with the reason (placement.terminated); the graduate is
    available again."""
    with uow:
        placement = uow.repo.placement(placement_id)
        access.for_employer(caller, placement["employer_id"])
        if ended_on < date.fromisoformat(placement["start_date"]):
            raise DomainError("a placement cannot end before it starts",
                              code="ends_before_start", details={"field": "ended_on"})
        return uow.repo.terminate(placement, ended_on, reason, caller.actor, now, uow.stage(
            "placement.terminated", {
                "placement_id": placement_id, "participant_id": placement["participant_id"],
                "employer_id": placement["employer_id"],
                "programme_id": placement["programme_id"], "kind": placement["kind"],
                "ended_on": ended_on, "reason": reason, "by": caller.actor},
            subject=placement["participant_id"]))


# follow-up after certification -------------------------------------------------------------------
def remind_follow_ups(uow: UnitOfWork, today: date, now: datetime) -> int:
    """follow_up.due once per due check-in, for holders who consent to follow-up."""
    reminded = 0
    with uow:
        for check_in in uow.repo.due_check_ins(today):
            if not uow.repo.graduate(check_in.participant_id).follow_up:
                continue
            uow.publish("follow_up.due", {
                "check_in_id": check_in.id, "participant_id": check_in.participant_id,
                "certificate_number": check_in.certificate_number,
                "programme_id": check_in.programme_id, "months": check_in.months,
                "due_on": check_in.due_on}, subject=check_in.participant_id,
                event_id=f"{check_in.id}:due")
            uow.repo.mark_reminded(check_in.id, now)
            reminded += 1
    return reminded


def record_check_in(uow: UnitOfWork, caller: Caller, check_in_id: str, body: dict,
                    today: date, now: datetime) -> CheckIn:
    """What the graduate said, only with their consent to follow-up, once it is due."""
    with uow:
        check_in = uow.repo.check_in(check_in_id)
        access.for_participant(caller, check_in.participant_id)
        if not uow.repo.graduate(check_in.participant_id).follow_up:
            raise DomainError("the graduate has not consented to follow-up",
                              code="consent_required", details={"purpose": "follow_up"})
        if check_in.due_on > today:
            raise DomainError(f"the check-in is due on {check_in.due_on}", code="not_due_yet")
        check_in.record(body["status"], body["obstacles"], caller.actor, now)
        uow.repo.save_check_in(check_in)
    return check_in
