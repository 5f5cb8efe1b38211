"""Issue 21 (launch to the first settled message): the parsers build what only a forward needs
on first use, not at import. The pattern of quoted headers written on one line (17 ms to
compile) is the one a direct booking email never reads; the warm-up compiles it for the first
forward. Each check runs in a fresh interpreter: this process may have compiled it already."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EMAILS = ROOT / "tests" / "fixtures" / "emails"


def compiled_after(code: str) -> bool:
    """Whether the quoted-header pattern is compiled once ``code`` has run in a fresh process."""
    script = (
        "from parsers import forward_words\n"
        f"{code}\n"
        "print(forward_words.header_inside.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.split()[-1] == "1"


def test_the_worker_imports_the_parsers_without_compiling_forward_patterns():
    assert not compiled_after("import app.compose, commands.worker")


def test_a_direct_booking_email_is_read_without_them():
    direct = EMAILS / "boatsetter-confirmed.eml"
    assert not compiled_after(
        "from bookings import default_fleet\n"
        "from parsers import parse_email\n"
        f"event = parse_email(open({str(direct)!r}, 'rb').read(), default_fleet())\n"
        "assert event.booking_id, event"
    )


def test_a_forward_compiles_them_and_the_warm_up_does_before_it():
    forward = EMAILS / "boatsetter-confirmed-gmail-manual-forward.eml"
    assert compiled_after(
        "from bookings import default_fleet\n"
        "from parsers import parse_email\n"
        f"parse_email(open({str(forward)!r}, 'rb').read(), default_fleet())"
    )
    assert compiled_after("import parsers\nparsers.warm_up()")
