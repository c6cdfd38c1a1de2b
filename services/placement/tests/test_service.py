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


def consent(pid, granted=True, at=None):
    return event("participant.consent_changed", {
        "participant_id": pid, "purpose": "partner_sharing", "granted": granted,
        "recorded_at": at or datetime.now(UTC),
        "profile": {"name": "Dewi Lestari", "phone": "081234567890", "region_code": "3204"}
        if granted else None})


def issued(pid, scheme="GAR-OMP"):
    number = f"LSP-GNI.{scheme}.2026.{uuid.uuid4().int % 10**6:06d}"
    return event("certificate.issued", {
        "certificate_number": number, "kind": "certification", "participant_id": pid,
        "case_id": str(uuid.uuid4()),
        "scheme_code": scheme, "scheme_title": "Operator Menjahit Pakaian",
        "units": [{"code": "U1", "title": "Unit"}], "issuer": {"code": "LSP-GNI", "name": "L"},
        "issued_on": date(2026, 11, 24), "valid_until": date(2029, 11, 23),
        "verification_url": f"http://verify.test/certificates/{number}"})


@pytest.fixture
def service(run_service):
    return run_service(PlacementService)


@pytest.fixture
def db(database):
    return database("placement")


@pytest.fixture
def api(service, call):
    return call


def deliver(service, bus, *events):
    for e in events:
        handler = {"participant.consent_changed": "on_consent_changed",
                   "certificate.issued": "on_certificate_issued"}[e["type"]]
        with entrypoint_waiter(service, handler):
            bus.publish_event(e)


@pytest.fixture
def vacancy(api):
    employer = api("POST", "/employers", {"name": "CV Maju Jahit Sejahtera", "sector": "Garmen",
                                          "region_code": "3204"}, expect=201)
    return api("POST", "/vacancies", {
        "employer_id": employer["id"], "title": "Operator Jahit", "kind": "job",
        "scheme_code": "GAR-OMP", "places": 1,
        "start_date": (date.today() + timedelta(days=7)).isoformat()}, expect=201)


def test_only_consenting_certified_graduates_reach_the_employer(service, bus, api, vacancy):
    sharer, keeper, uncertified = (str(uuid.uuid4()) for _ in range(3))
    deliver(service, bus, consent(sharer), issued(sharer), issued(keeper),
            consent(keeper, granted=False), consent(uncertified))
    candidates = api("GET", f"/vacancies/{vacancy['id']}/candidates")
    assert [c["participant_id"] for c in candidates] == [sharer]
    assert candidates[0]["name"] == "Dewi Lestari"


def test_withdrawal_erases_the_profile_and_a_stale_grant_does_not_return_it(
        service, bus, api, vacancy, db):
    pid = str(uuid.uuid4())
    granted_at = datetime.now(UTC)
    deliver(service, bus, consent(pid, at=granted_at), issued(pid),
            consent(pid, granted=False, at=granted_at + timedelta(seconds=1)))
    assert api("GET", f"/vacancies/{vacancy['id']}/candidates") == []
    assert "profile" not in db.graduates.find_one({"_id": pid})
    deliver(service, bus, consent(pid, at=granted_at))  # the old grant, redelivered late
    assert api("GET", f"/vacancies/{vacancy['id']}/candidates") == []


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
    assert api("POST", "/employers", {"name": "CV", "sector": "Garmen", "region_code": "32"},
               expect=400)["error"]["details"] == {"region_code": [
                   "must be a 4-digit regency code"]}
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
    assert db.graduates.count_documents({}) == 0


@pytest.mark.parametrize("method, path, code", [
    ("GET", "/vacancies/nope/candidates", "vacancy_not_found"),
    ("POST", "/offers/nope/accept", "offer_not_found"),
    ("POST", "/offers/nope/decline", "offer_not_found"),
])
def test_unknown_vacancies_and_offers_are_404s(api, method, path, code):
    body = {} if method == "POST" else None
    assert api(method, path, body, expect=404)["error"]["code"] == code
