from datetime import UTC, date, datetime

import pytest
from kompeten_shared.envelope import InvalidEvent
from kompeten_shared.events import EVENTS, dump_data, load_data

DECIDED = {
    "case_id": "c-1", "decision_number": 1, "participant_id": "p-1", "programme_id": "g-1",
    "scheme_code": "GAR-OMP",
    "scheme_title": "Operator Menjahit Pakaian", "lsp": {"code": "LSP-GNI", "name": "LSP GNI"},
    "asesor_reg": "MET.000.004213 2023",
    "units": [{"code": "U1", "title": "Unit 1", "result": "K"},
              {"code": "U2", "title": "Unit 2", "result": "K"}],
    "overall": "K", "decided_at": datetime(2026, 11, 24, tzinfo=UTC), "decided_by": "PLENO-1",
    "holder_name": "Siti Rahmawati", "validity_years": 3,
}


def test_every_event_type_has_a_versioned_dataschema_and_a_producer():
    for name, spec in EVENTS.items():
        assert spec.dataschema == f"urn:kompeten:schema:{name}:{spec.version}"
        assert spec.producer in {"enrollment", "assessment", "certificate", "placement", "lsp"}
        assert spec.summary


def test_dump_then_load_round_trips():
    loaded = load_data("assessment.decided", dump_data("assessment.decided", DECIDED))
    assert loaded == DECIDED


def test_dump_refuses_data_that_breaks_the_contract():
    with pytest.raises(ValueError, match="contract"):
        dump_data("assessment.decided", {**DECIDED, "overall": "BK"})


def test_overall_must_follow_the_unit_results():
    data = dump_data("assessment.decided", DECIDED)
    data["units"][1]["result"] = "BK"
    with pytest.raises(InvalidEvent) as caught:
        load_data("assessment.decided", data)
    assert "overall" in caught.value.details


PLACED = {"offer_id": "o-1", "vacancy_id": "v-1", "employer_id": "e-1", "participant_id": "p-1",
          "placement_id": "o-1", "basis": "certificate", "certificate_number": "LSP-GNI.1",
          "programme_id": "g-1", "kind": "job", "start_date": date(2026, 12, 1)}


def test_a_placement_names_the_certificate_or_the_intake_it_rests_on():
    intake = {**PLACED, "basis": "apprenticeship_intake", "certificate_number": None,
              "kind": "apprenticeship"}
    assert load_data("graduate.placed", dump_data("graduate.placed", intake)) == intake
    for wrong, field in (({"certificate_number": None}, "certificate_number"),
                         ({**intake, "certificate_number": "LSP-GNI.1"}, "certificate_number"),
                         ({**intake, "kind": "job"}, "basis")):
        with pytest.raises(InvalidEvent) as caught:
            load_data("graduate.placed", {**dump_data("graduate.placed", PLACED), **{
                k: v.isoformat() if isinstance(v, date) else v for k, v in wrong.items()}})
        assert field in caught.value.details


def test_unknown_fields_are_refused_so_drift_is_caught():
    data = dump_data("assessment.decided", DECIDED)
    with pytest.raises(InvalidEvent) as caught:
        load_data("assessment.decided", {**data, "nik": "3204014101990001"})
    assert "nik" in caught.value.details


def test_unknown_type_and_wrong_schema_version_are_refused():
    with pytest.raises(InvalidEvent, match="unknown event type"):
        load_data("certificate.forged", {})
    with pytest.raises(InvalidEvent, match="unsupported dataschema"):
        load_data("assessment.decided", dump_data("assessment.decided", DECIDED),
                  "urn:kompeten:schema:assessment.decided:99")


CONSENT = {"participant_id": "p-1", "purpose": "partner_sharing", "granted": True,
           "recorded_at": "2026-11-24T10:00:00+00:00",
           "profile": {"name": "Siti", "phone": None, "region_code": "3204"}}


def test_the_profile_travels_only_with_a_sharing_grant():
    assert load_data("participant.consent_changed", CONSENT)["profile"]["name"] == "Siti"
    with pytest.raises(InvalidEvent):
        load_data("participant.consent_changed", {**CONSENT, "granted": False})
    with pytest.raises(InvalidEvent):
        load_data("participant.consent_changed", {**CONSENT, "purpose": "follow_up"})
    with pytest.raises(InvalidEvent):
        load_data("participant.consent_changed", {**CONSENT, "profile": None})
    withdrawn = load_data("participant.consent_changed",
                          {**CONSENT, "granted": False, "profile": None})
    assert withdrawn["profile"] is None


def test_dates_load_as_dates():
    data = load_data("certificate.issued", {
        "certificate_number": "N-1", "kind": "certification", "participant_id": "p",
        "case_id": "c",
        "scheme_code": "S", "scheme_title": "T", "units": [{"code": "U", "title": "T"}],
        "issuer": {"code": "L", "name": "N"}, "issued_on": "2026-11-24",
        "valid_until": "2029-11-23", "verification_url": "http://localhost:8003/x"})
    assert data["valid_until"] == date(2029, 11, 23)


def test_no_event_schema_has_a_nik_field():
    for spec in EVENTS.values():
        assert not any("nik" in name.lower() for name in spec.schema().fields)
