"""Waitlist, leaving, no-shows, consent changes, targets and bulk import, on real servers."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

from .conftest import WORDING

pytestmark = pytest.mark.integration
TODAY = date.today()


@pytest.fixture
def db(database):
    return database("enrollment")


def snapshot(db) -> dict:
    return {name: sorted(map(str, db[name].find())) for name in db.list_collection_names()}


def apply(call, programme, participant, expect=201):
    return call("POST", f"/programmes/{programme['id']}/enrolments",
                {"participant_id": participant["participant_id"]}, expect=expect)


def test_seats_are_allocated_by_priority_once_applications_close(call, new_programme,
                                                                 new_person):
    """Disnakertrans Kaltim: job seekers who never had training first, whoever applied first.
    Until the allocation everyone waits; a withdrawal seats nobody before it."""
    course = new_programme(capacity=2, applications_until=TODAY.isoformat(),
                           start_date=(TODAY + timedelta(days=3)).isoformat(),
                           end_date=(TODAY + timedelta(days=20)).isoformat(),
                           priority=["first_timers", "job_seekers"])
    trained = new_person(51, previous_trainings=2)
    employed = new_person(52, employment_status="employed")
    first = new_person(53)
    leaving = new_person(54)
    for someone in (trained, employed, leaving, first):
        assert apply(call, course, someone)["status"] == "waitlisted"
    call("POST", f"/programmes/{course['id']}/enrolments/{leaving['participant_id']}/leave",
         {"reason": "pindah ke Samarinda"})
    result = call("POST", f"/programmes/{course['id']}/allocation")
    assert (result["enrolled"], result["waitlisted"]) == (2, 1)
    statuses = {e["participant_id"]: e["status"] for e in
                call("GET", f"/programmes/{course['id']}/enrolments")}
    assert statuses == {first["participant_id"]: "enrolled",
                        employed["participant_id"]: "enrolled",  # no training before
                        trained["participant_id"]: "waitlisted",
                        leaving["participant_id"]: "withdrawn"}
    assert call("POST", f"/programmes/{course['id']}/allocation",
                expect=409)["error"]["code"] == "already_allocated"
    assert call("GET", f"/programmes/{course['id']}")["allocated"] is True
    later = new_programme(capacity=2, applications_until=(TODAY + timedelta(days=2)).isoformat(),
                          start_date=(TODAY + timedelta(days=3)).isoformat(),
                          end_date=(TODAY + timedelta(days=20)).isoformat())
    assert call("POST", f"/programmes/{later['id']}/allocation",
                expect=422)["error"]["code"] == "applications_open"
    anytime = new_programme()
    assert call("POST", f"/programmes/{anytime['id']}/allocation",
                expect=422)["error"]["code"] == "no_allocation"
    bad = call("POST", "/programmes", {
        "title": "Kursus", "organiser": "Disnaker", "scheme_code": "GAR-OMP", "venue": "Balai",
        "region_code": "3204", "start_date": TODAY.isoformat(), "end_date": TODAY.isoformat(),
        "capacity": 2, "applications_until": (TODAY + timedelta(days=1)).isoformat()},
        expect=400)["error"]
    assert bad["details"] == {"field": "applications_until"}


def test_the_waitlist_follows_priority_and_a_withdrawal_promotes_the_first(
        call, new_programme, new_person, bus):
    future = new_programme(capacity=1, start_date=(TODAY + timedelta(days=7)).isoformat(),
                           end_date=(TODAY + timedelta(days=36)).isoformat())
    seated = new_person(1)
    trained_before = new_person(2, previous_trainings=2)
    first_timer = new_person(3)
    for person in (seated, trained_before, first_timer):
        apply(call, future, person)
    waitlist = call("GET", f"/programmes/{future['id']}/waitlist")
    # the first-timer applied later but ranks ahead of the one trained before
    assert [w["participant_id"] for w in waitlist] == [first_timer["participant_id"],
                                                       trained_before["participant_id"]]
    # by name, to call them, the NIK masked; each name read is recorded
    assert [(w["position"], w["name"]) for w in waitlist] == [(1, "Peserta 3"),
                                                             (2, "Peserta 2")]
    assert "5708950003" not in str(waitlist)
    log = call("GET", f"/participants/{first_timer['participant_id']}/access-log")
    assert any(entry["purpose"] == "administration" and "waitlist" in entry["route"]
               for entry in log)
    listener = bus.listen("enrollment.events", "training.*")
    left = call("POST", f"/programmes/{future['id']}/enrolments/"
                        f"{seated['participant_id']}/leave", {"reason": "moved to Bekasi"})
    assert left["status"] == "withdrawn" and left["reason"] == "moved to Bekasi"
    statuses = {e["participant_id"]: e["status"]
                for e in call("GET", f"/programmes/{future['id']}/enrolments")}
    assert statuses[first_timer["participant_id"]] == "enrolled"
    assert statuses[trained_before["participant_id"]] == "waitlisted"
    [event] = listener.events(1)
    assert event["type"] == "training.not_completed"
    assert event["data"]["reason"] == "withdrawn: moved to Bekasi"


def test_a_drop_out_after_the_start_keeps_the_seat_empty(call, new_programme, new_person):
    running = new_programme(capacity=1, end_date=(TODAY + timedelta(days=5)).isoformat())
    first, second = new_person(1), new_person(2)
    apply(call, running, first)
    apply(call, running, second)
    left = call("POST", f"/programmes/{running['id']}/enrolments/{first['participant_id']}"
                        "/leave", {"reason": "found work"})
    assert left["status"] == "dropped_out"
    assert call("GET", f"/programmes/{running['id']}/waitlist")[0]["participant_id"] == \
        second["participant_id"]
    error = call("POST", f"/programmes/{running['id']}/enrolments/{first['participant_id']}"
                         "/leave", {"reason": "again"}, expect=422)["error"]
    assert error["code"] == "enrolment_ended"


def test_day_one_no_shows_give_their_seats_to_the_waitlist(call, new_programme, new_person,
                                                           bus):
    programme = new_programme(capacity=2)
    came, absent, waiting = new_person(1), new_person(2), new_person(3)
    for person in (came, absent, waiting):
        apply(call, programme, person)
    listener = bus.listen("enrollment.events", "training.not_completed")
    result = call("POST", f"/programmes/{programme['id']}/attendance",
                  {"date": programme["start_date"], "present": [came["participant_id"]]})
    assert result["no_shows"] == [absent["participant_id"]]
    assert result["promoted"] == [waiting["participant_id"]]
    assert listener.events(1)[0]["data"]["reason"] == "no show on day one"


def test_attendance_by_nik_as_on_a_paper_sheet(call, new_programme, new_person):
    programme = new_programme()
    person = new_person(1)
    apply(call, programme, person)
    day = (date.fromisoformat(programme["start_date"]) + timedelta(days=1)).isoformat()
    assert call("POST", f"/programmes/{programme['id']}/attendance",
                {"date": day, "present_niks": ["3204015708950001"]})["recorded"] == 1
    error = call("POST", f"/programmes/{programme['id']}/attendance",
                 {"date": day, "present_niks": ["3204015708959999", "12"]}, expect=400)
    assert error["error"]["code"] == "nik_invalid"
    error = call("POST", f"/programmes/{programme['id']}/attendance",
                 {"date": day, "present_niks": ["3204015708959999"]}, expect=400)
    assert error["error"] == {"code": "nik_unknown", "message": "no participant with these NIKs",
                              "details": {"present_niks": [0]}}


def test_eligibility_refusals_list_every_reason_and_store_nothing(call, new_programme,
                                                                  new_person, db):
    strict = new_programme(eligibility={"job_seekers_only": True, "max_age": 25,
                                        "residents_only": True})
    outsider = new_person(1, employment_status="employed", domicile_regency_code="3171")
    before = snapshot(db)
    error = apply(call, strict, outsider, expect=422)["error"]
    assert error["code"] == "not_eligible"
    assert [r["code"] for r in error["details"]["refusals"]] == [
        "not_job_seeker", "too_old", "not_resident"]
    assert snapshot(db) == before


def test_one_programme_at_a_time(call, new_programme, new_person):
    first, second = new_programme(), new_programme()
    person = new_person(1)
    apply(call, first, person)
    error = apply(call, second, person, expect=422)["error"]
    assert error["details"]["refusals"][0]["code"] == "enrolled_elsewhere"


def test_consent_withdrawal_is_published_and_a_minor_needs_a_guardian(call, new_person, bus):
    listener = bus.listen("enrollment.events", "participant.consent_changed")
    person = new_person(1)
    listener.events(2)
    withdrawn = call("POST", f"/participants/{person['participant_id']}/consents", {
        "purpose": "partner_sharing", "granted": False, "source": "phone call to Disnaker",
        "wording": "Saya menarik persetujuan berbagi data."}, expect=201)
    assert withdrawn["consents"]["partner_sharing"] is False
    [event] = listener.events(1)
    assert event["data"]["granted"] is False and event["data"]["profile"] is None

    minor = {"nik": "3204014101100001", "name": "Putri", "sex": "F", "birth_date": "2010-01-01",
             "consents": [{"purpose": "certification", "granted": True, "source": "form",
                           "wording": WORDING}]}
    error = call("POST", "/participants", minor, expect=422)["error"]
    assert error["code"] == "guardian_consent_required"
    minor["consents"][0]["guardian"] = {"name": "Ibu Sari", "relationship": "parent"}
    assert call("POST", "/participants", minor, expect=201)["consents"] == {"certification": True}


def test_consent_changes_refuse_bad_input_and_change_nothing(call, new_person, db):
    person = new_person(1)
    before = snapshot(db)
    path = f"/participants/{person['participant_id']}/consents"
    assert call("POST", path, {"purpose": "marketing", "granted": True, "source": "x",
                               "wording": WORDING}, expect=400)["error"]["code"] == \
        "validation_failed"
    assert call("POST", "/participants/nobody/consents", {
        "purpose": "follow_up", "granted": True, "source": "form", "wording": WORDING},
        expect=404)["error"]["code"] == "participant_not_found"
    assert snapshot(db) == before


def test_certification_only_programmes_complete_without_attendance(call, new_programme,
                                                                   new_person, bus):
    programme = new_programme(kind="certification_only")
    person = new_person(1)
    apply(call, programme, person)
    error = call("POST", f"/programmes/{programme['id']}/attendance",
                 {"date": programme["start_date"], "present": []}, expect=422)["error"]
    assert error["code"] == "no_attendance_for_kind"
    listener = bus.listen("enrollment.events", "training.completed")
    assert call("POST", f"/programmes/{programme['id']}/close")["completed"] == 1
    [event] = listener.events(1)
    assert event["data"]["programme_kind"] == "certification_only"
    assert event["data"]["attendance_rate"] is None


def test_an_apprentice_from_an_intake_is_certified_afterwards(call, new_programme, new_person,
                                                             bus):
    """The intake leads to no certificate (placement takes the apprentice on it); the same
    person then enters a certification programme, whose completion opens the assessment."""
    intake = new_programme(kind="apprenticeship_intake")
    assert intake["certificates"] == []
    person = new_person(1)
    apply(call, intake, person)
    listener = bus.listen("enrollment.events", "training.completed")
    call("POST", f"/programmes/{intake['id']}/close")
    [joined] = listener.events(1)
    assert (joined["data"]["programme_kind"], joined["data"]["certificates"]) == (
        "apprenticeship_intake", [])
    later = new_programme(kind="certification_only", title="Uji Kompetensi Peserta Magang")
    apply(call, later, person)
    call("POST", f"/programmes/{later['id']}/close")
    [assessed] = listener.events(1)
    assert (assessed["data"]["programme_kind"], assessed["data"]["certificates"]) == (
        "certification_only", ["bnsp"])


def test_a_village_course_for_one_kecamatan_takes_its_residents_only(call, new_programme,
                                                                     new_person, db):
    """Programme 5 of issue 15: 16 people from Kecamatan Maron, Kabupaten Probolinggo."""
    course = new_programme(region_code="3513", capacity=5,
                           eligibility={"districts": ["351317"]})
    assert course["eligibility"]["districts"] == ["351317"]
    from_maron = new_person(1, nik="3513175708950001")
    apply(call, course, from_maron)
    from_kraksaan = new_person(2, nik="3513145708950002")
    refused = apply(call, course, from_kraksaan, expect=422)["error"]
    assert refused["code"] == "not_eligible"
    [reason] = refused["details"]["refusals"]
    assert (reason["code"], reason["field"]) == ("outside_districts", "domicile_district_code")
    moved_to_maron = new_person(3, nik="3513145708950003", domicile_district_code="351317")
    assert call("GET", f"/participants/{moved_to_maron['participant_id']}")["district_name"] \
        == "Kecamatan Maron, Kabupaten Probolinggo"
    apply(call, course, moved_to_maron)
    enrolled = {e["participant_id"] for e in call("GET", f"/programmes/{course['id']}/enrolments")}
    assert enrolled == {from_maron["participant_id"], moved_to_maron["participant_id"]}

    people, programmes = db.participants.count_documents({}), db.programmes.count_documents({})
    # registering for the course checks its rules first: a refused person is not stored
    refused = new_person(4, nik="3513145708950004", for_programme=course["id"], expect=422)
    assert refused["error"]["details"]["refusals"][0]["code"] == "outside_districts"
    assert db.participants.count_documents({}) == people
    new_person(4, nik="3513145708950004", for_programme=course["id"],
               domicile_district_code="351317")
    people += 1
    for body, field in (({"nik": "3513145708950004", "domicile_district_code": "351399"},
                         "domicile_district_code"),
                        ({"nik": "3513145708950005", "domicile_district_code": "351317",
                          "domicile_regency_code": "3204"}, "domicile_district_code")):
        error = call("POST", "/participants", {
            "name": "Peserta", "sex": "F", "birth_date": "1995-08-17", "consents": [],
            **body}, expect=400)["error"]
        assert field in json.dumps(error["details"]), error
    for districts in (["351399"], ["320401"]):  # unknown; in another regency
        error = call("POST", "/programmes", {
            "title": "Kursus", "organiser": "Disnaker", "scheme_code": "GAR-OMP",
            "venue": "Balai", "region_code": "3513", "start_date": "2026-12-01",
            "end_date": "2026-12-30", "capacity": 2, "eligibility": {"districts": districts}},
            expect=400)["error"]
        assert "districts" in json.dumps(error["details"]), error
    assert (db.participants.count_documents({}), db.programmes.count_documents({})) == (
        people, programmes)


def test_completion_is_held_back_when_certification_consent_was_withdrawn(
        call, new_programme, new_person, bus):
    programme = new_programme(kind="certification_only")
    person = new_person(1)
    apply(call, programme, person)
    call("POST", f"/participants/{person['participant_id']}/consents", {
        "purpose": "certification", "granted": False, "source": "letter",
        "wording": "Saya menarik persetujuan sertifikasi."}, expect=201)
    listener = bus.listen("enrollment.events", "training.completed")
    summary = call("POST", f"/programmes/{programme['id']}/close")
    assert summary["completed"] == 1 and summary["held_without_consent"] == 1
    assert listener.events(1, timeout=1) == []


def outcome_event(type_, participant_id, programme_id, **data):
    number = f"LSP-GNI.GAR-OMP.2026.{uuid.uuid4().int % 10**6:06d}"
    payload = {
        "certificate.issued": {
            "certificate_number": number, "kind": "certification", "participant_id": participant_id,
            "case_id": str(uuid.uuid4()), "programme_id": programme_id, "scheme_code": "GAR-OMP",
            "scheme_title": "Operator Menjahit Pakaian", "units": [{"code": "U", "title": "T"}],
            "issuer": {"code": "LSP-GNI", "name": "L"}, "issued_on": TODAY,
            "valid_until": TODAY + timedelta(days=1000),
            "verification_url": f"http://verify.test/certificates/{number}", **data},
        "certificate.expiring": {
            "certificate_number": number, "participant_id": participant_id,
            "scheme_code": "GAR-OMP", "valid_until": TODAY + timedelta(days=60),
            "days_left": 60, **data},
        "graduate.placed": {
            "placement_id": str(uuid.uuid4()), "offer_id": str(uuid.uuid4()),
            "vacancy_id": "v", "employer_id": "e", "participant_id": participant_id,
            "basis": "certificate", "certificate_number": number,
            "programme_id": programme_id, "start_date": TODAY, **data},
    }[type_]
    return envelope.build(service=EVENTS[type_].producer, type=type_,
                          data=dump_data(type_, payload), dataschema=EVENTS[type_].dataschema)


def test_targets_roll_up_programmes_and_count_certified_and_placed_from_events(
        call, new_programme, new_person, enrollment, bus):
    province = call("POST", "/targets", {
        "name": "Jawa Barat 2026", "organiser": "Disnakertrans Jawa Barat", "year": 2026,
        "goals": {"certified": 1500, "apprenticeships": 400}}, expect=201)
    blki = call("POST", "/targets", {
        "name": "BLKI Bandung", "organiser": "BLKI Bandung", "year": 2026,
        "goals": {"certified": 1000}, "parent_id": province["id"]}, expect=201)
    programme = new_programme(kind="certification_only", target_id=blki["id"])
    people = [new_person(n) for n in (1, 2)]
    for person in people:
        apply(call, programme, person)
    call("POST", f"/programmes/{programme['id']}/close")
    with entrypoint_waiter(enrollment, "on_certificate_issued"):
        bus.publish_event(outcome_event("certificate.issued", people[0]["participant_id"],
                                        programme["id"]))
    with entrypoint_waiter(enrollment, "on_graduate_placed"):
        bus.publish_event(outcome_event("graduate.placed", people[0]["participant_id"], None,
                                        kind="apprenticeship"))
    report = call("GET", f"/targets/{province['id']}/progress")
    assert report["counts"] == {"enrolled": 2, "completed": 2, "certified": 1, "placed": 1,
                                "apprenticeships": 1}
    assert report["reached"] == {"certified": round(1 / 1500, 4),
                                 "apprenticeships": round(1 / 400, 4)}
    [sub] = report["subtargets"]
    assert sub["target_id"] == blki["id"] and sub["counts"]["certified"] == 1
    assert call("GET", "/targets/nope/progress", expect=404)["error"]["code"] == \
        "target_not_found"
    [listed] = [t for t in call("GET", "/targets") if t["target_id"] == province["id"]]
    assert listed == report  # the agency's top targets, each with its roll-up
    assert blki["id"] not in [t["target_id"] for t in call("GET", "/targets")]
    assert call("POST", "/targets", {"name": "x", "organiser": "y", "year": 1990,
                                     "goals": {"hired": 3}}, expect=400)["error"]["details"]


def test_targets_count_the_certificates_each_programme_names(call, new_programme, new_person,
                                                            enrollment, bus):
    """A sewing course whose only certificate is the labour office's counts those; a BLKI
    course leading to Kemnaker's and BNSP's counts either, not the agency's it does not name."""
    target = call("POST", "/targets", {"name": "Kab. Probolinggo 2026", "year": 2026,
                                       "organiser": "Disnaker Kab. Probolinggo",
                                       "goals": {"certified": 40}}, expect=201)
    listener = bus.listen("enrollment.events", "training.completed")
    sewing = new_programme(target_id=target["id"], certificates=["agency"], capacity=1,
                           sector="garment")
    blki = new_programme(target_id=target["id"], certificates=["kemnaker", "bnsp"],
                         capacity=2)
    assert sewing["certificates"] == ["agency"] and sewing["sector"] == "garment"
    first, second, third = (new_person(n) for n in (11, 12, 13))
    apply(call, sewing, first)
    for person in (second, third):
        apply(call, blki, person)
    for programme, people in ((sewing, [first]), (blki, [second, third])):
        for day in range(30):
            call("POST", f"/programmes/{programme['id']}/attendance", {
                "date": (TODAY - timedelta(days=30 - day)).isoformat(),
                "present": [p["participant_id"] for p in people]})
        call("POST", f"/programmes/{programme['id']}/close")
    completions = {e["data"]["programme_id"]: e["data"]["certificates"]
                   for e in listener.events(3)}
    assert completions == {sewing["id"]: ["agency"], blki["id"]: ["kemnaker", "bnsp"]}

    def issued(person, programme, **data):
        with entrypoint_waiter(enrollment, "on_certificate_issued"):
            bus.publish_event(outcome_event("certificate.issued", person["participant_id"],
                                            programme["id"], **data))

    agency = {"kind": "training", "case_id": None, "valid_until": None,
              "issuer": {"code": "DISNAKER-3513", "name": "Disnaker Kab. Probolinggo"}}
    issued(first, sewing, **agency)
    issued(second, blki, **agency)  # not a certificate this course leads to
    issued(second, blki, **{**agency, "issuer": {"code": "KEMNAKER", "name": "Kemnaker"}})
    issued(third, blki, **agency)
    counts = call("GET", f"/targets/{target['id']}/progress")["counts"]
    assert counts["completed"] == 3 and counts["certified"] == 2
    issued(third, blki)  # its BNSP certification
    assert call("GET", f"/targets/{target['id']}/progress")["counts"]["certified"] == 3
    routes = {e["participant_id"]: (e["certificate"] or {}).get("route")
              for e in call("GET", f"/programmes/{blki['id']}/enrolments")}
    assert routes == {second["participant_id"]: "kemnaker", third["participant_id"]: "bnsp"}


