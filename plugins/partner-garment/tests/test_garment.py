"""The example plug-in, run as its own process on the real broker, as a partner would run it."""

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from urllib.parse import quote, urlparse

import pytest
import requests
from kompeten_deploy import partners as provisioning
from kompeten_partner_garment.invitations import next_working_day, slot
from kompeten_shared import envelope
from kompeten_shared.events import EVENTS, dump_data


def test_invitations_go_to_the_next_working_day_half_an_hour_apart():
    assert next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)  # Friday -> Monday
    assert slot(date(2026, 11, 30), 3).isoformat() == "2026-11-30T10:30:00"


@pytest.mark.integration
def test_the_plug_in_invites_for_each_of_its_offers_once(servers, rabbit_config, bus, tmp_path):
    name, password = f"maju-{uuid.uuid4().hex[:6]}", "garment-password-1"
    vhost = urlparse(rabbit_config["AMQP_URI"]).path.lstrip("/")
    provisioning.import_definitions(servers.rabbit_api_uri, provisioning.definitions(
        [{"name": name, "password": password, "employer_id": "e-maju",
          "events": ["offer.made"]}], vhost))
    amqp = urlparse(rabbit_config["AMQP_URI"])
    env = {**os.environ, "PARTNER_NAME": name, "GARMENT_STATE": str(tmp_path),
           "AMQP_URI": f"amqp://partner-{name}:{password}@{amqp.hostname}:{amqp.port}/"
                       f"{quote(vhost, safe='')}"}
    made_at = datetime(2026, 11, 27, 14, tzinfo=UTC)  # a Friday
    offers = []
    for _ in range(2):
        data = {"offer_id": str(uuid.uuid4()), "vacancy_id": "v-1", "employer_id": "e-maju",
                "participant_id": str(uuid.uuid4()), "kind": "job", "made_at": made_at}
        offers.append(envelope.build(service="placement", type="offer.made",
                                     data=dump_data("offer.made", data),
                                     dataschema=EVENTS["offer.made"].dataschema))
    for event in (*offers, offers[0]):
        bus.publish_raw("placement.events", "offer.made.e-maju", event)
    command = [sys.executable, "-m", "kompeten_partner_garment.app"]
    process = subprocess.Popen([*command, "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            listed = json.loads(subprocess.run([*command, "list"], env=env, check=True,
                                               capture_output=True, text=True).stdout)
            if len(listed) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
        api = urlparse(servers.rabbit_api_uri)
        requests.delete(f"http://{api.hostname}:{api.port}/api/users/partner-{name}",
                        auth=(api.username, api.password), timeout=10)
    assert [i["at"] for i in listed] == ["2026-11-30T09:00:00", "2026-11-30T09:30:00"], output
    assert {i["offer_id"] for i in listed} == {e["data"]["offer_id"] for e in offers}
