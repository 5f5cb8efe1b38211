"""bench/lambda_cold.py: the worker Lambda's cold start, from import to its first settled message.

Run by hand: ``.venv/bin/python bench/lambda_cold.py [--runs 5]``.

Each run is a fresh Python process, as a cold Lambda is: ``AWS_LAMBDA_FUNCTION_NAME`` set, so
importing ``app.worker_lambda`` composes the worker as on Lambda (its init phase: settings, clients,
publishers, the parsers' warm-up thread started), then one new booking, already on the queue, is
handed in as the event source mapping hands it (tests/support/event_source.py) and settled by the
real handler with the default publishers: calendar and SCC over HTTPS to the sandbox servers,
pages to S3, crew emails and the summary through SES, all on moto's server in the parent. A
second booking is then settled warm, in the same process, for comparison.

Reported per run (ms): interpreter start (exec to the child's first line), init (import with the
composition), first invoke (handler, to the message settled and deleted), import-to-first-settled
(init + first invoke), and the warm invoke. Lambda's own init adds the runtime's start and the
zip's download, not measured here; its CPU share grows with memory (1,769 MB = one vCPU).
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child() -> int:
    """One cold start: import, first message, warm message; one JSON line of timings."""
    started = time.perf_counter()
    wall_started = time.time()
    import app.worker_lambda as entry_point  # composes, as Lambda's init does

    imported = time.perf_counter()
    from tests.support.event_source import EventSourceMapping, FunctionContext
    from worker.queue import SqsQueue

    settings = os.environ
    queue = SqsQueue(
        queue_url=settings["CHARTERHAND_QUEUE_URL"], dlq_url=settings["CHARTERHAND_DLQ_URL"]
    )
    mapping = EventSourceMapping(
        queue, lambda event, _c: entry_point.handler(dict(event), FunctionContext()), batch_size=1
    )
    before = time.perf_counter()
    first = mapping.poll_once()
    settled = time.perf_counter()
    second = mapping.poll_once()
    warm = time.perf_counter()
    assert (first, second) == (1, 1), (first, second)
    failures = [a["batchItemFailures"] for a in mapping.answers]
    print(
        json.dumps(
            {
                "wall_started": wall_started,
                "init_ms": round((imported - started) * 1000, 1),
                "first_invoke_ms": round((settled - before) * 1000, 1),
                "import_to_first_settled_ms": round((settled - started) * 1000, 1),
                "warm_invoke_ms": round((warm - settled) * 1000, 1),
                "failures": failures,
            }
        ),
        file=sys.__stdout__,
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        return child()

    from bench.worker import booking_emails, compile_tree, sender
    from sandbox.aws import running_moto
    from sandbox.downstream import running_downstream
    from sandbox.stack import provision

    compile_tree()  # the zip carries its bytecode (infra/build_api_package.py)
    emails = booking_emails(args.runs * 2, seed=22)
    rows = []
    with (
        running_moto(keep_alive=True) as moto,  # AWS keeps connections open
        running_downstream(bcrypt_rounds=4) as downstream,
    ):
        stack = provision()
        env = {
            **os.environ,
            **moto.env(),
            **stack.env(),
            **downstream.settings_env(),
            "CHARTERHAND_LINK_SIGNING_KEY": secrets.token_urlsafe(32),
            "CHARTERHAND_LOG_LEVEL": "INFO",
            "AWS_LAMBDA_FUNCTION_NAME": "charterhand-bench-worker",
            "PYTHONPATH": str(ROOT),
        }
        send = sender(stack)
        for run in range(args.runs):
            send(emails[2 * run])
            send(emails[2 * run + 1])
            load = os.getloadavg()[0]
            exec_at = time.time()
            done = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--child"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr[-3000:])
                return 1
            lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
            row = lines[-1]
            row["outcomes"] = [x["outcome"] for x in lines if x.get("event") == "message settled"]
            row["interpreter_ms"] = round((row.pop("wall_started") - exec_at) * 1000, 1)
            row["load_1min"] = round(load, 2)
            rows.append(row)
            print(json.dumps(row))
            if row["outcomes"] != ["done", "done"]:
                print("not both done:", done.stdout[-3000:])
                return 1
    names = ("interpreter_ms", "init_ms", "first_invoke_ms", "import_to_first_settled_ms")
    for name in (*names, "warm_invoke_ms"):
        values = [row[name] for row in rows]
        median = statistics.median(values)
        print(f"{name}: median {median:.0f}, min {min(values):.0f}, max {max(values):.0f}")
    print("load average now:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