def test_a_four_day_course_states_its_rule_in_days(call, new_programme, new_person):
    start = TODAY - timedelta(days=10)
    course = new_programme(start_date=start.isoformat(),
                           end_date=(start + timedelta(days=7)).isoformat(), capacity=2,
                           session_dates=[(start + timedelta(days=d)).isoformat()
                                          for d in (0, 1, 6, 7)], min_days=3)
    assert (course["session_days"], course["required_days"], course["duration_days"]) == \
        (4, 3, 8)
    default = new_programme(start_date=start.isoformat(),
                            end_date=(start + timedelta(days=3)).isoformat())
    assert (default["session_days"], default["required_days"]) == (4, 4)
    people = [new_person(n) for n in (21, 22)]
    for person in people:
        apply(call, course, person)
    refused = call("POST", f"/programmes/{course['id']}/attendance", {
        "date": (start + timedelta(days=3)).isoformat(),
        "present": [people[0]["participant_id"]]}, expect=400)["error"]
    assert refused["code"] == "not_a_session_day" and refused["details"]["field"] == "date"
    for n, day in enumerate((0, 1, 6, 7)):
        call("POST", f"/programmes/{course['id']}/attendance", {
            "date": (start + timedelta(days=day)).isoformat(),
            "present": [p["participant_id"] for p in (people[:1] if n == 3 else people)]})
    call("POST", f"/programmes/{course['id']}/close")
    outcome = {e["participant_id"]: (e["status"], e["days_attended"], e["reason"])
               for e in call("GET", f"/programmes/{course['id']}/enrolments")}
    assert outcome == {
        people[0]["participant_id"]: ("completed", 4, None),
        people[1]["participant_id"]: ("completed", 3, None)}
    for bad, field in (({"min_days": 5}, "min_days"),
                       ({"session_dates": [TODAY.isoformat()]}, "session_dates"),
                       ({"certificates": ["bnsp", "sertifikat"]}, "certificates"),
                       ({"kind": "apprenticeship_intake", "certificates": ["agency"]},
                        "certificates"),
                       ({"sector": "perikanan"}, "sector")):
        before = len(call("GET", "/programmes"))
        error = call("POST", "/programmes", {
            "title": "Kursus", "organiser": "Disnaker", "scheme_code": "GAR-OMP",
            "venue": "Balai", "region_code": "3204", "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=3)).isoformat(), "capacity": 2, **bad},
            expect=400)["error"]
        assert field in json.dumps(error["details"]), (bad, error)
        assert len(call("GET", "/programmes")) == before


def decided(participant_id, programme_id, lsp="LSP-GNI", overall="K"):
    data = {"case_id": str(uuid.uuid4()), "decision_number": 1,
            "participant_id": participant_id, "programme_id": programme_id,
            "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": lsp, "name": lsp}, "asesor_reg": "MET.000.004213 2023",
            "units": [{"code": "U", "title": "T", "result": overall}], "overall": overall,
            "decided_at": datetime.now(UTC), "decided_by": "Pleno", "holder_name": "Peserta"}
    return envelope.build(service="assessment", type="assessment.decided",
                          data=dump_data("assessment.decided", data),
                          dataschema=EVENTS["assessment.decided"].dataschema)


