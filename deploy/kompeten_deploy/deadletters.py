"""`kompeten-dead-letters`: the operator's hand on what the consumers refused.

    kompeten-dead-letters list                        # every dead-letter queue, with reasons
    kompeten-dead-letters show EVENT_ID               # headers and body of one
    kompeten-dead-letters replay EVENT_ID --by NAME   # after a fix: back to where it came from
    kompeten-dead-letters replay --all --queue certificate.dead-letter --by NAME
    kompeten-dead-letters discard EVENT_ID --by NAME --reason "..."

A replay publishes the message, untouched, to the exchange and routing key it was first
published with (from the x-original-* headers the consumers set, or the broker's x-death), so
every queue bound there sees it again; consumers that handled it already skip it by event id.
Every replay and discard is recorded, with who and why, in the MongoDB collection
`dead_letter_audit` of the `kompeten_operations` database.

AMQP_URI, RABBIT_API_URI and MONGO_URI say where the servers are (the README's defaults).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlparse

import click
import requests
from kombu import Connection, Exchange
from pymongo import MongoClient

AUDIT_DATABASE = "kompeten_operations"


@dataclass
class Letter:
    queue: str
    event_id: str  # the CloudEvent id, or sha256: of the body when it has none
    type: str | None
    reason: str
    consumer: str | None
    exchange: str
    routing_key: str
    dead_lettered_at: str | None
    headers: dict
    body: bytes

    @classmethod
    def read(cls, queue: str, body: bytes, headers: dict) -> "Letter":
        headers = headers or {}
        try:
            event = json.loads(body)
            event_id, type_ = event.get("id"), event.get("type")
        except (ValueError, AttributeError):
            event_id = type_ = None
        death = (headers.get("x-death") or [{}])[0]
        return cls(
            queue=queue,
            event_id=event_id or "sha256:" + hashlib.sha256(body).hexdigest()[:16],
            type=type_,
            reason=headers.get("x-kompeten-reason") or death.get("reason", "unknown"),
            consumer=headers.get("x-kompeten-consumer") or death.get("queue"),
            exchange=headers.get("x-original-exchange") or death.get("exchange", ""),
            routing_key=headers.get("x-original-routing-key")
            or (death.get("routing-keys") or [""])[0],
            dead_lettered_at=headers.get("x-dead-lettered-at") or str(death.get("time", "")),
            headers=headers, body=body)


class Operations:
    def __init__(self, amqp_uri: str, rabbit_api_uri: str, mongo_uri: str,
                 audit_database: str = AUDIT_DATABASE):
        self.amqp_uri = amqp_uri
        self.api = urlparse(rabbit_api_uri)
        self.vhost = urlparse(amqp_uri).path.lstrip("/") or "/"
        self.audit = MongoClient(mongo_uri)[audit_database].dead_letter_audit

    def queues(self) -> list[tuple[str, int]]:
        """Every dead-letter queue of the virtual host and how many messages it holds."""
        base = f"{self.api.scheme}://{self.api.hostname}:{self.api.port}/api"
        response = requests.get(f"{base}/queues/{quote(self.vhost, safe='')}", timeout=30,
                                auth=(self.api.username, self.api.password))
        response.raise_for_status()
        return sorted((q["name"], q.get("messages", 0)) for q in response.json()
                      if q["name"].endswith(".dead-letter"))

    def letters(self, queue: str) -> list[Letter]:
        """Read a queue's messages without taking them: each is got, then returned."""
        found = []
        with Connection(self.amqp_uri) as connection:
            channel = connection.channel()
            held = []
            while (message := channel.basic_get(queue, no_ack=False)) is not None:
                held.append(message)
                found.append(Letter.read(queue, _bytes(message.body), message.headers))
            for message in held:  # all back, in order, once every one was read
                channel.basic_reject(message.delivery_tag, requeue=True)
        return found

    def find(self, event_id: str) -> Letter:
        for queue, _ in self.queues():
            for letter in self.letters(queue):
                if letter.event_id == event_id:
                    return letter
        raise click.ClickException(f"no dead letter {event_id}")

    def take(self, queue: str, event_ids: set[str] | None, act) -> list[Letter]:
        """Take the messages of a queue (those with these ids, or all), act on each, and ack
        it only when the action succeeded; the rest go back."""
        done = []
        with Connection(self.amqp_uri) as connection:
            channel = connection.channel()
            held = []
            while (message := channel.basic_get(queue, no_ack=False)) is not None:
                letter = Letter.read(queue, _bytes(message.body), message.headers)
                if event_ids is None or letter.event_id in event_ids:
                    act(connection, letter)
                    channel.basic_ack(message.delivery_tag)
                    done.append(letter)
                else:
                    held.append(message)
            for message in held:
                channel.basic_reject(message.delivery_tag, requeue=True)
        return done

    def replay(self, connection, letter: Letter) -> None:
        if not letter.exchange:
            raise click.ClickException(f"{letter.event_id}: no original exchange to replay to")
        headers = {k: v for k, v in letter.headers.items()
                   if not k.startswith(("x-kompeten-", "x-original-", "x-dead-", "x-death"))}
        connection.Producer().publish(
            letter.body, exchange=Exchange(letter.exchange, type="topic", durable=True),
            routing_key=letter.routing_key, headers=headers, content_type="application/json",
            content_encoding="utf-8", delivery_mode=2, declare=[])

    def record(self, action: str, letter: Letter, by: str, why: str | None) -> None:
        self.audit.insert_one({
            "action": action, "event_id": letter.event_id, "type": letter.type,
            "queue": letter.queue, "reason_refused": letter.reason, "by": by, "why": why,
            "at": datetime.now(UTC), "body_sha256": hashlib.sha256(letter.body).hexdigest()})


