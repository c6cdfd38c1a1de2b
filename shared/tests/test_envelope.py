from datetime import UTC, datetime

import pytest
from kompeten_shared import envelope
from kompeten_shared.envelope import InvalidEvent


def sample(**overrides):
    event = envelope.build(service="certificate", type="certificate.issued", data={"a": 1},
                           dataschema="urn:kompeten:schema:certificate.issued:1",
                           subject="p-1", time=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    event.update(overrides)
    return event


def test_build_makes_a_cloudevents_1_0_structured_envelope():
    event = sample()
    assert event["specversion"] == "1.0"
    assert event["source"] == "/kompeten/certificate"
    assert event["type"] == "certificate.issued"
    assert event["time"] == "2026-11-24T10:00:00Z"
    assert event["datacontenttype"] == "application/json"
    assert len(event["id"]) == 36


def test_parse_round_trips_build():
    parsed = envelope.parse(sample())
    assert parsed.producer == "certificate"
    assert parsed.subject == "p-1"
    assert parsed.time == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert parsed.data == {"a": 1}


def test_ids_are_unique_unless_given():
    assert sample()["id"] != sample()["id"]
    assert envelope.build(service="x", type="t", data={}, dataschema="s", id="fixed")["id"] \
        == "fixed"


@pytest.mark.parametrize("body, field", [
    ({"specversion": "0.3"}, "specversion"),
    ({"id": ""}, "id"),
    ({"time": "yesterday"}, "time"),
    ({"time": "2026-11-24T10:00:00"}, "time"),  # no timezone
    ({"datacontenttype": "text/xml"}, "datacontenttype"),
    ({"data": "not an object"}, "data"),
])
def test_parse_names_the_bad_attribute(body, field):
    with pytest.raises(InvalidEvent) as caught:
        envelope.parse(sample(**body))
    assert field in caught.value.details


def test_parse_refuses_a_missing_attribute():
    event = sample()
    del event["source"]
    with pytest.raises(InvalidEvent) as caught:
        envelope.parse(event)
    assert "source" in caught.value.details


@pytest.mark.parametrize("body", [None, [], "text", 42])
def test_parse_refuses_anything_but_an_object(body):
    with pytest.raises(InvalidEvent, match="JSON object"):
        envelope.parse(body)