def test_an_lsp_reads_the_whole_nik_of_the_asesi_it_decided_for_its_bnsp_report(
        call, new_programme, new_person, enrollment, bus, person):
    programme = new_programme(kind="certification_only", capacity=3)
    people = [new_person(n) for n in (41, 42, 43)]
    for someone in people:
        apply(call, programme, someone)
    call("POST", f"/programmes/{programme['id']}/close")
    for someone in people[:2]:
        with entrypoint_waiter(enrollment, "on_assessment_decided"):
            bus.publish_event(decided(someone["participant_id"], programme["id"]))
    call("POST", f"/participants/{people[1]['participant_id']}/consents", {
        "purpose": "certification", "granted": False, "source": "letter",
        "wording": WORDING}, expect=201)  # withdrawn since: left out
    ids = "&".join(f"id={p['participant_id']}" for p in people)
    gni = person("lsp_admin", lsp="LSP-GNI", name="Admin GNI")
    [identity] = call("GET", f"/bnsp/identities?{ids}", as_=gni)
    assert identity == {"participant_id": people[0]["participant_id"], "name": "Peserta 41",
                        "sex": "F", "birth_date": "1995-08-17", "nik": "3204015708950041"}
    assert call("GET", f"/bnsp/identities?{ids}", as_=person("lsp_admin", lsp="LSP-KRI")) == []
    assert call("GET", "/bnsp/identities", as_=gni, expect=400)["error"]["code"] == \
        "invalid_parameter"
    call("GET", f"/bnsp/identities?{ids}", expect=403,
         as_=person("operator", agency="DISNAKER-3204"))  # not an LSP
    log = call("GET", f"/participants/{people[0]['participant_id']}/access-log")
    [read] = [e for e in log if e["purpose"] == "bnsp_report"]
    assert (read["name"], read["roles"], read["route"]) == ("Admin GNI", ["lsp_admin"],
                                                            "/bnsp/identities")


