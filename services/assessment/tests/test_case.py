from datetime import UTC, datetime

import pytest
from kompeten_assessment import registry
from kompeten_assessment.case import Case, case_id_for
from kompeten_shared.errors import Conflict, DomainError, InvalidInput, NotFound

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
SCHEME = registry.scheme("GAR-OMP")
SITI = registry.asesor("MET.000.004213 2023")
BUDI = registry.asesor("MET.000.007781 2022")


def case() -> Case:
    return Case(id="c", participant_id="p", programme_id="g", scheme_code="GAR-OMP",
                asesi_name="Dewi", opened_at=NOW)


def results(**overrides):
    return [{"code": code, "result": overrides.get(code, "K"), "method": "demonstration"}
            for code in SCHEME.unit_codes]


def test_case_ids_are_stable_per_asesi_and_programme():
    assert case_id_for("g", "p") == case_id_for("g", "p") != case_id_for("g", "q")


def test_all_units_k_is_overall_k():
    c = case()
    c.record(SCHEME, SITI, results(), NOW)
    c.decide(SCHEME, "PLENO-GNI-01", NOW)
    assert c.decision["overall"] == "K" and c.status == "decided"


def test_one_bk_unit_is_overall_bk_and_shows_in_the_event():
    c = case()
    c.record(SCHEME, SITI, results(**{"C.14GAR02.015.1": "BK"}), NOW)
    c.decide(SCHEME, "PLENO-GNI-01", NOW)
    event = c.decided_event(SCHEME, registry.LSPS["LSP-GNI"])
    assert event["overall"] == "BK"
    assert [u["result"] for u in event["units"]] == ["K", "K", "BK", "K"]


def test_every_unit_needs_a_result_before_the_decision():
    c = case()
    c.record(SCHEME, SITI, results()[:2], NOW)
    with pytest.raises(DomainError) as caught:
        c.decide(SCHEME, "PLENO-GNI-01", NOW)
    assert caught.value.code == "units_not_assessed"
    assert caught.value.details["units"] == SCHEME.unit_codes[2:]


def test_the_asesor_may_not_decide_their_own_case():
    c = case()
    c.record(SCHEME, SITI, results(), NOW)
    with pytest.raises(DomainError) as caught:
        c.decide(SCHEME, SITI.registration_number, NOW)
    assert caught.value.code == "plenary_not_independent"


def test_nothing_changes_after_the_decision():
    c = case()
    c.record(SCHEME, SITI, results(), NOW)
    c.decide(SCHEME, "PLENO-GNI-01", NOW)
    with pytest.raises(Conflict):
        c.record(SCHEME, SITI, results(**{"C.14GAR02.001.1": "BK"}), NOW)
    with pytest.raises(Conflict):
        c.decide(SCHEME, "PLENO-GNI-02", NOW)


def test_units_outside_the_scheme_and_a_second_asesor_are_refused():
    c = case()
    with pytest.raises(InvalidInput) as caught:
        c.record(SCHEME, SITI, [{"code": "X.1", "result": "K", "method": "interview"}], NOW)
    assert caught.value.details == {"units": ["X.1"]}
    c.record(SCHEME, SITI, results()[:1], NOW)
    with pytest.raises(Conflict):
        c.record(SCHEME, BUDI, results()[1:], NOW)


def test_an_asesor_must_be_licensed_for_the_scheme():
    outsider = registry.Asesor("MET.9", "X", "LSP-GNI", frozenset({"OTHER"}))
    with pytest.raises(DomainError) as caught:
        case().record(SCHEME, outsider, results(), NOW)
    assert caught.value.code == "asesor_not_licensed"


def test_registry_lookups_fail_with_codes():
    with pytest.raises(NotFound):
        registry.scheme("NOPE")
    with pytest.raises(DomainError):
        registry.plenary_member(SITI.registration_number)
