"""The community after certification and the notices that reach people, on the real servers
and a real SMTP server (aiosmtpd) on this machine: announcements and job information to the
members who consent to follow-up, mentors matched to newer participants, offers and follow-up
reminders on the person's own channel."""

import email
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from kompeten_deploy.local import free_port
from kompeten_enrollment.service import EnrollmentService
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from .conftest import WORDING

pytestmark = pytest.mark.integration
TODAY = date.today()


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 -- aiosmtpd's name
        self.mails.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    if controller.loop.is_running():
        controller.stop()


@pytest.fixture
def enrollment(run_service, smtp):
    controller, _ = smtp
    return run_service(EnrollmentService, NOTIFY_SMTP_HOST="127.0.0.1",
                       NOTIFY_SMTP_PORT=controller.port, NOTIFY_FROM="dispar@kaltim.test")


def graduates(call, new_programme, new_person, people):
    """A certification-only programme, closed: everyone completed."""
    programme = new_programme(kind="certification_only", capacity=len(people))
    for person in people:
        call("POST", f"/programmes/{programme['id']}/enrolments",
             {"participant_id": person["participant_id"]}, expect=201)
    call("POST", f"/programmes/{programme['id']}/close")
    return programme


def deliver(enrollment) -> None:
    with entrypoint_hook(enrollment, "deliver_notices") as send:
        send()


def test_the_community_reaches_consenting_members_by_e_mail_and_matches_mentors(
        enrollment, call, new_programme, new_person, smtp, person):
    _, inbox = smtp
    all_purposes = ("certification", "partner_sharing", "follow_up")
    rahmah = new_person(61, purposes=all_purposes, email="rahmah@example.test",
                        name="Rahmah Syahrani")
    nurul = new_person(62, purposes=all_purposes, phone=None, name="Nurul Hidayah")
    quiet = new_person(63, email="quiet@example.test", name="Hasnah Rusdi")  # no follow_up
    programme = graduates(call, new_programme, new_person, [rahmah, nurul, quiet])
    group = call("POST", "/communities", {"name": "Penata Rias Kaltim 2026",
                                          "programme_ids": [programme["id"]]}, expect=201)
    shown = call("GET", f"/communities/{group['id']}")
    assert [m["name"] for m in shown["members"]] == ["Nurul Hidayah", "Rahmah Syahrani"]
    other_agency = person("monitoring_officer", agency="DISPAR-64")
    call("GET", f"/communities/{group['id']}", as_=other_agency, expect=403)
    call("POST", f"/communities/{group['id']}/posts", {"kind": "job", "title": "Lowongan",
                                                       "text": "Bukan komunitas Anda."},
         as_=other_agency, expect=403)
    call("POST", f"/communities/{group['id']}/mentees",  # no mentor yet
         {"participant_id": quiet["participant_id"]}, expect=422)
    posted = call("POST", f"/communities/{group['id']}/posts", {
        "kind": "job", "title": "Lowongan perias di Hotel Samarinda",
        "text": "Hotel di Samarinda mencari dua perias pengantin. Hubungi Dispar."},
        expect=201)
    assert posted["sent_to"] == 2
    deliver(enrollment)
    assert [to for to, _ in inbox.mails] == [["rahmah@example.test"]]  # nothing of the refused
    assert "Info lowongan: Lowongan perias di Hotel Samarinda" in inbox.mails[0][1]
    assert "Job information from Penata Rias Kaltim 2026" in inbox.mails[0][1]
    statuses = {n["status"] for n in call(
        "GET", f"/participants/{nurul['participant_id']}/notices")}
    assert statuses == {"undeliverable"}  # no e-mail and no phone: not retried
    # mentors: a member only; a newcomer gets the nearest
    assert call("POST", f"/communities/{group['id']}/mentors",
                {"participant_id": quiet["participant_id"]},
                expect=422)["error"]["code"] == "not_a_member"
    call("POST", f"/communities/{group['id']}/mentors",
         {"participant_id": rahmah["participant_id"]})
    newcomer = new_person(64, purposes=all_purposes, email="baru@example.test",
                          name="Aisyah Nurdin")
    stranger = person("participant", participant_id="someone")
    call("POST", f"/communities/{group['id']}/mentees",
         {"participant_id": newcomer["participant_id"]}, as_=stranger, expect=403)
    pair = call("POST", f"/communities/{group['id']}/mentees",
                {"participant_id": newcomer["participant_id"]}, expect=201)
    assert (pair["mentor"], pair["mentor_name"]) == (rahmah["participant_id"],
                                                     "Rahmah Syahrani")
    deliver(enrollment)
    assert sorted(to[0] for to, _ in inbox.mails[1:]) == ["baru@example.test",
                                                         "rahmah@example.test"]
    # a member who withdraws follow-up consent is no longer reached
    call("POST", f"/participants/{rahmah['participant_id']}/consents", {
        "purpose": "follow_up", "granted": False, "source": "WhatsApp", "wording": WORDING},
        expect=201)
    call("POST", f"/communities/{group['id']}/posts", {
        "kind": "announcement", "title": "Temu alumni", "text": "Sabtu depan di Samarinda."},
        expect=201)
    deliver(enrollment)
    assert len(inbox.mails) == 3


