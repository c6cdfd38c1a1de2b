"""Tenancy, checked where the data is known: an operator sees only their own agency's
programmes and participants, a participant only their own records, an employer only its own
vacancies, offers and candidates, a certificate officer only their issuer's certificates, an
asesor only the cases assigned to them, a plenary member only their LSP's. Each refusal is a
403 with a clear body, and nothing changes."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from kompeten_assessment.service import AssessmentService
from kompeten_certificate.service import CertificateService
from kompeten_enrollment.service import EnrollmentService
from kompeten_placement.service import PlacementService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration
TODAY = date.today()
WORDING = "Saya setuju data saya diproses untuk tujuan ini."


def event(service: str, type_: str, data: dict) -> dict:
    return envelope.build(service=service, type=type_, data=dump_data(type_, data),
                          dataschema=EVENTS[type_].dataschema)


def test_an_operator_sees_and_changes_only_their_own_agency(run_service, call, person,
                                                          database):
    run_service(EnrollmentService)
    bandung = person("operator", agency="DISNAKER-3204")
    kaltim = person("operator", agency="DISNAKERTRANS-64")
    programme = call("POST", "/programmes", {
        "title": "Pelatihan Menjahit", "organiser": "Disnaker Kab. Bandung",
        "scheme_code": "GAR-OMP", "venue": "Balai Desa", "region_code": "3204",
        "start_date": (TODAY - timedelta(days=30)).isoformat(),
        "end_date": (TODAY - timedelta(days=1)).isoformat(), "capacity": 2}, expect=201,
        as_=bandung)
    assert programme["agency"] == "DISNAKER-3204"  # from the token, not the body
    registered = call("POST", "/participants", {
        "nik": "3204015708950003", "name": "Siti Rahmawati", "sex": "F",
        "birth_date": "1995-08-17", "phone": "081234567890", "consents": [
            {"purpose": "certification", "granted": True, "source": "paper form",
             "wording": WORDING}]}, expect=201, as_=bandung)
    pid = registered["participant_id"]
    stored = database("enrollment")
    before = {c: list(stored[c].find()) for c in ("programmes", "participants", "enrolments")}
    for method, path, body in (
            ("GET", f"/programmes/{programme['id']}", None),
            ("GET", f"/programmes/{programme['id']}/enrolments", None),
            ("POST", f"/programmes/{programme['id']}/enrolments", {"participant_id": pid}),
            ("POST", f"/programmes/{programme['id']}/attendance",
             {"date": (TODAY - timedelta(days=3)).isoformat(), "present": [pid]}),
            ("POST", f"/programmes/{programme['id']}/close", None),
            ("GET", f"/programmes/{programme['id']}/closing", None),
            ("POST", "/participants", {  # registering for another agency's programme
                "nik": "6471015708950004", "name": "Nurul Hidayah", "sex": "F",
                "birth_date": "1995-08-17", "for_programme": programme["id"], "consents": [
                    {"purpose": "certification", "granted": True, "source": "paper form",
                     "wording": WORDING}]}),
            ("GET", f"/participants/{pid}", None)):
        error = call(method, path, body, expect=403, as_=kaltim)["error"]
        assert error["code"] == "forbidden" and error["message"]
    assert {c: list(stored[c].find()) for c in before} == before
    for stranger in (person("participant", participant_id=pid),
                     person("employer_hr", employer="maju-jahit")):  # roles without it
        call("GET", f"/programmes/{programme['id']}/closing", expect=403, as_=stranger)
    # the participant themself, and nobody else of that role
    me = person("participant", participant_id=pid)
    assert call("GET", f"/participants/{pid}", as_=me)["name"] == "Siti Rahmawati"
    call("GET", f"/participants/{pid}", expect=403,
         as_=person("participant", participant_id=str(uuid.uuid4())))
    call("POST", f"/programmes/{programme['id']}/enrolments", {"participant_id": pid},
         expect=403, as_=person("participant", participant_id=str(uuid.uuid4())))
    assert call("POST", f"/programmes/{programme['id']}/enrolments", {"participant_id": pid},
                expect=201, as_=me)["status"] == "enrolled"
    assert call("GET", "/recertification", as_=kaltim) == []


def test_every_read_of_a_persons_record_is_recorded_with_who_and_why(run_service, call,
                                                                      person):
    run_service(EnrollmentService)
    bandung = person("operator", agency="DISNAKER-3204", name="Rina Operator")
    registered = call("POST", "/participants", {
        "nik": "3204015708950003", "name": "Siti Rahmawati", "sex": "F",
        "birth_date": "1995-08-17", "consents": [
            {"purpose": "certification", "granted": True, "source": "paper form",
             "wording": WORDING}]}, expect=201, as_=bandung)
    pid = registered["participant_id"]
    me = person("participant", participant_id=pid)
    assert call("GET", f"/participants/{pid}/access-log", as_=me) == []
    call("GET", f"/participants/{pid}?purpose=gossip", expect=400, as_=bandung)
    call("GET", f"/participants/{pid}", as_=me)  # their own reads are not an access
    call("GET", f"/participants/{pid}?purpose=recertification", as_=bandung)
    [entry] = call("GET", f"/participants/{pid}/access-log", as_=me)
    assert (entry["name"], entry["purpose"], entry["roles"]) == (
        "Rina Operator", "recertification", ["operator"])
    assert entry["route"] == f"/participants/{pid}" and entry["subject"]
    call("GET", f"/participants/{pid}/access-log", expect=403,
         as_=person("operator", agency="DISNAKERTRANS-64"))


def test_an_employer_sees_only_its_own_and_never_a_non_consenting_graduate(
        run_service, call, person, bus):
    service = run_service(PlacementService)
    office = person("operator", agency="DISNAKER-3204")
    vacancies = {}
    for code in ("maju-jahit", "pt-lain"):
        call("POST", "/employers", {"id": code, "name": f"CV {code}", "sector": "Garmen",
                                    "region_code": "3204", "workforce": 40,
                                    "contact": {"person": "HRD"}}, expect=201, as_=office)
        vacancies[code] = call("POST", "/vacancies", {
            "employer_id": code, "title": "Operator Jahit", "kind": "job",
            "scheme_code": "GAR-OMP", "places": 2,
            "start_date": (TODAY + timedelta(days=7)).isoformat()}, expect=201,
            as_=person("employer_hr", employer=code))
    maju, lain = (person("employer_hr", employer=code) for code in ("maju-jahit", "pt-lain"))
    call("POST", "/vacancies", {**{k: v for k, v in vacancies["pt-lain"].items()
                                   if k in ("title", "kind", "scheme_code", "places",
                                            "start_date")}, "employer_id": "pt-lain"},
         expect=403, as_=maju)
    sharer, keeper = str(uuid.uuid4()), str(uuid.uuid4())
    for pid, granted in ((sharer, True), (keeper, False)):
        with entrypoint_waiter(service, "on_consent_changed"):
            bus.publish_event(event("enrollment", "participant.consent_changed", {
                "participant_id": pid, "purpose": "partner_sharing", "granted": granted,
                "recorded_at": datetime.now(UTC), "profile": {
                    "name": "Dewi", "phone": "0812", "region_code": "3204"}
                if granted else None}))
        with entrypoint_waiter(service, "on_certificate_issued"):
            number = f"LSP-GNI.GAR-OMP.2026.{uuid.uuid4().int % 10**6:06d}"
            bus.publish_event(event("certificate", "certificate.issued", {
                "certificate_number": number, "kind": "certification", "participant_id": pid,
                "case_id": str(uuid.uuid4()), "programme_id": "prog-1",
                "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
                "units": [{"code": "U1", "title": "Unit"}],
                "issuer": {"code": "LSP-GNI", "name": "L"}, "issued_on": TODAY,
                "valid_until": TODAY + timedelta(days=1000),
                "verification_url": f"http://verify.test/certificates/{number}"}))
    ours = vacancies["maju-jahit"]["id"]
    ranked = call("GET", f"/vacancies/{ours}/candidates", as_=maju)["candidates"]
    assert [c["participant_id"] for c in ranked] == [sharer]
    assert call("GET", "/access-log", expect=400, as_=office)["error"]["details"] == {
        "participant_id": ["required"]}
    [seen] = call("GET", f"/access-log?participant_id={sharer}", as_=office)
    assert seen["purpose"] == "matching" and seen["roles"] == ["employer_hr"]
    assert call("GET", f"/access-log?participant_id={keeper}",
                as_=person("participant", participant_id=keeper)) == []
    call("GET", f"/access-log?participant_id={sharer}", expect=403,
         as_=person("participant", participant_id=keeper))
    call("GET", f"/vacancies/{ours}/candidates", expect=403, as_=lain)
    offer = call("POST", "/offers", {"vacancy_id": ours, "participant_id": sharer},
                 expect=201, as_=maju)
    assert [o["id"] for o in call("GET", "/offers", as_=maju)] == [offer["id"]]
    assert call("GET", "/offers", as_=lain) == []
    assert call("GET", "/offers", as_=person("participant", participant_id=keeper)) == []
    call("POST", "/offers", {"vacancy_id": ours, "participant_id": sharer}, expect=403,
         as_=lain)
    call("POST", f"/offers/{offer['id']}/accept", {}, expect=403,
         as_=person("participant", participant_id=keeper))  # someone else's offer
    call("POST", f"/offers/{offer['id']}/accept", {}, expect=201,
         as_=person("participant", participant_id=sharer))


def test_a_certificate_officer_acts_only_for_their_issuer_and_a_holder_only_for_theirs(
        run_service, call, person, bus, wait_for, web_session):
    service = run_service(CertificateService)
    holder = str(uuid.uuid4())
    decided = event("assessment", "assessment.decided", {
        "case_id": str(uuid.uuid4()), "decision_number": 1, "participant_id": holder,
        "programme_id": str(uuid.uuid4()), "scheme_code": "GAR-OMP",
        "scheme_title": "Operator Menjahit Pakaian", "lsp": {"code": "LSP-GNI", "name": "LSP"},
        "asesor_reg": "MET.1", "units": [{"code": "C.1", "title": "Menjahit", "result": "K"}],
        "overall": "K", "decided_at": datetime.now(UTC), "decided_by": "Pleno",
        "holder_name": "Dewi Lestari", "validity_years": 3})
    with entrypoint_waiter(service, "on_assessment_decided"):
        bus.publish_event(decided)
    mine = person("participant", participant_id=holder)
    [cert] = call("GET", f"/certificates?participant_id={holder}", as_=mine)
    number = cert["number"]
    other_lsp = person("certificate_officer", lsp="LSP-RJT")
    other_holder = person("participant", participant_id=str(uuid.uuid4()))
    assert call("GET", f"/certificates?participant_id={holder}", as_=other_lsp) == []
    for token in (other_lsp, other_holder):
        call("POST", f"/certificates/{number}/revoke", {"reason": "temuan pemalsuan"},
             expect=403, as_=token)
        assert web_session.get(f"/certificates/{number}/credential", headers={
            "Authorization": f"Bearer {token}"}).status_code == 403
    assert web_session.get(f"/certificates/{number}/credential", headers={
        "Authorization": f"Bearer {mine}"}).status_code == 200
    assert web_session.get(f"/certificates/{number}").json()["status"] == "valid"
    revoked = call("POST", f"/certificates/{number}/revoke", {"reason": "temuan pemalsuan"},
                   as_=person("certificate_officer", lsp="LSP-GNI", name="Lina Petugas"))
    assert revoked["status"] == "revoked"


def test_an_asesor_works_only_their_cases_and_the_asesi_only_their_own(
        run_service, call, person, bus):
    service = run_service(AssessmentService)
    completed = event("enrollment", "training.completed", {
        "participant_id": str(uuid.uuid4()), "programme_id": str(uuid.uuid4()),
        "programme_kind": "training", "programme_title": "Menjahit", "scheme_code": "GAR-OMP",
        "organiser": "Disnaker", "region_code": "3204", "attendance_rate": 1.0,
        "completed_on": TODAY, "asesi_name": "Dewi"})
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(completed)
    pid = completed["data"]["participant_id"]
    [case] = call("GET", f"/cases?participant_id={pid}")
    units = {"units": [{"code": u["code"], "competent": True} for u in case["units"]]}
    call("POST", f"/cases/{case['id']}/self-assessment", units, expect=403,
         as_=person("participant", participant_id=str(uuid.uuid4())))
    call("POST", f"/cases/{case['id']}/self-assessment", units,
         as_=person("participant", participant_id=pid))
    call("POST", f"/cases/{case['id']}/assignment",
         {"asesor": "MET.000.004213 2023", "tuk": "TUK-GNI-SOR"}, expect=403,
         as_=person("lsp_admin", lsp="LSP-RJT"))  # another LSP's admin
    call("POST", f"/cases/{case['id']}/assignment",
         {"asesor": "MET.000.004213 2023", "tuk": "TUK-GNI-SOR"})
    results = {"units": [{"code": u["code"], "result": "K", "method": "demonstration"}
                         for u in case["units"]]}
    stranger = person("asesor", lsp="LSP-GNI", asesor="MET.000.007781 2022")
    call("POST", f"/cases/{case['id']}/results", results, expect=403, as_=stranger)
    call("GET", f"/cases/{case['id']}", expect=403, as_=stranger)
    assert call("GET", "/cases", as_=stranger) == []
    assert call("GET", "/cases", as_=person("plenary", lsp="LSP-RJT")) == []
    assert call("GET", f"/cases/{case['id']}/audit")[-1]["action"] == "assigned"
