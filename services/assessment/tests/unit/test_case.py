from datetime import UTC, date, datetime, timedelta

import pytest
from kompeten_assessment import registry
from kompeten_assessment.case import Case, Evidence, Review, case_id_for
from kompeten_shared.errors import Conflict, DomainError, InvalidInput

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
SCHEME = registry.SCHEMES["GAR-OMP"]
LSP = registry.LSPS["LSP-GNI"]
SITI = registry.ASESORS["MET.000.004213 2023"]
BUDI = registry.ASESORS["MET.000.007781 2022"]
TUK = registry.TUKS["TUK-GNI-SOR"]
WEAK = "C.14GAR02.015.1"


def case(programme_id="g") -> Case:
    return Case(id="c", participant_id="p", programme_id=programme_id, scheme_code="GAR-OMP",
                asesi_name="Dewi", opened_at=NOW)


def assigned(asesor=SITI) -> Case:
    c = case()
    c.assess_self(SCHEME, [{"code": code, "competent": True, "evidence_ids": []}
                           for code in SCHEME.unit_codes], NOW, "asesi")
    c.assign(SCHEME, LSP, asesor, TUK, NOW, 0, "admin LSP")
    return agreed(c)


def agreed(c: Case) -> Case:
    """The briefing held and the assessment agreement accepted: ready for the test."""
    c.record_briefing(NOW.date(), "Balai Desa Sukamaju", "admin LSP", NOW)
    c.propose_agreement(c.asesor, NOW.date(), NOW)
    c.accept_agreement("asesi", NOW)
    return c


def results(method="demonstration", **overrides):
    return [{"code": code, "result": overrides.get(code, "K"), "method": method}
            for code in SCHEME.unit_codes]


def decided(**overrides) -> Case:
    c = assigned()
    c.record(SCHEME, SITI, results(**overrides), NOW)
    c.recommend(SCHEME, SITI.registration_number, NOW)
    c.vote(SCHEME, "PLENO-GNI-01", 1, [], NOW)
    return c


def test_case_ids_are_stable_per_asesi_and_programme():
    assert case_id_for("g", "p") == case_id_for("g", "p") != case_id_for("g", "q")


@pytest.mark.parametrize("asesor, tuk, load, code", [
    (registry.ASESORS["MET.000.002001 2019"], TUK, 0, "asesor_expired"),
    (registry.ASESORS["MET.000.009120 2024"], TUK, 0, "asesor_other_lsp"),
    (registry.Asesor("MET.X", "X", "LSP-GNI", frozenset({"OTHER"})), TUK, 0,
     "asesor_not_licensed"),
    (registry.Asesor("MET.Y", "Y", "LSP-GNI", frozenset({"GAR-OMP"}), active=False), TUK, 0,
     "asesor_inactive"),
    (registry.Asesor("MET.Z", "Z", "LSP-GNI", frozenset({"GAR-OMP"}),
                     trained_programmes=frozenset({"g"})), TUK, 0, "conflict_of_interest"),
    (SITI, registry.TUKS["TUK-KRI-PKL"], 0, "tuk_other_lsp"),
    (SITI, TUK, 10, "asesor_daily_limit"),
])
def test_assignment_rules(asesor, tuk, load, code):
    c = case()
    with pytest.raises(DomainError) as caught:
        c.assign(SCHEME, LSP, asesor, tuk, NOW, load, "admin LSP")
    assert caught.value.code == code
    assert c.asesor is None and c.audit == []


def test_an_lsp_must_hold_a_valid_licence_for_the_scheme():
    with pytest.raises(DomainError) as caught:
        case().assign(SCHEME, registry.LSPS["LSP-KRI"], SITI, TUK, NOW, 0, "x")
    assert caught.value.code == "lsp_not_licensed"
    expired = registry.Lsp("LSP-GNI", "x", "y", date(2020, 1, 1), frozenset({"GAR-OMP"}))
    with pytest.raises(DomainError) as caught:
        case().assign(SCHEME, expired, SITI, TUK, NOW, 0, "x")
    assert caught.value.code == "lsp_licence_expired"