def _bytes(body) -> bytes:
    return body.encode() if isinstance(body, str) else body


@click.group()
@click.option("--amqp-uri", envvar="AMQP_URI", default="pyamqp://guest:guest@localhost:5672/")
@click.option("--rabbit-api-uri", envvar="RABBIT_API_URI",
              default="http://guest:guest@localhost:15672")
@click.option("--mongo-uri", envvar="MONGO_URI", default="mongodb://localhost:27017/")
@click.option("--audit-database", envvar="KOMPETEN_AUDIT_DATABASE", default=AUDIT_DATABASE,
              show_default=True)
@click.pass_context
def main(context, amqp_uri, rabbit_api_uri, mongo_uri, audit_database):
    """Dead-lettered messages: list, show, replay after a fix, discard with a record."""
    context.obj = Operations(amqp_uri, rabbit_api_uri, mongo_uri, audit_database)


@main.command("list")
@click.option("--queue", help="one dead-letter queue (default: all)")
@click.pass_obj
def list_letters(ops, queue):
    """Each dead letter: queue, event id, type, and why it was refused."""
    queues = [queue] if queue else [name for name, count in ops.queues() if count]
    total = 0
    for name in queues:
        for letter in ops.letters(name):
            total += 1
            click.echo(f"{name}  {letter.event_id}  {letter.type or '-'}  {letter.reason}")
    click.echo(f"{total} dead letter(s)")


@main.command()
@click.argument("event_id")
@click.pass_obj
def show(ops, event_id):
    """One dead letter, whole: where it came from, why it was refused, its body."""
    letter = ops.find(event_id)
    click.echo(json.dumps({
        "queue": letter.queue, "event_id": letter.event_id, "type": letter.type,
        "reason": letter.reason, "consumer": letter.consumer, "exchange": letter.exchange,
        "routing_key": letter.routing_key, "dead_lettered_at": letter.dead_lettered_at,
        "details": letter.headers.get("x-kompeten-details"),
        "body": letter.body.decode("utf-8", errors="replace")}, indent=2, default=str))


@main.command()
@click.argument("event_id", required=False)
@click.option("--all", "everything", is_flag=True, help="every message of --queue")
@click.option("--queue", help="the dead-letter queue (found by event id when omitted)")
@click.option("--by", required=True, help="who replays, for the audit record")
@click.pass_obj
def replay(ops, event_id, everything, queue, by):
    """Send dead letters back where they came from, after the cause was fixed."""
    if everything == bool(event_id):
        raise click.ClickException("name one EVENT_ID, or --all with --queue")
    if everything and not queue:
        raise click.ClickException("--all needs --queue")
    queue = queue or ops.find(event_id).queue

    def act(connection, letter):
        ops.replay(connection, letter)
        ops.record("replay", letter, by, None)

    done = ops.take(queue, None if everything else {event_id}, act)
    click.echo(f"replayed {len(done)} message(s) from {queue}")


@main.command()
@click.argument("event_id")
@click.option("--by", required=True)
@click.option("--reason", required=True, help="why it is dropped, for the audit record")
@click.pass_obj
def discard(ops, event_id, by, reason):
    """Drop one dead letter for good; the audit record keeps who, why, and a hash of it."""
    queue = ops.find(event_id).queue
    done = ops.take(queue, {event_id},
                    lambda connection, letter: ops.record("discard", letter, by, reason))
    click.echo(f"discarded {len(done)} message(s) from {queue}")


if __name__ == "__main__":
    main()
