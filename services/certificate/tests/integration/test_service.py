"""The certificate service on the real broker and database."""

import base64
import json
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from kompeten_certificate.service import CertificateService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration


def decided(overall="K", case_id=None, event_id=None, participant_id=None):
    units = [{"code": "C.14GAR02.001.1", "title": "K3", "result": "K"},
             {"code": "C.14GAR02.015.1", "title": "Menjahit", "result": overall}]
    data = {"case_id": case_id or str(uuid.uuid4()), "decision_number": 1,
            "participant_id": participant_id or str(uuid.uuid4()),
            "programme_id": "prog-1", "scheme_code": "GAR-OMP",
            "scheme_title": "Operator Menjahit Pakaian",
            "lsp": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "asesor_reg": "MET.000.004213 2023", "units": units, "overall": overall,
            "decided_at": datetime.now(UTC), "decided_by": "PLENO-GNI-01",
            "holder_name": "Siti Rahmawati"}
    return envelope.build(service="assessment", type="assessment.decided",
                          data=dump_data("assessment.decided", data),
                          dataschema=EVENTS["assessment.decided"].dataschema, id=event_id)


# the demo's issuers present themselves (deploy/issuers), as in a deployment
ISSUERS_DIR = str(Path(__file__).parents[4] / "deploy" / "issuers")


@pytest.fixture
def config(service_config):
    return service_config("certificate", ISSUERS_DIR=ISSUERS_DIR)


@pytest.fixture
def service(run_service):
    return run_service(CertificateService, ISSUERS_DIR=ISSUERS_DIR)


@pytest.fixture
def db(database):
    return database("certificate")


def verify_command(*args, typed: str | None = None):
    """The installed `kompeten-verify`, run as a separate program (`typed`: what a person
    types when it asks)."""
    command = Path(sys.executable).parent / "kompeten-verify"
    return subprocess.run([str(command), *args], capture_output=True, text=True, timeout=60,
                          input=typed)


def deliver(service, bus, event):
    with entrypoint_waiter(service, "on_assessment_decided"):
        bus.publish_event(event)


def test_a_k_decision_issues_a_verifiable_certificate(service, bus, web_session):
    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    deliver(service, bus, event)
    [issued] = listener.events(1)
    data = issued["data"]
    year = date.today().year
    assert data["certificate_number"] == f"LSP-GNI.GAR-OMP.{year}.000001"
    assert data["case_id"] == event["data"]["case_id"]
    assert "holder_name" not in data and "Siti" not in str(issued)
    assert data["verification_url"] == (
        f"http://verify.test/certificates/{data['certificate_number']}")
    public = web_session.get(f"/certificates/{data['certificate_number']}").json()
    assert public["status"] == "valid" and public["holder"] == "Siti R********"
    assert public["valid_until"] == data["valid_until"]


def test_a_bk_decision_issues_nothing(service, bus, db):
    deliver(service, bus, decided(overall="BK"))
    assert db.certificates.count_documents({}) == 0


def test_the_same_decision_delivered_twice_gives_one_certificate(service, bus, db):
    event = decided()
    deliver(service, bus, event)
    bus.publish_event(event)                                   # same event id: skipped
    deliver(service, bus, {**event, "id": str(uuid.uuid4())})  # same decision, new id
    assert db.certificates.count_documents({}) == 1
    assert [c["sequence"] for c in db.certificates.find()] == [1]


def test_two_instances_consuming_concurrently_issue_once_per_decision(
        container_factory, config, bus, db):
    # Declare the queue, then let a backlog build up so both instances start on it at once.
    first = container_factory(CertificateService, config)
    first.start()
    first.stop()
    listener = bus.listen("certificate.events", "certificate.issued")
    events = [decided() for _ in range(20)]
    for event in events:  # each decision twice, under different event ids
        bus.publish_event(event)
        bus.publish_event({**event, "id": str(uuid.uuid4())})
    for _ in range(2):
        container_factory(CertificateService, config).start()
    # each copy handled announces its decision's certificate (again, for the second)
    issued = listener.events(40, timeout=60)
    assert len({e["id"] for e in issued}) == 20
    assert db.certificates.count_documents({}) == 20
    # Gap-free and unique: exactly 1..20 in the one series.
    assert sorted(c["sequence"] for c in db.certificates.find()) == list(range(1, 21))
    assert sorted(c["case_id"] for c in db.certificates.find()) == sorted(
        e["data"]["case_id"] for e in events)
    assert bus.dead_letters("certificate", expect=1, timeout=0.5) == []


def test_a_holders_certificates_issued_at_once_by_two_instances_are_all_listed(
        container_factory, config, bus, db, web_session, person):
    """Each certificate takes the next place in its holder's holdings by a unique insert, so
    none is lost when two land for one holder at once; the list reads by _id, never a scan."""
    first = container_factory(CertificateService, config)
    first.start()
    first.stop()
    listener = bus.listen("certificate.events", "certificate.issued")
    holder, other = str(uuid.uuid4()), str(uuid.uuid4())
    events = [decided(participant_id=holder) for _ in range(8)] + [decided(participant_id=other)]
    for event in events:
        bus.publish_event(event)
        bus.publish_event({**event, "id": str(uuid.uuid4())})
    for _ in range(2):
        container_factory(CertificateService, config).start()
    assert len(listener.events(18, timeout=60)) == 18
    mine = web_session.get("/certificates", params={"participant_id": holder}, headers={
        "Authorization": "Bearer " + person("participant", participant_id=holder)}).json()
    stored = sorted(c["_id"] for c in db.certificates.find({"participant_id": holder}))
    assert [c["number"] for c in mine] == stored and len(stored) == 8
    assert db.holdings.count_documents({}) == 9  # one place per certificate, none twice


def test_a_crash_before_the_holding_is_stored_is_mended_by_the_redelivery(service, bus, db,
                                                                        web_session):
    event = decided()
    deliver(service, bus, event)
    holder = event["data"]["participant_id"]
    [number] = [c["_id"] for c in db.certificates.find({"participant_id": holder})]
    db.holdings.delete_many({})  # what a worker that died after the certificate left
    assert web_session.get("/certificates", params={"participant_id": holder}).json() == []
    deliver(service, bus, event)
    listed = web_session.get("/certificates", params={"participant_id": holder}).json()
    assert [c["number"] for c in listed] == [number]
    assert db.certificates.count_documents({}) == 1