def test_bad_community_requests_change_nothing(enrollment, call, person):
    assert call("POST", "/communities", {"name": "Kelompok", "programme_ids": []},
                expect=400)["error"]["details"] == {"programme_ids": [
                    "Length must be between 1 and 50."]}
    assert call("POST", "/communities", {"name": "Kelompok", "programme_ids": ["nope"]},
                expect=404)["error"]["code"] == "programme_not_found"
    assert call("GET", "/communities") == []
    assert call("POST", "/communities/nope/posts", {"kind": "job", "title": "Lowongan",
                                                    "text": "Ada lowongan."},
                expect=404)["error"]["code"] == "community_not_found"
    other = person("monitoring_officer", agency="DISPAR-64")
    assert call("GET", "/communities", as_=other) == []


def test_an_offer_and_a_due_check_in_reach_the_graduate_by_e_mail(enrollment, call, bus,
                                                                  new_person, smtp):
    _, inbox = smtp
    graduate = new_person(65, purposes=("certification", "partner_sharing", "follow_up"),
                          email="lulusan@example.test")
    pid = graduate["participant_id"]
    offer = {"offer_id": str(uuid.uuid4()), "vacancy_id": "v-1", "employer_id": "bhara-utama",
             "participant_id": pid, "kind": "job", "made_at": datetime.now(UTC)}
    due = {"check_in_id": f"X:{pid}:3m", "participant_id": pid, "certificate_number": "X",
           "programme_id": None, "months": 3, "due_on": TODAY + timedelta(days=7)}
    for type_, data in (("offer.made", offer), ("follow_up.due", due)):
        event = envelope.build(service="placement", type=type_, data=dump_data(type_, data),
                               dataschema=EVENTS[type_].dataschema)
        handler = {"offer.made": "on_offer_made", "follow_up.due": "on_follow_up_due"}[type_]
        for _ in range(2):  # sent again under a new id: still one notice
            with entrypoint_waiter(enrollment, handler):
                bus.publish_event({**event, "id": str(uuid.uuid4())})
    deliver(enrollment)
    subjects = [text for _, text in inbox.mails]
    assert len(subjects) == 2
    assert any("Tawaran pekerjaan untuk Anda / An offer of a job" in t for t in subjects)
    assert any("Pemantauan 3 bulan / Your 3-month check-in" in t for t in subjects)
    assert all(to == ["lulusan@example.test"] for to, _ in inbox.mails)


def test_an_issued_certificate_reaches_its_holder_by_e_mail_in_both_languages(
        enrollment, bus, new_person, smtp, database):
    _, inbox = smtp
    holder = new_person(67, purposes=("certification",), email="pemegang@example.test")
    data = {"certificate_number": "LSP-GNI.GAR-OMP.2026.000042", "kind": "certification",
            "renews": None, "participant_id": holder["participant_id"], "case_id": "c-42",
            "programme_id": "prog-none", "scheme_code": "GAR-OMP",
            "scheme_title": "Operator Menjahit Pakaian",
            "units": [{"code": "C.14GAR02.001.1", "title": "K3", "result": "K"}],
            "issuer": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "issued_on": TODAY, "valid_until": TODAY + timedelta(days=1095),
            "verification_url": "https://sertifikat.example/certificates/"
                                "LSP-GNI.GAR-OMP.2026.000042"}
    event = envelope.build(service="certificate", type="certificate.issued",
                           data=dump_data("certificate.issued", data),
                           dataschema=EVENTS["certificate.issued"].dataschema)
    for _ in range(2):  # sent again under a new id: still one notice
        with entrypoint_waiter(enrollment, "on_certificate_issued"):
            bus.publish_event({**event, "id": str(uuid.uuid4())})
    deliver(enrollment)
    [(to, raw)] = inbox.mails
    message = email.message_from_string(raw)
    mail = message.get_payload(decode=True).decode()
    assert to == ["pemegang@example.test"]
    assert message["Subject"] == "Sertifikat Anda telah terbit / Your certificate has been issued"
    assert "Sertifikat Operator Menjahit Pakaian nomor LSP-GNI.GAR-OMP.2026.000042" in mail
    assert "Your certificate Operator Menjahit Pakaian, number LSP-GNI.GAR-OMP.2026.000042" \
        in mail
    assert data["verification_url"] in mail
    # a holder who withdrew consent to certification is not written to
    withdrawn = new_person(68, purposes=(), email="tanpa-izin@example.test")
    other = envelope.build(service="certificate", type="certificate.issued", data=dump_data(
        "certificate.issued", {**data, "participant_id": withdrawn["participant_id"],
                               "certificate_number": "LSP-GNI.GAR-OMP.2026.000043"}),
        dataschema=EVENTS["certificate.issued"].dataschema)
    with entrypoint_waiter(enrollment, "on_certificate_issued"):
        bus.publish_event(other)
    deliver(enrollment)
    assert len(inbox.mails) == 1
    dropped = database("enrollment").notices.find_one(
        {"_id": "certificate:LSP-GNI.GAR-OMP.2026.000043"})
    assert dropped["status"] == "dropped"


