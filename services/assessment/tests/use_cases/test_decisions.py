"""Assessment's use cases through the service's own entrypoints (nameko's worker_factory), over
in-memory repositories: who may act, what is stored, which events leave and when. No servers;
the same paths run on the real ones in tests/integration."""

from datetime import date
from types import SimpleNamespace

import pytest
from kompeten_assessment import schemas
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Conflict, Forbidden, NotFound
from kompeten_shared.events import dump_data, load_data

SITI = "MET.000.004213 2023"
ADMIN = Caller("admin-1", "Admin GNI", frozenset({"lsp_admin"}), lsp="LSP-GNI")
ASESOR = Caller("siti-1", "Siti Rahmawati", frozenset({"asesor"}), lsp="LSP-GNI", asesor=SITI)
PLENO = Caller("pleno-1", "Bambang Pleno", frozenset({"plenary"}), lsp="LSP-GNI")




def completed(participant_id="p-1", kind="training", scheme_code="GAR-OMP", certificates=None):
    data = load_data("training.completed", dump_data("training.completed", {
        "participant_id": participant_id, "programme_id": "prog-1", "programme_kind": kind,
        "programme_title": "Menjahit Dasar", "scheme_code": scheme_code,
        "organiser": "Disnaker", "region_code": "3204", "attendance_rate": 0.9,
        "completed_on": date(2026, 11, 1), "asesi_name": "Dewi", "certificates": certificates}))
    return SimpleNamespace(id="e-1", data=data)


def opened(service, participant_id="p-1") -> str:
    service.on_training_completed(completed(participant_id))
    [case] = service.uow.cases.find(participant_id=participant_id)
    asesi = Caller("asesi", "Dewi", frozenset({"participant"}), participant_id=participant_id)
    units = service.uow.registry.scheme("GAR-OMP").unit_codes
    service.self_assessment(None, case.id, caller=asesi, body=schemas.SelfAssessmentRequest()
                            .load({"units": [{"code": u, "competent": True} for u in units]}))
    return case.id


def assessed(service, case_id: str, weak: str | None = None) -> None:
    units = service.uow.registry.scheme("GAR-OMP").unit_codes
    service.assign(None, case_id, caller=ADMIN,
                   body={"asesor": SITI, "tuk": "TUK-GNI-SOR", "members": []})
    service.brief(None, case_id, caller=ADMIN, body=schemas.BriefingRequest().load({
        "held_on": date.today().isoformat(), "venue": "Balai Desa Sukamaju"}))
    service.propose_agreement(None, case_id, caller=ASESOR, body=schemas.AgreementRequest()
                              .load({"scheduled_on": date.today().isoformat()}))
    case = service.uow.cases.get(case_id)
    service.accept_agreement(None, case_id, body={}, caller=Caller(
        "asesi", "Dewi", frozenset({"participant"}), participant_id=case.participant_id))
    service.record_results(None, case_id, caller=ASESOR, body=schemas.ResultsRequest().load({
        "units": [{"code": u, "result": "BK" if u == weak else "K", "method": "demonstration"}
                  for u in units]}))
    service.recommend(None, case_id, caller=ASESOR, body={})


def test_a_completed_training_opens_one_case_and_an_intake_none(service):
    service.on_training_completed(completed())
    service.on_training_completed(completed())  # redelivered
    service.on_training_completed(completed("p-2", kind="apprenticeship_intake"))
    # a course leading only to the agency's and Kemnaker's training certificates
    service.on_training_completed(completed("p-4", certificates=["agency", "kemnaker"]))
    service.on_training_completed(completed("p-5", certificates=["kemnaker", "bnsp"]))
    assert sorted(c.participant_id for c in service.uow.cases.find()) == ["p-1", "p-5"]
    with pytest.raises(NotFound, match="no scheme NO-SUCH"):
        service.on_training_completed(completed("p-3", scheme_code="NO-SUCH"))
    assert service.uow.events.sent == []  # an internal LSP: nothing requested outside


def test_the_plenary_decision_is_stored_with_its_event_and_sent_after(service):
    case_id = opened(service)
    assessed(service, case_id, weak="C.14GAR02.015.1")
    view = service.decide(None, case_id, caller=PLENO, body={"units": []})
    assert view["decision"]["overall"] == "BK" and view["status"] == "decided"
    [event] = service.uow.events.sent
    assert event["type"] == "assessment.decided" and event["id"] == f"{case_id}:decided:1"
    assert event["data"]["asesor_reg"] == SITI and event["data"]["decided_by"] == PLENO.actor
    assert service.uow.cases.outbox == []  # sent, so no longer waiting
    assert service.uow.cases.get(case_id).status == "decided"
    service.decide(None, case_id, caller=PLENO, body={"units": []})  # a repair: the same event
    assert [e["id"] for e in service.uow.events.sent] == [event["id"]] * 2


def test_a_refused_decision_changes_nothing_and_sends_nothing(service):
    case_id = opened(service)
    assessed(service, case_id)
    other_lsp = Caller("pleno-x", "Pleno RJT", frozenset({"plenary"}), lsp="LSP-RJT")
    own_asesor = Caller("siti-2", "Siti", frozenset({"plenary"}), lsp="LSP-GNI", asesor=SITI)
    for stranger in (other_lsp, own_asesor):
        with pytest.raises(Forbidden):
            service.decide(None, case_id, caller=stranger, body={"units": []})
    assert service.uow.cases.get(case_id).status == "open"
    assert service.uow.events.sent == [] and service.uow.cases.outbox == []


def test_the_asesor_records_results_only_on_cases_assigned_to_them(service):
    case_id = opened(service)
    service.assign(None, case_id, caller=ADMIN,
                   body={"asesor": SITI, "tuk": "TUK-GNI-SOR", "members": []})
    budi = Caller("budi", "Budi", frozenset({"asesor"}), lsp="LSP-GNI",
                  asesor="MET.000.007781 2022")
    with pytest.raises(Forbidden, match="assigned"):
        service.recommend(None, case_id, caller=budi, body={})
    admin_elsewhere = Caller("a-2", "Admin RJT", frozenset({"lsp_admin"}), lsp="LSP-RJT")
    with pytest.raises(Forbidden):
        service.assign(None, opened(service, "p-9"), caller=admin_elsewhere,
                       body={"asesor": SITI, "tuk": "TUK-GNI-SOR", "members": []})
    assert service.uow.cases.get(case_id).recommendation is None


def test_a_withdrawn_consent_stops_open_cases_and_a_decided_one_stays(service):
    decided, still_open = opened(service, "p-1"), opened(service, "p-1b")
    assessed(service, decided)
    service.decide(None, decided, caller=PLENO, body={"units": []})
    for participant_id in ("p-1", "p-1b"):
        service.on_consent_changed(SimpleNamespace(data={
            "participant_id": participant_id, "purpose": "certification", "granted": False,
            "recorded_at": "2026-11-25T08:00:00+00:00"}))
    assert service.uow.cases.get(decided).status == "decided"
    assert service.uow.cases.get(still_open).status == "withdrawn"
    with pytest.raises(Conflict, match="withdrawn"):
        service.assign(None, still_open, caller=ADMIN,
                       body={"asesor": SITI, "tuk": "TUK-GNI-SOR", "members": []})
