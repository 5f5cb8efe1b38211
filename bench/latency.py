"""bench/latency.py: enqueue-to-done of new bookings, beside the step graph's critical path.

Run by hand: ``.venv/bin/python bench/latency.py [--emails 60] [--interval 1.0]``.

The worker is the real one (``build_worker`` with the default publishers: calendar and SCC over
HTTP, guest and crew pages to S3, crew emails and the summary through SES, delivery logs in the
state table), in a child process of its own. The systems it talks to answer at realistic speeds:

* the sandbox calendar and SCC (in this process) wait 150-400 ms before each answer
  (``RecordsApi.latency``, uniform), as the dashboard Lambda and SCC do across the internet;
* each AWS call takes, in all, a latency drawn for its service (in the child only, around
  ``botocore.endpoint.Endpoint._send``): S3 10-40 ms, SES 20-60 ms, SQS 10-30 ms, DynamoDB
  5-15 ms, about what those calls take from Fargate in the same region, the service's own work
  included. moto's server (in this process) is not instant: it takes 5-17 ms a request here
  (its services are Python behind werkzeug), more on a loaded machine. So the child sends each
  call at once and, once it is answered, waits out what moto did not take of the draw: moto's
  time is inside the drawn latency, not added to it (before 2026-12-07 the draw was waited
  before sending and moto's time came on top: 27 ms p50, 45 ms p95 a booking beyond the
  critical path, and about as much inside it, none of it anything production has). A
  ``ReceiveMessage`` still waits its draw before it is sent: a long poll is sent before the
  message arrives, and its answer comes when the message does.

New bookings arrive one every ``--interval`` seconds (no queueing: the latency of one booking,
not of a backlog). For each booking the bench takes, from the worker's own log:

* enqueue-to-done: SQS SentTimestamp to the ``message settled`` line (the message deleted);
* the guest page up: SentTimestamp to the end of the guest_page step;
* the critical path: the longest chain of dependent steps, each step's duration as it ran for
  that booking (publishers' ``depends_on``: today max(calendar, scc, guest_page, crew_page) +
  summary, or crew_page + crew_email).

Target (issue 21): p95 of enqueue-to-done within 1.1x the p95 of the critical path.
"""

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.worker import booking_emails, sender  # noqa: E402

#: seconds each request waits before an answer (uniform in the range)
RECORDS_LATENCY = (0.150, 0.400)
#: per botocore endpoint prefix (sesv2's is "email")
AWS_LATENCY: Mapping[str, tuple[float, float]] = {
    "s3": (0.010, 0.040),
    "email": (0.020, 0.060),
    "sqs": (0.010, 0.030),
    "dynamodb": (0.005, 0.015),
}
TARGET_RATIO = 1.1  # issue 21 (1.2 before)


