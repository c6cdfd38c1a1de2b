"""The placement service on the real broker and database."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from kompeten_placement.service import PlacementService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration


def event(type_, data):
    return envelope.build(service=EVENTS[type_].producer, type=type_,
                          data=dump_data(type_, data), dataschema=EVENTS[type_].dataschema)


def consent(pid, granted=True, at=None, purpose="partner_sharing", region="3204"):
    sharing = purpose == "partner_sharing" and granted
    return event("participant.consent_changed", {
        "participant_id": pid, "purpose": purpose, "granted": granted,
        "recorded_at": at or datetime.now(UTC),
        "profile": {"name": "Dewi Lestari", "phone": "081234567890", "region_code": region}
        if sharing else None})


def issued(pid, scheme="GAR-OMP", units=("U1", "U2"), issued_on=date(2026, 11, 24),
           programme_id="prog-1"):
    number = f"LSP-GNI.{scheme}.2026.{uuid.uuid4().int % 10**6:06d}"
    return event("certificate.issued", {
        "certificate_number": number, "kind": "certification", "participant_id": pid,
        "case_id": str(uuid.uuid4()), "programme_id": programme_id,
        "scheme_code": scheme, "scheme_title": "Operator Menjahit Pakaian",
        "units": [{"code": u, "title": "Unit"} for u in units],
        "issuer": {"code": "LSP-GNI", "name": "L"},
        "issued_on": issued_on, "valid_until": issued_on + timedelta(days=3 * 365),
        "verification_url": f"http://verify.test/certificates/{number}"})


@pytest.fixture
def service(run_service):
    return run_service(PlacementService)


@pytest.fixture
def db(database):
    return database("placement")


@pytest.fixture
def api(service, call, everyone):
    return lambda *args, **kwargs: call(*args, **{"as_": everyone, **kwargs})


def deliver(service, bus, *events):
    for e in events:
        handler = {"participant.consent_changed": "on_consent_changed",
                   "certificate.issued": "on_certificate_issued",
                   "training.completed": "on_training_completed"}[e["type"]]
        with entrypoint_waiter(service, handler):
            bus.publish_event(e)


EMPLOYER = {"name": "CV Maju Jahit Sejahtera", "sector": "Garmen", "region_code": "3204",
            "workforce": 40, "contact": {"person": "Ibu Ratna", "phone": "0227654321"}}


@pytest.fixture
def vacancy(api):
    employer = api("POST", "/employers", EMPLOYER, expect=201)
    return api("POST", "/vacancies", {
        "employer_id": employer["id"], "title": "Operator Jahit", "kind": "job",
        "scheme_code": "GAR-OMP", "places": 1,
        "start_date": (date.today() + timedelta(days=7)).isoformat()}, expect=201)


def test_only_consenting_certified_graduates_reach_the_employer(service, bus, api, vacancy):
    sharer, keeper, uncertified = (str(uuid.uuid4()) for _ in range(3))
    deliver(service, bus, consent(sharer), issued(sharer), issued(keeper),
            consent(keeper, granted=False), consent(uncertified))
    candidates = api("GET", f"/vacancies/{vacancy['id']}/candidates")["candidates"]
    assert [c["participant_id"] for c in candidates] == [sharer]
    assert candidates[0]["name"] == "Dewi Lestari"


def test_withdrawal_erases_the_profile_and_a_stale_grant_does_not_return_it(
        service, bus, api, vacancy, db):
    pid = str(uuid.uuid4())
    granted_at = datetime.now(UTC)
    deliver(service, bus, consent(pid, at=granted_at), issued(pid),
            consent(pid, granted=False, at=granted_at + timedelta(seconds=1)))
    assert api("GET", f"/vacancies/{vacancy['id']}/candidates")["candidates"] == []
    assert "profile" not in db.sharing.find_one({"_id": pid})
    deliver(service, bus, consent(pid, at=granted_at))  # the old grant, redelivered late
    assert api("GET", f"/vacancies/{vacancy['id']}/candidates")["candidates"] == []


def test_offer_accept_and_decline_publish_events_and_respect_places(service, bus, api,
                                                                    vacancy):
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(service, bus, consent(first), issued(first), consent(second), issued(second))
    listener = bus.listen("placement.events")
    one = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": first},
              expect=201)
    two = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": second},
              expect=201)
    placed = api("POST", f"/offers/{one['id']}/accept", {}, expect=201)
    assert placed["participant_id"] == first
    error = api("POST", f"/offers/{two['id']}/accept", {}, expect=409)["error"]
    assert error["code"] == "vacancy_full"
    api("POST", f"/offers/{two['id']}/decline", {"reason": "vacancy filled"})
    types = [e["type"] for e in listener.events(4)]
    assert types == ["offer.made", "offer.made", "graduate.placed", "offer.declined"]
    assert api("POST", f"/offers/{one['id']}/decline", {}, expect=409)["error"][
        "code"] == "offer_answered"


@pytest.mark.parametrize("body, status, code", [
    ({"vacancy_id": "nope", "participant_id": "p"}, 404, "vacancy_not_found"),
    ({"participant_id": "p"}, 400, "validation_failed"),
])
def test_bad_offers_are_refused(api, db, body, status, code):
    assert api("POST", "/offers", body, expect=status)["error"]["code"] == code
    assert db.offers.count_documents({}) == 0


def test_an_offer_without_consent_is_refused_and_nothing_is_stored(service, bus, api,
                                                                   vacancy, db):
    pid = str(uuid.uuid4())
    deliver(service, bus, issued(pid))
    error = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                expect=422)["error"]
    assert error["code"] == "no_sharing_consent"
    assert db.offers.count_documents({}) == 0


def test_bad_employers_and_vacancies_are_refused(api, db):
    assert api("POST", "/employers", {**EMPLOYER, "region_code": "32", "workforce": 0},
               expect=400)["error"]["details"] == {
                   "region_code": ["must be a 4-digit regency code"],
                   "workforce": ["Must be greater than or equal to 1 and less than or equal to "
                                 "1000000."]}
    assert api("POST", "/vacancies", {"employer_id": "nope", "title": "Jahit", "kind": "job",
                                      "scheme_code": "GAR-OMP", "places": 1,
                                      "start_date": "2026-12-01"},
               expect=404)["error"]["code"] == "employer_not_found"
    assert db.vacancies.count_documents({}) == 0 and db.employers.count_documents({}) == 0


def test_a_consent_event_with_a_profile_but_no_grant_is_dead_lettered(service, bus, db):
    forged = consent(str(uuid.uuid4()))
    forged["data"]["granted"] = False  # a withdrawal that still carries personal data
    bus.publish_event(forged)
    [(_, headers)] = bus.dead_letters("placement")
    assert headers["x-kompeten-reason"] == "invalid participant.consent_changed data"
    assert db.sharing.count_documents({}) == 0


def test_a_malformed_intake_completion_is_dead_lettered_and_qualifies_nobody(service, bus,
                                                                              db):
    forged = completed(str(uuid.uuid4()))
    forged["data"]["programme_kind"] = "magang"  # not a programme kind of the contract
    del forged["data"]["scheme_code"]
    bus.publish_event(forged)
    [(_, headers)] = bus.dead_letters("placement")
    assert headers["x-kompeten-reason"] == "invalid training.completed data"
    assert db.certificates.count_documents({}) == 0


@pytest.mark.parametrize("method, path, body, code", [
    ("GET", "/vacancies/nope/candidates", None, "vacancy_not_found"),
    ("POST", "/offers/nope/accept", {}, "offer_not_found"),
    ("POST", "/offers/nope/decline", {}, "offer_not_found"),
    ("GET", "/employers/nope", None, "employer_not_found"),
    ("POST", "/placements/nope/terminate",
     {"ended_on": "2026-12-01", "reason": "pindah"}, "placement_not_found"),
    ("POST", "/check-ins/nope", {"status": "employed"},
     "check_in_not_found"),
])
def test_unknown_vacancies_and_offers_are_404s(api, method, path, body, code):
    assert api(method, path, body, expect=404)["error"]["code"] == code


def new_vacancy(api, workforce=40, **fields):
    employer = api("POST", "/employers", {**EMPLOYER, "workforce": workforce}, expect=201)
    body = {"employer_id": employer["id"], "title": "Operator Jahit", "kind": "job",
            "scheme_code": "GAR-OMP", "places": 2,
            "start_date": (date.today() + timedelta(days=7)).isoformat(), **fields}
    return api("POST", "/vacancies", body, expect=201)


def test_candidates_are_ranked_with_every_factor_explained(service, bus, api):
    vacancy = new_vacancy(api, required_units=["U1", "U2"])
    near, province, offered, partial = (str(uuid.uuid4()) for _ in range(4))
    deliver(service, bus, consent(near), issued(near), consent(province, region="3273"),
            issued(province), consent(offered), issued(offered), consent(partial),
            issued(partial, units=("U1",)))
    elsewhere = new_vacancy(api)
    api("POST", "/offers", {"vacancy_id": elsewhere["id"], "participant_id": offered},
        expect=201)
    found = api("GET", f"/vacancies/{vacancy['id']}/candidates")
    assert found["weights"] == {"competency": 50, "distance": 30, "availability": 20}
    ranked = [(c["participant_id"], c["score"]) for c in found["candidates"]]
    assert ranked == [(near, 100), (offered, 90), (province, 85), (partial, 75)]
    why = {f["factor"]: f for f in found["candidates"][3]["factors"]}
    assert why["competency"]["value"] == 0.5 and why["competency"]["points"] == 25
    assert why["competency"]["why"].startswith("1 of 2 required units certified")
    assert found["candidates"][2]["factors"][1]["why"].endswith(
        "same province as the vacancy (3204)")
    # A page of the best: only the profiles shown are recorded as seen.
    best = api("GET", f"/vacancies/{vacancy['id']}/candidates?limit=2")
    assert [c["participant_id"] for c in best["candidates"]] == [near, offered]
    assert best["total"] == 4
    seen = api("GET", f"/access-log?participant_id={partial}")
    assert len(seen) == 1  # the first, full list only
    for wrong in ("0", "201", "many"):
        error = api("GET", f"/vacancies/{vacancy['id']}/candidates?limit={wrong}",
                    expect=400)["error"]
        assert error["code"] == "invalid_parameter"


AGREEMENT = {"apprentice_rights": "uang saku, jaminan sosial, sertifikat pemagangan",
             "apprentice_duties": "menaati tata tertib, mengikuti program",
             "company_rights": "memanfaatkan hasil kerja peserta",
             "company_duties": "membimbing, membayar uang saku",
             "programme": "C.14GAR02.015.1 menjahit komponen; C.14GAR02.020.1 menjahit lengkap",
             "monthly_allowance": 1_500_000, "ratified_by": "Disnaker Kabupaten Bandung",
             "ratification_number": "560/123/Disnaker/2026"}


def test_apprenticeships_follow_the_national_rules(service, bus, api, db):
    start = date.today() + timedelta(days=7)
    dates = {"start_date": start.isoformat(),
             "end_date": (start + timedelta(days=180)).isoformat(),
             "ratified_on": date.today().isoformat()}
    refused = api("POST", "/employers", {**EMPLOYER, "workforce": 10}, expect=201)
    too_many = api("POST", "/vacancies", {
        "employer_id": refused["id"], "title": "Magang Jahit", "kind": "apprenticeship",
        "scheme_code": "GAR-OMP", "places": 3, "start_date": start.isoformat()}, expect=422)
    assert too_many["error"]["details"]["broken"][0]["rule"] == "at_most_20_percent"

    vacancy = new_vacancy(api, workforce=10, kind="apprenticeship")  # quota 2, two places
    pid = str(uuid.uuid4())
    deliver(service, bus, consent(pid), issued(pid))
    offer = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                expect=201)
    accept = f"/offers/{offer['id']}/accept"
    assert api("POST", accept, {}, expect=422)["error"]["code"] == "agreement_required"
    bad = {**AGREEMENT, **dates, "end_date": (start + timedelta(days=540)).isoformat(),
           "monthly_allowance": 0, "ratified_by": None}
    error = api("POST", accept, {"agreement": bad}, expect=422)["error"]
    assert error["code"] == "apprenticeship_rules_broken"
    assert [b["rule"] for b in error["details"]["broken"]] == [
        "at_most_one_year", "allowance", "ratified"]
    assert db.placements.count_documents({}) == 0
    assert api("GET", f"/offers?participant_id={pid}")[0]["status"] == "made"

    placed = api("POST", accept, {"agreement": {**AGREEMENT, **dates}}, expect=201)
    assert placed["kind"] == "apprenticeship" and placed["end_date"] == dates["end_date"]
    assert placed["agreement"]["ratification_number"] == "560/123/Disnaker/2026"
    employer = api("GET", f"/employers/{vacancy['employer_id']}")
    assert (employer["apprentices"], employer["apprentice_quota"]) == (1, 2)


def test_hr_draws_up_the_agreement_and_the_graduate_accepts_with_it(service, bus, api, db,
                                                                    call, person):
    start = date.today() + timedelta(days=7)
    dates = {"start_date": start.isoformat(),
             "end_date": (start + timedelta(days=180)).isoformat(),
             "ratified_on": date.today().isoformat()}
    vacancy = new_vacancy(api, workforce=10, kind="apprenticeship")
    pid = str(uuid.uuid4())
    deliver(service, bus, consent(pid), issued(pid))
    offer = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                expect=201)
    assert (offer["title"], offer["employer_name"]) == ("Operator Jahit", EMPLOYER["name"])
    drawn_up = f"/offers/{offer['id']}/agreement"
    assert api("GET", f"/vacancies/{vacancy['id']}")["title"] == "Operator Jahit"
    call("GET", f"/vacancies/{vacancy['id']}", expect=403,
         as_=person("employer_hr", employer="another-employer"))
    error = api("POST", drawn_up, {**AGREEMENT, **dates, "ratified_by": None},
                expect=422)["error"]
    assert [b["rule"] for b in error["details"]["broken"]] == ["ratified"]
    assert db.offers.find_one({"_id": offer["id"]}).get("agreement") is None
    other_hr = person("employer_hr", employer="another-employer")
    call("POST", drawn_up, {**AGREEMENT, **dates}, expect=403, as_=other_hr)
    attached = api("POST", drawn_up, {**AGREEMENT, **dates})
    assert attached["agreement"]["end_date"] == dates["end_date"]
    placed = api("POST", f"/offers/{offer['id']}/accept", {}, expect=201)
    assert placed["agreement"]["ratification_number"] == "560/123/Disnaker/2026"
    assert placed["employer_name"] == EMPLOYER["name"]
    assert placed["end_date"] == dates["end_date"]
    again = api("POST", drawn_up, {**AGREEMENT, **dates}, expect=409)["error"]
    assert again["code"] == "offer_answered"
    job = new_vacancy(api)
    pid = str(uuid.uuid4())
    deliver(service, bus, consent(pid), issued(pid))
    offer = api("POST", "/offers", {"vacancy_id": job["id"], "participant_id": pid},
                expect=201)
    refused = api("POST", f"/offers/{offer['id']}/agreement", {**AGREEMENT, **dates},
                  expect=422)["error"]
    assert refused["code"] == "not_an_apprenticeship"


def completed(pid, kind="apprenticeship_intake", scheme="GAR-OMP", programme_id="magang-1"):
    return event("training.completed", {
        "participant_id": pid, "programme_id": programme_id, "programme_kind": kind,
        "programme_title": "Pemagangan Operator Jahit", "scheme_code": scheme,
        "organiser": "Disnaker Kab. Bandung", "agency": "DISNAKER-3204",
        "region_code": "3204", "certificates": [], "attendance_rate": None,
        "completed_on": date.today(), "asesi_name": "Dewi Lestari"})


def test_an_apprentice_from_an_intake_is_placed_before_any_certificate(service, bus, api, db):
    """Issue 15: the apprentice target is met by people not yet certified; a job, or a
    vacancy that does not say so, still needs a certificate."""
    start = date.today() + timedelta(days=7)
    dates = {"start_date": start.isoformat(),
             "end_date": (start + timedelta(days=300)).isoformat(),
             "ratified_on": date.today().isoformat()}
    refused = api("POST", "/vacancies", {
        "employer_id": api("POST", "/employers", EMPLOYER, expect=201)["id"],
        "title": "Operator Jahit", "kind": "job", "scheme_code": "GAR-OMP", "places": 1,
        "accepts": ["apprenticeship_intake"], "start_date": start.isoformat()},
        expect=400)["error"]
    assert "accepts" in refused["details"]
    magang = new_vacancy(api, kind="apprenticeship", accepts=["apprenticeship_intake"])
    certified_only = new_vacancy(api, kind="apprenticeship")
    apprentice, trainee, elsewhere = (str(uuid.uuid4()) for _ in range(3))
    deliver(service, bus, consent(apprentice), completed(apprentice), consent(trainee),
            completed(trainee, kind="training"), consent(elsewhere),
            completed(elsewhere, scheme="BTK-CNT", programme_id="magang-2"))
    shown = api("GET", f"/vacancies/{magang['id']}/candidates")["candidates"]
    assert [c["participant_id"] for c in shown] == [apprentice]
    assert (shown[0]["basis"], shown[0]["certificate_number"]) == ("apprenticeship_intake", None)
    assert shown[0]["factors"][0]["value"] == 0  # nothing certified yet
    assert api("GET", f"/vacancies/{certified_only['id']}/candidates")["candidates"] == []
    refused = api("POST", "/offers", {"vacancy_id": certified_only["id"],
                                      "participant_id": apprentice}, expect=422)["error"]
    assert refused["code"] == "not_certified_for_vacancy"

    placed_events = bus.listen("placement.events", "graduate.placed.#")
    offer = api("POST", "/offers", {"vacancy_id": magang["id"], "participant_id": apprentice},
                expect=201)
    placed = api("POST", f"/offers/{offer['id']}/accept",
                 {"agreement": {**AGREEMENT, **dates}}, expect=201)
    assert (placed["basis"], placed["certificate_number"]) == ("apprenticeship_intake", None)
    assert placed["programme_id"] == "magang-1"
    [published] = placed_events.events(1)
    assert published["dataschema"] == "urn:kompeten:schema:graduate.placed:2"
    assert published["data"]["basis"] == "apprenticeship_intake"
    assert published["data"]["certificate_number"] is None
    assert db.check_ins.count_documents({"participant_id": apprentice}) == 0
    row = api("GET", "/reports/absorption")["programmes"]["magang-1"]
    assert (row["certified"], row["intake_completed"], row["apprenticeships"],
            row["absorption_rate"]) == (0, 1, 1, 1.0)
    assert api("GET", "/reports/absorption?programme_id=magang-1")["programmes"] == {
        "magang-1": row}

    deliver(service, bus, completed(apprentice))  # a redelivery adds nothing
    assert db.certificates.count_documents({"participant_id": apprentice}) == 1
    # certified after the apprenticeship: now a certification-only vacancy takes them too
    deliver(service, bus, issued(apprentice))
    later = api("GET", f"/vacancies/{certified_only['id']}/candidates")["candidates"]
    assert later[0]["basis"] == "certificate" and later[0]["certificate_number"]


def placed(service, bus, api) -> tuple[dict, dict]:
    """A consenting certified graduate offered a new vacancy and accepting: (vacancy,
    placement)."""
    vacancy = new_vacancy(api)
    pid = str(uuid.uuid4())
    deliver(service, bus, consent(pid), issued(pid))
    offer = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                expect=201)
    return vacancy, api("POST", f"/offers/{offer['id']}/accept", {}, expect=201)


def test_an_early_termination_frees_the_graduate_and_is_published(service, bus, api, call,
                                                                  person):
    vacancy, placement = placed(service, bus, api)
    other = new_vacancy(api)
    [candidate] = api("GET", f"/vacancies/{other['id']}/candidates")["candidates"]
    assert candidate["factors"][2]["why"] == "placed at the moment"
    listener = bus.listen("placement.events", "placement.terminated.#")
    terminate = f"/placements/{placement['id']}/terminate"
    early = {"ended_on": vacancy["start_date"], "reason": "pindah ke luar kota"}
    before = {**early, "ended_on": date.today().isoformat()}
    assert api("POST", terminate, before, expect=422)["error"]["code"] == "ends_before_start"
    ended = api("POST", terminate, early)
    assert ended["status"] == "terminated" and ended["termination_reason"] == early["reason"]
    [event] = listener.events(1)
    assert event["data"]["reason"] == "pindah ke luar kota"
    assert api("POST", terminate, early, expect=409)["error"]["code"] == "placement_ended"
    [candidate] = api("GET", f"/vacancies/{other['id']}/candidates")["candidates"]
    assert candidate["score"] == 100
    report = api("GET", "/reports/absorption")
    assert report["programmes"]["prog-1"] == {
        "certified": 1, "intake_completed": 0, "sharing": 1, "offers": 1, "placed": 1, "jobs": 1,
        "apprenticeships": 0, "terminated_early": 1, "absorption_rate": 1.0}
    assert report["employers"][vacancy["employer_id"]]["terminated_early"] == 1
    # one programme's, read through its lists, is the same row
    assert api("GET", "/reports/absorption?programme_id=prog-1") == {
        "programmes": {"prog-1": report["programmes"]["prog-1"]},
        "employers": {vacancy["employer_id"]: report["employers"][vacancy["employer_id"]]}}
    assert api("GET", "/reports/absorption?programme_id=no-such-programme") == {
        "programmes": {}, "employers": {}}
    call("GET", "/reports/absorption?programme_id=prog-1", expect=403,
         as_=person("employer_hr", employer=vacancy["employer_id"]))


def test_follow_up_check_ins_remind_and_record_only_with_consent(service, bus, api):
    from nameko.testing.services import entrypoint_hook

    consenting, silent = str(uuid.uuid4()), str(uuid.uuid4())
    seven_months_ago = date.today() - timedelta(days=214)
    deliver(service, bus, consent(consenting, purpose="follow_up"),
            issued(consenting, issued_on=seven_months_ago),
            issued(silent, issued_on=seven_months_ago), issued(silent, issued_on=date.today()))
    listener = bus.listen("placement.events", "follow_up.due")
    with entrypoint_hook(service, "remind_follow_ups") as remind:
        remind()
        remind()  # once per check-in
    due = listener.events(2, timeout=2)
    assert sorted(e["data"]["months"] for e in due) == [3, 6]
    assert {e["data"]["participant_id"] for e in due} == {consenting}
    three = next(e["data"]["check_in_id"] for e in due if e["data"]["months"] == 3)
    recorded = api("POST", f"/check-ins/{three}", {
        "status": "still_looking", "obstacles": "tidak ada lowongan dekat rumah"})
    assert recorded["status"] == "still_looking"
    again = {"status": "employed"}
    assert api("POST", f"/check-ins/{three}", again, expect=409)["error"]["code"] == \
        "check_in_recorded"
    silent_check_in = api("GET", f"/check-ins?participant_id={silent}")[0]["id"]
    assert api("POST", f"/check-ins/{silent_check_in}", again, expect=422)["error"][
        "code"] == "consent_required"
    later = [c for c in api("GET", f"/check-ins?participant_id={consenting}")
             if c["months"] == 6][0]
    assert api("POST", f"/check-ins/{later['id']}", {"status": "hired"},
               expect=400)["error"]["details"]["status"]
    report = api("GET", "/reports/follow-up?programme_id=prog-1")["prog-1"]
    assert report["3_months"]["still_looking"] == 1 and report["3_months"]["recorded"] == 1
    assert report["3_months"]["scheduled"] == 3 and report["6_months"]["recorded"] == 0
    future = [c for c in api("GET", f"/check-ins?participant_id={silent}")
              if c["due_on"] > date.today().isoformat()][0]
    deliver(service, bus, consent(silent, purpose="follow_up"))
    assert api("POST", f"/check-ins/{future['id']}", again, expect=422)["error"][
        "code"] == "not_due_yet"


def test_bad_vacancies_and_apprenticeship_agreements_are_refused_field_by_field(api, db):
    vacancy = new_vacancy(api, kind="apprenticeship", places=1)
    bad = api("POST", "/vacancies", {
        "employer_id": vacancy["employer_id"], "title": "Magang", "kind": "internship",
        "scheme_code": "GAR-OMP", "places": 0, "start_date": "2026-12-10",
        "end_date": "2026-12-01", "region_code": "32"}, expect=400)["error"]["details"]
    assert set(bad) == {"kind", "places", "region_code"}
    backwards = api("POST", "/vacancies", {
        "employer_id": vacancy["employer_id"], "title": "Magang", "kind": "job",
        "scheme_code": "GAR-OMP", "places": 1, "start_date": "2026-12-10",
        "end_date": "2026-12-01"}, expect=400)["error"]["details"]
    assert backwards == {"end_date": ["must be after start_date"]}
    offer_body = {"agreement": {**AGREEMENT, "start_date": "2026-12-01",
                                "end_date": "soon", "monthly_allowance": "1,5 juta"}}
    assert api("POST", "/offers/nope/accept", offer_body, expect=400)["error"]["details"] == {
        "agreement": {"end_date": ["Not a valid date."],
                      "monthly_allowance": ["Not a valid integer."]}}
    assert db.vacancies.count_documents({}) == 1 and db.placements.count_documents({}) == 0


def test_the_openapi_document_lists_every_route(api):
    paths = api("GET", "/openapi.json")["paths"]
    for path in ("/employers", "/vacancies", "/vacancies/{vacancy_id}/candidates",
                 "/offers/{offer_id}/accept", "/placements/{placement_id}/terminate",
                 "/check-ins/{check_in_id}", "/reports/absorption", "/reports/follow-up"):
        assert path in paths, path


def test_an_answer_written_but_not_announced_before_a_crash_is_announced_by_the_relay(
        service, bus, api, db):
    from nameko.testing.services import entrypoint_hook

    vacancy = new_vacancy(api)
    pid = str(uuid.uuid4())
    deliver(service, bus, consent(pid), issued(pid))
    offer = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                expect=201)
    assert db.offers.find_one({"_id": offer["id"]})["outbox"] == []  # offer.made went out
    declined = event("offer.declined", {
        "offer_id": offer["id"], "vacancy_id": vacancy["id"],
        "employer_id": vacancy["employer_id"], "participant_id": pid, "reason": "pindah",
        "declined_at": datetime.now(UTC)})
    db.offers.update_one({"_id": offer["id"]}, {  # the write of a worker that then died
        "$set": {"status": "declined"},
        "$push": {"outbox": {"event": declined, "staged_at": datetime.now(UTC) - timedelta(
            minutes=1), "routing_key": f"offer.declined.{vacancy['employer_id']}"}}})
    listener = bus.listen("placement.events", "offer.declined.#")
    with entrypoint_hook(service, "relay_outbox") as relay:
        relay()
        relay()
    [sent] = listener.events(2, timeout=2)
    assert sent == declined and db.offers.find_one({"_id": offer["id"]})["outbox"] == []
    assert api("GET", f"/offers?participant_id={pid}")[0]["status"] == "declined"


def test_which_certificates_qualify_is_the_vacancys_rule(service, bus, api):
    """A course whose only certificate is the agency's (a village sewing course): its graduate
    reaches a partner that accepts training certificates, not one that asks for a
    certification; the absorption report counts them certified by the course's certificate."""
    trained = str(uuid.uuid4())
    training = issued(trained, units=(), programme_id="kursus-maron-kulon")
    training["data"]["kind"] = "training"
    training["data"]["valid_until"] = None
    deliver(service, bus, consent(trained), training)
    strict = new_vacancy(api)
    assert strict["accepts"] == ["certification"]
    assert api("GET", f"/vacancies/{strict['id']}/candidates")["candidates"] == []
    refused = api("POST", "/offers", {"vacancy_id": strict["id"], "participant_id": trained},
                  expect=422)["error"]
    assert refused["code"] == "not_certified_for_vacancy"
    partner = new_vacancy(api, accepts=["certification", "training"])
    [candidate] = api("GET", f"/vacancies/{partner['id']}/candidates")["candidates"]
    assert candidate["participant_id"] == trained
    offer = api("POST", "/offers", {"vacancy_id": partner["id"], "participant_id": trained},
                expect=201)
    placed = api("POST", f"/offers/{offer['id']}/accept", {}, expect=201)
    assert placed["certificate_number"] == training["data"]["certificate_number"]
    course = api("GET", "/reports/absorption")["programmes"]["kursus-maron-kulon"]
    assert (course["certified"], course["placed"], course["absorption_rate"]) == (1, 1, 1.0)
    error = api("POST", "/vacancies", {**{k: partner[k] for k in (
        "employer_id", "title", "kind", "scheme_code", "places", "start_date")},
        "accepts": ["diploma"]}, expect=400)["error"]
    assert error["code"] == "validation_failed" and "accepts" in error["details"]


