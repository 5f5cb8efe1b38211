"""bench/headers.py: how long the worker takes to read an email with a huge header.

Run by hand: ``.venv/bin/python bench/headers.py [--mb 2]``. Builds a Boatsetter-looking email
from an unknown sender whose ``Subject`` is ``--mb`` megabytes of RFC 2047 encoded words (what
an attacker sends to make every worker decode before the sender is rejected), then times the
worker's reader on it (``ParsersReader``: origin, then parse), in this process.
"""

import argparse
import contextlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bookings import NotABooking, default_fleet  # noqa: E402
from worker.parsing import ParsersReader  # noqa: E402

SHAPES = {
    "q": "=?utf-8?q?Caf=C3=A9_booking?= ",
    "b": "=?utf-8?b?Q2Fmw6kgYm9va2luZw==?= ",
    "mixed": "=?utf-8?q?Caf=C3=A9?= plain words =?iso-8859-1?q?r=E9serv=E9?= ",
}


def email_with_subject(subject: str) -> bytes:
    return (
        "From: Someone <someone@example.net>\r\nTo: bookings@in.example.com\r\n"
        f"Subject: {subject}\r\nDate: Tue, 02 Mar 2027 09:14:00 -0800\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
    ).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=float, default=2.0)
    args = parser.parse_args()
    reader = ParsersReader(default_fleet())
    for name, word in SHAPES.items():
        subject = word * int(args.mb * 1024 * 1024 / len(word))
        raw = email_with_subject(subject)
        started = time.perf_counter()
        reader.origin(raw)
        with contextlib.suppress(NotABooking):
            reader.parse(raw)
        reader.forget()
        took = time.perf_counter() - started
        print(f"{name}: {len(raw) / 2**20:.1f} MiB Subject read in {took:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
