"""How many generated forwards our unwrapping reads, beside the ``email-forward-parser`` package.

Run by hand: ``.venv/bin/python bench/forwards.py``. Every client of
``tests.support.forwardkit`` in every language wraps the same confirmed Boatsetter booking.
"Ours" counts forwards that
``parse_email`` reads right whole (booking id, start and the original's moment as ``as_of``);
"email-forward-parser" counts those whose original sender it names as Boatsetter's address (it
reads no dates, so that is the most it can be asked). The last line is
``ours: <n>/<total>, email-forward-parser: <m>/<total>``.
"""

from collections import Counter
from datetime import datetime

from emailforwardparser.client import EmailParserClient

from bookings import NotABooking, ParseError, default_fleet
from parsers import parse_email
from tests.support.emailkit import CONFIRMED_ROWS, LA, html_table, text_body
from tests.support.forwardkit import CLIENTS, LANGUAGES, datetime_of_written

PLATFORM_ADDRESS = "no-reply@boatsetter.com"


def main() -> None:
    fleet = default_fleet()
    text = text_body(CONFIRMED_ROWS, notes="Please bring ice")
    html = html_table(CONFIRMED_ROWS, notes="Please bring ice")
    theirs_client = EmailParserClient()
    ours: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    total = 0
    for name, client in CLIENTS.items():
        for lang in LANGUAGES:
            total += 1
            msg = client(lang, text, html)
            raw = msg.as_bytes()
            try:
                event = parse_email(raw, fleet)
                right = (
                    event.booking_id == "xhqgmdh"
                    and event.start == datetime(2027, 5, 30, 10, tzinfo=LA)
                    and event.as_of == datetime_of_written()
                )
                ours[name] += right
            except (NotABooking, ParseError):
                pass
            try:
                found = theirs_client.get_original_metadata(msg.as_string())
                theirs[name] += found.email.from_.address.strip().lower() == PLATFORM_ADDRESS
            except Exception:
                continue
    for name in CLIENTS:
        print(f"{name:<26} ours {ours[name]:>3}/{len(LANGUAGES)}  theirs {theirs[name]:>3}")
    mine, other = sum(ours.values()), sum(theirs.values())
    print(f"ours: {mine}/{total}, email-forward-parser: {other}/{total}")


if __name__ == "__main__":
    main()
