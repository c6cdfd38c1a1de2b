"""Partners on the real broker: provisioned from RabbitMQ definitions, each with its own user that
reads only its own queues; the partner SDK validates, handles once and dead-letters."""

import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlparse

import eventlet
import pytest
import requests
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Queue
from kompeten_deploy import partners as provisioning
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from kompeten_shared.partner import Partner

pytestmark = pytest.mark.integration
PASSWORD = "partner-password-123"


def offer_made(employer_id: str) -> dict:
    data = {"offer_id": str(uuid.uuid4()), "vacancy_id": "v-1", "employer_id": employer_id,
            "participant_id": str(uuid.uuid4()), "kind": "job", "made_at": datetime.now(UTC)}
    return envelope.build(service="placement", type="offer.made",
                          data=dump_data("offer.made", data),
                          dataschema=EVENTS["offer.made"].dataschema)


@pytest.fixture
def provisioned(servers, rabbit_config):
    """Two partners, each a garment company with its own employer id, in the test's vhost."""
    suffix = uuid.uuid4().hex[:6]
    listed = [{"name": f"maju-{suffix}", "password": PASSWORD, "employer_id": "e-maju",
               "events": ["offer.made", "certificate.issued"]},
              {"name": f"batik-{suffix}", "password": PASSWORD, "employer_id": "e-batik",
               "events": ["offer.made"]}]
    vhost = urlparse(rabbit_config["AMQP_URI"]).path.lstrip("/")
    provisioning.import_definitions(servers.rabbit_api_uri,
                                    provisioning.definitions(listed, vhost))
    amqp = urlparse(rabbit_config["AMQP_URI"])
    uris = {p["name"]: f"amqp://partner-{p['name']}:{PASSWORD}@{amqp.hostname}:{amqp.port}/"
            f"{quote(vhost, safe='')}" for p in listed}
    yield listed, uris
    api = urlparse(servers.rabbit_api_uri)
    for partner in listed:
        requests.delete(f"http://{api.hostname}:{api.port}/api/users/partner-{partner['name']}",
                        auth=(api.username, api.password), timeout=10)


def run_until(partner: Partner, done, timeout: float = 15) -> None:
    deadline = eventlet.Timeout(timeout)
    try:
        partner.run(should_stop=done, poll_seconds=0.2)
    finally:
        deadline.cancel()


def test_a_partner_gets_its_own_events_once_and_dead_letters_bad_ones(provisioned, bus,
                                                                     tmp_path):
    listed, uris = provisioned
    maju, batik = (p["name"] for p in listed)
    mine, theirs = offer_made("e-maju"), offer_made("e-batik")
    broken = offer_made("e-maju")
    del broken["data"]["made_at"]
    for event in (mine, theirs, mine, broken):  # `mine` twice: a redelivery
        bus.publish_raw("placement.events", f"offer.made.{event['data']['employer_id']}",
                        event)
    partner = Partner(maju, uris[maju], tmp_path)
    handled = []
    partner.on("offer.made")(handled.append)
    # One queue delivers in order: once the last (broken) one is refused, all were seen.
    run_until(partner, lambda: bool(partner.dead_letters()))
    assert [e.data["offer_id"] for e in handled] == [mine["data"]["offer_id"]]
    assert handled[0].data["made_at"].tzinfo is not None  # loaded by the contract
    [letter] = partner.dead_letters()
    assert letter["reason"] == "invalid offer.made data" and letter["event_id"] == broken["id"]
    assert "Dewi" not in str(letter)
    with Connection(bus.amqp_uri) as admin:  # the broker kept the refused message, untouched
        message = admin.default_channel.basic_get(f"partner.{maju}.dead-letter", no_ack=True)
        assert message is not None and message.headers["x-death"][0]["reason"] == "rejected"


def test_a_partner_cannot_read_another_partners_queue_or_publish(provisioned):
    listed, uris = provisioned
    maju, batik = (p["name"] for p in listed)
    with Connection(uris[maju]) as connection:
        with pytest.raises(AccessRefused):
            connection.default_channel.basic_get(f"partner.{batik}.offer.made")
    with Connection(uris[maju], transport_options={"confirm_publish": True}) as connection:
        forged = offer_made("e-maju")
        with pytest.raises(AccessRefused):
            connection.Producer().publish(forged, exchange=Exchange("placement.events",
                                                                    type="topic"),
                                          routing_key="offer.made.e-maju", declare=[])
    with Connection(uris[maju]) as connection:
        with pytest.raises(AccessRefused):  # nor make itself a wider binding
            Queue(f"partner.{maju}.everything", Exchange("placement.events", type="topic"),
                  routing_key="#")(connection.default_channel).declare()


def test_bad_partner_lists_are_refused_with_the_partner_and_field():
    with pytest.raises(provisioning.InvalidPartner, match="name 'Maju Jahit'"):
        provisioning.definitions([{"name": "Maju Jahit", "password": PASSWORD}], "/")
    with pytest.raises(provisioning.InvalidPartner, match="maju: password"):
        provisioning.definitions([{"name": "maju", "password": "short"}], "/")
    with pytest.raises(provisioning.InvalidPartner, match="needs the matching id"):
        provisioning.definitions([{"name": "maju", "password": PASSWORD,
                                   "events": ["offer.made"]}], "/")
