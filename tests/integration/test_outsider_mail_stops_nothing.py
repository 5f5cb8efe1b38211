"""Issue 18's scenario with real worker processes: 22 outsider emails that die before admission
(a forged platform From, no DKIM/DMARC, MIME nested past the parser), then 5 good bookings, on
the default DLQ limit (20). Intake never stops, and every good booking is published."""

import time

import pytest

from tests.support.emailkit import nested_multipart
from tests.support.pipeline import ingest_sample, send_raw
from tests.support.worker_processes import queue_empty, wait_until

pytestmark = pytest.mark.slow

OUTSIDERS = 22
GOOD = [
    "boatsetter-request.eml",
    "boatsetter-confirmed.eml",
    "getmyboat-confirmed.eml",
    "boatsetter-confirmed-gmail-autoforward.eml",
    "boatsetter-confirmed-text-only.eml",
]


def test_outsider_mail_never_stops_intake_and_the_bookings_behind_it_are_published(
    stack, workers, tmp_path
):
    poison = nested_multipart(1000)
    for _ in range(OUTSIDERS):
        send_raw(stack, poison)
    for name in GOOD:
        ingest_sample(stack, name)
    started = time.monotonic()
    proc = workers.start("--once", worker_threads=1)
    proc.wait(300)
    wait_until(lambda: queue_empty(stack), 10, "the queue to drain")
    seconds = time.monotonic() - started
    logs = "".join(p.read_text() for p in sorted(tmp_path.glob("worker-*.log")))
    ended = [line["outcome"] for line in workers.outcomes()]
    print(f"outsiders={OUTSIDERS} good={len(GOOD)} outcomes={ended} seconds={seconds:.1f}")
    assert "dead-letter limit" not in logs
    assert ended.count("dead-letter") == OUTSIDERS
    assert ended.count("done") == len(GOOD)
    assert proc.returncode == 0
