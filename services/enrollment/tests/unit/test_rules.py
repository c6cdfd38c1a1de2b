"""Eligibility, priority and consent rules, and NIK parsing, with property-based tests."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kompeten_enrollment import nik
from kompeten_enrollment.eligibility import Applicant, Eligibility
from kompeten_enrollment.participant import Consent, Participant
from kompeten_enrollment.programme import Programme, leaving_status
from kompeten_enrollment.target import Target, progress
from kompeten_enrollment.waitlist import priority_key
from kompeten_shared.errors import DomainError
from kompeten_shared.vocabulary import PROGRAMME_KINDS

TODAY = date(2026, 11, 24)


def applicant(**overrides) -> Applicant:
    fields = dict(birth_date=date(2000, 5, 1), employment_status="job_seeker",
                  residence="3204", previous_trainings=0, active_enrolments=0)
    return Applicant(**{**fields, **overrides})


@pytest.mark.parametrize("rules, who, codes", [
    (Eligibility(job_seekers_only=True), applicant(employment_status="employed"),
     ["not_job_seeker"]),
    (Eligibility(min_age=18), applicant(birth_date=date(2009, 11, 25)), ["too_young"]),
    (Eligibility(min_age=18), applicant(birth_date=date(2008, 11, 24)), []),  # 18 today
    (Eligibility(max_age=35), applicant(birth_date=date(1990, 1, 1)), ["too_old"]),
    (Eligibility(residents_only=True), applicant(residence="3273"), ["not_resident"]),
    (Eligibility(one_programme_at_a_time=True), applicant(active_enrolments=1),
     ["enrolled_elsewhere"]),
    (Eligibility(one_programme_at_a_time=False), applicant(active_enrolments=1), []),
    (Eligibility(job_seekers_only=True, max_age=20, residents_only=True),
     applicant(employment_status="student", residence="3171"),
     ["not_job_seeker", "too_old", "not_resident"]),
])
def test_each_failed_rule_gives_its_reason_code(rules, who, codes):
    assert [r.code for r in rules.check(who, "3204", TODAY)] == codes


def test_residence_in_a_province_wide_region():
    rules = Eligibility(residents_only=True)
    assert rules.check(applicant(residence="3273"), "32", TODAY) == []
    assert [r.field for r in rules.check(applicant(residence="3171"), "32", TODAY)] == [
        "domicile_regency_code"]


def test_a_programme_for_one_kecamatan_takes_only_its_residents():
    maron = Eligibility(districts=("351317",))
    assert maron.check(applicant(residence="3513", district="351317"), "3513", TODAY) == []
    [elsewhere] = maron.check(applicant(residence="3513", district="351314"), "3513", TODAY)
    assert (elsewhere.code, elsewhere.field) == ("outside_districts", "domicile_district_code")
    assert "Kecamatan Maron" in elsewhere.message and "Kecamatan Kraksaan" in elsewhere.message
    [unknown] = maron.check(applicant(residence="3513"), "3513", TODAY)
    assert "state the kecamatan" in unknown.message


def test_the_kecamatan_lived_in_is_stated_or_the_niks_in_its_own_regency():
    ktp = nik.parse("3513175708950001", birth_date=date(1995, 8, 17), sex="F")

    def person(**details):
        return Participant.register(id="p", nik=ktp, nik_key="k" * 32, name="Siti", **details)

    assert person().residence_district == "351317"  # lives where the KTP was issued
    assert person(domicile_regency_code="3574").residence_district is None  # moved: unknown
    moved = person(domicile_district_code="357401")
    assert (moved.residence, moved.residence_district) == ("3574", "357401")
    with pytest.raises(DomainError) as caught:
        person(domicile_regency_code="3204", domicile_district_code="357401")
    assert caught.value.details == {"field": "domicile_district_code"}


def test_a_programme_targets_kecamatan_of_its_own_region_only():
    assert programme(region_code="3513", eligibility={"districts": ["351317"]}
                     ).eligibility.districts == ("351317",)
    with pytest.raises(DomainError) as caught:
        programme(eligibility={"districts": ["351317"]})  # a Bandung programme
    assert caught.value.details == {"field": "eligibility.districts"}


applicants = st.builds(
    applicant,
    employment_status=st.sampled_from(["job_seeker", "employed", "student"]),
    previous_trainings=st.integers(0, 20))
times = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1),
                     timezones=st.just(UTC))


@given(st.lists(st.tuples(applicants, times), min_size=1, max_size=30, unique_by=lambda x: x[1]))
def test_first_timers_come_first_then_the_earliest(pool):
    # the repository seats the waitlist sorted by this key
    keyed = sorted((priority_key(a, ["first_timers"], t), i) for i, (a, t) in enumerate(pool))
    ranked = [pool[i] for _, i in keyed]
    ranks = [(0 if a.previous_trainings == 0 else 1, t) for a, t in ranked]
    assert ranks == sorted(ranks)


@given(applicants, applicants, times, times)
def test_priority_keys_sort_as_their_criteria(a, b, ta, tb):
    criteria = ["job_seekers", "fewest_trainings"]
    ka, kb = priority_key(a, criteria, ta), priority_key(b, criteria, tb)

    def rank(x, t):
        return (0 if x.employment_status == "job_seeker" else 1, x.previous_trainings, t)

    if rank(a, ta) != rank(b, tb):
        assert (ka < kb) == (rank(a, ta) < rank(b, tb))


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2029, 12, 31)),
       st.sampled_from(["M", "F"]), st.integers(1, 9999), st.sampled_from(["3204", "3171"]))
def test_any_valid_nik_round_trips_its_birth_date_and_sex(born, sex, serial, regency):
    day = born.day + (40 if sex == "F" else 0)
    number = f"{regency}01{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
    parsed = nik.parse(number, birth_date=born, sex=sex)
    assert (parsed.birth_date, parsed.sex, parsed.regency_code) == (born, sex, regency)
    assert parsed.masked == number[:4] + "********" + number[-4:]


@given(st.text(max_size=20))
def test_nik_parsing_never_crashes_on_garbage(raw):
    try:
        nik.parse(raw, birth_date=date(1995, 8, 17), sex="M")
    except DomainError as error:
        assert error.code.startswith("nik_")


def participant(born=date(2000, 5, 1)) -> Participant:
    return Participant(id="p", nik_digest="d", nik_masked="m", name="Dewi", sex="F",
                       birth_date=born, regency_code="3204")


def consent(purpose="certification", granted=True, at=datetime(2026, 11, 24, tzinfo=UTC),
            guardian=None) -> Consent:
    return Consent(purpose=purpose, granted=granted, recorded_at=at, source="form",
                   wording="Saya setuju.", guardian=guardian)


def test_the_latest_consent_per_purpose_counts_and_history_is_kept():
    person = participant()
    person.record_consent(consent())
    person.record_consent(consent(granted=False, at=datetime(2026, 11, 25, tzinfo=UTC)))
    assert not person.consented("certification")
    assert len(person.consents) == 2
    with pytest.raises(DomainError) as caught:
        person.require_consent("certification")
    assert caught.value.code == "consent_required"


def test_a_minor_needs_a_guardian_to_grant_but_may_always_withdraw():
    minor = participant(born=date(2010, 1, 1))
    with pytest.raises(DomainError) as caught:
        minor.record_consent(consent())
    assert caught.value.code == "guardian_consent_required"
    minor.record_consent(consent(guardian={"name": "Ibu Sari", "relationship": "parent"}))
    minor.record_consent(consent(granted=False))
    assert not minor.consented("certification")


def test_only_a_sharing_grant_carries_the_profile():
    person = participant()
    assert person.consent_event(consent("partner_sharing"))["profile"]["name"] == "Dewi"
    assert person.consent_event(consent("partner_sharing", granted=False))["profile"] is None
    assert person.consent_event(consent("follow_up"))["profile"] is None


def programme(**overrides) -> Programme:
    fields = dict(id="g", title="Menjahit", organiser="Disnaker", scheme_code="GAR-OMP",
                  venue="Balai Desa", region_code="3204", start_date=date(2026, 12, 1),
                  end_date=date(2026, 12, 30), capacity=16)
    return Programme(**{**fields, **overrides})


@pytest.mark.parametrize("kind", PROGRAMME_KINDS)
def test_every_kind_has_a_consent_purpose_and_only_training_has_attendance(kind):
    p = programme(kind=kind)
    assert p.required_consent in ("certification", "partner_sharing")
    assert p.has_attendance == (kind == "training")
    assert p.outcome(0).completed == (kind != "training")


def test_leaving_before_the_start_is_a_withdrawal_after_it_a_drop_out():
    p = programme()
    assert leaving_status(p, "enrolled", date(2026, 11, 30)) == "withdrawn"
    assert leaving_status(p, "enrolled", date(2026, 12, 1)) == "dropped_out"
    assert leaving_status(p, "waitlisted", date(2026, 12, 5)) == "withdrawn"


def test_the_organiser_region_defaults_to_the_venue_region():
    assert programme().organiser_region == "3204"
    assert programme(organiser_region="32").organiser_region == "32"


def test_progress_reports_counts_and_the_share_of_each_goal():
    target = Target(id="t", name="Jawa Barat 2026", organiser="Disnakertrans", year=2026,
                    goals={"certified": 1500, "apprenticeships": 400})
    report = progress(target, {"certified": 750, "apprenticeships": 100, "enrolled": 900})
    assert report["reached"] == {"certified": 0.5, "apprenticeships": 0.25}
    assert report["counts"]["enrolled"] == 900 and report["counts"]["placed"] == 0


def test_days_helper_lists_each_session_day():
    assert programme().days()[-1] == date(2026, 12, 30)
    assert len(programme(kind="certification_only").days()) == 0
    assert programme().start_date + timedelta(days=29) == programme().end_date
