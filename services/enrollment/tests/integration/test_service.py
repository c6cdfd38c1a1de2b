"""The enrollment service over HTTP, on the real broker and database."""

import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from kompeten_enrollment import handlers
from kompeten_enrollment.service import EnrollmentService

pytestmark = pytest.mark.integration

TODAY = date.today()
PROGRAMME = {
    "title": "Pelatihan Menjahit Pakaian", "organiser": "Disnaker Kabupaten Bandung",
    "scheme_code": "GAR-OMP", "venue": "Balai Desa Sukamaju", "region_code": "3204",
    "start_date": (TODAY - timedelta(days=30)).isoformat(),
    "end_date": (TODAY - timedelta(days=1)).isoformat(), "capacity": 2,
}
WORDING = "Saya setuju data saya diproses untuk tujuan ini."


def person_record(nik="3204015708950003", **overrides):
    consents = [{"purpose": p, "granted": True, "source": "paper form", "wording": WORDING}
                for p in ("certification", "partner_sharing")]
    return {"nik": nik, "name": "Siti Rahmawati", "sex": "F", "birth_date": "1995-08-17",
            "phone": "081234567890", "consents": consents, **overrides}


@pytest.fixture
def service(run_service):
    return run_service(EnrollmentService)


@pytest.fixture
def db(database):
    return database("enrollment")


@pytest.fixture
def api(service, call):
    return call


def snapshot(db) -> dict:
    return {name: sorted(map(str, db[name].find())) for name in db.list_collection_names()}


def test_a_programme_is_created_and_read_back(api):
    created = api("POST", "/programmes", PROGRAMME, expect=201)
    assert created["session_days"] == 30
    assert created["region_name"] == "Kabupaten Bandung, Jawa Barat"
    assert api("GET", f"/programmes/{created['id']}") == created


@pytest.mark.parametrize("body, field", [
    ({**PROGRAMME, "capacity": 0}, "capacity"),
    ({**PROGRAMME, "capacity": "16"}, "capacity"),
    ({**PROGRAMME, "region_code": "9999"}, "region_code"),
    ({**PROGRAMME, "start_date": "1 Oktober"}, "start_date"),
    ({**PROGRAMME, "surprise": True}, "surprise"),
])
def test_bad_programmes_are_refused_field_by_field_and_nothing_is_stored(api, db, body, field):
    error = api("POST", "/programmes", body, expect=400)["error"]
    assert error["code"] == "validation_failed" and field in error["details"]
    assert db.programmes.count_documents({}) == 0


def test_malformed_json_is_a_400_with_a_code(api):
    assert api("POST", "/programmes", "{oops", expect=400)["error"]["code"] == "malformed_json"
    assert api("POST", "/programmes", "[1, 2]", expect=400)["error"]["code"] == "malformed_json"


def test_an_unknown_programme_is_a_404_with_a_code(api):
    assert api("GET", "/programmes/nope", expect=404)["error"]["code"] == "programme_not_found"


def test_registration_keeps_no_raw_nik_and_publishes_consent_without_it(api, db, bus):
    listener = bus.listen("enrollment.events", "participant.consent_changed")
    registered = api("POST", "/participants", person_record(), expect=201)
    assert registered["nik"] == "3204********0003"
    stored = db.participants.find_one({"_id": registered["participant_id"]})
    assert "3204015708950003" not in json.dumps(stored, default=str)
    events = listener.events(2)
    assert "3204015708950003" not in json.dumps(events)
    by_purpose = {e["data"]["purpose"]: e["data"] for e in events}
    assert by_purpose["partner_sharing"]["profile"] == {
        "name": "Siti Rahmawati", "phone": "081234567890", "region_code": "3204"}
    assert by_purpose["certification"]["profile"] is None


def test_one_person_one_record(api, db):
    api("POST", "/participants", person_record(), expect=201)
    before = snapshot(db)
    error = api("POST", "/participants", person_record(name="Someone Else"), expect=409)["error"]
    assert error["code"] == "participant_exists"
    assert snapshot(db) == before


