"""bench/worker.py: one worker process draining a backlog of booking emails from moto's server.

Run by hand: ``.venv/bin/python bench/worker.py [--emails 100] [--publishers default|instant]``.
Moto, the sandbox calendar and SCC run in this process; the worker runs as a child process (the
real worker, real parsers and, by default, the default publishers: calendar and SCC over HTTP,
guest and crew pages to the site bucket, crew emails and the summary through SES, two crew
members per charter), so its CPU time and memory are its own. ``--publishers instant`` swaps in
publishers that do nothing (the worker's own overhead). Measures, in one run:

1. backlog: N distinct new bookings ingested as SES would (S3 + SNS-wrapped notification), then
   drained by one worker (4 threads unless ``--threads``): bookings/s, AWS requests per booking
   by operation (botocore's ``before-send`` hook on every client the worker has), HTTP requests
   to the calendar and SCC per booking (the sandboxes' request logs), worker CPU ms per booking
   (user and system), the worker's own peak memory (its ``VmHWM``: ``ru_maxrss`` survives
   ``execve`` and can be this process's peak, moto's) and RSS growth across the drain;
2. paced: emails arriving at half the drain rate: p50/p95 enqueue-to-done (SQS SentTimestamp to
   the outcome line);
3. baseline: a bare receive-and-delete loop (batches of 10) over N messages on the same queue,
   with its own thread's CPU per request: what one boto3 call costs here, the yardstick for
   how much of the worker's CPU its requests alone account for.

Moto is served with keep-alive, as AWS keeps connections open (``--closing-moto``: moto's own
server, which closes each one, costing the worker a connect and a close per request).

``--cprofile FILE`` runs cProfile on every thread of the backlog's worker (pstats, merged).
``--profile FILE`` samples the backlog's worker with py-spy (``pip install py-spy``; on PATH),
counting only threads that hold the GIL, into collapsed stacks.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import resource
import signal
import statistics
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bookings import Booking  # noqa: E402
from publishers.base import StepContext  # noqa: E402

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

    from sandbox.stack import LocalStack

SAMPLE = ROOT / "tests" / "fixtures" / "emails" / "boatsetter-confirmed.eml"


class Instant:
    """A publisher that does nothing, at once."""

    step: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]] = ()

    def input_of(self, booking: Booking) -> Mapping[str, Any]:
        return booking.model_dump(mode="json", exclude={"as_of"})

    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        return {"id": f"{self.step}-{ctx.booking.booking_id}"}


def instant_publishers() -> list[Instant]:
    """One instant publisher per real step, in the real step graph."""
    from app.downstream import PUBLISHER_CLASSES

    return [
        type(p.step, (Instant,), {"step": p.step, "depends_on": p.depends_on})()
        for p in PUBLISHER_CLASSES
    ]


def sender(
    stack: "LocalStack", s3: "S3Client | None" = None, sqs: "SQSClient | None" = None
) -> Callable[[bytes], None]:
    """Sends one email into the local stack as SES would, over one pair of clients (a client per
    email would add its own start-up to every send)."""
    import boto3

    from sandbox.ingest import ingest

    s3, sqs = s3 or boto3.client("s3"), sqs or boto3.client("sqs")

    def send(raw: bytes) -> None:
        ingest(
            raw,
            s3=s3,
            sqs=sqs,
            bucket=stack.inbound_bucket,
            prefix="raw/",
            queue_url=stack.queue_url,
        )

    return send


def booking_emails(count: int, seed: int = 7) -> list[bytes]:
    """``count`` copies of the sample confirmation, each for a different booking id."""
    rng = random.Random(seed)
    emails: list[bytes] = []
    ids: set[str] = set()
    while len(emails) < count:
        booking_id = "".join(rng.choice(string.ascii_lowercase) for _ in range(7))
        if booking_id in ids:
            continue
        ids.add(booking_id)
        msg = message_from_bytes(SAMPLE.read_bytes(), policy=default)
        assert isinstance(msg, EmailMessage)
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                text = part.get_content().replace("xhqgmdh", booking_id)
                part.set_content(text, subtype=part.get_content_subtype())
        del msg["Message-ID"]
        msg["Message-ID"] = f"<{booking_id}.confirmed@mail.boatsetter.com>"
        emails.append(msg.as_bytes())
    return emails


# --- the child: one worker process ----------------------------------------------------------------


def child(mode: str, publishers: str = "instant") -> int:
    from app.compose import Clients, build_worker
    from app.settings import load_settings
    from aws.logs import configure_logging

    settings = load_settings()
    configure_logging("INFO", stream=open(os.environ["BENCH_LOG"], "w"))  # noqa: SIM115
    requests: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        requests[event_name.split(".", 2)[2] if event_name.count(".") >= 2 else event_name] += 1

    clients = Clients.from_environment(max_pool_connections=16)  # as the worker makes them
    for client in (
        clients.sqs,
        clients.s3,
        clients.dynamodb,
        clients.sesv2,
        clients.secretsmanager,
        clients.cloudfront,
    ):
        if client is not None:
            client.meta.events.register("before-send", count)
    profiler = _Profiles() if os.environ.get("BENCH_CPROFILE") else None
    main_profile = profiler.new() if profiler else None
    chosen = instant_publishers() if publishers == "instant" else None  # None: the defaults
    worker = build_worker(settings, clients, publishers=chosen)
    requests.clear()  # start-up (secrets) is not a booking's
    signal.signal(signal.SIGTERM, lambda *_: worker.signal_shutdown())
    # the parsers' warm-up (a thread build_worker starts) is a start-up cost, paid once per
    # process: finished and measured apart, so the drain's CPU is the bookings' own
    warm_start = os.times()
    for thread in threading.enumerate():
        if thread.name == "parsers-warm-up":
            thread.join()
    warm_cpu = os.times()
    rss_start = _rss_kb()
    cpu_start = os.times()
    if main_profile is not None:
        main_profile.enable()
    worker.run(once=(mode == "once"))
    cpu_end = os.times()
    if profiler is not None and main_profile is not None:
        main_profile.disable()
        profiler.stop()
    stats = {
        "user_s": cpu_end.user - cpu_start.user,
        "sys_s": cpu_end.system - cpu_start.system,
        "warm_up_s": (warm_cpu.user + warm_cpu.system) - (warm_start.user + warm_start.system),
        "rss_start_kb": rss_start,
        "rss_end_kb": _rss_kb(),
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        # ru_maxrss survives execve on Linux: it can be the parent's peak at fork time; the
        # kernel's high-water mark of this process's own memory is VmHWM
        "vm_hwm_kb": _rss_kb("VmHWM"),
        "requests": dict(requests),
    }
    print(json.dumps(stats), flush=True)
    os._exit(0)


class _Profiles:
    """cProfile on every thread the worker starts from now on (``Thread.run`` wrapped; the
    parsers' warm-up left out: it is measured apart) and on this one, merged into one pstats
    file, ``BENCH_CPROFILE``."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()
        run = threading.Thread.run
        profiles = self

        def profiled(thread: threading.Thread) -> None:
            if thread.name == "parsers-warm-up":
                return run(thread)
            profile = profiles.new()
            profile.enable()
            try:
                return run(thread)
            finally:
                profile.disable()

        threading.Thread.run = profiled  # type: ignore[method-assign,assignment]

    def new(self) -> cProfile.Profile:
        profile = cProfile.Profile(time.thread_time)  # CPU, not waits
        with self.lock:
            self.profiles.append(profile)
        return profile

    def stop(self) -> None:
        with self.lock:
            stats = pstats.Stats(*self.profiles)
        stats.dump_stats(os.environ["BENCH_CPROFILE"])


def _rss_kb(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


# --- the parent: moto, the backlog, the measurements ---------------------------------------------


def run_worker(
    stack: Any,
    env: dict[str, str],
    mode: str,
    log: Path,
    profile: str | None = None,
    publishers: str = "instant",
) -> subprocess.Popen[str]:
    full = {**os.environ, **env, "BENCH_LOG": str(log), "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        mode,
        "--child-publishers",
        publishers,
    ]
    if profile:  # sampled from outside: CPU samples only (py-spy skips idle threads by default)
        command = [
            "py-spy",
            "record",
            "--rate",
            "250",
            "--format",
            "raw",
            "--output",
            profile,
            "--threads",
            "--gil",
            "--",
            *command,
        ]
    return subprocess.Popen(
        command,
        env=full,
        stdout=subprocess.PIPE,
        text=True,
    )


def outcome_lines(log: Path) -> list[dict[str, Any]]:
    lines = [json.loads(t) for t in log.read_text().splitlines() if t.startswith("{")]
    return [line for line in lines if line.get("event") == "message settled"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=100)
    parser.add_argument(
        "--publishers",
        choices=("default", "instant"),
        default="default",
        help="the default publishers against the sandboxes, or ones that do nothing",
    )
    parser.add_argument(
        "--backlog-only", action="store_true", help="no paced run, no bare receive loop"
    )
    parser.add_argument("--threads", type=int, default=4, help="the worker's message threads")
    parser.add_argument(
        "--launch",
        type=int,
        default=0,
        metavar="N",
        help="only measure launch to first settled message (`charterhand worker`), N times",
    )
    parser.add_argument(
        "--launch-from-source",
        action="store_true",
        help="with --launch: leave the tree's bytecode uncompiled (see launch_seconds)",
    )
    parser.add_argument(
        "--cprofile",
        metavar="FILE",
        help="cProfile every thread of the backlog's worker into FILE (pstats; slows it down)",
    )
    parser.add_argument(
        "--closing-moto",
        action="store_true",
        help="serve moto with its own server, which closes every connection (AWS keeps them "
        "open: the default serves it with keep-alive)",
    )
    parser.add_argument("--child")
    parser.add_argument("--child-publishers", default="instant")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="sample the backlog's worker with py-spy (on PATH) into FILE (collapsed stacks)",
    )
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.child_publishers)

    import secrets

    import boto3

    from sandbox.aws import running_moto
    from sandbox.downstream import running_downstream
    from sandbox.stack import provision

    out = ROOT / "artifacts" / "bench-worker"
    out.mkdir(parents=True, exist_ok=True)
    emails = booking_emails(args.emails + args.emails // 5)
    backlog, paced = emails[: args.emails], emails[args.emails :]
    keep_alive = not args.closing_moto
    with (
        running_moto(keep_alive=keep_alive) as moto,
        running_downstream(bcrypt_rounds=4) as downstream,
    ):
        stack = provision()
        env = {
            **moto.env(),
            **stack.env(poll_wait_seconds=1, worker_threads=args.threads),
            **downstream.settings_env(),
            "CHARTERHAND_LINK_SIGNING_KEY": secrets.token_urlsafe(32),
        }
        s3, sqs = boto3.client("s3"), boto3.client("sqs")
        send = sender(stack, s3, sqs)

        if args.launch:
            if not args.launch_from_source:
                compile_tree()
            runs = [launch_seconds(env, send, raw) for raw in emails[: args.launch]]
            print(f"launch to first settled message: {', '.join(f'{r:.2f}' for r in runs)} s")
            return 0

        # 1. backlog
        for raw in backlog:
            send(raw)
        calendar_before, scc_before = (
            len(downstream.calendar.requests),
            len(downstream.scc.requests),
        )
        started = time.perf_counter()
        proc = run_worker(
            stack,
            {**env, "BENCH_CPROFILE": args.cprofile} if args.cprofile else env,
            "once",
            out / "backlog.log",
            args.profile,
            args.publishers,
        )
        stdout, _ = proc.communicate(timeout=1800)
        elapsed = time.perf_counter() - started
        calendar_calls = len(downstream.calendar.requests) - calendar_before
        scc_calls = len(downstream.scc.requests) - scc_before
        stats = json.loads([t for t in stdout.splitlines() if t.startswith("{")][-1])
        lines = outcome_lines(out / "backlog.log")
        done = sum(1 for line in lines if line["outcome"] == "done")
        requests = sum(stats["requests"].values())
        if args.backlog_only:
            latencies: list[float] = []
            base_elapsed = base_cpu_ms = rate = 0.0
        else:
            latencies, rate = paced_run(stack, env, paced, done / elapsed, out, send, args)
            base_elapsed, base_cpu_ms = bare_loop(stack, sqs, args.emails)

    print(
        f"backlog ({args.publishers} publishers): {done}/{len(backlog)} done in {elapsed:.1f} s: "
        f"{done / elapsed:.1f} bookings/s"
    )
    print(
        f"  AWS requests per booking: {requests / done:.2f} "
        f"({', '.join(f'{k} {v / done:.2f}' for k, v in sorted(stats['requests'].items()))})"
    )
    print(
        f"  HTTP requests per booking: calendar {calendar_calls / done:.2f}, "
        f"SCC {scc_calls / done:.2f}"
    )
    cpu_ms = (stats["user_s"] + stats["sys_s"]) * 1000 / done
    print(
        f"  worker CPU per booking: {cpu_ms:.2f} ms (user {stats['user_s'] * 1000 / done:.2f}, "
        f"system {stats['sys_s'] * 1000 / done:.2f})"
        + (
            f"; at the bare loop's CPU per request, the requests alone would be "
            f"{requests / done * base_cpu_ms:.2f} ms"
            if base_cpu_ms
            else ""
        )
    )
    print(
        f"  parsers' warm-up (once per process, apart from the above): "
        f"{stats['warm_up_s'] * 1000:.0f} ms CPU"
    )
    print(
        f"  worker memory: RSS start {stats['rss_start_kb'] / 1024:.1f} MiB, end "
        f"{stats['rss_end_kb'] / 1024:.1f} MiB (growth "
        f"{(stats['rss_end_kb'] - stats['rss_start_kb']) / 1024:.1f} MiB), "
        f"peak (VmHWM, its own) {stats['vm_hwm_kb'] / 1024:.1f} MiB"
    )
    if latencies:
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(
            f"paced: {len(latencies)} emails at {rate:.1f}/s: enqueue-to-done p50 {p50:.0f} ms, "
            f"p95 {p95:.0f} ms"
        )
        print(
            f"baseline receive-and-delete: {args.emails / base_elapsed:.1f} messages/s, "
            f"{base_cpu_ms:.2f} ms CPU per request"
        )
    return 0 if done == len(backlog) else 1


def compile_tree() -> None:
    """The tree's own packages and templates compiled (``__pycache__``), as the image is at
    build and as any checkout is after its first run: with ``PYTHONDONTWRITEBYTECODE`` set (as
    in the sessions this was measured in), every launch would otherwise compile our ~200
    modules from source (~0.1 s) and the first booking its templates (~50 ms), costs no
    deployment pays (``--launch-from-source`` keeps them)."""
    import compileall

    packages = "aws bookings parsers publishers templates state trust audit worker app ops api"
    for package in [*packages.split(), "commands"]:
        compileall.compile_dir(ROOT / package, quiet=1)
    compile_templates = [sys.executable, "-c", "import templates; templates.warm_up()"]
    written = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}  # templates.CompiledTemplates
    subprocess.run(compile_templates, cwd=ROOT, env=written, check=True, timeout=120)


