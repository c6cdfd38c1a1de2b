"""Certificate's use cases through the service's own entrypoints (nameko's worker_factory),
over an in-memory repository and a real signing key: issuing once per decision, renewals,
status changes and who may make them. No servers; the same paths run on the real ones in
tests/integration."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from kompeten_shared.caller import Caller
from kompeten_shared.errors import Forbidden
from kompeten_shared.events import dump_data, load_data

OFFICER = Caller("off-1", "Officer GNI", frozenset({"certificate_officer"}), lsp="LSP-GNI")
OTHER = Caller("off-2", "Officer RJT", frozenset({"certificate_officer"}), lsp="LSP-RJT")




def decided(case_id="case-1", participant_id="p-1", overall="K"):
    return SimpleNamespace(correlation_id=f"trace-{case_id}", data=load_data(
        "assessment.decided", dump_data("assessment.decided", {
            "case_id": case_id, "decision_number": 1, "participant_id": participant_id,
            "programme_id": "prog-1", "scheme_code": "GAR-OMP",
            "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "asesor_reg": "MET.000.004213 2023",
            "units": [{"code": "C.14GAR02.001.1", "title": "K3", "result": overall}],
            "overall": overall, "decided_at": datetime.now(UTC), "decided_by": "Pleno",
            "holder_name": "Siti Rahmawati"})))


def test_one_certificate_per_decision_announced_each_time_it_is_heard(service):
    service.on_assessment_decided([decided()])
    service.on_assessment_decided([decided()])  # redelivered: same certificate, same event id
    service.on_assessment_decided([decided("case-2", "p-2", overall="BK")])
    [number] = service.uow.repo.certificates
    assert service.uow.events.types() == ["certificate.issued"] * 2
    first, again = service.uow.events.sent
    assert first["id"] == again["id"] == f"{number}:issued"
    assert first["data"]["verification_url"] == f"https://verify.test/certificates/{number}"


def test_a_second_certification_in_the_scheme_renews_the_first(service):
    service.on_assessment_decided([decided("case-1")])
    service.on_assessment_decided([decided("case-9")])
    old, new = sorted(service.uow.repo.certificates.values(), key=lambda c: c.number)
    assert new.renews == old.number and old.renewed_by == new.number


def test_a_batch_issues_each_decision_once_and_a_second_of_the_holder_renews_the_first(service):
    """Decisions that arrive together: a repeat within the batch gets the same certificate, a
    refused one none, and the holder's second certification of the scheme renews the first
    exactly as if they had come one after the other."""
    service.on_assessment_decided([decided("case-1"), decided("case-2", "p-2"),
                                   decided("case-1"), decided("case-3", "p-3", overall="BK"),
                                   decided("case-9")])
    repo = service.uow.repo
    assert sorted(repo.sources) == ["case-1", "case-2", "case-9"]
    old, new = (repo.get(repo.sources[case]) for case in ("case-1", "case-9"))
    assert new.renews == old.number and repo.get(old.number).renewed_by == new.number
    assert [e["data"]["case_id"] for e in service.uow.events.sent] == [
        "case-1", "case-2", "case-1", "case-9"]


def test_only_the_issuers_officer_revokes_and_the_event_follows_the_write(service):
    service.on_assessment_decided([decided()])
    [number] = service.uow.repo.certificates
    with pytest.raises(Forbidden, match="another issuer"):
        service.revoke(None, number, body={"reason": "pemalsuan"}, caller=OTHER)
    assert service.uow.repo.get(number).revocation is None
    view = service.revoke(None, number, body={"reason": "pemalsuan"}, caller=OFFICER)
    assert view["status"] == "revoked"
    revoked = service.uow.events.sent[-1]
    assert revoked["type"] == "certificate.revoked" and revoked["data"]["by"] == OFFICER.actor
    assert service.uow.repo.outbox == []


def test_the_history_keeps_every_change_and_is_its_issuers_alone(service):
    service.on_assessment_decided([decided()])
    [number] = service.uow.repo.certificates
    for action, reason in (("suspend", "surveilans tidak lulus"),
                           ("reinstate", "surveilans ulang lulus"),
                           ("revoke", "temuan pemalsuan")):
        getattr(service, action)(None, number, body={"reason": reason}, caller=OFFICER)
    history = service.history(None, number, caller=OFFICER)
    assert [(h["action"], h["reason"]) for h in history] == [
        ("issue", None), ("suspend", "surveilans tidak lulus"),
        ("reinstate", "surveilans ulang lulus"), ("revoke", "temuan pemalsuan")]
    assert {h["by"] for h in history[1:]} == {OFFICER.actor}
    with pytest.raises(Forbidden, match="another issuer"):
        service.history(None, number, caller=OTHER)