def test_the_self_assessment_comes_first_covers_every_unit_and_is_given_once():
    c = case()
    c.assign(SCHEME, LSP, SITI, TUK, NOW, 0, "admin LSP")
    with pytest.raises(DomainError) as caught:
        c.record(SCHEME, SITI, results(), NOW)
    assert caught.value.code == "self_assessment_missing"
    with pytest.raises(InvalidInput) as caught:
        c.assess_self(SCHEME, [{"code": SCHEME.unit_codes[0], "competent": True,
                                "evidence_ids": []}], NOW, "asesi")
    assert caught.value.code == "units_mismatch"
    with pytest.raises(InvalidInput) as caught:
        c.assess_self(SCHEME, [{"code": code, "competent": True, "evidence_ids": ["e9"]}
                               for code in SCHEME.unit_codes], NOW, "asesi")
    assert caught.value.code == "unknown_evidence"
    answers = [{"code": code, "competent": code != WEAK, "evidence_ids": []}
               for code in SCHEME.unit_codes]
    c.assess_self(SCHEME, answers, NOW, "asesi")
    with pytest.raises(Conflict):
        c.assess_self(SCHEME, answers, NOW, "asesi")
    assert c.audit[-1] == {"at": NOW, "actor": "asesi", "action": "self_assessed",
                           "claimed": 3}


def test_only_the_assigned_asesor_records_and_only_after_assignment():
    with pytest.raises(DomainError) as caught:
        case().record(SCHEME, SITI, results(), NOW)
    assert caught.value.code == "not_assigned"
    with pytest.raises(DomainError) as caught:
        assigned().record(SCHEME, BUDI, results(), NOW)
    assert caught.value.code == "asesor_not_assigned"


def evidence(n=1) -> Evidence:
    return Evidence(id=f"e{n}", sha256="0" * 64, size=10, type="certificate",
                    title="Sertifikat pelatihan", issued_on="2024-01-01", submitted_at=NOW)


def review(**vatm) -> Review:
    rules = {"valid": True, "authentic": True, "current": True, "sufficient": True, **vatm}
    return Review(asesor=SITI.registration_number, evidence_ids=["e1"], reviewed_at=NOW,
                  **rules)


def test_evidence_meeting_vatm_is_confirmed_by_interview_otherwise_demonstrated():
    c = assigned()
    c.add_evidence(evidence(), "asesi")
    c.review(SCHEME, "C.14GAR02.001.1", review())
    c.review(SCHEME, "C.14GAR02.007.1", review(current=False))
    with pytest.raises(DomainError) as caught:
        c.record(SCHEME, SITI, [{"code": "C.14GAR02.001.1", "result": "K",
                                 "method": "demonstration"}], NOW)
    assert caught.value.code == "interview_required"
    with pytest.raises(DomainError) as caught:
        c.record(SCHEME, SITI, [{"code": "C.14GAR02.007.1", "result": "K",
                                 "method": "interview"}], NOW)
    assert caught.value.code == "demonstration_required"
    c.record(SCHEME, SITI, [{"code": "C.14GAR02.001.1", "result": "K", "method": "interview"},
                            {"code": "C.14GAR02.007.1", "result": "K",
                             "method": "demonstration"}], NOW)
    assert set(c.results) == {"C.14GAR02.001.1", "C.14GAR02.007.1"}


def test_a_review_names_known_units_and_evidence_only():
    c = assigned()
    c.add_evidence(evidence(), "asesi")
    with pytest.raises(InvalidInput) as caught:
        c.review(SCHEME, "X.1", review())
    assert caught.value.code == "unknown_unit"
    with pytest.raises(InvalidInput) as caught:
        c.review(SCHEME, SCHEME.unit_codes[0], Review(
            asesor=SITI.registration_number, evidence_ids=["nope"], valid=True, authentic=True,
            current=True, sufficient=True, reviewed_at=NOW))
    assert caught.value.code == "unknown_evidence"


def test_all_units_k_is_overall_k_and_a_bk_unit_makes_it_bk():
    assert decided().decision["overall"] == "K"
    c = decided(**{WEAK: "BK"})
    assert c.decision["overall"] == "BK" and c.decision["number"] == 1
    event = c.decided_event(SCHEME, LSP)
    assert [u["result"] for u in event["units"]] == ["K", "K", "BK", "K"]
    assert event["decision_number"] == 1


