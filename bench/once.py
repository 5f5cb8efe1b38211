"""bench/once.py: the exactly-once figures of issue 11 (points 5-7), under the same faults.

Run by hand: ``.venv/bin/python bench/once.py [--bookings 20] [--emails-bookings 100]``.
moto's server and the sandboxes run in this process. Prints three figures:

1. **bookings with two live records** (calendar and SCC): each booking's first create hangs past
   the client's timeout (the worker gives up) and the system still completes it late; a newer
   email's sync runs either while that create is still in flight or after it landed (half each);
   a booking counts when its system then holds more than one live record;
2. **bookings left live after their cancellation arrived**: each booking is confirmed, then
   another worker holds its lease (8 s) while its cancellation arrives; one in-process worker
   (3 receives budget, retries after 1-2 s) works the queue until it is empty; a booking counts
   when its stored state or its calendar step is not cancelled at the end;
3. **emails duplicated / lost under 10 % lost SES answers**: crew emails and the manager summary
   for N bookings through the real publishers, the state-table delivery log and SES (moto behind
   ``sandbox.ses.SesStandIn``: after SES accepted, 10 % of answers are a 500 or a dropped
   connection; SES events published at once); every failed publish is retried, as the worker's
   redelivery would, until it succeeds. Duplicates = emails SES accepted beyond one per
   (booking, recipient, kind); lost = expected emails SES never accepted;
4. **the same with a change arriving at once** (issue 18, point 5): each booking's crew emails
   are tried once on its first state, then (as the worker would, the step not published) on a
   changed state until they succeed; with the SES events queue, and without it (no event ever
   recorded: a lost send waits out ``report_wait_seconds``, 900 s, longer than the run, so its
   retries stop after 20 tries and count as *waiting*). Duplicates as above.

Runs against an older checkout too (``PYTHONPATH=<old tree> python bench/once.py``, with this
file and ``sandbox/ses.py`` copied in): what the old code lacks is skipped, not faked.
"""

import argparse
import contextlib
import importlib
import os
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402

from app.compose import Clients, build_worker  # noqa: E402
from bookings import CharterhandError, Kind, MarginPolicy, Waiting, default_fleet  # noqa: E402
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api  # noqa: E402
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings  # noqa: E402
from publishers.scc import SccPublisher, scc_api  # noqa: E402
from publishers.summary import SummaryPublisher, SummarySettings  # noqa: E402
from publishers.transport.http import HttpPolicy, JsonHttp  # noqa: E402
from publishers.transport.mail import Mailer  # noqa: E402
from sandbox.aws import running_moto  # noqa: E402
from sandbox.downstream import running_downstream  # noqa: E402
from sandbox.ses import SesStandIn, serving  # noqa: E402
from sandbox.stack import SENDING_DOMAIN, provision  # noqa: E402
from sandbox.table import create_table  # noqa: E402
from state.deliveries import DynamoDeliveryLog  # noqa: E402
from state.store import StateStore  # noqa: E402
from tests.support.leases import take_lease  # noqa: E402
from tests.support.mail import EventMailReader, email_for, event  # noqa: E402
from tests.support.pipeline import send_raw  # noqa: E402
from tests.support.publishing import MemoryLinkIssuer, booking, context, lifecycle  # noqa: E402
from tests.support.recording import Recorder, recording_publishers  # noqa: E402


def letters(prefix: str, n: int) -> str:
    """A Boatsetter-shaped booking id (seven lowercase letters) for booking ``n``."""
    tail = ""
    for _ in range(6):
        n, digit = divmod(n, 26)
        tail = chr(ord("a") + digit) + tail
    return prefix + tail


def optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# --- 1. two live records ---------------------------------------------------------------------