def offer_made(participant_id: str, offer_id: str) -> dict:
    return envelope.build(service="placement", type="offer.made", data=dump_data(
        "offer.made", {"offer_id": offer_id, "vacancy_id": "v", "employer_id": "e",
                       "participant_id": participant_id, "kind": "job",
                       "made_at": datetime.now(UTC)}), dataschema=EVENTS["offer.made"].dataschema)


def test_a_failing_mail_server_is_tried_again_later(enrollment, call, new_person, bus, smtp):
    controller, inbox = smtp
    graduate = new_person(66, purposes=("certification", "partner_sharing", "follow_up"),
                          email="lulusan@example.test")
    event = offer_made(graduate["participant_id"], "o-1")
    with entrypoint_waiter(enrollment, "on_offer_made"):
        bus.publish_event(event)
    controller.stop()  # the mail server is down
    for _ in range(2):
        deliver(enrollment)
    [notice] = call("GET", f"/participants/{graduate['participant_id']}/notices")
    assert (notice["status"], notice["attempts"]) == ("pending", 2)
    back = Controller(inbox, hostname="127.0.0.1", port=controller.port)
    back.start()  # the mail server is back: the next round sends it
    deliver(enrollment)
    back.stop()
    assert [to for to, _ in inbox.mails] == [["lulusan@example.test"]]
    [notice] = call("GET", f"/participants/{graduate['participant_id']}/notices")
    assert notice["status"] == "sent:email"


@pytest.mark.parametrize("type_, data", [
    ("offer.made", {"offer_id": "o-9", "participant_id": "p", "kind": "magang"}),
    ("follow_up.due", {"check_in_id": "c-9", "participant_id": "p", "months": "tiga"}),
    ("assessment.decided", {"case_id": "c", "participant_id": "p"}),
    ("certificate.issued", {"certificate_number": "X", "participant_id": "p",
                            "verification_url": "javascript:alert(1)"}),
])
def test_a_malformed_event_is_dead_lettered_and_queues_no_notice(enrollment, bus, type_, data,
                                                                  database):
    event = envelope.build(service=EVENTS[type_].producer, type=type_, data=data,
                           dataschema=EVENTS[type_].dataschema)
    bus.publish_event(event)
    [(_, headers)] = bus.dead_letters("enrollment")
    assert headers["x-kompeten-reason"] == f"invalid {type_} data"
    assert database("enrollment").notices.count_documents({}) == 0


def test_pending_notices_are_read_through_markers_and_old_databases_get_them(
        enrollment, bus, new_person, smtp, database):
    """The delivery timer reads the markers of pending notices, not every notice ever sent
    (a query on the status reads them all on FerretDB, every 5 s): a sent notice leaves no
    marker, an event delivered again after sending sends nothing, and a database from before
    the markers gets them once, on start."""
    from kompeten_enrollment import repository

    _, inbox = smtp
    db = database("enrollment")
    graduate = new_person(69, purposes=("certification", "partner_sharing", "follow_up"),
                          email="lulusan@example.test")
    event = offer_made(graduate["participant_id"], "o-m")
    with entrypoint_waiter(enrollment, "on_offer_made"):
        bus.publish_event(event)
    [marker] = [m for m in db.notices_pending.find() if m["_id"] != repository.BUILT]
    deliver(enrollment)
    assert len(inbox.mails) == 1
    with entrypoint_waiter(enrollment, "on_offer_made"):
        bus.publish_event({**event, "id": str(uuid.uuid4())})  # again, after sending
    deliver(enrollment)
    assert len(inbox.mails) == 1
    assert [m["_id"] for m in db.notices_pending.find()] == [repository.BUILT]
    # before the markers: a pending notice without one is found once, on start
    db.notices.update_one({"_id": marker["_id"]}, {"$set": {"status": "pending"}})
    db.notices_pending.drop()
    repository.prepare(db)
    deliver(enrollment)
    assert len(inbox.mails) == 2