def test_every_unit_needs_a_result_before_the_recommendation_and_it_before_the_decision():
    c = assigned()
    c.record(SCHEME, SITI, results()[:2], NOW)
    with pytest.raises(DomainError) as caught:
        c.recommend(SCHEME, SITI.registration_number, NOW)
    assert caught.value.code == "units_not_assessed"
    assert caught.value.details["units"] == SCHEME.unit_codes[2:]
    with pytest.raises(DomainError) as caught:
        c.vote(SCHEME, "PLENO-GNI-01", 1, [], NOW)
    assert caught.value.code == "no_recommendation"
    c.record(SCHEME, SITI, results()[2:], NOW)
    c.recommend(SCHEME, SITI.registration_number, NOW)
    assert c.recommendation["overall"] == "K"
    c.record(SCHEME, SITI, [{"code": WEAK, "result": "BK", "method": "demonstration"}], NOW)
    assert c.recommendation is None  # changed results need a new recommendation


def test_the_asesor_may_not_decide_their_own_case():
    c = assigned()
    c.record(SCHEME, SITI, results(), NOW)
    c.recommend(SCHEME, SITI.registration_number, NOW)
    with pytest.raises(DomainError) as caught:
        c.vote(SCHEME, SITI.registration_number, 1, [], NOW)
    assert caught.value.code == "plenary_not_independent"


def test_nothing_changes_after_the_decision():
    c = decided()
    with pytest.raises(Conflict):
        c.record(SCHEME, SITI, results(), NOW)
    with pytest.raises(Conflict):
        c.vote(SCHEME, "PLENO-GNI-02", 1, [], NOW)
    with pytest.raises(Conflict):
        c.add_evidence(evidence(2), "asesi")


def test_an_upheld_appeal_reassesses_the_bk_units_only():
    c = decided(**{WEAK: "BK"})
    c.file_appeal("penilaian unit menjahit tidak sesuai", NOW + timedelta(days=3), "asesi")
    assert c.status == "appealed"
    c.decide_appeal("PLENO-GNI-02", "upheld", "asesor tidak mengamati seluruh proses",
                    NOW + timedelta(days=5))
    assert c.status == "open" and set(c.results) == set(SCHEME.unit_codes) - {WEAK}
    with pytest.raises(Conflict) as caught:
        c.record(SCHEME, SITI, results(), NOW + timedelta(days=6))
    assert caught.value.code == "unit_already_competent"
    c.record(SCHEME, SITI, [{"code": WEAK, "result": "K", "method": "demonstration"}],
             NOW + timedelta(days=6))
    c.recommend(SCHEME, SITI.registration_number, NOW + timedelta(days=6))
    c.vote(SCHEME, "PLENO-GNI-01", 1, [], NOW + timedelta(days=7))
    assert [d["overall"] for d in c.decisions] == ["BK", "K"]
    assert c.decided_event(SCHEME, LSP)["decision_number"] == 2
    actions = [entry["action"] for entry in c.audit]
    assert actions[:2] == ["self_assessed", "assigned"] and actions[-1] == "decided"
    assert "appeal_upheld" in actions


def test_appeal_rules():
    with pytest.raises(DomainError) as caught:
        decided().file_appeal("tidak setuju dengan hasil", NOW, "asesi")
    assert caught.value.code == "nothing_to_appeal"
    late = decided(**{WEAK: "BK"})
    with pytest.raises(DomainError) as caught:
        late.file_appeal("tidak setuju dengan hasil", NOW + timedelta(days=15), "asesi")
    assert caught.value.code == "appeal_window_closed"
    rejected = decided(**{WEAK: "BK"})
    rejected.file_appeal("tidak setuju dengan hasil", NOW, "asesi")
    with pytest.raises(DomainError) as caught:
        rejected.decide_appeal(SITI.registration_number, "upheld", "x", NOW)
    assert caught.value.code == "plenary_not_independent"
    rejected.decide_appeal("PLENO-GNI-02", "rejected", "bukti tidak cukup", NOW)
    assert rejected.status == "decided" and rejected.appeal["outcome"] == "rejected"
    with pytest.raises(Conflict):
        rejected.decide_appeal("PLENO-GNI-02", "upheld", "again", NOW)


def test_schemes_carry_their_validity():
    assert registry.SCHEMES["BTK-PBT"].validity_years == 5
    assert decided().decided_event(SCHEME, LSP)["validity_years"] == 3