def test_an_accept_and_a_decline_sent_at_once_cannot_both_go_through(service, bus, api, db,
                                                                     web_session, everyone):
    """The graduate taps accept, and decline on another phone, at the same moment: one answer
    stands, the other is refused (409 offer_answered) and leaves nothing: never a placement
    beside a declined offer. Before the claim both could pass the conditional update."""
    import eventlet

    employer = api("POST", "/employers", EMPLOYER, expect=201)
    vacancy = api("POST", "/vacancies", {
        "employer_id": employer["id"], "title": "Operator Jahit", "kind": "job",
        "scheme_code": "GAR-OMP", "places": 6,
        "start_date": (date.today() + timedelta(days=7)).isoformat()}, expect=201)
    listener = bus.listen("placement.events", "#")
    for _ in range(6):
        pid = str(uuid.uuid4())
        deliver(service, bus, consent(pid), issued(pid))
        offer = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                    expect=201)
        answers = list(eventlet.GreenPool(2).imap(lambda action, offer_id=offer["id"]:
                                                  web_session.post(
            f"/offers/{offer_id}/{action}", json={}, headers={
                "Authorization": f"Bearer {everyone}"}), ["accept", "decline"]))
        assert sorted(a.status_code for a in answers) in ([200, 409], [201, 409])
        [refused] = [a.json() for a in answers if a.status_code == 409]
        assert refused["error"]["code"] == "offer_answered"
        stored = db.offers.find_one({"_id": offer["id"]})
        placed = db.placements.find_one({"_id": offer["id"]})
        assert (stored["status"] == "accepted") == (placed is not None)
        events = [e["type"] for e in listener.events(3, timeout=3)]
        assert events[0] == "offer.made" and len(events) == 2  # and one answer's event


