"""bench/memory.py: a worker's peak RSS with four 40 MB booking emails arriving at once.

Run by hand: ``.venv/bin/python bench/memory.py [--emails 4] [--mb 40] [--shape attachment]``.
Moto runs in this process; the worker runs as a child process (``bench/worker.py``'s child: the
real worker, real parsers, instant publishers) with the default settings (4 threads), so its peak
RSS is its own: the kernel's high-water mark ``VmHWM`` of the child, not ``ru_maxrss``, which
Linux carries across ``execve`` from the parent (moto, holding the emails). The task it stands
for has 512 MiB.

Shapes, each ``--mb`` of raw MIME, as large as SES accepts:

* ``attachment``: the sample Boatsetter confirmation with a base64 attachment (photos, a PDF);
* ``text``: the same confirmation whose text body is padded to the size (one huge text part,
  the one the parser decodes).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.worker import booking_emails, outcome_lines, sender  # noqa: E402


def big_email(raw: bytes, size: int, shape: str) -> bytes:
    """``raw`` grown to just under ``size`` bytes of MIME in the given shape."""
    size -= 256 * 1024  # headroom for MIME overhead: the result stays within SES's limit
    msg = message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    if shape == "attachment":
        payload = os.urandom((size - len(raw)) * 3 // 4 * 76 // 77)  # base64, 76-char lines
        msg.add_attachment(payload, maintype="application", subtype="pdf", filename="boat.pdf")
        return msg.as_bytes()
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    filler = ("The deck was lovely and the sunset was better still. " * 20 + "\n") * (size // 1100)
    body.set_content(text + filler, cte="quoted-printable")
    return msg.as_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=4)
    parser.add_argument("--mb", type=int, default=40)
    parser.add_argument("--shape", choices=("attachment", "text"), default="attachment")
    args = parser.parse_args()

    from sandbox.aws import running_moto
    from sandbox.stack import provision

    out = ROOT / "artifacts" / "bench-memory"
    out.mkdir(parents=True, exist_ok=True)
    log = out / "worker.log"
    emails = [
        big_email(raw, args.mb * 1024 * 1024, args.shape) for raw in booking_emails(args.emails)
    ]
    sizes = [len(e) for e in emails]
    with running_moto():
        stack = provision()
        send = sender(stack)
        for raw in emails:
            send(raw)
        del emails
        env = {
            **os.environ,
            **stack.env(poll_wait_seconds=1),
            "BENCH_LOG": str(log),
            "PYTHONPATH": str(ROOT),
        }
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "worker.py"), "--child", "once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=True,
        )
        elapsed = time.perf_counter() - started
    stats = json.loads([t for t in proc.stdout.splitlines() if t.startswith("{")][-1])
    outcomes = [(line["outcome"], line["reason"][:80]) for line in outcome_lines(log)]
    print(
        f"{args.emails} emails of {min(sizes) / 2**20:.1f}-{max(sizes) / 2**20:.1f} MiB "
        f"({args.shape}), one worker, default settings: peak RSS "
        f"{stats['vm_hwm_kb'] / 1024:.0f} MiB (start {stats['rss_start_kb'] / 1024:.0f} MiB), "
        f"{elapsed:.1f} s"
    )
    for outcome in outcomes:
        print("  ", *outcome)
    return 0


if __name__ == "__main__":
    sys.exit(main())