def test_every_seeded_asesor_and_tuk_belongs_to_an_lsp_licensed_for_their_schemes():
    for asesor in registry.ASESORS.values():
        assert asesor.schemes <= registry.LSPS[asesor.lsp_code].schemes
    for tuk in registry.TUKS.values():
        assert tuk.lsp_code in registry.LSPS
    for lsp in registry.LSPS.values():
        assert lsp.schemes <= set(registry.SCHEMES)


# the plenary as a meeting, and a team of asesor --------------------------------------------
MEMBER = registry.Asesor("MET.000.021046 2022", "Agus", "LSP-GNI", frozenset({"GAR-OMP"}))


def recommended(**overrides) -> Case:
    c = assigned()
    c.record(SCHEME, SITI, results(**overrides), NOW)
    c.recommend(SCHEME, SITI.registration_number, NOW)
    return c


def test_the_plenary_decides_once_its_quorum_has_voted():
    c = recommended()
    assert c.vote(SCHEME, "PLENO-1", 3, [], NOW) is False
    assert c.vote(SCHEME, "PLENO-2", 3, [], NOW) is False
    assert c.status == "open" and c.decision is None
    with pytest.raises(Conflict) as twice:
        c.vote(SCHEME, "PLENO-2", 3, [], NOW)
    assert twice.value.code == "already_voted"
    assert c.vote(SCHEME, "PLENO-3", 3, [], NOW) is True
    assert c.decision["overall"] == "K" and c.decision["members"] == [
        "PLENO-1", "PLENO-2", "PLENO-3"]
    assert c.decision["decided_by"] == "PLENO-1, PLENO-2, PLENO-3"
    assert {u["assessed_by"] for u in c.decision["units"]} == {SITI.registration_number}


def test_the_majority_overturns_a_unit_with_its_reasons_and_a_tie_keeps_the_asesors():
    c = recommended()
    reason = "bukti demonstrasi tidak menunjukkan jahitan sesuai standar mutu"
    first, second = SCHEME.unit_codes[:2]
    c.vote(SCHEME, "PLENO-1", 3, [{"code": first, "result": "BK", "reason": reason},
                                  {"code": second, "result": "BK", "reason": reason}], NOW)
    c.vote(SCHEME, "PLENO-2", 3, [{"code": first, "result": "BK", "reason": "kurang rapi"}], NOW)
    c.vote(SCHEME, "PLENO-3", 3, [], NOW)
    units = {u["code"]: u for u in c.decision["units"]}
    assert (units[first]["result"], units[first]["recommended"]) == ("BK", "K")
    assert units[first]["reasons"] == [reason, "kurang rapi"]
    assert units[second]["result"] == "K"  # one of three: the asesor's result stands
    assert c.decision["overall"] == "BK"


def test_overturning_needs_a_reason_and_a_known_unit():
    c = recommended()
    with pytest.raises(InvalidInput) as silent:
        c.vote(SCHEME, "PLENO-1", 1, [{"code": WEAK, "result": "BK", "reason": " "}], NOW)
    assert (silent.value.code, silent.value.details) == ("reason_required", {"units": [WEAK]})
    with pytest.raises(InvalidInput) as unknown:
        c.vote(SCHEME, "PLENO-1", 1, [{"code": "X.1", "result": "BK", "reason": "r"}], NOW)
    assert unknown.value.code == "unknown_unit"
    assert c.votes == [] and c.status == "open"
    # confirming a unit needs no reason
    c.vote(SCHEME, "PLENO-1", 1, [{"code": WEAK, "result": "K", "reason": None}], NOW)
    assert c.decision["overall"] == "K"


