"""The webhook bridge on the real broker and database, posting to a real local HTTP server:
a partner that is down for a while, one that answers 500, signatures, replay, bad input."""

import json
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data
from kompeten_webhooks.delivery import Delivery, backoff, verify
from kompeten_webhooks.service import WebhookBridge

NOW = datetime(2026, 11, 25, 8, tzinfo=UTC)


def test_backoff_doubles_up_to_the_cap_and_a_replay_starts_a_new_round():
    assert [backoff(n, 5, 30).seconds for n in range(1, 6)] == [5, 10, 20, 30, 30]
    delivery = Delivery("s:e", "s", {"id": "e"}, NOW, NOW)
    for _ in range(3):
        delivery.failed(NOW, 500, "HTTP 500", max_attempts=3, base=5, cap=30)
    assert delivery.status == "dead" and len(delivery.attempts) == 3
    delivery.replay(NOW)
    delivery.failed(NOW, 500, "HTTP 500", max_attempts=3, base=5, cap=30)
    assert delivery.status == "pending" and delivery.next_at == NOW + timedelta(seconds=5)


def test_a_signature_verifies_only_over_the_same_bytes_secret_and_fresh_time():
    from kompeten_webhooks.delivery import signature

    body, secret, sent = b'{"id": "e"}', "s3cret", 1_764_064_800
    signed = signature(secret, sent, body)
    assert verify(secret, str(sent), signed, body, now=sent + 10)
    assert not verify(secret, str(sent), signed, body + b" ", now=sent + 10)
    assert not verify("other", str(sent), signed, body, now=sent + 10)
    assert not verify(secret, str(sent), signed, body, now=sent + 3600)  # a replayed request
    assert not verify(secret, "yesterday", signed, body, now=sent)


class Receiver:
    """A partner's endpoint: records what arrives and answers with `status`."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/kompeten"
        self.status, self.received, self.server = 200, [], None

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver():
    partner = Receiver()
    yield partner
    partner.stop()


@pytest.fixture
def bridge(container_factory, service_config):
    container = container_factory(WebhookBridge, service_config(
        "webhooks", WEBHOOK_MAX_ATTEMPTS=4, WEBHOOK_BACKOFF_SECONDS=0.3,
        WEBHOOK_BACKOFF_CAP_SECONDS=1))
    container.start()
    return container


def offer_made(employer_id: str) -> dict:
    data = {"offer_id": str(uuid.uuid4()), "vacancy_id": "v-1", "employer_id": employer_id,
            "participant_id": str(uuid.uuid4()), "kind": "job", "made_at": datetime.now(UTC)}
    return envelope.build(service="placement", type="offer.made",
                          data=dump_data("offer.made", data),
                          dataschema=EVENTS["offer.made"].dataschema)


def wait(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.2)
    return found



@pytest.fixture
def hr(call, person):
    """hr(employer): call as HR of that employer."""

    def bound(employer: str):
        token = person("employer_hr", employer=employer)
        return lambda *args, **kwargs: call(*args, **{"as_": token, **kwargs})

    return bound


@pytest.mark.integration
def test_a_partner_down_for_a_while_gets_its_event_once_it_is_back(bridge, hr, bus,
                                                                    receiver):
    call = hr("e-maju")  # the subscription is the employer's in the token
    subscription = call("POST", "/subscriptions", {
        "partner": "CV Maju Jahit Sejahtera", "url": receiver.url,
        "event_types": ["offer.made"]}, expect=201)
    assert subscription["employer_id"] == "e-maju"
    mine, theirs = offer_made("e-maju"), offer_made("e-other")
    for event in (mine, theirs):
        bus.publish_raw("placement.events", f"offer.made.{event['data']['employer_id']}",
                        event)
    log = f"/deliveries?subscription_id={subscription['id']}"
    wait(lambda: [d for d in call("GET", log) if len(d["attempts"]) >= 2])  # refused twice
    receiver.start()
    [delivered] = wait(lambda: [d for d in call("GET", log) if d["status"] == "delivered"])
    *refused, accepted = [a["status_code"] for a in delivered["attempts"]]
    assert len(refused) >= 2 and set(refused) == {None} and accepted == 200
    assert "ConnectionError" in delivered["attempts"][0]["error"]
    [(headers, body)] = receiver.received  # the other employer's offer never left
    assert json.loads(body) == mine
    assert headers["Kompeten-Event-Id"] == mine["id"]
    assert verify(subscription["secret"], headers["Kompeten-Timestamp"],
                  headers["Kompeten-Signature"], body, now=int(time.time()))
    assert "secret" not in call("GET", "/subscriptions")[0]
    other = hr("e-other")  # another employer sees none of it and cannot touch it
    assert other("GET", "/subscriptions") == [] and other("GET", log) == []
    assert other("DELETE", f"/subscriptions/{subscription['id']}", expect=403)["error"][
        "code"] == "forbidden"


@pytest.mark.integration
def test_a_partner_answering_500_ends_in_the_dead_letter_list_and_can_be_replayed(
        bridge, hr, bus, receiver):
    call = hr("e-batik")
    receiver.status = 500
    receiver.start()
    subscription = call("POST", "/subscriptions", {
        "partner": "Sanggar Batik", "url": receiver.url,
        "event_types": ["certificate.issued", "offer.made"]}, expect=201)
    event = offer_made("e-batik")
    bus.publish_raw("placement.events", "offer.made.e-batik", event)
    [dead] = wait(lambda: call("GET", "/deliveries?status=dead"))
    assert [a["status_code"] for a in dead["attempts"]] == [500, 500, 500, 500]
    assert dead["id"] == f"{subscription['id']}:{event['id']}"
    receiver.status = 200
    call("POST", f"/deliveries/{dead['id']}/replay")
    wait(lambda: call("GET", "/deliveries?status=delivered"))
    assert len(receiver.received) == 5
    assert call("POST", f"/deliveries/{dead['id']}/replay", expect=409)["error"]["code"] == \
        "delivery_not_dead"


@pytest.mark.integration
@pytest.mark.parametrize("body, field", [
    ({"partner": "X", "url": "ftp://partner.example/hook", "event_types": ["offer.made"]},
     "url"),
    ({"partner": "Xy", "url": "https://partner.example/hook",
      "event_types": ["assessment.decided"]}, "event_types"),
    ({"partner": "Xy", "url": "https://partner.example/hook", "event_types": []},
     "event_types"),
])
def test_bad_subscriptions_are_refused_and_nothing_is_stored(bridge, hr, database, body,
                                                             field):
    call = hr("e-maju")
    error = call("POST", "/subscriptions", body, expect=400)["error"]
    assert call("POST", "/subscriptions", {**body, "employer_id": "e-other"}, expect=400)[
        "error"]["details"]["employer_id"] == ["Unknown field."]  # nobody names another
    assert field in error["details"]
    assert database("webhooks").subscriptions.count_documents({}) == 0
    assert call("POST", "/deliveries/nope/replay", expect=404)["error"]["code"] == \
        "delivery_not_found"