@pytest.mark.parametrize("overrides, code", [
    ({"nik": "3204015708950"}, "nik_length"),
    ({"sex": "M"}, "nik_sex_mismatch"),
    ({"birth_date": "1996-08-17"}, "nik_birth_date_mismatch"),
    ({"phone": "call me"}, "validation_failed"),
    ({"consents": [{"purpose": "marketing", "granted": True, "source": "x",
                    "wording": WORDING}]}, "validation_failed"),
])
def test_bad_registrations_are_refused_and_nothing_is_stored(api, db, overrides, code):
    refused = api("POST", "/participants", person_record(**overrides), expect=400)
    assert refused["error"]["code"] == code
    assert db.participants.count_documents({}) == 0


def test_consent_guards_applications_and_capacity_sends_the_rest_to_the_waitlist(api, db):
    programme = api("POST", "/programmes", PROGRAMME, expect=201)
    path = f"/programmes/{programme['id']}/enrolments"
    no_consent = api("POST", "/participants", person_record(nik="3204011708950003", sex="M",
                                                     consents=[]), expect=201)
    error = api("POST", path, {"participant_id": no_consent["participant_id"]}, expect=422)
    assert error["error"]["code"] == "consent_required"
    statuses = []
    for serial in ("0001", "0002", "0005"):
        p = api("POST", "/participants", person_record(nik=f"320401570895{serial}"), expect=201)
        statuses.append(api("POST", path, {"participant_id": p["participant_id"]},
                            expect=201)["status"])
    assert statuses == ["enrolled", "enrolled", "waitlisted"]
    assert api("POST", path, {"participant_id": p["participant_id"]},
               expect=409)["error"]["code"] == "already_applied"
    assert db.seats.count_documents({}) == 2


def test_attendance_then_close_applies_the_rule_and_publishes_once(api, db, bus):
    programme = api("POST", "/programmes", PROGRAMME, expect=201)
    ids = []
    for serial in ("0001", "0002"):
        p = api("POST", "/participants", person_record(nik=f"320401570895{serial}"), expect=201)
        api("POST", f"/programmes/{programme['id']}/enrolments",
            {"participant_id": p["participant_id"]}, expect=201)
        ids.append(p["participant_id"])
    start = date.fromisoformat(PROGRAMME["start_date"])
    for day in range(30):
        present = ids if day < 12 else ids[:1]
        api("POST", f"/programmes/{programme['id']}/attendance",
            {"date": (start + timedelta(days=day)).isoformat(), "present": present})
    before = snapshot(db)
    error = api("POST", f"/programmes/{programme['id']}/attendance",
                {"date": PROGRAMME["start_date"], "present": [ids[0], "stranger"]}, expect=400)
    assert error["error"] == {"code": "not_enrolled", "details": {"present": ["stranger"]},
                              "message": "participants not enrolled in this programme"}
    assert snapshot(db) == before

    listener = bus.listen("enrollment.events", "training.*")
    assert api("POST", f"/programmes/{programme['id']}/close") == {
        "programme_id": programme["id"], "status": "closed", "total": 2, "done": 2,
        "completed": 1, "not_completed": 1, "held_without_consent": 0}
    events = {e["type"]: e for e in listener.events(2)}
    completed = events["training.completed"]["data"]
    assert completed["participant_id"] == ids[0] and completed["attendance_rate"] == 1.0
    assert completed["asesi_name"] == "Siti Rahmawati"
    assert completed["agency"] == "DISNAKER-3204"  # the agency that ran it issues its certificate
    not_completed = events["training.not_completed"]["data"]
    assert not_completed["attendance_rate"] == 0.4 and not_completed["required_rate"] == 0.8

    again = api("POST", f"/programmes/{programme['id']}/close")  # a retry: the same outcome
    assert again == api("GET", f"/programmes/{programme['id']}/closing")
    assert (again["status"], again["completed"]) == ("closed", 1)
    assert listener.events(1, timeout=1) == []  # and nothing sent again
    statuses = {e["participant_id"]: e["status"]
                for e in api("GET", f"/programmes/{programme['id']}/enrolments")}
    assert statuses == {ids[0]: "completed", ids[1]: "not_completed"}


