"""Whose a certificate is: enrollment, which alone keeps the NIK, hashes it with the
certificate's holder code and says so (holder.identified); the code is the holder's alone."""

import json
import uuid
from datetime import date

import pytest
from kompeten_shared import envelope, holder
from kompeten_shared.events import EVENTS, dump_data
from nameko.testing.services import entrypoint_waiter

pytestmark = pytest.mark.integration
NUMBER = "LSP-GNI.GAR-OMP.2026.000042"


def issued(participant_id: str, number: str = NUMBER) -> dict:
    return envelope.build(service="certificate", type="certificate.issued", data=dump_data(
        "certificate.issued", {
            "certificate_number": number, "kind": "certification", "renews": None,
            "participant_id": participant_id, "case_id": "c-42", "programme_id": None,
            "scheme_code": "GAR-OMP", "scheme_title": "Operator Menjahit Pakaian",
            "units": [{"code": "C.14GAR02.001.1", "title": "K3"}],
            "issuer": {"code": "LSP-GNI", "name": "LSP Garmen Nusantara Indonesia"},
            "issued_on": date.today(), "valid_until": None,
            "verification_url": f"https://sertifikat.example/certificates/{number}"}),
        dataschema=EVENTS["certificate.issued"].dataschema)


def test_an_issued_certificate_is_attested_with_a_hash_only_its_holder_can_open(
        enrollment, bus, call, new_person, person):
    graduate = new_person(71)
    participant = graduate["participant_id"]
    heard = bus.listen("enrollment.events", "holder.identified")
    event = issued(participant)
    for _ in range(2):  # sent again under a new id: attested once
        with entrypoint_waiter(enrollment, "on_certificate_issued"):
            bus.publish_event({**event, "id": str(uuid.uuid4())})
    [attested] = heard.events(1)
    assert heard.events(1, timeout=2) == []
    assert attested["data"]["certificate_number"] == NUMBER
    assert attested["data"]["participant_id"] == participant
    assert "3204015708950071" not in json.dumps(attested)

    own = person("participant", participant_id=participant)
    answer = call("GET", f"/participants/{participant}/holder-codes/{NUMBER}", as_=own)
    code = answer["holder_code"]
    assert len(code) == 19 and code.count("-") == 3
    assert holder.matches(attested["data"]["identity_hash"], "3204015708950071", code)
    assert not holder.matches(attested["data"]["identity_hash"], "3204015708950072", code)

    # a second certificate of the same holder: another code, another hash
    with entrypoint_waiter(enrollment, "on_certificate_issued"):
        bus.publish_event(issued(participant, "LSP-GNI.GAR-OMP.2026.000043"))
    [second] = heard.events(1)
    assert second["data"]["identity_hash"] != attested["data"]["identity_hash"]
    assert call("GET", f"/participants/{participant}/holder-codes/LSP-GNI.GAR-OMP.2026.000043",
                as_=own)["holder_code"] != code


def test_the_holder_code_is_for_the_holder_alone(enrollment, bus, call, new_person, person,
                                                 web_session):
    graduate, other = new_person(72), new_person(73)
    participant = graduate["participant_id"]
    with entrypoint_waiter(enrollment, "on_certificate_issued"):
        bus.publish_event(issued(participant))
    path = f"/participants/{participant}/holder-codes/{NUMBER}"
    # another participant, the agency's own operator, a stranger without a token
    stranger = call("GET", path, as_=person("participant",
                                            participant_id=other["participant_id"]), expect=403)
    assert stranger["error"]["code"] == "forbidden"
    assert call("GET", path, expect=403)["error"]["code"] == "role_required"
    assert web_session.get(path).status_code == 401
    # the holder asking for a certificate that is not theirs (or not yet identified)
    own = person("participant", participant_id=participant)
    missing = call("GET", f"/participants/{participant}/holder-codes/LSP-X.Y.2026.000001",
                   as_=own, expect=404)
    assert missing["error"]["code"] == "holder_not_identified"
    theirs = person("participant", participant_id=other["participant_id"])
    assert call("GET", f"/participants/{other['participant_id']}/holder-codes/{NUMBER}",
                as_=theirs, expect=404)["error"]["code"] == "holder_not_identified"
