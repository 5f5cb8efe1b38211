"""bench/latency.py: the critical path (the chain of dependent steps that ends last), and which
AWS calls wait their latency before they are sent."""

import pytest

from app.downstream import PUBLISHER_CLASSES
from bench.latency import critical_path, is_long_poll, percentile

#: the publishers' graph (publishers/*.py depends_on)
GRAPH = {p.step: p.depends_on for p in PUBLISHER_CLASSES}


def test_the_slowest_step_before_the_summary_decides_its_chain():
    durations = {"calendar": 300, "scc": 520, "guest_page": 40, "crew_page": 50, "crew_email": 60,
                 "summary": 45}  # fmt: skip
    assert critical_path(durations, GRAPH) == (565, ["scc", "summary"])


def test_a_slow_crew_email_makes_the_crew_chain_the_critical_one():
    durations = {"calendar": 300, "scc": 320, "guest_page": 40, "crew_page": 50, "crew_email": 400,
                 "summary": 45}  # fmt: skip
    assert critical_path(durations, GRAPH) == (450, ["crew_page", "crew_email"])


def test_steps_that_did_not_run_take_no_time():
    assert critical_path({"scc": 200}, GRAPH) == (200, ["scc", "summary"])
    assert critical_path({}, {}) == (0.0, [])


def test_nearest_rank_percentiles():
    values = list(range(1, 61))  # 1..60
    assert percentile(values, 0.95) == 57
    assert percentile(values, 0.5) == 30
    assert percentile([7.0], 0.95) == 7.0


def prepared(operation: str, **params: object) -> object:
    """The request botocore would send for an SQS call (caught before it is sent)."""
    import boto3

    client = boto3.client(
        "sqs",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        endpoint_url="http://127.0.0.1:9",
    )
    caught: list[object] = []

    class Caught(Exception):
        pass

    def catch(request: object, **_: object) -> None:
        caught.append(request)
        raise Caught

    client.meta.events.register("before-send.sqs.*", catch)
    with pytest.raises(Caught):
        getattr(client, operation)(QueueUrl="http://127.0.0.1:9/1/q", **params)
    return caught[0]


def test_only_a_receive_waits_its_latency_before_it_is_sent():
    assert is_long_poll(prepared("receive_message", WaitTimeSeconds=5))
    entries = [{"Id": "1", "ReceiptHandle": "r"}]
    assert not is_long_poll(prepared("delete_message_batch", Entries=entries))
    assert not is_long_poll(prepared("send_message", MessageBody="x"))