def test_a_database_from_before_the_holdings_gets_them_when_the_service_starts(
        container_factory, config, bus, db, web_session):
    first = container_factory(CertificateService, config)
    first.start()
    holder = str(uuid.uuid4())
    for event in (decided(participant_id=holder), decided(participant_id=holder), decided()):
        with entrypoint_waiter(first, "on_assessment_decided"):
            bus.publish_event(event)
    first.stop()
    db.holdings.drop()
    container_factory(CertificateService, config).start()
    listed = web_session.get("/certificates", params={"participant_id": holder}).json()
    assert [c["number"] for c in listed] == sorted(
        c["_id"] for c in db.certificates.find({"participant_id": holder}))
    assert len(listed) == 2 and db.holdings.count_documents({}) == 3


def test_verification_of_an_unknown_number_is_a_404_with_a_code(service, web_session, person):
    response = web_session.get("/certificates/LSP-GNI.GAR-OMP.2026.999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "certificate_not_found"
    response = web_session.get("/certificates", headers={
        "Authorization": f"Bearer {person('participant')}"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "missing_parameter"


def test_the_officers_register_lists_their_issuers_certificates_and_finds_by_number(
        service, bus, web_session, person):
    listener = bus.listen("certificate.events", "certificate.issued")
    for _ in range(3):
        deliver(service, bus, decided())
    numbers = sorted(e["data"]["certificate_number"] for e in listener.events(3))
    register = web_session.get("/certificates").json()
    assert [c["number"] for c in register] == numbers[::-1]  # the latest first
    found = web_session.get("/certificates", params={"q": numbers[1][-6:]}).json()
    assert [c["number"] for c in found] == [numbers[1]]
    assert web_session.get("/certificates", params={"q": "menjahit"}).json() == register
    other = {"Authorization": f"Bearer {person('certificate_officer', lsp='LSP-RJT')}"}
    assert web_session.get("/certificates", headers=other).json() == []
    refused = web_session.get(f"/certificates/{numbers[0]}/history", headers=other)
    assert refused.status_code == 403
    holder = {"Authorization": f"Bearer {person('participant', participant_id='p-x')}"}
    assert web_session.get("/keys", headers=holder).status_code == 403


def test_a_forged_decision_is_dead_lettered_and_issues_nothing(service, bus, db):
    event = decided()
    event["data"]["overall"] = "K"
    event["data"]["units"][0]["result"] = "BK"  # overall K with a BK unit
    bus.publish_event(event)
    [(_, headers)] = bus.dead_letters("certificate")
    assert headers["x-kompeten-reason"] == "invalid assessment.decided data"
    assert db.certificates.count_documents({}) == 0


def test_issued_certificates_carry_a_credential_that_verifies_offline(service, bus, web_session,
                                                                      config, db, tmp_path):
    from click.testing import CliRunner
    from kompeten_certificate.cli import main as certificate_cli

    keys_dir = config["SIGNING_KEYS_DIR"]

    def save(name, path):
        target = tmp_path / name
        target.write_text(web_session.get(path).text)
        return str(target)

    def check(number, *lang):
        """kompeten-verify as an employer runs it: the installed command, offline, on the
        files it was handed and saved."""
        return verify_command(
            save("credential.jwt", f"/certificates/{number}/credential"),
            "--jwks", save("jwks.json", "/.well-known/jwks.json"),
            "--status", save("status.jwt", "/issuers/LSP-GNI/status"), *lang)

    listener = bus.listen("certificate.events", "certificate.*")
    deliver(service, bus, decided())
    first = listener.events(1)[0]["data"]["certificate_number"]
    response = web_session.get(f"/certificates/{first}/credential")
    assert response.headers["content-type"].startswith("application/vc+jwt")
    result = check(first, "--lang", "en")
    assert result.returncode == 0 and "VALID: Operator Menjahit Pakaian" in result.stdout
    assert "SAH: Operator Menjahit Pakaian atas nama Siti Rahmawati" in check(first).stdout

    rotated = CliRunner().invoke(certificate_cli, ["keys", "new", "--dir", keys_dir])
    assert rotated.exit_code == 0, rotated.output  # while the service runs
    deliver(service, bus, decided())
    second = listener.events(1)[0]["data"]["certificate_number"]
    assert len(web_session.get("/.well-known/jwks.json").json()["keys"]) == 2
    assert check(first).returncode == 0 and check(second).returncode == 0
    first_kid = json.loads(base64.urlsafe_b64decode(
        response.text.split(".")[0] + "=="))["kid"]
    retired = CliRunner().invoke(certificate_cli, ["keys", "retire", first_kid, "--dir",
                                                   keys_dir])
    assert retired.exit_code == 0, retired.output
    assert check(first).returncode == 0  # a retired key still verifies what it signed
    # The private keys never reach the database.
    secrets = [json.loads(p.read_text())["private_jwk"] for p in Path(keys_dir).glob("*.json")]
    secrets = [key["d"] for key in secrets if key]
    stored = str([list(db[name].find()) for name in db.list_collection_names()])
    assert secrets and not any(secret in stored for secret in secrets)

    revoked = web_session.post(f"/certificates/{first}/revoke",
                               json={"reason": "temuan pemalsuan dokumen"})
    assert revoked.json()["status"] == "revoked"
    result = check(first, "--lang", "en")
    assert result.returncode == 1 and "NOT VALID: the certificate is revoked" in result.stdout
    web_session.post(f"/certificates/{second}/suspend",
                     json={"reason": "surveilans tidak lulus"})
    assert "TIDAK SAH: sertifikat berstatus dibekukan" in check(second).stdout
    web_session.post(f"/certificates/{second}/reinstate",
                     json={"reason": "surveilans ulang lulus"})
    assert check(second).returncode == 0
    types = [e["type"] for e in listener.events(3)]
    assert types == ["certificate.revoked", "certificate.suspended", "certificate.reinstated"]
    assert web_session.get(f"/certificates/{first}").json()["status_reason"] == \
        "temuan pemalsuan dokumen"
    history = web_session.get(f"/certificates/{second}/history").json()
    assert [h["action"] for h in history] == ["issue", "suspend", "reinstate"]
    assert history[2]["reason"] == "surveilans ulang lulus"
    keys = web_session.get("/keys").json()  # newest first: the rotated key signs
    assert [(k["signing"], k["retired"]) for k in keys] == [(True, False), (False, True)]
    assert keys[1]["kid"] == first_kid
    assert not any("d" in k or "private_jwk" in k for k in keys)

    tampered = tmp_path / "credential.jwt"
    tampered.write_text(response.text.replace(".", ".x", 1))
    refused = verify_command(str(tampered), "--jwks", str(tmp_path / "jwks.json"))
    assert refused.returncode == 1 and refused.stdout.startswith("TIDAK SAH")
    unreadable = verify_command(str(tmp_path / "credential.jwt"), "--jwks",
                                str(tmp_path / "missing.json"), "--lang", "en")
    assert unreadable.returncode == 2 and "could not read" in unreadable.stdout
    assert web_session.get("/certificates/nope/credential").status_code == 404


@pytest.mark.parametrize("path, body, status, code", [
    ("/certificates/{n}/revoke", {"reason": "x"}, 400, "validation_failed"),
    ("/certificates/{n}/reinstate", {"reason": "tidak ditangguhkan"}, 409,
     "certificate_not_suspended"),
    ("/certificates/nope/suspend", {"reason": "surveilans"}, 404,
     "certificate_not_found"),
])
def test_bad_status_changes_are_refused_and_change_nothing(service, bus, web_session, path,
                                                           body, status, code):
    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    number = listener.events(1)[0]["data"]["certificate_number"]
    response = web_session.post(path.format(n=number), json=body)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert web_session.get(f"/certificates/{number}").json()["status"] == "valid"
    for path in ("/issuers/NOPE", "/issuers/NOPE/did.json", "/issuers/NOPE/status"):
        missing = web_session.get(path)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "issuer_not_found"


def test_the_schemes_validity_sets_the_certificates(service, bus, db):
    event = decided()
    event["data"]["validity_years"] = 5
    deliver(service, bus, event)
    cert = db.certificates.find_one()
    issued = date.fromisoformat(cert["issued_on"])
    assert cert["valid_until"] == (issued.replace(year=issued.year + 5)
                                   - timedelta(days=1)).isoformat()


def test_expiring_certificates_are_announced_once(service, bus, db):
    from nameko.testing.services import entrypoint_hook

    soon, later = decided(), decided()
    deliver(service, bus, soon)
    deliver(service, bus, later)
    near = (date.today() + timedelta(days=30)).isoformat()
    db.certificates.update_one({"case_id": soon["data"]["case_id"]},
                               {"$set": {"valid_until": near}})
    listener = bus.listen("certificate.events", "certificate.expiring")
    with entrypoint_hook(service, "notify_expiring") as notify:
        notify()
        notify()
    [event] = listener.events(2, timeout=2)
    assert event["data"]["days_left"] == 30 and event["data"]["valid_until"] == near


def completed(kind="training", **overrides):
    data = {"participant_id": str(uuid.uuid4()), "programme_id": "prog-7",
            "programme_kind": kind, "programme_title": "Pelatihan Menjahit Dasar",
            "scheme_code": "GAR-OMP", "organiser": "Dinas Tenaga Kerja Kabupaten Bandung",
            "region_code": "3204", "attendance_rate": 0.95, "completed_on": date.today(),
            "asesi_name": "Wulan Sari", **overrides}
    return envelope.build(service="enrollment", type="training.completed",
                          data=dump_data("training.completed", data),
                          dataschema=EVENTS["training.completed"].dataschema)


def test_a_completed_training_earns_the_labour_offices_certificate(service, bus, db,
                                                                   web_session):
    listener = bus.listen("certificate.events", "certificate.issued")
    event = completed()
    for _ in range(2):  # redelivered under a new id: still one certificate
        with entrypoint_waiter(service, "on_training_completed"):
            bus.publish_event({**event, "id": str(uuid.uuid4())})
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(completed(kind="certification_only"))  # trained nobody
    [issued] = listener.events(2, timeout=2)[:1]
    data = issued["data"]
    assert data["kind"] == "training" and data["case_id"] is None
    assert data["issuer"] == {"code": "DISNAKER-3204",
                              "name": "Dinas Tenaga Kerja Kabupaten Bandung"}
    assert data["certificate_number"] == f"DISNAKER-3204.GAR-OMP.{date.today().year}.000001"
    assert data["valid_until"] is None and data["units"] == []
    assert db.certificates.count_documents({}) == 1
    public = web_session.get(f"/certificates/{data['certificate_number']}").json()
    assert public["status"] == "valid" and public["scheme_title"] == "Pelatihan Menjahit Dasar"


def test_the_agency_that_ran_the_programme_issues_its_training_certificate(service, bus):
    """A tourism office's make-up course in Samarinda: its certificate is the office's, not a
    labour office's."""
    listener = bus.listen("certificate.events", "certificate.issued")
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(completed(
            agency="DISPAR-64", region_code="6472", scheme_code="MUA",
            organiser="Dinas Pariwisata Provinsi Kalimantan Timur",
            programme_title="Pelatihan Tata Rias Pengantin"))
    [issued] = listener.events(1)
    assert issued["data"]["issuer"] == {"code": "DISPAR-64",
                                        "name": "Dinas Pariwisata Provinsi Kalimantan Timur"}
    assert issued["data"]["certificate_number"] == f"DISPAR-64.MUA.{date.today().year}.000001"


def test_a_programme_names_its_certificates_kemnakers_beside_or_instead_of_the_agencys(
        service, bus, db):
    """A BLKI course leading to the Ministry of Manpower's certificate besides a BNSP one, and
    another leading to both the BLKI's and Kemnaker's; a BNSP-only course earns no training
    certificate at all (its certification comes from the LSP)."""
    listener = bus.listen("certificate.events", "certificate.issued")
    blki = dict(agency="BLKI-BPN", region_code="6471", scheme_code="TKR-SPM",
                organiser="UPTD BLKI Balikpapan", programme_title="Perbaikan Sepeda Motor")
    both = completed(**blki, certificates=["agency", "kemnaker", "bnsp"])
    for event in (completed(**blki, certificates=["kemnaker", "bnsp"]), both, both,
                  completed(**blki, certificates=["bnsp"])):
        with entrypoint_waiter(service, "on_training_completed"):
            bus.publish_event({**event, "id": str(uuid.uuid4())})
    issued = [e["data"] for e in listener.events(6, timeout=2)]
    year = date.today().year
    assert [(d["issuer"]["code"], d["certificate_number"]) for d in issued][:3] == [
        ("KEMNAKER", f"KEMNAKER.TKR-SPM.{year}.000001"),
        ("BLKI-BPN", f"BLKI-BPN.TKR-SPM.{year}.000001"),
        ("KEMNAKER", f"KEMNAKER.TKR-SPM.{year}.000002")]
    assert issued[0]["issuer"]["name"] == "Kementerian Ketenagakerjaan Republik Indonesia"
    assert all(d["kind"] == "training" and d["valid_until"] is None for d in issued)
    # the second delivery of `both` repeats the two announcements, stores nothing new
    assert len({d["certificate_number"] for d in issued}) == 3
    assert db.certificates.count_documents({"programme_id": "prog-7",
                                            "issuer.code": {"$in": ["KEMNAKER",
                                                                    "BLKI-BPN"]}}) == 3


def test_a_closed_programmes_cohort_is_certified_in_batches_once_each_without_gaps(
        config, container_factory, bus, db):
    """A programme closed: its completions arrive together and are issued in batches (some
    repeated under new ids, some earning Kemnaker's certificate too): one certificate per
    completion and issuer, each series numbered 1..n, every holder's certificates listed."""
    first = container_factory(CertificateService, config)
    first.start()
    first.stop()  # the queue exists: the cohort waits in it
    listener = bus.listen("certificate.events", "certificate.issued")
    cohort = [completed(certificates=["agency", "kemnaker"] if n % 3 == 0 else ["agency"])
              for n in range(60)]
    for n, event in enumerate(cohort):
        bus.publish_event(event)
        if n % 10 == 0:
            bus.publish_event({**event, "id": str(uuid.uuid4())})
    container_factory(CertificateService, config).start()
    assert len(listener.events(86, timeout=60)) == 86  # 60 + 20 Kemnaker's + 6 repeated
    year = date.today().year
    for issuer, count in (("DISNAKER-3204", 60), ("KEMNAKER", 20)):
        numbers = sorted(c["_id"] for c in db.certificates.find({"issuer.code": issuer}))
        assert numbers == [f"{issuer}.GAR-OMP.{year}.{n:06d}" for n in range(1, count + 1)]
    assert db.holdings.count_documents({}) == 80


def test_a_training_certificate_and_its_issuer_are_served_as_verifiers_expect(
        service, bus, web_session, conformance, tmp_path):
    """The agency's certificate has no end date and verifies offline; the issuer id in the
    credential serves its Open Badges profile, its did:web keys and its status list, which it
    issued itself."""
    listener = bus.listen("certificate.events", "certificate.issued")
    with entrypoint_waiter(service, "on_training_completed"):
        bus.publish_event(completed())
    number = listener.events(1)[0]["data"]["certificate_number"]
    token = web_session.get(f"/certificates/{number}/credential").text
    keys = web_session.get("/.well-known/jwks.json").json()
    vc = conformance.verified_claims(token, keys)
    assert "validUntil" not in vc and conformance.schema_errors("credential", vc) == []
    issuer = vc["issuer"]["id"]
    assert issuer == "http://verify.test/issuers/DISNAKER-3204"
    path = issuer.removeprefix("http://verify.test")
    profile = web_session.get(path).json()
    assert profile["id"] == issuer and conformance.schema_errors("profile", profile) == []
    assert profile["name"] == "Dinas Tenaga Kerja Kabupaten Bandung"
    assert profile["official"].startswith("Drs. Rudy Hartono")  # from deploy/issuers
    did = web_session.get(path + "/did.json").json()
    assert did["id"] == "did:web:verify.test:issuers:DISNAKER-3204"
    assert [m["publicKeyJwk"] for m in did["verificationMethod"]] == keys["keys"]
    listed = conformance.verified_claims(web_session.get(path + "/status").text, keys)
    assert listed["issuer"]["id"] == issuer
    assert listed["id"] == vc["credentialStatus"]["statusListCredential"]
    (tmp_path / "c.jwt").write_text(token)
    (tmp_path / "k.json").write_text(json.dumps(keys))
    result = verify_command(str(tmp_path / "c.jwt"), "--jwks", str(tmp_path / "k.json"),
                            "--status", save_text(tmp_path / "s.jwt",
                                                  web_session.get(path + "/status").text),
                            "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "issued by Dinas Tenaga Kerja Kabupaten Bandung, no end date" in result.stdout


def save_text(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_verification_answers_are_cacheable_and_a_status_change_shows_through_caches(
        service, bus, web_session):
    """What a reverse proxy or CDN needs: a lifetime short enough for a revocation to show
    within a minute, and an ETag so an unchanged answer costs a 304 without a body."""
    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    number = listener.events(1)[0]["data"]["certificate_number"]
    first = web_session.get(f"/certificates/{number}")
    assert first.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    tag = first.headers["ETag"]
    again = web_session.get(f"/certificates/{number}", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    page = web_session.get(f"/certificates/{number}", headers={"Accept": "text/html"})
    assert page.headers["Cache-Control"] == "no-cache" and page.headers["ETag"] != tag
    assert web_session.get(f"/certificates/{number}", headers={
        "Accept": "text/html", "If-None-Match": page.headers["ETag"]}).status_code == 304
    listed = web_session.get("/issuers/LSP-GNI/status")
    assert listed.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    assert web_session.get("/issuers/LSP-GNI").headers["Cache-Control"] == \
        "public, max-age=300, must-revalidate"
    web_session.post(f"/certificates/{number}/revoke", json={"reason": "temuan pemalsuan"})
    changed = web_session.get(f"/certificates/{number}", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.json()["status"] == "revoked"
    assert changed.headers["ETag"] != tag
    assert web_session.get("/issuers/LSP-GNI/status", headers={
        "If-None-Match": listed.headers["ETag"]}).status_code == 200  # the list changed too


def test_a_credential_signed_in_the_first_shape_is_signed_anew_when_downloaded(
        service, bus, web_session, db, config):
    """Credentials issued before the issuer's own status list named two global lists; the
    next download gives the holder today's shape, the same claims, signed again."""
    from kompeten_certificate.keystore import KeyStore

    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    number = listener.events(1)[0]["data"]["certificate_number"]
    current = web_session.get(f"/certificates/{number}/credential").text
    claims = json.loads(base64.urlsafe_b64decode(current.split(".")[1] + "=="))
    first_shape = {**claims, "credentialStatus": [
        {"id": f"http://verify.test/status/{p}#1", "type": "BitstringStatusListEntry",
         "statusPurpose": p, "statusListIndex": "1",
         "statusListCredential": f"http://verify.test/status/{p}"}
        for p in ("revocation", "suspension")]}
    old = KeyStore(config["SIGNING_KEYS_DIR"]).signing_key().sign(first_shape)
    db.certificates.update_one({"_id": number}, {"$set": {"credential": old}})
    downloaded = web_session.get(f"/certificates/{number}/credential").text
    again = json.loads(base64.urlsafe_b64decode(downloaded.split(".")[1] + "=="))
    assert again == claims
    assert db.certificates.find_one({"_id": number})["credential"] == downloaded


def test_a_second_certification_in_the_scheme_renews_the_first(service, bus, web_session):
    listener = bus.listen("certificate.events", "certificate.issued")
    holder = str(uuid.uuid4())
    deliver(service, bus, decided(participant_id=holder))
    deliver(service, bus, decided())  # someone else's: not part of this holder's chain
    deliver(service, bus, decided(participant_id=holder))
    first, other, renewal = (e["data"] for e in listener.events(3))
    assert first["renews"] is None and other["renews"] is None
    assert renewal["renews"] == first["certificate_number"]
    old = web_session.get(f"/certificates/{first['certificate_number']}").json()
    assert old["renewed_by"] == renewal["certificate_number"] and old["status"] == "valid"


def test_the_verification_page_in_a_real_browser(service, bus, web_session, web_config_port,
                                                 browser):
    """What a phone shows after scanning the QR code: the status, the masked holder, the
    scheme, the units, the issuer and the dates; and what changes when it is revoked."""
    from selenium.webdriver.common.by import By

    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    number = listener.events(1)[0]["data"]["certificate_number"]
    url = f"http://127.0.0.1:{web_config_port}/certificates/{number}"

    def text(element_id):
        return browser.find_element(By.ID, element_id).text

    browser.get(url)
    assert text("status") == "BERLAKU / VALID"
    assert browser.find_element(By.ID, "status").value_of_css_property(
        "background-color") == "rgba(27, 127, 59, 1)"  # green
    assert text("number") == number and text("holder") == "Siti R********"
    assert "Siti Rahmawati" not in browser.page_source
    assert text("scheme") == "Operator Menjahit Pakaian (GAR-OMP)"
    assert text("issuer") == "LSP Garmen Nusantara Indonesia (LSP-GNI)"
    assert [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#units li")] == [
        "C.14GAR02.001.1 K3", "C.14GAR02.015.1 Menjahit"]
    today = date.today()
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
              "September", "Oktober", "November", "Desember"]
    assert text("issued") == (f"{today.day} {months[today.month - 1]} {today.year} / "
                              f"{today.day} {today:%B} {today.year}")
    # A phone's width (the browser emulates a 412 px screen): nothing cut off, no sideways
    # scrolling (a page wider than the screen widens the layout viewport past it).
    assert browser.execute_script("""return [document.documentElement.scrollWidth,
        document.getElementById('number').getBoundingClientRect().right,
        document.getElementById('scheme').getBoundingClientRect().right].every(
            w => w <= screen.width)""")

    web_session.post(f"/certificates/{number}/revoke",
                     json={"reason": "temuan pemalsuan dokumen"})
    browser.get(url)
    assert text("status") == "DICABUT / REVOKED"
    assert text("reason").endswith("temuan pemalsuan dokumen")

    browser.get(url.rpartition("/")[0] + "/LSP-GNI.GAR-OMP.2026.999999")
    assert text("status") == "TIDAK DITEMUKAN / NOT FOUND"
    # Programs still get JSON from the same address.
    assert web_session.get(f"/certificates/{number}").json()["status"] == "revoked"


def test_the_printable_pdf_carries_qr_codes_to_the_verification_page_and_a_wallet(
        service, bus, web_session, read_pdf):
    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    issued = listener.events(1)[0]["data"]
    response = web_session.get(f"/certificates/{issued['certificate_number']}/pdf")
    assert response.headers["content-type"] == "application/pdf"
    pages, text, codes = read_pdf(response.content)
    [offer] = [code for code in codes if code != issued["verification_url"]]
    assert pages == 1 and len(codes) == 2
    assert issued["certificate_number"] in text and "Siti Rahmawati" in text
    # the second code offers the credential to a wallet: its one-time code is good
    from urllib.parse import parse_qs, urlsplit

    from kompeten_certificate import wallet
    grant = json.loads(parse_qs(urlsplit(offer).query)["credential_offer"][0])["grants"]
    assert "Simpan ke dompet digital" in text
    assert web_session.post("/oid4vci/token", data={
        "grant_type": wallet.PRE_AUTHORIZED,
        "pre-authorized_code": grant[wallet.PRE_AUTHORIZED]["pre-authorized_code"]}).ok
    assert web_session.get("/certificates/nope/pdf").json()["error"]["code"] == \
        "certificate_not_found"


def test_bad_input_to_the_newer_entrypoints_is_refused_and_stores_nothing(service, bus, db,
                                                                          web_session):
    broken = completed()
    del broken["data"]["programme_title"]
    bus.publish_event(broken)
    [(_, headers)] = bus.dead_letters("certificate")
    assert headers["x-kompeten-reason"] == "invalid training.completed data"
    assert db.certificates.count_documents({}) == 0
    response = web_session.get("/certificates", params={"participant_id": "p", "kind": "badge"})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_parameter", "message": "kind must be one of certification, training",
        "details": {"field": "kind"}}
    page = web_session.get("/certificates/nope", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "TIDAK DITEMUKAN" in page.text


def test_an_event_written_but_not_sent_before_a_crash_is_sent_by_the_relay(service, bus, db):
    """The revocation and its event are one write; if the worker dies before sending, the
    relay finds the event in the certificate's outbox and sends it."""
    from nameko.testing.services import entrypoint_hook

    listener = bus.listen("certificate.events", "certificate.*")
    deliver(service, bus, decided())
    [issued] = listener.events(1)
    number = issued["data"]["certificate_number"]
    revoked = envelope.build(service="certificate", type="certificate.revoked",
                             data=dump_data("certificate.revoked", {
                                 "certificate_number": number,
                                 "participant_id": issued["data"]["participant_id"],
                                 "reason": "temuan pemalsuan", "by": "LSP-GNI",
                                 "at": datetime.now(UTC)}),
                             dataschema=EVENTS["certificate.revoked"].dataschema)
    db.certificates.update_one({"_id": number}, {  # what a crashed worker left
        "$set": {"revocation": {"reason": "temuan pemalsuan"}},
        "$push": {"outbox": {"event": revoked, "routing_key": "certificate.revoked",
                             "staged_at": datetime.now(UTC) - timedelta(minutes=1)}}})
    with entrypoint_hook(service, "relay_outbox") as relay:
        relay()
        relay()  # nothing left the second time
    [sent] = listener.events(2, timeout=2)
    assert sent == revoked
    assert db.certificates.find_one({"_id": number})["outbox"] == []


NIK = "3204015708950071"
CODE = "ABCDEFGHIJKLMNOP"


def identified(number: str, participant_id: str, nik: str = NIK) -> dict:
    """What enrollment says of a certificate's holder (its side is tested in enrollment)."""
    from kompeten_shared import holder

    return envelope.build(service="enrollment", type="holder.identified", data=dump_data(
        "holder.identified", {"certificate_number": number, "participant_id": participant_id,
                              "identity_hash": holder.identity_hash(nik, CODE)}),
        dataschema=EVENTS["holder.identified"].dataschema)


def test_the_holder_identified_by_enrollment_is_in_the_credential_and_checked_by_nik_and_code(
        service, bus, web_session, db, person, conformance, tmp_path):
    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    deliver(service, bus, event)
    number = listener.events(1)[0]["data"]["certificate_number"]
    participant = event["data"]["participant_id"]
    check = f"/certificates/{number}/holder"
    # before enrollment's word there is nothing to check against
    early = web_session.post(check, json={"nik": NIK, "holder_code": CODE})
    assert early.status_code == 409 and early.json()["error"]["code"] == "holder_not_identified"

    with entrypoint_waiter(service, "on_holder_identified"):
        bus.publish_event(identified(number, participant))
    holder_token = person("participant", participant_id=participant)
    token = web_session.get(f"/certificates/{number}/credential",
                            headers={"Authorization": f"Bearer {holder_token}"}).text
    vc = conformance.verified_claims(token, web_session.get("/.well-known/jwks.json").json())
    [identity] = vc["credentialSubject"]["identifier"]
    assert identity["identityType"] == "nationalIdentityNumber" and identity["hashed"] is True
    assert "salt" not in identity and NIK not in token
    assert conformance.schema_errors("credential", vc) == []
    # an employer checks offline with the command: the NIK typed when asked, unseen
    saved = {name: tmp_path / name for name in ("credential.jwt", "jwks.json", "status.jwt")}
    saved["credential.jwt"].write_text(token)
    saved["jwks.json"].write_text(web_session.get("/.well-known/jwks.json").text)
    saved["status.jwt"].write_text(web_session.get("/issuers/LSP-GNI/status").text)
    files = (str(saved["credential.jwt"]), "--jwks", str(saved["jwks.json"]), "--status",
             str(saved["status.jwt"]))
    theirs = verify_command(*files, "--holder-code", "abcd-efgh-ijkl-mnop", typed=NIK + "\n")
    assert theirs.returncode == 0, theirs.stdout
    assert "Pemegang: cocok dengan NIK dan kode pemegang" in theirs.stdout
    assert NIK not in theirs.stdout  # typed unseen
    not_theirs = verify_command(*files, "--holder-code", CODE, "--nik", "3204015708950072",
                                "--lang", "en")
    assert not_theirs.returncode == 1
    assert "NOT VALID: the NIK and holder code do not match" in not_theirs.stdout

    def matches(nik, code):
        answer = web_session.post(check, json={"nik": nik, "holder_code": code})
        assert answer.status_code == 200, answer.text
        return answer.json()["holder_matches"]

    assert matches(NIK, CODE) and matches("3204 0157 0895 0071", "abcd-efgh-ijkl-mnop")
    assert not matches("3204015708950072", CODE) and not matches(NIK, "ABCDEFGHIJKLMNOQ")
    refused = web_session.post(check, json={"nik": "12345", "holder_code": CODE})
    assert refused.status_code == 400 and "nik" in refused.json()["error"]["details"]
    assert web_session.post("/certificates/nope/holder", json={
        "nik": NIK, "holder_code": CODE}).json()["error"]["code"] == "certificate_not_found"

    # a malformed word (the NIK itself where the hash belongs) is dead-lettered, unread
    before = db.certificates.find_one({"_id": number})
    malformed = identified(number, participant)
    malformed["data"]["identity_hash"] = NIK
    bus.publish_event(malformed)
    [(_, headers)] = bus.dead_letters("certificate")
    assert headers["x-kompeten-reason"] == "invalid holder.identified data"
    assert db.certificates.find_one({"_id": number}) == before
    # enrollment's word about another person's certificate is refused and changes nothing
    bus.publish_event(identified(number, "someone-else", nik="3204015708950099"))
    [(_, headers)] = bus.dead_letters("certificate")  # the malformed one was taken above
    assert headers["x-kompeten-reason"].startswith("holder_mismatch:")
    assert db.certificates.find_one({"_id": number}) == before


def test_checking_the_holder_on_the_verification_page_in_a_real_browser(
        service, bus, web_config_port, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    deliver(service, bus, event)
    number = listener.events(1)[0]["data"]["certificate_number"]
    url = f"http://127.0.0.1:{web_config_port}/certificates/{number}"
    browser.get(url)
    assert not browser.find_elements(By.ID, "holder-form")  # not identified yet: no form
    with entrypoint_waiter(service, "on_holder_identified"):
        bus.publish_event(identified(number, event["data"]["participant_id"]))

    def check(nik, code):
        browser.get(url)
        browser.find_element(By.NAME, "nik").send_keys(nik)
        browser.find_element(By.NAME, "holder_code").send_keys(code)
        browser.find_element(By.CSS_SELECTOR, "#holder-form button").click()
        # the answer is a page of its own (the form's target), with the check on it
        [answer] = WebDriverWait(browser, 10).until(lambda b: b.current_url.endswith(
            "/holder") and b.find_elements(By.ID, "holder-check"))
        return answer

    answer = check("3204015708950071", "ABCD-EFGH-IJKL-MNOP")
    assert answer.get_attribute("data-matches") == "yes"
    assert answer.text.startswith("NIK dan kode cocok")
    assert browser.find_element(By.ID, "number").text == number  # still the same page
    assert NIK not in browser.page_source  # the typed NIK is not echoed back
    answer = check("3204015708950072", "ABCD-EFGH-IJKL-MNOP")
    assert answer.get_attribute("data-matches") == "no"
    assert "do not match" in answer.text


WALLET = Path(__file__).parents[1] / "wallet"


@pytest.fixture(scope="session")
def wallet_app():
    """wallet_app(offer_url): Sphereon's OID4VCI client under Node.js (tests/wallet), an
    implementation independent of ours, taking the offer as a holder's wallet does."""
    if not (WALLET / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WALLET, check=True,
                       capture_output=True, timeout=600)

    def take(offer_url: str) -> subprocess.CompletedProcess:
        return subprocess.run(["node", "wallet.mjs", offer_url], cwd=WALLET,
                              capture_output=True, text=True, timeout=120)

    return take


@pytest.fixture
def issuer_at_home(run_service, web_config_port):
    """The service with its public address where a wallet on this machine reaches it."""
    return run_service(CertificateService, ISSUERS_DIR=ISSUERS_DIR,
                       PUBLIC_URL=f"http://127.0.0.1:{web_config_port}")


def test_a_holder_takes_the_credential_into_a_wallet_with_an_independent_client(
        issuer_at_home, bus, web_session, person, conformance, wallet_app):
    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    deliver(issuer_at_home, bus, event)
    number = listener.events(1)[0]["data"]["certificate_number"]
    participant = event["data"]["participant_id"]
    with entrypoint_waiter(issuer_at_home, "on_holder_identified"):
        bus.publish_event(identified(number, participant))
    own = {"Authorization": f"Bearer {person('participant', participant_id=participant)}"}

    offered = web_session.post(f"/certificates/{number}/wallet-offer", headers=own)
    assert offered.status_code == 201, offered.text
    offer_url = offered.json()["offer_url"]
    assert offer_url.startswith("openid-credential-offer://?credential_offer=")
    taken = wallet_app(offer_url)
    assert taken.returncode == 0, taken.stderr
    held = json.loads(taken.stdout)
    vc = conformance.verified_claims(held["credential"],
                                     web_session.get("/.well-known/jwks.json").json())
    assert vc["credentialSubject"]["id"] == held["did"]  # bound to the wallet's own key
    assert vc["id"].endswith(f"/certificates/{number}")
    assert vc["credentialSubject"]["identifier"][0]["identityType"] == "nationalIdentityNumber"
    assert conformance.schema_errors("credential", vc) == []
    assert conformance.undefined_terms(vc) == set()
    downloaded = conformance.verified_claims(
        web_session.get(f"/certificates/{number}/credential", headers=own).text,
        web_session.get("/.well-known/jwks.json").json())  # the file is still there
    assert {**vc["credentialSubject"], "id": None} == {**downloaded["credentialSubject"],
                                                       "id": None}

    # the code in the offer is good once (the client reports the token endpoint's 400, whose
    # invalid_grant is checked below)
    again = wallet_app(offer_url)
    assert again.returncode == 1 and "/oid4vci/token" in again.stderr
    assert "status: 400" in again.stderr


def issued_to_holder(service, bus, person) -> tuple[str, dict]:
    """A certificate issued from a decision: its number, and its holder's auth header."""
    listener = bus.listen("certificate.events", "certificate.issued")
    event = decided()
    deliver(service, bus, event)
    number = listener.events(1)[0]["data"]["certificate_number"]
    holder = person("participant", participant_id=event["data"]["participant_id"])
    return number, {"Authorization": f"Bearer {holder}"}


def test_wallet_requests_that_are_not_in_order_get_oauth_errors(issuer_at_home, bus,
                                                                web_session, person, db):
    from jwcrypto import jwk as jose_jwk
    from jwcrypto import jws as jose_jws
    from kompeten_certificate import wallet

    number, own = issued_to_holder(issuer_at_home, bus, person)
    other = {"Authorization": f"Bearer {person('participant', participant_id='someone-else')}"}
    issuer_url = web_session.get("/.well-known/openid-credential-issuer").json()[
        "credential_issuer"]

    # who may ask for an offer: the holder, the issuer's officer; not another participant
    assert web_session.post(f"/certificates/{number}/wallet-offer", headers=other).json()[
        "error"]["code"] == "forbidden"
    assert web_session.post(f"/certificates/{number}/wallet-offer",
                            headers={"Authorization": ""}).status_code == 401

    def code_of(url: str) -> str:
        from urllib.parse import parse_qs, urlsplit
        offer = json.loads(parse_qs(urlsplit(url).query)["credential_offer"][0])
        return offer["grants"][wallet.PRE_AUTHORIZED]["pre-authorized_code"]

    code = code_of(web_session.post(f"/certificates/{number}/wallet-offer",
                                    headers=own).json()["offer_url"])

    def token(**form):
        return web_session.post("/oid4vci/token", data=form, headers={"Authorization": ""})

    wrong_grant = token(grant_type="authorization_code", code=code)
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400,
                                                                      "unsupported_grant_type")
    assert token(grant_type=wallet.PRE_AUTHORIZED, **{"pre-authorized_code": "guess"}).json()[
        "error"] == "invalid_grant"
    granted = token(grant_type=wallet.PRE_AUTHORIZED, **{"pre-authorized_code": code})
    assert granted.status_code == 200 and granted.headers["Cache-Control"] == "no-store"
    access, nonce = granted.json()["access_token"], granted.json()["c_nonce"]
    assert code not in str(list(db.wallet.find())) and access not in str(list(db.wallet.find()))

    key = jose_jwk.JWK.generate(kty="EC", crv="P-256")

    def proof(aud=issuer_url, nonce=nonce, typ=wallet.PROOF_TYPE):
        signed = jose_jws.JWS(json.dumps({"aud": aud, "iat": int(datetime.now(UTC).timestamp()),
                                          "nonce": nonce}))
        signed.add_signature(key, alg="ES256", protected=json.dumps(
            {"alg": "ES256", "typ": typ, "jwk": json.loads(key.export_public())}))
        return signed.serialize(compact=True)

    def credential_request(body, bearer=access):
        return web_session.post("/oid4vci/credential", json=body,
                                headers={"Authorization": f"Bearer {bearer}"})

    def request_with(jwt):
        return {"credential_configuration_id": wallet.CONFIGURATION,
                "proofs": {"jwt": [jwt]}}

    unknown = credential_request(request_with(proof()), bearer="not-a-token")
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_token")
    assert credential_request({"credential_configuration_id": "mDL",
                               "proofs": {"jwt": [proof()]}}).json()["error"] == \
        "unknown_credential_configuration"
    for bad in (proof(aud="https://elsewhere.example"), proof(typ="JWT"), proof()[:-4] + "AAAA"):
        refused = credential_request(request_with(bad))
        assert (refused.status_code, refused.json()["error"]) == (400, "invalid_proof")
    assert credential_request(request_with(proof(nonce="made-up"))).json()["error"] == \
        "invalid_nonce"
    issued = credential_request(request_with(proof()))
    assert issued.status_code == 200, issued.text
    assert issued.json()["credentials"][0]["credential"].count(".") == 2
    assert credential_request(request_with(proof())).json()["error"] == "invalid_nonce"  # once
    # a revoked certificate is offered to no wallet
    web_session.post(f"/certificates/{number}/revoke", json={"reason": "temuan pemalsuan"})
    assert web_session.post(f"/certificates/{number}/wallet-offer", headers=own).json()[
        "error"]["code"] == "certificate_revoked"


def test_two_officers_changing_a_status_at_once_cannot_both_win(service, bus, db):
    """A revocation and a suspension of the same certificate by two officers who both read it
    valid: the first is stored, the second refused (409 certificate_changed) and stores
    nothing; before, the second write erased the first's revocation from the history."""
    from kompeten_certificate.repository import Repository
    from kompeten_shared.errors import Conflict

    listener = bus.listen("certificate.events", "certificate.issued")
    deliver(service, bus, decided())
    number = listener.events(1)[0]["data"]["certificate_number"]
    first, second = Repository(db), Repository(db)
    seen_by_one, seen_by_two = first.get(number), second.get(number)  # both see it valid
    now = datetime.now(UTC)
    seen_by_one.revoke("temuan pemalsuan dokumen", "officer-1", now)
    seen_by_two.suspend("surveilans gagal", "officer-2", now)
    first.save_status(seen_by_one, None)
    with pytest.raises(Conflict) as lost:
        second.save_status(seen_by_two, None)
    assert lost.value.code == "certificate_changed"
    stored = db.certificates.find_one({"_id": number})
    assert stored["revocation"]["by"] == "officer-1" and stored["suspension"] is None
    assert [h["action"] for h in stored["history"]] == ["revoke"]
    # a claim whose writer died (older than a minute, nothing stored) does not block for ever
    db.certificate_versions.insert_one({"_id": f"{number}:2",
                                        "at": datetime.now(UTC) - timedelta(minutes=2)})
    third = Repository(db)
    later = third.get(number)
    later.history.append({"action": "note", "reason": "x", "by": "officer-1", "at": now})
    third.save_status(later, None)
    assert len(db.certificates.find_one({"_id": number})["history"]) == 2


def test_a_revocation_and_the_holders_identity_at_the_same_moment_both_land(service, bus, db):
    """Each of twenty certificates revoked by an officer while enrollment's word on its holder
    arrives: both land. FerretDB rewrites the whole document on any update, so one of two at
    once was lost, a revocation among them; each write now claims the certificate's next
    version, and the loser reads again (an officer's 409, a requeued event)."""
    import eventlet
    from kompeten_certificate.repository import Repository
    from kompeten_chassis.mongo import Contended
    from kompeten_shared.errors import Conflict

    listener = bus.listen("certificate.events", "certificate.issued")
    for _ in range(20):
        bus.publish_event(decided())
    issued = [e["data"] for e in listener.events(20, timeout=30)]

    def revoke(number):
        while True:
            repo = Repository(db)  # a worker of its own, reading afresh
            cert = repo.get(number)
            cert.revoke("temuan pemalsuan", "officer-1", datetime.now(UTC))
            try:
                return repo.save_status(cert, None)
            except Conflict:
                eventlet.sleep(0.01)

    def identify(data):
        while True:
            repo = Repository(db)
            cert = repo.get(data["certificate_number"])
            cert.identify(data["participant_id"], "sha256$" + "ab" * 32)
            try:
                return repo.save_identity(cert)
            except Contended:
                eventlet.sleep(0.01)

    jobs = [(revoke, d["certificate_number"]) for d in issued] + [(identify, d) for d in issued]
    list(eventlet.GreenPool(40).imap(lambda job: job[0](job[1]), jobs))
    for doc in db.certificates.find():
        assert doc["revocation"] and doc["revocation"]["by"] == "officer-1", doc["_id"]
        assert doc["identity_hash"] == "sha256$" + "ab" * 32, doc["_id"]


def test_wallet_secrets_past_their_lifetime_are_purged_and_live_ones_kept(service, bus,
                                                                          web_session, person,
                                                                          db):
    """The hourly timer deletes expired offer codes (and the marks of their use); a code still
    within its lifetime stays and is redeemed after the purge."""
    from urllib.parse import parse_qs, urlsplit

    from kompeten_certificate import wallet
    from nameko.testing.services import entrypoint_hook

    number, own = issued_to_holder(service, bus, person)
    offers = [web_session.post(f"/certificates/{number}/wallet-offer", headers=own).json()
              for _ in range(2)]
    live = json.loads(parse_qs(urlsplit(offers[1]["offer_url"]).query)["credential_offer"][0])
    past = datetime.now(UTC) - timedelta(minutes=1)
    [first_id, second_id] = [d["_id"] for d in db.wallet.find().sort("expires_at")]
    db.wallet.update_one({"_id": first_id}, {"$set": {"expires_at": past}})
    db.wallet_used.insert_one({"_id": first_id, "at": past, "expires_at": past})
    with entrypoint_hook(service, "purge_wallet_secrets") as purge:
        assert purge() == 1
    assert [d["_id"] for d in db.wallet.find()] == [second_id]
    assert db.wallet_used.count_documents({}) == 0
    assert web_session.post("/oid4vci/token", headers={"Authorization": ""}, data={
        "grant_type": wallet.PRE_AUTHORIZED, "pre-authorized_code": live["grants"][
            wallet.PRE_AUTHORIZED]["pre-authorized_code"]}).status_code == 200
