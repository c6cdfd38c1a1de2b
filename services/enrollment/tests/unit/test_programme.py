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


def test_the_reason_states_both_rates():
    assert programme().outcome(12).reason == "attended 40% of the sessions; 80% required"


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
