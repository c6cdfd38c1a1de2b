from datetime import date

import pytest
from kompeten_enrollment.programme import Programme
from kompeten_shared.errors import Conflict, DomainError, InvalidInput


def programme(**overrides) -> Programme:
    fields = dict(id="p", title="Menjahit", organiser="Disnaker", scheme_code="GAR-OMP",
                  venue="Balai Desa", region_code="3204", start_date=date(2026, 10, 1),
                  end_date=date(2026, 10, 30), capacity=16, attendance_threshold=0.8)
    return Programme(**{**fields, **overrides})


def test_a_30_day_course_has_30_session_days():
    assert programme().session_days == 30
    assert len(programme().days()) == 30


@pytest.mark.parametrize("attended, status", [(30, "completed"), (24, "completed"),
                                              (23, "not_completed"), (0, "not_completed")])
def test_the_attendance_rule(attended, status):
    assert programme().outcome(attended).status == status


def test_the_reason_states_the_days_attended_and_required():
    assert programme().outcome(12).reason == "attended 12 of 30 session days; 24 required"


FOUR_DAYS = dict(start_date=date(2026, 10, 5), end_date=date(2026, 10, 8))


def test_the_default_80_percent_of_a_four_day_course_means_all_four_days():
    course = programme(**FOUR_DAYS)
    assert course.required_days == 4
    assert course.outcome(3).status == "not_completed"
    assert course.outcome(3).reason == "attended 3 of 4 session days; 4 required"


def test_a_programme_may_decide_that_three_of_four_days_is_enough():
    course = programme(**FOUR_DAYS, min_days=3)
    assert course.required_days == 3
    assert course.outcome(3).status == "completed"
    assert course.outcome(2).status == "not_completed"


def test_session_dates_replace_every_calendar_day():
    weekdays = [date(2026, 10, d) for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16)]
    course = programme(start_date=date(2026, 10, 5), end_date=date(2026, 10, 16),
                       session_dates=[d.isoformat() for d in reversed(weekdays)])
    assert course.days() == weekdays and course.session_days == 10
    assert course.required_days == 8
    with pytest.raises(InvalidInput) as refused:
        course.check_attendance_day(date(2026, 10, 10))  # a Saturday
    assert refused.value.code == "not_a_session_day"
    course.check_attendance_day(date(2026, 10, 12))


@pytest.mark.parametrize("overrides, code", [
    (dict(session_dates=[date(2026, 11, 2)]), "invalid_session_dates"),
    (dict(min_days=31), "invalid_min_days"),
    (dict(kind="certification_only", min_days=1), "invalid_min_days"),
    (dict(kind="certification_only", certificates=["agency"]), "certificate_not_for_kind"),
    (dict(kind="apprenticeship_intake", certificates=["bnsp"]), "certificate_not_for_kind"),
])
def test_rules_that_cannot_hold_are_refused_naming_the_field(overrides, code):
    with pytest.raises(InvalidInput) as refused:
        programme(**overrides)
    assert refused.value.code == code
    assert refused.value.details["field"] in ("session_dates", "min_days", "certificates")


def test_each_kind_leads_to_its_certificates_unless_the_programme_names_them():
    assert programme().certificates == ["agency", "bnsp"]
    assert programme(kind="certification_only").certificates == ["bnsp"]
    assert programme(kind="apprenticeship_intake").certificates == []
    kemnaker = programme(certificates=["kemnaker", "bnsp"])
    assert kemnaker.leads_to("kemnaker") and not kemnaker.leads_to("agency")


def test_dates_must_be_in_order():
    with pytest.raises(InvalidInput):
        programme(end_date=date(2026, 9, 1))


def test_attendance_only_within_the_programme_and_while_open():
    with pytest.raises(InvalidInput):
        programme().check_attendance_day(date(2026, 11, 1))
    with pytest.raises(Conflict):
        programme(closed=True).check_attendance_day(date(2026, 10, 5))
    programme().check_attendance_day(date(2026, 10, 30))


def test_a_programme_closes_only_on_or_after_its_last_day():
    with pytest.raises(DomainError) as caught:
        programme().check_can_close(date(2026, 10, 29))
    assert caught.value.code == "programme_not_finished"
    programme().check_can_close(date(2026, 10, 30))