def test_a_programme_names_its_training_provider_and_trainers(call, new_programme):
    """LPK Sandi runs Bontang's knitting course; CV Bhara Utama's tailor teaches in Maron."""
    lpk = call("POST", "/providers", {"id": "lpk-sandi-bontang", "name": "LPK Sandi",
                                      "kind": "lpk", "region_code": "6474"}, expect=201)
    assert lpk["region_name"] and lpk["kind"] == "lpk"
    partner = call("POST", "/providers", {"id": "bhara-utama", "name": "CV Bhara Utama",
                                          "kind": "company", "region_code": "3513"}, expect=201)
    tailor = call("POST", "/trainers", {"name": "Ibu Sulastri", "provider_id": partner["id"],
                                        "schemes": ["GAR-OMP"]}, expect=201)
    course = new_programme(provider_id=lpk["id"], trainer_ids=[tailor["id"]])
    assert (course["provider_id"], course["trainer_ids"]) == (lpk["id"], [tailor["id"]])
    assert [p["id"] for p in call("GET", "/providers")] == ["bhara-utama", "lpk-sandi-bontang"]
    assert [t["name"] for t in call("GET", "/trainers")] == ["Ibu Sulastri"]
    before = len(call("GET", "/programmes"))
    for bad, field in (({"provider_id": "lpk-tidak-ada"}, "provider_id"),
                       ({"trainer_ids": [tailor["id"], "nobody"]}, "trainer_ids")):
        error = call("POST", "/programmes", {
            "title": "Kursus", "organiser": "Disnaker", "scheme_code": "GAR-OMP",
            "venue": "Balai", "region_code": "3204", "start_date": TODAY.isoformat(),
            "end_date": TODAY.isoformat(), "capacity": 2, **bad}, expect=400)["error"]
        assert error["details"]["field"] == field and error["code"].startswith("unknown_")
    assert len(call("GET", "/programmes")) == before
    assert call("POST", "/providers", {**{k: lpk[k] for k in ("id", "name", "kind")},
                                       "region_code": "6474"}, expect=409)["error"]["code"] == \
        "provider_exists"
    assert call("POST", "/trainers", {"name": "Pak Budi", "provider_id": "nope"},
                expect=400)["error"]["code"] == "unknown_provider"
    assert len(call("GET", "/trainers")) == 1