def critical_path(
    durations: Mapping[str, float], depends_on: Mapping[str, Sequence[str]]
) -> tuple[float, list[str]]:
    """The longest chain of dependent steps: its total duration and the steps along it.

    A step starts when the last of the steps it depends on ends, so the chain that ends last
    decides when the booking is done; steps not in ``durations`` (not run) take no time.
    """
    finish: dict[str, tuple[float, list[str]]] = {}

    def end(step: str) -> tuple[float, list[str]]:
        if step not in finish:
            before = max((end(d) for d in depends_on.get(step, ())), default=(0.0, []))
            finish[step] = (before[0] + durations.get(step, 0.0), [*before[1], step])
        return finish[step]

    return max((end(step) for step in depends_on), default=(0.0, []))


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 60 values is the 57th smallest)."""
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[max(0, rank - 1)]


# --- the child: the worker, its AWS calls delayed --------------------------------------------


def delay_aws_calls(latency: Mapping[str, tuple[float, float]]) -> None:
    """Every AWS request takes its service's latency in all, moto's own time included; a long
    poll waits it before it is sent (bench only: see the module's docstring)."""
    from botocore.endpoint import Endpoint

    send = getattr(Endpoint, "_send")  # noqa: B009 - private: the stubs do not declare it

    def delayed(self: Endpoint, request: Any) -> Any:
        low, high = latency.get(getattr(self, "_endpoint_prefix", ""), (0.0, 0.0))
        drawn = random.uniform(low, high)
        if is_long_poll(request):
            time.sleep(drawn)
            return send(self, request)
        sent = time.monotonic()
        try:
            return send(self, request)
        finally:
            time.sleep(max(0.0, drawn - (time.monotonic() - sent)))

    setattr(Endpoint, "_send", delayed)  # noqa: B010


def is_long_poll(request: Any) -> bool:
    """An SQS ``ReceiveMessage`` (JSON protocol: named in ``X-Amz-Target``)."""
    target = request.headers.get("X-Amz-Target", b"")
    return (target.decode() if isinstance(target, bytes) else str(target)).endswith(
        ".ReceiveMessage"
    )


def child() -> int:
    from app.compose import build_worker
    from app.metrics import Metrics, stdout_lines
    from app.settings import load_settings
    from aws.logs import configure_logging
    from worker.orchestrate import StepRun

    class StepsByBooking(Metrics):
        """The worker's metrics, and each step run with its booking (for the critical path)."""

        def step(self, run: StepRun) -> None:
            super().step(run)
            line = {"event": "bench step", "booking_key": run.booking_key, "step": run.step}
            ended = {"ms": run.seconds * 1000, "failed": run.failed, "ended_at": time.time()}
            write(json.dumps({**line, **ended}))

    settings = load_settings()
    configure_logging("INFO", stream=open(os.environ["BENCH_LOG"], "w"))  # noqa: SIM115
    write = stdout_lines()
    delay_aws_calls(AWS_LATENCY)
    worker = build_worker(settings, metrics=StepsByBooking(settings.metrics_namespace))
    signal.signal(signal.SIGTERM, lambda *_: worker.signal_shutdown())
    worker.run()
    os._exit(0)


# --- the parent: moto, the sandboxes, the paced emails, the numbers -----------------------------


def read_log(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, float]]]:
    """``message settled`` lines by booking, and step durations (ms) by booking and step; the
    time each step ended (epoch seconds) as ``<step>@``."""
    settled: dict[str, dict[str, Any]] = {}
    steps: dict[str, dict[str, float]] = defaultdict(dict)
    for text in path.read_text().splitlines():
        if not text.startswith("{"):
            continue
        line = json.loads(text)
        if line.get("event") == "message settled" and line.get("booking_key"):
            settled[line["booking_key"]] = line
        elif line.get("event") == "bench step":
            steps[line["booking_key"]][line["step"]] = line["ms"]
            steps[line["booking_key"]][line["step"] + "@"] = line["ended_at"]
    return settled, steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=60)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between emails")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return child()

    import secrets

    from app.downstream import PUBLISHER_CLASSES
    from sandbox.aws import running_moto
    from sandbox.downstream import running_downstream
    from sandbox.stack import provision

    graph = {p.step: p.depends_on for p in PUBLISHER_CLASSES}
    out = ROOT / "artifacts" / "bench-latency"
    out.mkdir(parents=True, exist_ok=True)
    log = out / "worker.log"
    emails = booking_emails(args.emails, seed=12)
    with (
        running_moto(keep_alive=True) as moto,  # AWS keeps connections open
        running_downstream(bcrypt_rounds=4) as downstream,
    ):
        downstream.calendar.latency = RECORDS_LATENCY
        downstream.scc.latency = RECORDS_LATENCY
        stack = provision()
        env = {
            **os.environ,
            **moto.env(),
            **stack.env(poll_wait_seconds=5),
            **downstream.settings_env(),
            "CHARTERHAND_LINK_SIGNING_KEY": secrets.token_urlsafe(32),
            "BENCH_LOG": str(log),
            "PYTHONPATH": str(ROOT),
        }
        command = [sys.executable, str(Path(__file__).resolve()), "--child"]
        proc = subprocess.Popen(command, env=env)
        time.sleep(3)  # the worker's start-up is not a booking's latency
        send = sender(stack)
        for raw in emails:
            send(raw)
            time.sleep(args.interval)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(read_log(log)[0]) < len(emails):
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    settled, steps = read_log(log)
    done = {b: line for b, line in settled.items() if line["outcome"] == "done"}
    rows = []
    guest_page = []
    for booking, line in done.items():
        path_ms, path = critical_path(steps[booking], graph)
        rows.append((line["since_enqueue_ms"], path_ms, " → ".join(path)))
        settled_at = datetime.fromisoformat(line["timestamp"]).timestamp()
        enqueued_at = settled_at - line["since_enqueue_ms"] / 1000
        guest_page.append((steps[booking]["guest_page@"] - enqueued_at) * 1000)
    e2e = [r[0] for r in rows]
    paths = [r[1] for r in rows]
    overhead = [r[0] - r[1] for r in rows]
    chains: dict[str, int] = defaultdict(int)
    for row in rows:
        chains[row[2]] += 1
    print(f"{len(done)}/{len(emails)} new bookings done, one every {args.interval:g} s")
    print(
        f"enqueue-to-done: p50 {statistics.median(e2e):.0f} ms, p95 {percentile(e2e, 0.95):.0f}"
        f" ms, max {max(e2e):.0f} ms"
    )
    print(
        f"guest page up:   p50 {statistics.median(guest_page):.0f} ms, "
        f"p95 {percentile(guest_page, 0.95):.0f} ms after enqueue"
    )
    print(
        f"critical path:   p50 {statistics.median(paths):.0f} ms, "
        f"p95 {percentile(paths, 0.95):.0f} ms, max {max(paths):.0f} ms"
    )
    ratio = percentile(e2e, 0.95) / percentile(paths, 0.95)
    verdict = "✓" if ratio <= TARGET_RATIO else "✗"
    print(f"p95 ratio: {ratio:.2f} (target ≤ {TARGET_RATIO}) {verdict}")
    print(
        f"beyond the path, per booking: p50 {statistics.median(overhead):.0f} ms, "
        f"p95 {percentile(overhead, 0.95):.0f} ms"
    )
    for chain, count in sorted(chains.items(), key=lambda kv: -kv[1]):
        print(f"  critical chain {chain}: {count} bookings")
    for step in graph:
        ran = [s[step] for b, s in steps.items() if step in s and b in done]
        print(f"  {step}: p50 {statistics.median(ran):.0f} ms, p95 {percentile(ran, 0.95):.0f} ms")
    return 0 if len(done) == len(emails) else 1


if __name__ == "__main__":
    sys.exit(main())
