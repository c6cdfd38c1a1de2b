"""Placement's use cases through the service's own entrypoints (nameko's worker_factory), over
an in-memory repository: offers to consenting certified graduates, answers, the places of a
vacancy, and who may do each. No servers; the same paths run on the real ones in
tests/integration."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Conflict, DomainError, Forbidden

OPERATOR = Caller("op-1", "Operator Bandung", frozenset({"operator"}), agency="DISNAKER-3204")
HR = Caller("hr-1", "Ibu Ratna", frozenset({"employer_hr"}), employer="maju-jahit")
OTHER_HR = Caller("hr-2", "Pak Lain", frozenset({"employer_hr"}), employer="pt-lain")


def graduate(participant_id: str) -> Caller:
    return Caller(participant_id, "Dewi", frozenset({"participant"}),
                  participant_id=participant_id)




@pytest.fixture(autouse=True)
def employer(service):
    service.register_employer(None, caller=OPERATOR, body={
        "id": "maju-jahit", "name": "CV Maju Jahit Sejahtera", "sector": "Garmen",
        "region_code": "3204", "workforce": 40, "contact": {"person": "Ibu Ratna"}})


def vacancy(service, places=1) -> str:
    return service.open_vacancy(None, caller=HR, body={
        "employer_id": "maju-jahit", "title": "Operator Jahit", "kind": "job",
        "scheme_code": "GAR-OMP", "places": places, "region_code": None,
        "start_date": date.today() + timedelta(days=7)})[1]["id"]


def certified(service, participant_id: str, sharing=True) -> None:
    service.on_consent_changed(SimpleNamespace(data={
        "participant_id": participant_id, "purpose": "partner_sharing", "granted": sharing,
        "recorded_at": "2026-11-25T08:00:00+00:00",
        "profile": {"name": "Dewi", "phone": "0812", "region_code": "3204"} if sharing
        else None}))
    service.uow.repo.add_certificate(participant_id, {
        "number": f"LSP-GNI.GAR-OMP.2026.{participant_id}", "scheme_code": "GAR-OMP",
        "units": [{"code": "U1"}], "programme_id": "prog-1",
        "valid_until": (date.today() + timedelta(days=900)).isoformat(),
        "verification_url": "http://verify.test/c"})


def offer(service, vacancy_id, participant_id, caller=HR) -> str:
    return service.make_offer(None, caller=caller, body={
        "vacancy_id": vacancy_id, "participant_id": participant_id})[1]["id"]


def test_an_offer_and_its_acceptance_are_announced_once_stored(service):
    vacancy_id = vacancy(service)
    certified(service, "p-1")
    offer_id = offer(service, vacancy_id, "p-1")
    placed = service.accept_offer(None, offer_id, caller=graduate("p-1"),
                                  body={"agreement": None})[1]
    assert placed["status"] == "active" and placed["id"] == offer_id
    assert service.uow.events.types() == ["offer.made", "graduate.placed"]
    made, done = service.uow.events.sent
    assert made["data"]["employer_id"] == done["data"]["employer_id"] == "maju-jahit"
    assert done["data"]["certificate_number"] == "LSP-GNI.GAR-OMP.2026.p-1"
    assert service.uow.repo.outbox == []


def test_no_consent_no_offer_and_nothing_is_sent(service):
    vacancy_id = vacancy(service)
    certified(service, "p-2", sharing=False)
    with pytest.raises(DomainError, match="consented"):
        offer(service, vacancy_id, "p-2")
    assert service.uow.repo.offer_docs == {} and service.uow.events.sent == []


def test_a_vacancy_never_takes_more_than_its_places(service):
    vacancy_id = vacancy(service, places=1)
    for participant_id in ("p-1", "p-2"):
        certified(service, participant_id)
    first, second = offer(service, vacancy_id, "p-1"), offer(service, vacancy_id, "p-2")
    service.accept_offer(None, first, caller=graduate("p-1"), body={"agreement": None})
    with pytest.raises(Conflict, match="filled"):
        service.accept_offer(None, second, caller=graduate("p-2"), body={"agreement": None})
    assert service.uow.repo.offer(second).status == "made"  # still open, nothing changed
    assert service.uow.events.types() == ["offer.made", "offer.made", "graduate.placed"]


def test_strangers_cannot_offer_or_answer_for_others(service):
    vacancy_id = vacancy(service)
    certified(service, "p-1")
    with pytest.raises(Forbidden):
        offer(service, vacancy_id, "p-1", caller=OTHER_HR)
    offer_id = offer(service, vacancy_id, "p-1")
    with pytest.raises(Forbidden):
        service.decline_offer(None, offer_id, caller=graduate("p-9"), body={"reason": None})
    declined = service.decline_offer(None, offer_id, caller=graduate("p-1"),
                                     body={"reason": "terlalu jauh"})
    assert declined["status"] == "declined"
    assert service.uow.events.types() == ["offer.made", "offer.declined"]