def test_interest_by_sector_counts_applicants_per_seat(call, new_programme, new_person):
    housekeeping = new_programme(sector="hospitality", capacity=4,
                                 start_date=(TODAY + timedelta(days=5)).isoformat(),
                                 end_date=(TODAY + timedelta(days=20)).isoformat())
    people = [new_person(n) for n in (31, 32)]
    for person in people:
        apply(call, housekeeping, person)
    # a withdrawn application still shows interest
    call("POST", f"/programmes/{housekeeping['id']}/enrolments/{people[1]['participant_id']}"
                 "/leave", {"reason": "pindah kota"})
    year = (TODAY + timedelta(days=5)).year
    [line] = [x for x in call("GET", f"/reports/interest?year={year}")
              if x["sector"] == "hospitality"]
    assert (line["seats"], line["applicants"], line["low_interest"]) == (4, 2, True)
    assert line["applicants_per_seat"] == 0.5
    refused = call("GET", "/reports/interest?year=20x6", expect=400)["error"]
    assert refused["details"] == {"year": ["must be four digits"]}


def test_holders_of_expiring_certifications_are_listed_for_re_certification_until_renewed(
        call, new_programme, new_person, enrollment, bus):
    programme = new_programme(kind="certification_only")
    people = [new_person(n) for n in (1, 2)]
    for person in people:
        apply(call, programme, person)
    expiring = {}
    for person in people:
        event = outcome_event("certificate.expiring", person["participant_id"], None)
        expiring[person["participant_id"]] = event["data"]["certificate_number"]
        with entrypoint_waiter(enrollment, "on_certificate_expiring"):
            bus.publish_event(event)
    call("POST", f"/participants/{people[1]['participant_id']}/consents", {
        "purpose": "certification", "granted": False, "source": "web",
        "wording": "Saya menarik persetujuan."}, expect=201)
    [due] = call("GET", "/recertification?scheme_code=GAR-OMP")
    assert due["participant_id"] == people[0]["participant_id"]  # the other withdrew consent
    assert due["certificate_number"] == expiring[people[0]["participant_id"]]
    assert due["phone"] and due["nik"].startswith("3204****")
    assert call("GET", "/recertification?scheme_code=BAT-TLS") == []
    with entrypoint_waiter(enrollment, "on_certificate_issued"):
        bus.publish_event(outcome_event("certificate.issued", people[0]["participant_id"],
                                        programme["id"], renews=due["certificate_number"]))
    assert call("GET", "/recertification") == []