def _at_once(requests_: list, web_session, token) -> list:
    """POSTs sent together, as many people tapping at the same moment."""
    import eventlet

    return list(eventlet.GreenPool(len(requests_)).imap(
        lambda request: web_session.post(request[0], json=request[1], headers={
            "Authorization": f"Bearer {token}"}), requests_))


def test_one_employers_apprentice_quota_holds_across_vacancies_accepted_at_once(
        service, bus, api, db, web_session, everyone):
    """A company of 10 may have 2 apprentices (20%). Four graduates accept four of its
    apprenticeships at the same moment: two are placed, two refused with the quota rule. Before
    the apprentice places each accept counted the apprentices before any was stored, and all
    four went through. A termination frees its place; so does an agreement's end."""
    start = date.today() + timedelta(days=7)
    dates = {"start_date": start.isoformat(),
             "end_date": (start + timedelta(days=180)).isoformat(),
             "ratified_on": date.today().isoformat()}
    employer = api("POST", "/employers", {**EMPLOYER, "workforce": 10}, expect=201)
    offers = []
    for _ in range(5):
        vacancy = api("POST", "/vacancies", {
            "employer_id": employer["id"], "title": "Magang Jahit", "kind": "apprenticeship",
            "scheme_code": "GAR-OMP", "places": 1, "start_date": start.isoformat()},
            expect=201)
        pid = str(uuid.uuid4())
        deliver(service, bus, consent(pid), issued(pid))
        offers.append(api("POST", "/offers", {"vacancy_id": vacancy["id"],
                                              "participant_id": pid}, expect=201))
    answers = _at_once([(f"/offers/{o['id']}/accept", {"agreement": {**AGREEMENT, **dates}})
                        for o in offers[:4]], web_session, everyone)
    assert sorted(a.status_code for a in answers) == [201, 201, 422, 422]
    for refused in (a.json()["error"] for a in answers if a.status_code == 422):
        assert refused["code"] == "apprenticeship_rules_broken"
        assert [b["rule"] for b in refused["details"]["broken"]] == ["at_most_20_percent"]
    placed = [a.json() for a in answers if a.status_code == 201]
    assert db.placements.count_documents({"employer_id": employer["id"]}) == 2
    refused_offer = next(o for o, a in zip(offers, answers, strict=True)
                         if a.status_code == 422)
    assert db.offers.find_one({"_id": refused_offer["id"]})["status"] == "made"

    api("POST", f"/placements/{placed[0]['id']}/terminate",
        {"ended_on": start.isoformat(), "reason": "pindah ke luar kota"})
    accept = {"agreement": {**AGREEMENT, **dates}}
    api("POST", f"/offers/{refused_offer['id']}/accept", accept, expect=201)
    assert api("POST", f"/offers/{offers[4]['id']}/accept", accept,
               expect=422)["error"]["code"] == "apprenticeship_rules_broken"
    # the other apprentice's agreement has ended (its place says so): the place is free
    place = db.apprentice_places.find_one({"placement_id": placed[1]["id"]})
    db.apprentice_places.update_one({"_id": place["_id"]}, {"$set": {
        "until": (date.today() - timedelta(days=1)).isoformat()}})
    api("POST", f"/offers/{offers[4]['id']}/accept", accept, expect=201)


