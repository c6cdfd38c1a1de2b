import jsonschema
import pytest
import yaml
from kompeten_chassis import catalogue
from kompeten_shared.events import EVENTS, dump_data

from .test_events import DECIDED


def test_checked_in_catalogue_is_up_to_date():
    """Fails when an event schema changed but asyncapi.yaml was not regenerated:
    run `make catalogue` (python -m kompeten_chassis.catalogue write)."""
    assert catalogue.PATH.read_text() == catalogue.render()
    assert catalogue.main(["check"]) == 0


def test_catalogue_is_an_asyncapi_3_document_covering_every_event():
    document = yaml.safe_load(catalogue.PATH.read_text())
    assert document["asyncapi"] == "3.0.0"
    assert set(document["channels"]) == set(EVENTS)
    for name, spec in EVENTS.items():
        binding = document["channels"][name]["bindings"]["amqp"]
        assert binding["exchange"]["name"] == f"{spec.producer}.events"
        assert document["channels"][name]["address"] == (spec.routing_key or name)
        payload = document["components"]["messages"][name]["payload"]["allOf"][1]
        assert payload["properties"]["dataschema"]["const"] == spec.dataschema


def test_every_ref_in_the_catalogue_resolves():
    document = catalogue.build()

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        target = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert target, ref


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_exported_json_schema_is_valid_2020_12(name):
    schema = catalogue.json_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)


def test_exported_json_schema_agrees_with_marshmallow():
    """An independent validator accepts what marshmallow produces and refuses what it refuses."""
    validator = jsonschema.Draft202012Validator(catalogue.json_schema("assessment.decided"),
                                                format_checker=jsonschema.FormatChecker())
    good = dump_data("assessment.decided", DECIDED)
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({**good, "overall": "MAYBE"}))
    assert list(validator.iter_errors({key: v for key, v in good.items() if key != "case_id"}))
    assert list(validator.iter_errors({**good, "units": []}))