def two_live_records(bookings: int) -> dict[str, int]:
    counts = {}
    with running_downstream(bcrypt_rounds=4) as systems:
        http = JsonHttp(HttpPolicy(timeout=0.3, connect_timeout=0.3, retries=0))
        calendar = CalendarPublisher(
            calendar_api(
                CalendarConfig(base_url=systems.calendar.base_url),
                token=lambda: systems.dashboard_token,
                http=http,
            )
        )
        scc = SccPublisher(
            scc_api(systems.scc.base_url, lambda: systems.scc_service_key, http), default_fleet()
        )
        for name, publisher, server in (
            ("calendar", calendar, systems.calendar),
            ("scc", scc, systems.scc),
        ):
            doubled = 0
            for n in range(bookings):
                key = f"boatsetter:{letters('b', n)}"
                new, modified, _ = lifecycle()
                new = new.model_copy(update={"key": key, "booking_id": key[11:]})
                modified = modified.model_copy(update={"key": key, "booking_id": key[11:]})
                posts = len([r for r in server.requests if r["method"] == "POST"])
                server.faults.hang(0.8, method="POST")
                # the worker gives up on the create; the system completes it late
                with contextlib.suppress(CharterhandError):
                    publisher.publish(context(publisher, new))
                if n % 2:  # the newer email's sync after the late create landed
                    while len([r for r in server.requests if r["method"] == "POST"]) == posts:
                        time.sleep(0.02)
                with contextlib.suppress(CharterhandError):
                    publisher.publish(context(publisher, modified, previous=new))
                # every create answered, the late one included (in flight: the sync made one too)
                creates = posts + (1 if n % 2 else 2)
                while len([r for r in server.requests if r["method"] == "POST"]) < creates:
                    time.sleep(0.02)
                live = [r for r in server.records_for(key) if r["status"] != "cancelled"]
                doubled += len(live) > 1
            counts[name] = doubled
        http.close()
    return counts


# --- 2. cancellations left live --------------------------------------------------------------