def test_a_team_assesses_one_case_and_none_of_it_sits_on_the_plenary():
    c = case()
    c.assess_self(SCHEME, [{"code": code, "competent": True, "evidence_ids": []}
                           for code in SCHEME.unit_codes], NOW, "asesi")
    c.assign(SCHEME, LSP, SITI, TUK, NOW, 0, "admin LSP", (MEMBER,))
    agreed(c)
    assert c.team == [SITI.registration_number, MEMBER.registration_number]
    half = len(SCHEME.unit_codes) // 2
    c.record(SCHEME, SITI, results()[:half], NOW)
    c.record(SCHEME, MEMBER, results()[half:], NOW)
    with pytest.raises(DomainError) as member_recommends:
        c.recommend(SCHEME, MEMBER.registration_number, NOW)
    assert member_recommends.value.code == "asesor_not_assigned"
    c.recommend(SCHEME, SITI.registration_number, NOW)
    with pytest.raises(DomainError) as own_case:
        c.vote(SCHEME, MEMBER.registration_number, 1, [], NOW)
    assert own_case.value.code == "plenary_not_independent"
    c.vote(SCHEME, "PLENO-1", 1, [], NOW)
    assert [u["assessed_by"] for u in c.decision["units"]] == \
        [SITI.registration_number] * half + [MEMBER.registration_number] * (
            len(SCHEME.unit_codes) - half)


def test_a_team_is_checked_member_by_member():
    c = case()
    with pytest.raises(DomainError) as expired:
        c.assign(SCHEME, LSP, SITI, TUK, NOW, 0, "admin", (registry.ASESORS[
            "MET.000.002001 2019"],))
    assert expired.value.code == "asesor_expired"
    with pytest.raises(InvalidInput) as twice:
        c.assign(SCHEME, LSP, SITI, TUK, NOW, 0, "admin", (SITI,))
    assert twice.value.code == "team_repeats"
    assert c.asesor is None and c.members == []


def test_new_results_after_votes_start_the_meeting_again():
    c = recommended()
    c.vote(SCHEME, "PLENO-1", 2, [], NOW)
    c.record(SCHEME, SITI, [{"code": WEAK, "result": "BK", "method": "demonstration"}], NOW)
    assert c.votes == [] and c.recommendation is None


# before the test: the briefing and the assessment agreement ------------------------------
def test_results_wait_for_the_briefing_and_the_asesis_agreement():
    c = case()
    c.assess_self(SCHEME, [{"code": code, "competent": True, "evidence_ids": []}
                           for code in SCHEME.unit_codes], NOW, "asesi")
    with pytest.raises(DomainError) as unassigned:
        c.record_briefing(NOW.date(), "Balai", "admin", NOW)
    assert unassigned.value.code == "not_assigned"
    c.assign(SCHEME, LSP, SITI, TUK, NOW, 0, "admin LSP")
    with pytest.raises(DomainError) as early:
        c.propose_agreement(SITI.registration_number, NOW.date(), NOW)
    assert early.value.code == "briefing_missing"
    with pytest.raises(InvalidInput) as future:
        c.record_briefing(NOW.date() + timedelta(days=1), "Balai", "admin", NOW)
    assert future.value.details == {"field": "held_on"}
    c.record_briefing(NOW.date(), "Balai Desa Sukamaju", "admin LSP", NOW)
    with pytest.raises(DomainError) as no_agreement:
        c.record(SCHEME, SITI, results(), NOW)
    assert no_agreement.value.code == "agreement_missing"
    with pytest.raises(DomainError) as member:
        c.propose_agreement(BUDI.registration_number, NOW.date(), NOW)
    assert member.value.code == "asesor_not_assigned"
    with pytest.raises(InvalidInput) as past:
        c.propose_agreement(SITI.registration_number, NOW.date() - timedelta(days=1), NOW)
    assert past.value.code == "scheduled_in_past"
    c.propose_agreement(SITI.registration_number, NOW.date() + timedelta(days=2), NOW)
    with pytest.raises(DomainError):
        c.record(SCHEME, SITI, results(), NOW)  # proposed, not yet accepted
    c.accept_agreement("asesi", NOW)
    c.accept_agreement("asesi", NOW)  # twice: still one acceptance
    assert c.agreement["scheduled_on"] == (NOW.date() + timedelta(days=2)).isoformat()
    assert [a["action"] for a in c.audit].count("agreement_accepted") == 1
    c.record(SCHEME, SITI, results(), NOW)
    with pytest.raises(Conflict):
        c.propose_agreement(SITI.registration_number, NOW.date(), NOW)


def test_a_new_asesor_makes_a_new_agreement():
    c = case()
    c.assign(SCHEME, LSP, SITI, TUK, NOW, 0, "admin LSP")
    agreed(c)
    c.assign(SCHEME, LSP, BUDI, TUK, NOW, 0, "admin LSP")
    assert c.agreement is None and c.briefing is not None
