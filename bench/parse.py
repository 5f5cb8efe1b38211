"""``parse_email`` beside a bare MIME decode (mail-parser alone), each email on first sight.

Run by hand: ``.venv/bin/python bench/parse.py [ROUNDS] [EMAILS]``. The worker meets each email,
and so each quoted date, once: a cache cannot be the speed. Each round builds a fresh corpus
(``EMAILS`` distinct emails, 240 by default: forwards from every client of
``tests.support.forwardkit`` in every language, and direct Boatsetter emails, each with its own
booking id, renter, charter day, original moment and forward delay), then times each email once
through mail-parser's decode and once through ``parse_email``, back to back (alternating which
goes first), in CPU time of this thread. Nothing is timed twice. dateparser's language data is
loaded first, as the worker does at start (``parsers.warm_up``).

Target (issue 17): total parse time / total decode time ≤ 1.5. The last line is exactly
``first sight: <n> emails × <r> rounds, parse <a> µs, decode <b> µs, ratio <median> (min <x>,
max <y>)``.
"""

import contextlib
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import mailparser

from bookings import Fleet, NotABooking, ParseError, default_fleet
from parsers import parse_email, warm_up
from tests.support.emailkit import LA, confirmed, html_table, text_body
from tests.support.forwardkit import CLIENTS, LANGUAGES, forward

ROUNDS = 5
EMAILS = 240
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NAMES = ["Maya Thompson", "Ravi Patel", "Lena Fischer", "Tomás Ortega", "Aiko Sato", "Sam Lee"]


def corpus(seed: int, size: int) -> list[bytes]:
    """``size`` distinct emails: three forwards for every direct one."""
    rng = random.Random(seed)
    clients = list(CLIENTS.values())
    emails: list[bytes] = []
    while len(emails) < size:
        rows = _rows(rng)
        text, html = text_body(rows), html_table(rows)
        written = datetime(
            2027, 3, rng.choice([2, 9, 16, 23]), rng.randint(1, 11), rng.randint(0, 59)
        )
        if len(emails) % 4 == 3:
            sent = written.replace(tzinfo=LA)
            emails.append(confirmed(rows=rows, date=sent).as_bytes())
            continue
        delay = timedelta(minutes=rng.randint(2, 60 * 24 * 5))
        forwarded_at = written.replace(tzinfo=LA) + delay
        lang = rng.choice(LANGUAGES)
        msg = forward(rng.choice(clients), lang, text, html, written, forwarded_at)
        emails.append(msg.as_bytes())
    return emails


def _rows(rng: random.Random) -> list[tuple[str, str]]:
    day = datetime(2027, 5, 1) + timedelta(days=rng.randint(0, 150))
    hour = rng.randint(8, 14)
    gross = f"${rng.randint(300, 3000)}.{rng.randint(0, 99):02d}"
    return [
        ("Booking ID", "".join(rng.choice(_LETTERS) for _ in range(7))),
        ("Boat", "JADA - 50' Classic Sailing Yacht"),
        ("Renter", rng.choice(_NAMES)),
        ("Date", f"{day:%A, %B} {day.day}, {day.year}"),
        ("Time", f"{hour % 12 or 12}:00 {'AM' if hour < 12 else 'PM'} - "
                 f"{(hour + 3) % 12 or 12}:00 {'AM' if hour + 3 < 12 else 'PM'} (3 hours)"),
        ("Passengers", str(rng.randint(2, 12))),
        ("Booking total", gross),
    ]  # fmt: skip


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    size = int(sys.argv[2]) if len(sys.argv) > 2 else EMAILS
    warm_up()
    fleet = default_fleet()

    def parse(raw: bytes) -> None:
        with contextlib.suppress(NotABooking, ParseError):
            parse_email(raw, fleet)

    def decode(raw: bytes) -> None:
        mailparser.parse_from_bytes(raw)

    # the code paths themselves (imports, compiled patterns) warm on emails never timed
    for raw in corpus(seed=-1, size=24):
        parse(raw)
        decode(raw)
    ratios, parse_us, decode_us, failed = [], [], [], 0
    for round_no in range(1, rounds + 1):
        emails = corpus(seed=round_no, size=size)
        spent = {"parse": 0, "decode": 0}
        for number, raw in enumerate(emails):
            pair: list[tuple[str, Callable[[bytes], None]]] = [("decode", decode), ("parse", parse)]
            for name, fn in pair if number % 2 else reversed(pair):
                started = time.thread_time_ns()
                fn(raw)
                spent[name] += time.thread_time_ns() - started
        failed += sum(1 for raw in emails if not _reads(raw, fleet))
        ratio = spent["parse"] / spent["decode"]
        ratios.append(ratio)
        parse_us.append(spent["parse"] / len(emails) / 1000)
        decode_us.append(spent["decode"] / len(emails) / 1000)
        print(
            f"round {round_no}: parse {parse_us[-1]:.0f} µs, decode {decode_us[-1]:.0f} µs "
            f"per email, ratio {ratio:.2f}",
            flush=True,
        )
    print(f"emails not read as bookings: {failed} of {size * rounds}")
    parse_median, decode_median = statistics.median(parse_us), statistics.median(decode_us)
    print(
        f"first sight: {size} emails × {rounds} rounds, "
        f"parse {parse_median:.0f} µs, decode {decode_median:.0f} µs, "
        f"ratio {statistics.median(ratios):.2f} "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
    )


def _reads(raw: bytes, fleet: Fleet) -> bool:
    try:
        parse_email(raw, fleet)
    except (NotABooking, ParseError):
        return False
    return True


if __name__ == "__main__":
    main()