def test_a_placement_terminated_twice_at_once_ends_once(service, bus, api, db, web_session,
                                                       everyone):
    """HR and the labour office end one placement at the same moment: one termination stands,
    the other is refused (409 placement_ended), and placement.terminated is published once."""
    listener = bus.listen("placement.events", "placement.terminated.#")
    for _ in range(4):
        vacancy, placement = placed(service, bus, api)
        ends = [(f"/placements/{placement['id']}/terminate",
                 {"ended_on": vacancy["start_date"], "reason": reason})
                for reason in ("pindah ke luar kota", "melanjutkan sekolah")]
        answers = _at_once(ends, web_session, everyone)
        assert sorted(a.status_code for a in answers) == [200, 409]
        stored = db.placements.find_one({"_id": placement["id"]})
        [kept] = [a.json() for a in answers if a.status_code == 200]
        assert stored["termination_reason"] == kept["termination_reason"]
    assert len(listener.events(4)) == 4
    assert listener.events(1, timeout=1) == []


def test_consent_changes_arriving_at_once_keep_the_newest(service, bus, api, db):
    """A graduate grants, withdraws and grants again within a second; the events arrive
    together and out of order: the newest decision is what is kept, every time."""
    from nameko.testing.services import entrypoint_waiter

    now = datetime.now(UTC)
    first = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as stored
    for newest_granted in (True, False, True):
        pid = str(uuid.uuid4())
        changes = [consent(pid, granted=n % 2 == 0, at=first + timedelta(milliseconds=n))
                   for n in range(6)]
        changes.append(consent(pid, granted=newest_granted,
                               at=first + timedelta(milliseconds=10)))
        with entrypoint_waiter(service, "on_consent_changed",
                               callback=lambda *_args, pid=pid: db.sharing.find_one(
                                   {"_id": pid, "recorded_at": first + timedelta(
                                       milliseconds=10)}) is not None, timeout=30):
            for change in reversed(changes):
                bus.publish_event(change)
        stored = db.sharing.find_one({"_id": pid})
        assert stored["granted"] is newest_granted
        assert ("profile" in stored) is newest_granted


