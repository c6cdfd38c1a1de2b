"""A quorum queue on a three-node cluster keeps every confirmed message when a node stops:
the durability the production definitions (deploy/rabbitmq/definitions.json) rely on."""

import uuid

import pytest
from kombu import Connection, Queue
from kompeten_deploy import rabbit_cluster

pytestmark = pytest.mark.cluster
MESSAGES = 500


@pytest.fixture(scope="module")
def cluster():
    try:
        nodes = rabbit_cluster.start()
    except RuntimeError as exc:
        pytest.fail(f"the three-node cluster did not start: {exc}")
    yield nodes
    rabbit_cluster.stop()


def test_a_quorum_queue_keeps_every_confirmed_message_when_a_node_stops(cluster):
    first, second, third = cluster
    assert sorted(rabbit_cluster.running(second)) == sorted(n.name for n in cluster)
    queue = Queue(f"certificate.quorum-{uuid.uuid4().hex[:6]}", durable=True,
                  queue_arguments={"x-queue-type": "quorum"})
    sent = [str(n) for n in range(MESSAGES)]
    with Connection(first.amqp_uri, transport_options={"confirm_publish": True}) as connection:
        queue(connection.default_channel).declare()
        producer = connection.Producer()
        for body in sent:  # each publish returns once the quorum has confirmed it
            producer.publish(body, routing_key=queue.name, delivery_mode=2, declare=[])

    rabbit_cluster.stop_node(first)
    assert first.name not in rabbit_cluster.running(second)

    received = []
    with Connection(second.amqp_uri) as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue.name, no_ack=True)) is not None:
            received.append(message.body.decode() if isinstance(message.body, bytes)
                            else message.body)
        # and it still takes new work: confirmed once the two nodes left hold it (unconfirmed,
        # a get at once could come before the quorum had committed it)
        with Connection(third.amqp_uri, transport_options={"confirm_publish": True}) as other:
            other.Producer().publish("after", routing_key=queue.name, delivery_mode=2)
        assert channel.basic_get(queue.name, no_ack=True).body in (b"after", "after")
    assert received == sent
