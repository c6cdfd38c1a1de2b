"""Apprenticeship rules, matching, follow-up dates and reports: pure domain code."""

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kompeten_placement import apprenticeship, matching, reports
from kompeten_placement.apprenticeship import Agreement
from kompeten_placement.dates import add_months
from kompeten_placement.follow_up import schedule
from kompeten_placement.pool import Graduate, Offer
from kompeten_shared.errors import DomainError

TODAY = date(2026, 11, 24)
GOOD = Agreement(apprentice_rights="uang saku", apprentice_duties="tata tertib",
                 company_rights="hasil kerja", company_duties="membimbing",
                 programme="menjahit", start_date=date(2026, 12, 1), end_date=date(2027, 11, 30),
                 monthly_allowance=1_500_000, ratified_by="Disnaker Kabupaten Bandung",
                 ratified_on=date(2026, 11, 20), ratification_number="560/1")


def rules(agreement=GOOD, workforce=40, apprentices=0):
    return [b.rule for b in apprenticeship.check(agreement, workforce, apprentices, TODAY)]


def test_a_complete_ratified_agreement_within_the_limits_passes():
    assert rules() == []


@pytest.mark.parametrize("change, broken", [
    ({"programme": " "}, ["written_terms"]),
    ({"end_date": date(2027, 12, 2)}, ["at_most_one_year"]),
    ({"end_date": date(2026, 12, 1)}, ["duration"]),
    ({"monthly_allowance": 0}, ["allowance"]),
    ({"ratification_number": None}, ["ratified"]),
    ({"ratified_on": date(2026, 12, 24)}, ["ratified"]),
])
def test_each_broken_rule_is_named(change, broken):
    assert rules(Agreement(**{**GOOD.__dict__, **change})) == broken


def test_apprentices_are_at_most_a_fifth_of_the_workforce():
    assert apprenticeship.apprentice_quota(40) == 8 and apprenticeship.apprentice_quota(4) == 0
    assert rules(workforce=40, apprentices=7) == []
    assert rules(workforce=40, apprentices=8) == ["at_most_20_percent"]
    with pytest.raises(DomainError) as refused:
        apprenticeship.require_valid(GOOD, 4, 0, TODAY)
    assert refused.value.details["broken"][0]["rule"] == "at_most_20_percent"


def test_scores_add_weighted_factors_and_say_why():
    cert = {"number": "N", "units": [{"code": "U1"}, {"code": "U2"}]}
    vacancy = {"required_units": ["U1", "U3"], "region_code": "3204"}
    found = matching.factors(cert, "3171", "offered", vacancy)
    explained = matching.explain("p", found)
    assert [(f["factor"], f["points"]) for f in explained["factors"]] == [
        ("competency", 25.0), ("distance", 0.0), ("availability", 10.0)]
    assert explained["score"] == 35.0
    assert "another province" in explained["factors"][1]["why"]
    assert sum(matching.WEIGHTS.values()) == 100


def test_ranking_is_by_score_then_stable():
    ranked = matching.rank([{"participant_id": "b", "score": 50},
                            {"participant_id": "a", "score": 50},
                            {"participant_id": "c", "score": 90}])
    assert [c["participant_id"] for c in ranked] == ["c", "a", "b"]


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(1, 60))
def test_months_later_is_the_same_day_or_the_months_end(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day == min(day.day, calendar.monthrange(later.year, later.month)[1])


def test_check_ins_fall_3_and_6_months_after_the_certificate():
    check_ins = schedule({"certificate_number": "N", "participant_id": "p",
                          "programme_id": "g", "scheme_code": "S",
                          "issued_on": date(2026, 8, 31)})
    assert [(c.id, c.due_on) for c in check_ins] == [("N:3m", date(2026, 11, 30)),
                                                    ("N:6m", date(2027, 2, 28))]


def test_absorption_counts_per_programme_and_employer():
    graduates = [Graduate("a", True, {}, [{"programme_id": "g"}]),
                 Graduate("b", False, None, [{"programme_id": "g"}])]
    offers = [Offer("o", "v", "e", "a", "job", TODAY)]
    placements = [{"programme_id": "g", "employer_id": "e", "kind": "apprenticeship",
                   "status": "active"}]
    report = reports.absorption(graduates, placements, offers)
    assert report["programmes"]["g"] == {
        "certified": 2, "intake_completed": 0, "sharing": 1, "offers": 1, "placed": 1, "jobs": 0,
        "apprenticeships": 1, "terminated_early": 0, "absorption_rate": 0.5}
    assert report["employers"]["e"]["offers"] == 1