ROW = {"nik": "3204015708950001", "name": "Siti Aminah", "sex": "F", "birth_date": "1995-08-17",
       "phone": "081234567890", "consent_certification": True,
       "consent_partner_sharing": True}


def test_import_registers_valid_rows_reports_invalid_ones_and_is_idempotent(
        call, new_programme, db):
    programme = new_programme(capacity=10)
    rows = [
        {"row": 2, **ROW},
        {"row": 3, **ROW, "nik": "3204015708950002", "birth_date": "1995-08-18"},
        {"row": 4, **ROW, "nik": "3204015708950003", "sex": "X", "phone": "call me"},
        {"row": 5, **ROW, "nik": "3204015708950004", "consent_certification": False},
        {"row": 6, **ROW, "nik": "3204014101100001", "birth_date": "2010-01-01"},
        {"row": 7, **ROW, "nik": "3204011708950005", "sex": "M", "name": "Asep"},
    ]
    body = {"source": "peserta.xlsx", "wording": {"certification": WORDING,
                                                  "partner_sharing": WORDING}, "rows": rows}
    results = {r["row"]: r for r in call("POST", f"/programmes/{programme['id']}/imports",
                                         body)["rows"]}
    assert results[2]["status"] == "registered" and results[2]["enrolment"] == "enrolled"
    assert results[7]["status"] == "registered"
    assert results[3]["errors"] == [{"column": "nik", "code": "nik_birth_date_mismatch",
                                     "message": "NIK does not match the birth date given"}]
    assert {e["column"] for e in results[4]["errors"]} == {"sex", "phone"}
    assert results[5]["errors"][0] == {"column": "consent_certification",
                                       "code": "consent_required",
                                       "message": "participant has not consented to "
                                                  "certification"}
    assert results[6]["errors"][0]["column"] == "guardian_name"
    # a bad row never leaves a half-written record
    assert db.participants.count_documents({}) == 2
    before = snapshot(db)
    again = call("POST", f"/programmes/{programme['id']}/imports", body)["rows"]
    assert [r["status"] for r in again if r["row"] in (2, 7)] == ["unchanged", "unchanged"]
    assert snapshot(db) == before