def left_live(bookings: int, tmp: Path) -> tuple[int, int]:
    stack = provision(max_receive_count=3)
    recorder = Recorder(path=tmp / "calls.jsonl")
    settings = stack.settings(
        forwarder_allowlist=["dana@sailjada.com"],
        poll_wait_seconds=0,
        retry_base_seconds=1,
        retry_max_seconds=2,
        max_receive_count=3,
    )
    worker = build_worker(
        settings,
        Clients.from_environment(),
        publishers=recording_publishers(recorder),
        reader=EventMailReader(),
    )
    store = StateStore(stack.table_name, boto3.client("dynamodb"))
    sqs = boto3.client("sqs")
    ids = [letters("c", n) for n in range(bookings)]

    def drain(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            attrs = sqs.get_queue_attributes(QueueUrl=stack.queue_url, AttributeNames=["All"])
            left = sum(
                int(attrs["Attributes"][name])
                for name in (
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                )
            )
            if not left:
                return
            worker._run_once(wait_seconds=1)
            worker.wait_idle(10)

    for booking_id in ids:
        send_raw(stack, email_for(event(Kind.CONFIRMED, booking_id=booking_id)))
    drain(60)
    for booking_id in ids:
        take_lease(store, f"boatsetter:{booking_id}", owner="busy-worker/1", seconds=8)
        send_raw(stack, email_for(event(Kind.CANCELLED, booking_id=booking_id, as_of_minutes=60)))
    drain(90)
    worker.signal_shutdown()
    worker.stop()
    live = 0
    calendar_last = {e["booking"]: e["input"]["status"] for e in recorder.completed("calendar")}
    for booking_id in ids:
        state = store.load(f"boatsetter:{booking_id}").booking
        key = f"boatsetter:{booking_id}"
        live += state is None or state.status is not Kind.CANCELLED
        live += (
            state is not None
            and state.status is Kind.CANCELLED
            and (calendar_last.get(key) != "cancelled")
        )
    dead = 0
    while True:
        got = sqs.receive_message(QueueUrl=stack.dlq_url, MaxNumberOfMessages=10).get("Messages")
        if not got:
            break
        dead += len(got)
        for m in got:
            sqs.delete_message(QueueUrl=stack.dlq_url, ReceiptHandle=m["ReceiptHandle"])
    return live, dead


# --- 3. emails under lost SES answers ---------------------------------------------------------


def emails(
    bookings: int,
    moto_url: str,
    lose_ratio: float,
    seed: int,
    *,
    change: bool = False,
    events: bool = True,
) -> dict[str, Any]:
    os.environ.pop("AWS_ENDPOINT_URL_SESV2", None)  # a stand-in of an earlier run is gone
    table = f"once-{random.randrange(10**6)}"
    create_table(boto3.client("dynamodb"), table)
    boto3.client("sesv2").create_email_identity(EmailIdentity=SENDING_DOMAIN)
    sqs = boto3.client("sqs")
    events_queue = sqs.create_queue(QueueName=f"{table}-ses-events")["QueueUrl"]
    ses_events = optional("worker.ses_events")
    event_log = optional("state.ses_events")
    consumer = (
        ses_events.SesEventConsumer(sqs, events_queue, event_log.SesEventLog(table))
        if ses_events and event_log and events
        else None
    )
    stand_in = SesStandIn(moto_url, sqs=sqs, events_queue_url=events_queue, lose_ratio=lose_ratio)
    stand_in._random.seed(seed)
    attempts = Counter[str]()
    waiting = Counter[str]()
    with serving(stand_in):
        os.environ["AWS_ENDPOINT_URL_SESV2"] = stand_in.base_url
        deliveries = DynamoDeliveryLog(table, boto3.client("dynamodb"))
        fleet = default_fleet()
        crew = CrewEmailPublisher(
            fleet,
            CrewEmailSettings(
                from_address=f"crew@{SENDING_DOMAIN}",
                manager_address="manager@example.com",
                links_api_base_url="https://links.example",
            ),
            MemoryLinkIssuer(),
            Mailer(),  # as the worker builds it
            deliveries,
        )
        summary = SummaryPublisher(
            fleet,
            MarginPolicy(),
            SummarySettings(f"charterhand@{SENDING_DOMAIN}", "manager@example.com"),
            deliveries,
            mailer=Mailer(),
        )
        upstream = {"crew_page": {"url": "https://site.example/crew/x.html"}}

        def publish(publisher: Any, state: Any, tries: int = 50, **given: Any) -> Any:
            ctx = context(publisher, state, upstream=upstream, **given)
            for _ in range(tries):
                attempts[publisher.step] += 1
                try:
                    return publisher.publish(ctx)
                except Waiting:
                    if consumer is None:  # nothing will settle it within this run
                        time.sleep(0.01)
                except CharterhandError:
                    pass
                if consumer is not None:  # the worker's own consumer, meanwhile
                    consumer.poll_once(wait_seconds=0)
            if tries == 1:  # a first try that failed: the step stays unpublished
                return None
            if consumer is None:
                waiting[publisher.step] += 1
                return None
            raise AssertionError("never published")

        def one(n: int) -> None:
            state = booking(key=f"boatsetter:{letters('e', n)}", booking_id=letters("e", n))
            if not change:
                publish(crew, state)
                publish(summary, state)
                return
            _, modified, _ = lifecycle()
            later = modified.model_copy(update={"key": state.key, "booking_id": state.booking_id})
            ids = publish(crew, state, tries=1)  # the booking's first state, tried once
            given = {"previous": state, "ids": ids} if ids is not None else {}
            publish(crew, later, tries=20, **given)  # its change, arriving at once

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(one, range(bookings)))
    per_email = Counter((a.booking, a.to, a.kind) for a in stand_in.accepted)
    expected = {
        (f"boatsetter:{letters('e', n)}", to, "new")
        for n in range(bookings)
        for to in ("Sam Rivera <sam@example.com>", "Alex Chen <alex@example.com>")
    }
    if not change:
        expected |= {
            (f"boatsetter:{letters('e', n)}", "manager@example.com", "new") for n in range(bookings)
        }
    lost_answers = sum(1 for a in stand_in.accepted if a.answer != "ok")
    return {
        "expected": len(expected),
        "accepted": len(stand_in.accepted),
        "duplicated": sum(max(0, c - 1) for c in per_email.values()),
        "emails_sent_twice_or_more": sum(1 for c in per_email.values() if c > 1),
        "lost": len(expected - set(per_email)),
        "answers_lost": lost_answers,
        "publish_attempts": dict(attempts),
        **({"still_waiting_for_ses": dict(waiting)} if consumer is None else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bookings", type=int, default=20)
    parser.add_argument("--emails-bookings", type=int, default=100)
    parser.add_argument("--lose", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    import tempfile

    from aws.logs import configure_logging

    configure_logging("WARNING")
    with running_moto() as moto, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        print("1. bookings with two live records:", two_live_records(args.bookings), flush=True)
        live, dead = left_live(args.bookings, Path(tmp))
        print(
            f"2. bookings left live after their cancellation arrived: {live} of {args.bookings}"
            f" (dead-lettered: {dead})",
            flush=True,
        )
        moto.reset()
        result = emails(args.emails_bookings, moto.endpoint_url, args.lose, args.seed)
        print(f"3. emails under {args.lose:.0%} lost SES answers: {result}", flush=True)
        for events in (True, False):
            moto.reset()
            result = emails(
                args.emails_bookings,
                moto.endpoint_url,
                args.lose,
                args.seed,
                change=True,
                events=events,
            )
            queue = "with" if events else "without"
            print(
                f"4. crew emails, a change arriving at once, {args.lose:.0%} lost answers, "
                f"{queue} the SES events queue: {result}",
                flush=True,
            )
        print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
