"""Emails per second through ``parse_email`` beside a bare MIME decode (mail-parser alone).

Run by hand: ``.venv/bin/python bench/parse.py [SECONDS]``. Both run over the same corpus (every
tests/fixtures/emails/*.eml, whatever the outcome: event, not a booking or parse error) in the same
process, alternating in rounds so machine noise hits both; the best round of each counts.
Target (issue 2): ratio decode/parse ≤ 2.5. The last line is exactly
``parse: <n> emails/s, decode: <m> emails/s, ratio: <m/n>``.
"""

import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mailparser

from bookings import NotABooking, ParseError, default_fleet
from parsers import parse_email

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "emails"
ROUNDS = 5


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    emails = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
    fleet = default_fleet()

    def parse(raw: bytes) -> None:
        with contextlib.suppress(NotABooking, ParseError):
            parse_email(raw, fleet)

    def decode(raw: bytes) -> None:
        mailparser.parse_from_bytes(raw)

    best = {"parse": 0.0, "decode": 0.0}
    for round_no in range(1, ROUNDS + 1):
        for name, fn in (("parse", parse), ("decode", decode)):
            rate = _rate(fn, emails, seconds)
            best[name] = max(best[name], rate)
            print(f"round {round_no} {name}: {rate:,.0f} emails/s", flush=True)
    print(f"corpus: {len(emails)} emails, {sum(map(len, emails)):,} bytes")
    ratio = best["decode"] / best["parse"]
    print(
        f"parse: {best['parse']:.0f} emails/s, decode: {best['decode']:.0f} emails/s, "
        f"ratio: {ratio:.2f}"
    )


def _rate(fn: Callable[[bytes], None], emails: list[bytes], seconds: float) -> float:
    for raw in emails:  # warm caches (regexes, codecs) outside the timing
        fn(raw)
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for raw in emails:
            fn(raw)
        done += len(emails)
    return done / elapsed


if __name__ == "__main__":
    main()