def test_an_import_request_itself_must_be_well_formed(call, new_programme, db):
    programme = new_programme()
    before = snapshot(db)
    for body in ({"source": "x.csv", "wording": {}, "rows": []},
                 {"source": "x.csv", "wording": {"marketing": WORDING}, "rows": [{"row": 2}]},
                 json.dumps([1, 2])):
        assert call("POST", f"/programmes/{programme['id']}/imports", body,
                    expect=400)["error"]["code"] in ("validation_failed", "malformed_json")
    assert snapshot(db) == before


@pytest.mark.parametrize("method, path, body, status, code", [
    ("POST", "/targets", {"name": "Target", "organiser": "Disnaker", "year": 2026,
                          "goals": {}}, 400, "validation_failed"),
    ("POST", "/targets", {"name": "Target", "organiser": "Disnaker", "year": 2026,
                          "goals": {"certified": 10}, "parent_id": "nope"}, 404,
     "target_not_found"),
    ("POST", "/programmes", {"title": "Kursus", "organiser": "Disnaker", "scheme_code": "GAR",
                             "venue": "Balai", "region_code": "3204",
                             "start_date": "2026-12-01", "end_date": "2026-12-30",
                             "capacity": 5, "target_id": "nope"}, 404, "target_not_found"),
    ("POST", "/programmes", {"title": "Kursus", "organiser": "Disnaker", "scheme_code": "GAR",
                             "venue": "Balai", "region_code": "3204", "kind": "webinar",
                             "start_date": "2026-12-01", "end_date": "2026-12-30",
                             "capacity": 5, "priority": ["richest"]}, 400,
     "validation_failed"),
    ("POST", "/programmes/{id}/enrolments/{pid}/leave", {}, 400, "validation_failed"),
    ("POST", "/programmes/{id}/enrolments/nobody/leave", {"reason": "pindah"}, 404,
     "enrolment_not_found"),
    ("GET", "/participants/nobody", None, 404, "participant_not_found"),
    ("GET", "/programmes/nope/waitlist", None, 404, "programme_not_found"),
])
def test_hostile_requests_to_the_new_routes_change_nothing(call, new_programme, new_person, db,
                                                          method, path, body, status, code):
    programme = new_programme()
    person = new_person(1)
    apply(call, programme, person)
    before = snapshot(db)
    error = call(method, path.format(id=programme["id"], pid=person["participant_id"]), body,
                 expect=status)["error"]
    assert error["code"] == code
    assert snapshot(db) == before


def test_a_whole_spreadsheet_file_is_read_and_imported_and_a_bad_one_changes_nothing(
        call, new_programme, db, person):
    import base64

    programme = new_programme(capacity=10)
    csv_file = (b"nik;name;sex;birth_date;phone;consent_certification\n"
                b"3204015708950011;Siti Aminah;F;1995-08-17;81234567890;ya\n"
                b"3204015708950012;Rina;F;1995-08-18;081234567890;ya\n")
    body = {"filename": "peserta-menjahit.csv", "wording": {"certification": WORDING},
            "content": base64.b64encode(csv_file).decode()}
    rows = call("POST", f"/programmes/{programme['id']}/imports/file", body)["rows"]
    assert [(r["row"], r["status"]) for r in rows] == [(2, "registered"), (3, "invalid")]
    assert rows[1]["errors"][0]["code"] == "nik_birth_date_mismatch"
    assert db.participants.find_one()["phone"] == "081234567890"  # the dropped zero back
    before = snapshot(db)
    for bad, code in (({"content": base64.b64encode(b"\x00\xff not a workbook").decode(),
                        "filename": "peserta.xlsx"}, "file_unreadable"),
                      ({"content": "%%%"}, "validation_failed"),
                      ({"filename": "peserta.exe"}, "validation_failed"),
                      ({"content": base64.b64encode(b"nik\n").decode()}, "file_rows")):
        refused = call("POST", f"/programmes/{programme['id']}/imports/file",
                       {**body, **bad}, expect=400)
        assert refused["error"]["code"] == code
    kaltim = person("operator", agency="DISNAKERTRANS-64")
    call("POST", f"/programmes/{programme['id']}/imports/file", body, expect=403, as_=kaltim)
    assert snapshot(db) == before


def test_another_agency_neither_reads_nor_extends_a_target(call, enrollment, person, db):
    ours = call("POST", "/targets", {"name": "Kab. Bandung 2026", "organiser": "Disnaker",
                                     "year": 2026, "goals": {"certified": 100}}, expect=201)
    kaltim = person("operator", agency="DISNAKERTRANS-64")
    before = snapshot(db)
    assert call("GET", f"/targets/{ours['id']}/progress", as_=kaltim,
                expect=403)["error"]["code"] == "forbidden"
    assert call("POST", "/targets", {"name": "Under yours", "organiser": "Kaltim",
                                     "year": 2026, "goals": {"certified": 1},
                                     "parent_id": ours["id"]}, as_=kaltim, expect=403)
    assert call("GET", "/targets", as_=kaltim) == []
    assert snapshot(db) == before


