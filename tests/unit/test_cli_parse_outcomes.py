"""``charterhand parse``: standard input as ``-``, a file that is not an email, and ``--json`` for
every outcome, so a script never has to scrape stderr."""

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.cli import charterhand

EMAILS = FIXTURES / "emails"

NOT_EMAILS = {
    "text": b"hello world\nthis is a shopping list, not mail\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "empty": b"",
    "json": b'{"Records": [{"eventSource": "aws:s3"}]}\n',
}


def test_a_dash_reads_the_email_from_standard_input():
    raw = (EMAILS / "boatsetter-confirmed.eml").read_text()
    done = charterhand("parse", "-", stdin=raw)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "confirmed boatsetter:xhqgmdh on JADA"


def test_a_dash_with_json_reads_standard_input_too():
    raw = (EMAILS / "boatsetter-newsletter.eml").read_text()
    done = charterhand("parse", "--json", "-", stdin=raw)
    assert done.returncode == 3
    got = json.loads(done.stdout)
    assert (got["outcome"], got["file"]) == ("not-a-booking", "-")


@pytest.mark.parametrize("kind", sorted(NOT_EMAILS))
def test_a_file_that_is_not_an_email_exits_2(tmp_path: Path, kind: str):
    path = tmp_path / f"thing.{kind}"
    path.write_bytes(NOT_EMAILS[kind])
    done = charterhand("parse", str(path))
    assert done.returncode == 2, done.stderr
    assert f"{path}: not an email" in done.stderr
    assert done.stdout == ""


def test_json_of_a_booking_says_its_outcome():
    done = charterhand("parse", "--json", str(EMAILS / "boatsetter-confirmed.eml"))
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert (got["outcome"], got["key"]) == ("booking", "boatsetter:xhqgmdh")


def test_json_of_not_a_booking_carries_the_reason_and_rule():
    path = EMAILS / "boatsetter-newsletter.eml"
    done = charterhand("parse", "--json", str(path))
    assert done.returncode == 3
    assert json.loads(done.stdout) == {
        "outcome": "not-a-booking",
        "file": str(path),
        "reason": "boatsetter newsletter (List-Unsubscribe) with no booking fields",
        "rule": "bulk mail",
    }


def test_json_of_an_unreadable_booking_names_what_is_missing():
    path = EMAILS / "boatsetter-confirmed-unreadable-layout.eml"
    done = charterhand("parse", "--json", str(path))
    assert done.returncode == 4
    got = json.loads(done.stdout)
    assert got["outcome"] == "unreadable"
    assert (got["source"], got["kind"]) == ("boatsetter", "confirmed")
    assert got["missing"] == ["booking_id", "start", "end"]


def test_json_of_not_an_email(tmp_path: Path):
    path = tmp_path / "list.txt"
    path.write_bytes(NOT_EMAILS["text"])
    done = charterhand("parse", "--json", str(path))
    assert done.returncode == 2
    got = json.loads(done.stdout)
    assert (got["outcome"], got["file"]) == ("not-an-email", str(path))
    assert "header" in got["reason"]


def test_json_of_a_file_that_cannot_be_read(tmp_path: Path):
    path = tmp_path / "nope.eml"
    done = charterhand("parse", "--json", str(path))
    assert done.returncode == 2
    got = json.loads(done.stdout)
    assert (got["outcome"], got["file"]) == ("cannot-read", str(path))
    assert "No such file" in got["reason"]