def launch_seconds(env: dict[str, str], send: Callable[[bytes], None], raw: bytes) -> float:
    """One email on the queue, then ``charterhand worker`` launched: seconds from the launch to
    its ``message settled`` line (the process's start-up, imports and clients included; the
    tree's bytecode compiled first, :func:`compile_tree`); the worker's own CPU time by then is
    printed beside it (what a quiet core would take)."""
    send(raw)
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "commands.main", "worker"],
        env=full,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if os.environ.get("BENCH_LAUNCH_LINES"):  # each line's arrival, for a breakdown
                print(f"  {time.perf_counter() - started:6.3f} s  {line.strip()[:150]}")
            if "message settled" in line:
                elapsed = time.perf_counter() - started
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()
                cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                print(f"  launch: {elapsed:.2f} s, the worker's CPU by then {cpu:.2f} s")
                return elapsed
        raise RuntimeError("the worker stopped before settling a message")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def paced_run(
    stack: Any,
    env: dict[str, str],
    paced: list[bytes],
    drain_rate: float,
    out: Path,
    send: Callable[[bytes], None],
    args: argparse.Namespace,
) -> tuple[list[float], float]:
    """Emails arriving at half the drain rate: their enqueue-to-done, sorted, and the rate."""
    rate = max(1.0, drain_rate / 2)
    proc = run_worker(stack, env, "serve", out / "paced.log", publishers=args.publishers)
    time.sleep(3)  # let the worker start up before the first email
    for raw in paced:
        send(raw)
        time.sleep(1 / rate)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(outcome_lines(out / "paced.log")) < len(paced):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    return sorted(line["since_enqueue_ms"] for line in outcome_lines(out / "paced.log")), rate


def bare_loop(stack: Any, sqs: "SQSClient", count: int) -> tuple[float, float]:
    """A bare receive-and-delete of ``count`` messages on the same queue: wall seconds, and
    this thread's CPU ms per request (moto's server runs in other threads of this process)."""
    for _ in range(count // 10):
        sqs.send_message_batch(
            QueueUrl=stack.queue_url,
            Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(10)],
        )
    base_start, base_cpu, received, calls = time.perf_counter(), time.thread_time(), 0, 0
    while received < count // 10 * 10:
        batch = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in batch:
            sqs.delete_message(QueueUrl=stack.queue_url, ReceiptHandle=message["ReceiptHandle"])
        received, calls = received + len(batch), calls + 1 + len(batch)
    return time.perf_counter() - base_start, (time.thread_time() - base_cpu) * 1000 / calls


if __name__ == "__main__":
    sys.exit(main())