def test_a_seat_freed_below_is_given_once_the_top_is_taken_and_old_waitlists_are_known(
        call, new_programme, new_person, db):
    """Seats are found by trying inserts upwards (no query of the seats); one freed by a
    withdrawal below the last taken is still found. A database from before the waitlist
    markers gets them on start, so a programme with people waiting keeps its priority order."""
    from kompeten_enrollment import repository

    course = new_programme(capacity=3, start_date=(TODAY + timedelta(days=3)).isoformat(),
                           end_date=(TODAY + timedelta(days=20)).isoformat())
    first, second, third, fourth, fifth = (new_person(60 + n) for n in range(5))
    assert [apply(call, course, p)["status"] for p in (first, second, third)] == ["enrolled"] * 3
    call("POST", f"/programmes/{course['id']}/enrolments/{second['participant_id']}/leave",
         {"reason": "pindah ke Samarinda"})
    assert apply(call, course, fourth)["status"] == "enrolled"  # the freed seat 2
    seats = sorted(d["seat"] for d in db.seats.find({"programme_id": course["id"]}))
    assert seats == [1, 2, 3]
    assert not db.waitlists.find_one({"_id": course["id"]})
    assert apply(call, course, fifth)["status"] == "waitlisted"  # full now: the marker is set
    assert db.waitlists.find_one({"_id": course["id"]})
    db.waitlists.drop()  # as before the markers
    repository.prepare(db)
    assert db.waitlists.find_one({"_id": course["id"]})
    assert db.waitlists.count_documents({}) == 2  # this programme and the built mark


def test_outcomes_arriving_at_the_same_moment_are_all_kept(call, new_programme, new_person,
                                                           enrollment, bus, db, wait_for):
    """A person's assessment, certificate and placement reach their enrolment at once (the
    certificate follows its decision within milliseconds), each also redelivered: all three
    are kept. On FerretDB an update rewrites the whole document, so two at once lost one even
    when they set different fields; each change now claims the enrolment's next version first,
    and the event that loses is requeued and reads it again."""
    programme = new_programme(kind="certification_only", capacity=10)
    people = [new_person(n)["participant_id"] for n in range(51, 61)]
    for pid in people:
        apply(call, programme, {"participant_id": pid})
    call("POST", f"/programmes/{programme['id']}/close")
    for pid in people:
        for event in (decided(pid, programme["id"]),
                      outcome_event("certificate.issued", pid, programme["id"]),
                      outcome_event("graduate.placed", pid, programme["id"], kind="job")):
            bus.publish_event(event)
            bus.publish_event({**event, "id": str(uuid.uuid4())})  # redelivered as new

    def recorded():
        return [sorted(k for k in ("assessment", "certificate", "placement") if doc.get(k))
                for doc in db.enrolments.find({"programme_id": programme["id"]})]

    wait_for(lambda: recorded() == [["assessment", "certificate", "placement"]] * 10,
             timeout=30)


def test_changes_of_one_enrolment_at_once_lose_none(call, new_programme, new_person,
                                                    enrollment, db):
    """The repository itself, three writers at once on each of twenty enrolments (the paths
    above, without the broker's timing): every field lands; the losers of a version retry as
    a requeued event does. Without the version claims most of them were lost here."""
    import eventlet
    from kompeten_chassis.mongo import Contended
    from kompeten_enrollment.repository import Repository

    programme = new_programme(kind="certification_only", capacity=20)
    people = [new_person(n)["participant_id"] for n in range(61, 81)]
    for pid in people:
        apply(call, programme, {"participant_id": pid})
    repo = Repository(db)

    def record(job):
        pid, field = job
        while True:
            try:
                return repo.record_outcome(pid, programme["id"], field, {"by": field})
            except Contended:
                eventlet.sleep(0.01)

    jobs = [(pid, field) for pid in people for field in ("assessment", "certificate", "placement")]
    assert all(eventlet.GreenPool(30).imap(record, jobs))
    for doc in db.enrolments.find({"programme_id": programme["id"]}):
        assert [doc.get(f) for f in ("assessment", "certificate", "placement")] == [
            {"by": "assessment"}, {"by": "certificate"}, {"by": "placement"}], doc["_id"]


def test_a_close_meeting_an_enrolment_held_by_another_writer_stops_and_resumes(
        call, new_programme, new_person, db):
    """The close finds an enrolment whose next version another writer holds (one that may
    have died, not yet a minute ago): it answers 409 after a few reads instead of spinning,
    keeps what it did, and finishes once the enrolment is free."""
    programme = new_programme(kind="certification_only", capacity=2)
    people = [new_person(n)["participant_id"] for n in (81, 82)]
    for pid in people:
        apply(call, programme, {"participant_id": pid})
    held = db.enrolments.find_one({"participant_id": people[1]})
    claim = {"_id": f"{held['_id']}:{held.get('version', 0) + 1}", "at": datetime.now(UTC)}
    db.enrolment_versions.insert_one(claim)
    refused = call("POST", f"/programmes/{programme['id']}/close", expect=409)
    assert refused["error"]["code"] == "enrolment_changed"
    assert db.enrolments.find_one({"_id": held["_id"]})["status"] == "enrolled"
    db.enrolment_versions.delete_one({"_id": claim["_id"]})  # its writer gave up
    call("POST", f"/programmes/{programme['id']}/close")
    assert sorted(d["status"] for d in db.enrolments.find(
        {"programme_id": programme["id"]})) == ["completed", "completed"]