def test_a_large_close_answers_at_once_goes_on_behind_and_survives_its_worker(
        run_service, call, bus, db):
    """Issue 17: a cohort larger than a step (5 here, 100 in service) is closed behind the
    response, its progress readable; a close whose worker is gone loses nothing: another
    instance resumes it."""
    first = run_service(EnrollmentService, CLOSE_BATCH=5)
    programme = call("POST", "/programmes", {**PROGRAMME, "kind": "certification_only",
                                             "capacity": 12}, expect=201)
    rows = [{"row": n + 2, "nik": f"320401570895{n + 1:04d}", "name": f"Peserta {n}",
             "sex": "F", "birth_date": "1995-08-17", "consent_certification": True}
            for n in range(12)]
    call("POST", f"/programmes/{programme['id']}/imports", {
        "source": "peserta.xlsx", "wording": {"certification": "Saya setuju."}, "rows": rows})
    listener = bus.listen("enrollment.events", "training.completed")
    begun = call("POST", f"/programmes/{programme['id']}/close", expect=202)
    assert (begun["status"], begun["total"], begun["done"]) == ("closing", 12, 5)
    late = call("POST", "/participants", person_record(nik="3204015708950099"), expect=201)
    refused = call("POST", f"/programmes/{programme['id']}/enrolments",
                   {"participant_id": late["participant_id"]}, expect=409)["error"]
    assert refused["code"] == "programme_closed"  # nothing changes while it closes
    # The instance goes away; what a worker dying mid-step leaves is a lease nobody renews:
    # here it ran out (CLOSE_IDLE ago). Another instance's timer resumes the close.
    first.stop()
    db.closings.update_one({"_id": programme["id"]}, {"$set": {
        "worked_at": datetime.now(UTC) - handlers.CLOSE_IDLE - timedelta(seconds=1)}})
    run_service(EnrollmentService, CLOSE_BATCH=5)
    deadline = time.monotonic() + 30
    while call("GET", f"/programmes/{programme['id']}/closing")["status"] != "closed":
        assert time.monotonic() < deadline, "the close was not resumed"
        time.sleep(0.5)
    done = call("GET", f"/programmes/{programme['id']}/closing")
    assert (done["completed"], done["done"], done["total"]) == (12, 12, 12)
    events = listener.events(12, timeout=20)
    assert len({e["id"] for e in events}) == 12  # each person's outcome, under its one id
    assert db.enrolments.count_documents({"programme_id": programme["id"],
                                          "status": "completed"}) == 12


def test_a_programme_cannot_close_before_its_last_day(api, db):
    running = api("POST", "/programmes", {**PROGRAMME, "end_date": (
        TODAY + timedelta(days=3)).isoformat()}, expect=201)
    error = api("POST", f"/programmes/{running['id']}/close", expect=422)["error"]
    assert error["code"] == "programme_not_finished"
    # nothing begun: no close to read, and an unknown programme has none either
    assert api("GET", f"/programmes/{running['id']}/closing",
               expect=404)["error"]["code"] == "close_not_started"
    assert api("GET", "/programmes/nope/closing", expect=404)["error"]["code"] == \
        "programme_not_found"
    assert db.closings.count_documents({}) == 0
    assert api("GET", f"/programmes/{running['id']}")["closing"] is False


def test_two_officers_marking_attendance_at_once_both_count(api, db, web_session, staff):
    """Two officers of one class send their sheets at the same moment, for the same day and
    for different days: every presence counts (on each enrolment's own list of days, one of two
    updates at once was lost on FerretDB); the same sheet sent twice counts once."""
    import eventlet

    programme = api("POST", "/programmes", {**PROGRAMME, "capacity": 4}, expect=201)
    people = []
    for n in range(4):
        p = api("POST", "/participants", person_record(nik=f"32040157089500{n + 41:02d}"),
                expect=201)
        api("POST", f"/programmes/{programme['id']}/enrolments",
            {"participant_id": p["participant_id"]}, expect=201)
        people.append(p["participant_id"])
    start = date.fromisoformat(PROGRAMME["start_date"])
    api("POST", f"/programmes/{programme['id']}/attendance",
        {"date": start.isoformat(), "present": people})  # day one: everyone came
    # days 1..24 after it, each in two halves by two officers, and day 1 sent twice
    sheets = [(day, half) for day in range(1, 25) for half in (people[:2], people[2:])]
    sheets.append((1, people[:2]))

    def mark(sheet):
        day, present = sheet
        return web_session.post(f"/programmes/{programme['id']}/attendance", data=json.dumps(
            {"date": (start + timedelta(days=day)).isoformat(), "present": present}),
            headers={"Authorization": f"Bearer {staff}"}).status_code

    assert list(eventlet.GreenPool(10).imap(mark, sheets)) == [200] * len(sheets)
    days = {e["participant_id"]: e["days_attended"]
            for e in api("GET", f"/programmes/{programme['id']}/enrolments")}
    assert days == {pid: 25 for pid in people}  # day one and the 24 after it


