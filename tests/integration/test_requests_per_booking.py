"""Issue 21: what one new booking costs in requests, counted (not timed), through the real worker
with its default publishers: moto for AWS, the sandbox calendar and SCC over HTTP.

The count is botocore's: one ``before-send`` event per request on every client the worker has,
retries included. The confirmed sample has two crew members with an address, so a new booking
sends three emails (two crew, one summary).
"""

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from structlog.testing import capture_logs

from app.compose import Clients, build_worker
from bench.worker import booking_emails
from sandbox.downstream import Downstream, running_downstream
from sandbox.ingest import ingest
from state import keys
from state.once import Status
from state.store import StateStore

#: what one new booking costs now, the receive that brought it included (it was 31 on main before
#: issue 21: a lane read before each send, robots.txt on each page, a write per step result).
#: A done message no longer writes the shared DLQ limit's ``end_streak`` while no run of dead
#: letters is known (worker/intake.py; the look at the record before a receive, once per 5 s, is
#: a GetItem shared by the bookings of those 5 s). This lone booking pays a whole receive and a
#: whole delete batch. The crew email step writes both members' sending marks and crew tokens in
#: one transaction and both sends' records in another (19 → 15: four PutItem and two UpdateItem
#: became two TransactWriteItems). A run's delivery records (the crew's and the summary's) are
#: written together at the run's end, beside the booking's last write (15 → 14: the summary's
#: UpdateItem joined the crew's records' TransactWriteItems)
MOST_REQUESTS = 14


@pytest.fixture
def systems() -> Iterator[Downstream]:
    with running_downstream(bcrypt_rounds=4) as running:
        yield running


def counted_worker(
    stack: Any, systems: Downstream, fault: Callable[..., None] | None = None
) -> tuple[Any, Counter[str]]:
    settings = stack.settings(
        poll_wait_seconds=0,
        retry_base_seconds=0,
        calendar_transport="http",
        calendar_base_url=systems.calendar.base_url,
        dashboard_token=systems.dashboard_token,
        scc_base_url=systems.scc.base_url,
        scc_service_key=systems.scc_service_key,
        link_signing_key=secrets.token_urlsafe(32),
    )
    requests: Counter[str] = Counter()
    calls: list[str] = []

    def count(event_name: str, **_: Any) -> None:
        requests[event_name.split(".", 2)[2]] += 1
        calls.append(event_name)

    clients = Clients.from_environment()
    for client in (clients.sqs, clients.s3, clients.dynamodb, clients.sesv2, clients.cloudfront):
        assert client is not None
        client.meta.events.register("before-send", count)
    if fault is not None:
        clients.dynamodb.meta.events.register("before-send.dynamodb", fault)
    worker = build_worker(settings, clients)
    requests.clear()  # start-up (secrets, queue attributes) is not the booking's
    worker.calls = calls  # type: ignore[attr-defined]
    return worker, requests


def send_bookings(stack: Any, sqs: Any, count: int, seed: int) -> None:
    for raw in booking_emails(count, seed=seed):
        ingest(
            raw,
            s3=boto3.client("s3"),
            sqs=sqs,
            bucket=stack.inbound_bucket,
            prefix="raw/",
            queue_url=stack.queue_url,
        )


def test_a_new_booking_costs_at_most_14_aws_requests(stack, systems, sqs):
    """A worker that has published a booking before (robots.txt written, connections open), then
    one new booking: every request it makes for it, the receive that brought it included (empty
    receives while idle are not the booking's)."""
    worker, requests = counted_worker(stack, systems)
    calls = worker.calls
    try:
        for seed in (1, 2):
            requests.clear()
            calls.clear()
            send_bookings(stack, sqs, 1, seed=seed)
            while not worker._run_once(wait_seconds=1):
                pass
            assert worker.wait_idle(30)
    finally:
        worker.stop()

    assert requests["SendEmail"] == 3  # the booking went all the way: two crew, one summary
    assert len(systems.calendar.records) == len(systems.scc.records) == 2
    receives = min(requests.pop("ReceiveMessage"), 1)
    assert sum(requests.values()) + receives <= MOST_REQUESTS, " ".join(calls)
    assert requests["Query"] == 0  # no lane read before a first send: the mark's answer is it
    assert requests["PutObject"] == 3  # guest page, its .ics, crew page; no robots.txt again
    # the crew's marks and tokens together, then every send's record (crew and summary) together
    assert requests["TransactWriteItems"] == 2
    # every step result in one write with the release; no DLQ-limit write
    assert requests["UpdateItem"] == 1
    assert requests["PutItem"] == 1 + 1  # state and lease; the summary's mark


def test_robots_txt_is_written_once_per_process(stack, systems, sqs):
    worker, requests = counted_worker(stack, systems)
    send_bookings(stack, sqs, 2, seed=3)
    try:
        worker.run(once=True)
    finally:
        worker.stop()

    site = boto3.client("s3").list_objects_v2(Bucket=stack.site_bucket)["Contents"]
    assert {"robots.txt", "404.html"} <= {o["Key"] for o in site}
    assert requests["SendEmail"] == 6
    assert requests["PutObject"] == 2 * 3 + 2  # three per booking; robots.txt and 404.html once


def test_a_refused_records_write_costs_the_booking_nothing_and_its_marks_stay(stack, systems, sqs):
    """The run's delivery records are written in one request beside the booking's last write;
    that request never gets through (every attempt): the message still ends done, every step
    recorded, and the three sends' marks stay in progress, for SES's events to settle."""
    refused: list[str] = []

    def records_write_never_connects(event_name: str, request: Any, **_: Any) -> None:
        if event_name.endswith("TransactWriteItems"):
            items = json.loads(request.body)["TransactItems"]
            if all("Update" in item for item in items):  # completions, not marks (Put)
                refused.append(event_name)
                raise EndpointConnectionError(endpoint_url=request.url)

    worker, requests = counted_worker(stack, systems, records_write_never_connects)
    send_bookings(stack, sqs, 1, seed=4)
    try:
        with capture_logs() as logs:
            worker.run(once=True)
            assert worker.wait_idle(30)
    finally:
        worker.stop()

    assert refused  # the records write was tried, and refused
    assert requests["SendEmail"] == 3
    assert requests["DeleteMessageBatch"] == 1  # done, not retried
    left = sqs.get_queue_attributes(
        QueueUrl=stack.queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert left["ApproximateNumberOfMessagesNotVisible"] == "0"
    items = boto3.client("dynamodb").scan(TableName=stack.settings().table_name)["Items"]
    marks = [i for i in items if i["pk"]["S"].startswith(keys.DELIVERY)]
    assert len(marks) == 3
    assert {m["status"]["S"] for m in marks} == {Status.IN_PROGRESS}
    [booking_key] = {
        m["pk"]["S"].split(":", 1)[1].rsplit(":", 1)[0] for m in marks if "summary:" in m["pk"]["S"]
    }
    booking = StateStore(stack.settings().table_name, boto3.client("dynamodb")).load(booking_key)
    assert booking.emails  # every step in: the email remembered on the booking, lease back
    assert booking.lease_owner is None
    for step in ("crew_email", "summary"):
        assert booking.step(step).published_hash
        assert booking.step(step).external_ids
    warned = [e for e in logs if e["log_level"] == "warning" and "delivery records" in e["event"]]
    assert [(e["records"], e["booking"], "@" in json.dumps(e)) for e in warned] == [
        (3, booking_key, False)
    ]
