"""kompeten-dead-letters on the real broker: list with reasons, show, replay after a fix,
discard with an audit record."""

import json
import uuid
from datetime import date

import pytest
from click.testing import CliRunner
from kompeten_chassis.consuming import consume
from kompeten_chassis.mongo import Database
from kompeten_deploy.deadletters import main
from kompeten_shared import envelope
from kompeten_shared.errors import DomainError
from kompeten_shared.events import EVENTS, dump_data

pytestmark = pytest.mark.integration


class Partner:
    """Refuses certificates of a scheme it does not know yet: an operator adds it, then replays."""

    name = "partnerprobe"
    db = Database()

    @consume("certificate", "certificate.issued")
    def on_issued(self, event):
        if self.db.schemes.find_one({"_id": event.data["scheme_code"]}) is None:
            raise DomainError("scheme not known yet", code="scheme_unknown")
        self.db.seen.insert_one({"_id": event.id})


def issued(scheme: str) -> dict:
    number = f"LSP-GNI.{scheme}.2026.{uuid.uuid4().int % 10**6:06d}"
    data = {"certificate_number": number, "kind": "certification", "participant_id": "p-1",
            "case_id": "c-1", "scheme_code": scheme, "scheme_title": "Operator",
            "units": [{"code": "U1", "title": "Unit"}], "issuer": {"code": "LSP-GNI", "name": "L"},
            "issued_on": date(2026, 11, 24), "valid_until": date(2029, 11, 23),
            "verification_url": f"http://verify.test/certificates/{number}"}
    return envelope.build(service="certificate", type="certificate.issued",
                          data=dump_data("certificate.issued", data),
                          dataschema=EVENTS["certificate.issued"].dataschema)


def test_an_operator_lists_shows_replays_after_a_fix_and_discards_with_a_record(
        run_service, database, database_prefix, bus, rabbit_config, servers, mongo, wait_for):
    run_service(Partner)
    db = database("partnerprobe")
    batik, tenun = issued("BAT-TLS"), issued("TEN-IKT")
    for event in (batik, tenun):
        bus.publish_event(event)
    bus.publish_raw("certificate.events", "certificate.issued",
                    f"not json at all {uuid.uuid4()}", content_type="text/plain")
    audit_database = f"{database_prefix}_operations"
    cli = ["--amqp-uri", rabbit_config["AMQP_URI"], "--rabbit-api-uri", servers.rabbit_api_uri,
           "--mongo-uri", servers.mongo_uri, "--audit-database", audit_database]
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(main, [*cli, *args])
        assert result.exit_code == 0, result.output
        return result.output

    wait_for(lambda: "3 dead letter(s)" in run("list"), timeout=20)
    listed = run("list")
    assert f"partnerprobe.dead-letter  {batik['id']}  certificate.issued  " \
           "scheme_unknown: scheme not known yet" in listed
    assert "undecodable message" in listed
    shown = json.loads(run("show", batik["id"]))
    assert shown["exchange"] == "certificate.events" and json.loads(shown["body"]) == batik

    db.schemes.insert_one({"_id": "BAT-TLS"})  # the fix
    assert "replayed 1 message(s)" in run("replay", batik["id"], "--by", "Operator Disnaker")
    wait_for(lambda: db.seen.find_one({"_id": batik["id"]}), timeout=20)
    assert batik["id"] not in run("list") and tenun["id"] in run("list")

    poison = next(line.split()[1] for line in run("list").splitlines() if "undecodable" in line)
    run("discard", poison, "--by", "Operator Disnaker", "--reason", "test message, not an event")
    assert "1 dead letter(s)" in run("list")
    audit = list(mongo[audit_database].dead_letter_audit.find({}, {"_id": 0, "action": 1}))
    assert sorted(a["action"] for a in audit) == ["discard", "replay"]

    missing = runner.invoke(main, [*cli, "replay", "nope", "--by", "x"])
    assert missing.exit_code == 1 and "no dead letter nope" in missing.output
    both = runner.invoke(main, [*cli, "replay", "--all", "--by", "x"])
    assert both.exit_code == 1 and "--all needs --queue" in both.output