def test_concurrent_enrolments_never_overbook(api, db, web_session, staff):
    import eventlet

    programme = api("POST", "/programmes", PROGRAMME, expect=201)
    people = [api("POST", "/participants", person_record(nik=f"32040157089500{n:02d}"), expect=201)
              for n in range(1, 9)]

    def enrol(p):
        return web_session.post(f"/programmes/{programme['id']}/enrolments",
                                data=json.dumps({"participant_id": p["participant_id"]}),
                                headers={"Authorization": f"Bearer {staff}"})

    responses = list(eventlet.GreenPool(8).imap(enrol, people))
    assert sorted(r.json()["status"] for r in responses) == ["enrolled"] * 2 + ["waitlisted"] * 6
    assert sorted(d["seat"] for d in db.seats.find()) == [1, 2]
    assert db.enrolments.count_documents({"status": "enrolled"}) == 2


def test_a_persons_programmes_are_kept_by_id_and_none_is_lost_when_applied_at_once(
        api, db, web_session, staff):
    """Someone's applications are found through their list of programmes ("<person>:<k>",
    read by _id; a query on participant_id reads every enrolment on FerretDB). Three
    applications at the same moment all land in it, and each programme's list of applicants
    names them; a database from before the lists gets them built once when the service
    starts."""
    import eventlet
    from kompeten_chassis.mongo import BUILT
    from kompeten_enrollment import repository

    # programmes that take someone in another at the same time: otherwise which of the three
    # is refused depends on which enrolment another application reads first
    programmes = [api("POST", "/programmes", {
        **PROGRAMME, "title": f"Program {n}", "eligibility": {"one_programme_at_a_time": False}},
        expect=201) for n in range(3)]
    person = api("POST", "/participants", person_record(nik="3204015708950031"), expect=201)
    pid = person["participant_id"]

    def apply(programme):
        return web_session.post(f"/programmes/{programme['id']}/enrolments",
                                data=json.dumps({"participant_id": pid}),
                                headers={"Authorization": f"Bearer {staff}"})

    assert [r.status_code for r in eventlet.GreenPool(3).imap(apply, programmes)] == [201] * 3
    def lists():
        return (sorted(d["programme_id"] for d in db.applied_to.find({"_id": {"$ne": BUILT}})),
                sorted(d["_id"].rsplit(":", 1)[0] for d in db.cohorts.find(
                    {"participant_id": pid})))

    listed = sorted(p["id"] for p in programmes)
    assert lists() == (listed, listed)
    history = api("GET", f"/participants/{pid}/enrolments")
    assert sorted(h["programme"]["id"] for h in history) == listed
    assert [[e["participant_id"] for e in api("GET", f"/programmes/{p}/enrolments")]
            for p in listed] == [[pid]] * 3
    db.applied_to.drop()  # as before the lists
    db.cohorts.drop()
    repository.prepare(db)
    assert lists() == (listed, listed)
    assert len(api("GET", f"/participants/{pid}/enrolments")) == 3
    assert [len(api("GET", f"/programmes/{p}/enrolments")) for p in listed] == [1] * 3