def test_a_database_from_before_the_lists_gets_them_on_start(service, bus, api, db):
    """Graduates' certificates and offers, and each scheme's holders, are read through lists
    kept by _id, and apprentice places hold the quota: a database written before them gets
    them once, on start."""
    from kompeten_placement import repository

    start = date.today() + timedelta(days=7)
    vacancy = new_vacancy(api, workforce=10, kind="apprenticeship", places=1)
    pid = str(uuid.uuid4())
    deliver(service, bus, consent(pid), issued(pid))
    offer = api("POST", "/offers", {"vacancy_id": vacancy["id"], "participant_id": pid},
                expect=201)
    api("POST", f"/offers/{offer['id']}/accept", {"agreement": {
        **AGREEMENT, "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=180)).isoformat(),
        "ratified_on": date.today().isoformat()}}, expect=201)
    before = repository.Repository(db).graduate(pid)
    pool = api("GET", f"/vacancies/{vacancy['id']}/candidates")
    assert [c["participant_id"] for c in pool["candidates"]] == [pid]
    for lists in ("held", "offered", "apprentice_places", "scheme_pool"):
        db[lists].drop()  # as before the lists
    repository.prepare(db)
    after = repository.Repository(db).graduate(pid)
    assert after == before and after.placed_in == offer["id"] and after.certificates
    assert api("GET", f"/vacancies/{vacancy['id']}/candidates") == pool
    [place] = db.apprentice_places.find({"placement_id": offer["id"]})
    assert place["_id"] == f"{vacancy['employer_id']}:1"
