"""Enrollment's use cases through the service's own entrypoints (nameko's worker_factory), over
an in-memory repository: registration with consent, seats and the waitlist, leaving, closing,
and who may do each. No servers; the same paths run on the real ones in tests/integration."""

from datetime import date, timedelta

import pytest
from kompeten_enrollment import schemas
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Forbidden

OPERATOR = Caller("op-1", "Operator Bandung", frozenset({"operator"}), agency="DISNAKER-3204")
ELSEWHERE = Caller("op-2", "Operator Kaltim", frozenset({"operator"}), agency="DISNAKERTRANS-64")
WORDING = "Saya setuju data saya diproses untuk tujuan ini."
NIKS = ["3204014501990003", "3204015203010002", "3204016608020001"]




def programme(service, **overrides) -> str:
    today = date.today()
    body = schemas.ProgrammeRequest().load({
        "title": "Pelatihan Menjahit Pakaian", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "Balai Desa Sukamaju", "region_code": "3204",
        "start_date": (today + timedelta(days=overrides.pop("starts_in", 7))).isoformat(),
        "end_date": (today + timedelta(days=overrides.pop("ends_in", 14))).isoformat(),
        "capacity": 1, **overrides})
    return service.create_programme(None, body=body, caller=OPERATOR)[1]["id"]


def register(service, nik: str, name: str) -> str:
    year = int(nik[10:12])
    born = f"{2000 + year if year < 26 else 1900 + year}-{nik[8:10]}-{int(nik[6:8]) - 40:02d}"
    body = schemas.ParticipantRequest().load({
        "nik": nik, "name": name, "sex": "F", "birth_date": born, "phone": "081234567890",
        "consents": [{"purpose": "certification", "granted": True, "source": "form",
                      "wording": WORDING}]})
    return service.register_participant(None, body=body, caller=OPERATOR)[1]["participant_id"]


def test_registration_sends_the_consent_and_never_the_nik(service):
    participant_id = register(service, NIKS[0], "Dewi Lestari")
    [event] = service.uow.events.sent
    assert event["type"] == "participant.consent_changed" and event["subject"] == participant_id
    assert NIKS[0] not in str(event) and NIKS[0] not in str(service.uow.repo.participants)


def test_a_withdrawal_gives_the_seat_to_the_next_in_line(service):
    programme_id = programme(service)
    first, second = register(service, NIKS[0], "Dewi"), register(service, NIKS[1], "Rina")
    for participant_id in (first, second):
        service.apply(None, programme_id, body={"participant_id": participant_id},
                      caller=OPERATOR)
    assert service.uow.repo.statuses(programme_id, [first, second]) == {
        first: "enrolled", second: "waitlisted"}
    service.leave(None, programme_id, first, body={"reason": "pindah kerja"}, caller=OPERATOR)
    assert service.uow.repo.statuses(programme_id, [first, second]) == {
        first: "withdrawn", second: "enrolled"}
    [ended] = [e for e in service.uow.events.sent if e["type"] == "training.not_completed"]
    assert ended["data"]["participant_id"] == first
    assert ended["data"]["reason"] == "withdrawn: pindah kerja"


def test_closing_announces_each_outcome_once_written(service):
    programme_id = programme(service, starts_in=-3, ends_in=-1, capacity=2)
    dewi, rina = register(service, NIKS[0], "Dewi"), register(service, NIKS[1], "Rina")
    repo = service.uow.repo
    repo.programmes[programme_id].start_date = date.today() - timedelta(days=3)
    for participant_id in (dewi, rina):
        service.apply(None, programme_id, body={"participant_id": participant_id},
                      caller=OPERATOR)
    for day in range(3):  # Rina comes on day one only (by NIK), then stays away
        service.record_attendance(None, programme_id, caller=OPERATOR, body={
            "date": date.today() - timedelta(days=3 - day), "present": [dewi],
            "present_niks": [NIKS[1]] if day == 0 else []})
    status, summary = service.close_programme(None, programme_id, caller=OPERATOR)
    assert status == 200 and summary["status"] == "closed"
    assert summary["completed"] == 1 and summary["not_completed"] == 1
    outcomes = {e["data"]["participant_id"]: e["type"] for e in service.uow.events.sent
                if e["type"].startswith("training.")}
    assert outcomes == {dewi: "training.completed", rina: "training.not_completed"}
    assert repo.outbox == [] and repo.programmes[programme_id].closed


def test_another_agency_can_neither_read_nor_act_and_nothing_changes(service):
    programme_id = programme(service)
    dewi = register(service, NIKS[0], "Dewi")
    sent = list(service.uow.events.sent)
    with pytest.raises(Forbidden):
        service.get_programme(None, programme_id, caller=ELSEWHERE)
    with pytest.raises(Forbidden):
        service.apply(None, programme_id, body={"participant_id": dewi}, caller=ELSEWHERE)
    with pytest.raises(Forbidden):
        service.close_programme(None, programme_id, caller=ELSEWHERE)
    assert service.uow.repo.statuses(programme_id, [dewi]) == {}
    assert service.uow.events.sent == sent