@pytest.mark.parametrize("method, path, body, status, code", [
    ("POST", "/programmes/{id}/enrolments", {}, 400, "validation_failed"),
    ("POST", "/programmes/{id}/enrolments", {"participant_id": "ghost"}, 404,
     "participant_not_found"),
    ("POST", "/programmes/nope/enrolments", {"participant_id": "ghost"}, 404,
     "programme_not_found"),
    ("GET", "/programmes/nope/enrolments", None, 404, "programme_not_found"),
    ("POST", "/programmes/{id}/attendance", {"date": "2000-01-01", "present": []}, 400,
     "day_outside_programme"),
    ("POST", "/programmes/{id}/attendance", {"date": "2026-10-02", "present": "all"}, 400,
     "validation_failed"),
])
def test_hostile_enrolment_and_attendance_requests_change_nothing(api, db, method, path, body,
                                                                  status, code):
    programme = api("POST", "/programmes", PROGRAMME, expect=201)
    before = snapshot(db)
    error = api(method, path.format(id=programme["id"]), body, expect=status)["error"]
    assert error["code"] == code
    assert snapshot(db) == before


def test_an_agency_lists_its_own_programmes_and_marks_attendance_from_a_named_sheet(
        api, db, person):
    ours = api("POST", "/programmes", PROGRAMME, expect=201)
    kaltim = person("operator", agency="DISNAKERTRANS-64")
    theirs = api("POST", "/programmes", {**PROGRAMME, "title": "Las Dasar"}, expect=201,
                 as_=kaltim)
    assert ours["id"] in [p["id"] for p in api("GET", "/programmes")]
    assert [p["id"] for p in api("GET", "/programmes", as_=kaltim)] == [theirs["id"]]
    siti = api("POST", "/participants", person_body := person_record(), expect=201)
    api("POST", f"/programmes/{ours['id']}/enrolments", {"participant_id": siti["participant_id"]},
        expect=201)
    sheet = api("GET", f"/programmes/{ours['id']}/attendance-sheet")
    assert sheet["participants"] == [{"participant_id": siti["participant_id"],
                                      "name": person_body["name"], "nik": siti["nik"],
                                      "attended": []}]
    log = api("GET", f"/participants/{siti['participant_id']}/access-log")
    assert [(e["purpose"], e["route"]) for e in log] == [
        ("administration", f"/programmes/{ours['id']}/attendance-sheet")]
    before = snapshot(db)
    refused = api("GET", f"/programmes/{ours['id']}/attendance-sheet", as_=kaltim, expect=403)
    assert refused["error"]["code"] == "forbidden" and snapshot(db) == before


def test_a_person_sees_their_own_programmes_and_another_agency_does_not(api, person):
    programme = api("POST", "/programmes", PROGRAMME, expect=201)
    siti = api("POST", "/participants", person_record(), expect=201)["participant_id"]
    api("POST", f"/programmes/{programme['id']}/enrolments", {"participant_id": siti},
        expect=201)
    herself = person("participant", participant_id=siti)
    [mine] = api("GET", f"/participants/{siti}/enrolments", as_=herself)
    assert (mine["programme"]["id"], mine["status"], mine["days_attended"]) == \
        (programme["id"], "enrolled", 0)
    someone = person("participant", participant_id="someone-else")
    assert api("GET", f"/participants/{siti}/enrolments", as_=someone,
               expect=403)["error"]["code"] == "forbidden"
    kaltim = person("operator", agency="DISNAKERTRANS-64")
    assert api("GET", f"/participants/{siti}/enrolments", as_=kaltim, expect=403)


def test_an_officer_reads_many_participants_at_once_only_their_agencys(api, person):
    first = api("POST", "/participants", person_record(), expect=201)["participant_id"]
    second = api("POST", "/participants", person_record(nik="3204015708950002"),
                 expect=201)["participant_id"]
    kaltim = person("operator", agency="DISNAKERTRANS-64")
    theirs = api("POST", "/participants", person_record(nik="6471015708950003"), expect=201,
                 as_=kaltim)["participant_id"]
    found = api("GET", f"/participants?id={first}&id={second}&id={theirs}&id={first}"
                       "&purpose=follow_up")
    assert sorted(p["participant_id"] for p in found) == sorted([first, second])
    log = api("GET", f"/participants/{second}/access-log")
    assert [(e["purpose"], e["route"]) for e in log] == [("follow_up", "/participants")]
    assert api("GET", f"/participants/{theirs}/access-log", as_=kaltim) == []
    assert api("GET", "/participants", expect=400)["error"]["code"] == "invalid_parameter"
    api("GET", f"/participants?id={first}", as_=person("participant", participant_id=first),
        expect=403)
