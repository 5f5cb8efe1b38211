"""``charterhand parse`` and ``charterhand demo``, run as a user runs them: as processes."""

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.support.cli import charterhand
from tests.support.emailkit import CONFIRMED_ROWS, message, nested_multipart, text_body

EMAILS = FIXTURES / "emails"


def test_parse_prints_the_event():
    done = charterhand("parse", str(EMAILS / "boatsetter-confirmed.eml"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "confirmed boatsetter:xhqgmdh on JADA"
    assert "Sun 30 May 2027 10:00-13:00 PDT (3 h)" in done.stdout
    assert "net $289.41 (34.4%)" in done.stdout


def test_parse_json():
    done = charterhand("parse", str(EMAILS / "boatsetter-confirmed.eml"), "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert {k: got[k] for k in ("source", "kind", "booking_id", "boat", "renter_name")} == {
        "source": "boatsetter",
        "kind": "confirmed",
        "booking_id": "xhqgmdh",
        "boat": "JADA",
        "renter_name": "Maya Thompson",
    }
    assert (got["start"], got["end"]) == ("2027-05-30T10:00:00-07:00", "2027-05-30T13:00:00-07:00")
    assert (got["party_size"], got["gross"]) == (6, "840.75")
    assert got["notes"] == "No host/hostess, bare minimum crew requested"
    assert got["as_of"] == "2027-03-02T09:14:00-08:00"
    assert got["margin"] == {
        "gross": "840.75",
        "hours": "3",
        "crew_hours": "5",
        "crew_cost": "250.00",
        "captain_cost": "150.00",
        "platform_fee": "151.34",
        "net": "289.41",
        "net_percent": "34.4",
    }


def test_parse_json_of_a_cancellation_has_no_gross_and_no_margin():
    done = charterhand("parse", str(EMAILS / "boatsetter-cancelled.eml"), "--json")
    got = json.loads(done.stdout)
    assert got["kind"] == "cancelled"
    assert "gross" not in got
    assert "margin" not in got


def test_parse_json_without_notes_has_no_notes():
    done = charterhand("parse", str(EMAILS / "boatsetter-request.eml"), "--json")
    assert "notes" not in json.loads(done.stdout)


def test_not_a_booking_exits_3_with_the_reason():
    done = charterhand("parse", str(EMAILS / "boatsetter-newsletter.eml"))
    assert done.returncode == 3
    assert done.stdout == ""
    assert "not a booking: boatsetter newsletter (List-Unsubscribe)" in done.stderr
    assert "rule: bulk mail" in done.stderr


def test_explain_says_where_each_field_came_from():
    eml = EMAILS / "boatsetter-confirmed-gmail-manual-forward.eml"
    done = charterhand("parse", "--explain", str(eml))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "explain:"
    assert "  hop 1   inline forward by dana@sailjada.com" in lines
    assert any(
        line.startswith("  booking_id    text body line ") and "'Booking ID: rmvdcse'" in line
        for line in lines
    )
    assert "  kind          subject says 'confirmed'" in lines
    assert "confirmed boatsetter:rmvdcse on JADA" in lines


def test_parsing_words_in_the_config_are_used(tmp_path: Path):
    rows = [("Sailing window" if k == "Time" else k, v) for k, v in CONFIRMED_ROWS]
    eml = tmp_path / "renamed.eml"
    eml.write_bytes(message(text=text_body(rows)).as_bytes())
    refused = charterhand("parse", str(eml))
    assert refused.returncode == 4
    assert "labels not known: 'sailing window'" in refused.stderr
    config = tmp_path / "c.toml"
    config.write_text('[parsing.labels]\ntime = ["Sailing window"]\n')
    assert charterhand("parse", "--config", str(config), str(eml)).returncode == 0


def test_unreadable_booking_exits_4_with_the_missing_fields():
    done = charterhand("parse", str(EMAILS / "boatsetter-confirmed-unreadable-layout.eml"))
    assert done.returncode == 4
    assert "missing: booking_id, start, end" in done.stderr


def test_an_email_nested_a_thousand_deep_exits_4_naming_the_depth(tmp_path: Path):
    deep = tmp_path / "deep.eml"
    deep.write_bytes(nested_multipart(1000))
    done = charterhand("parse", str(deep))
    assert done.returncode == 4, done.stderr
    assert "MIME nested more than 50 levels deep" in done.stderr
    assert "missing:" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_file_exits_2(tmp_path: Path):
    done = charterhand("parse", str(tmp_path / "nope.eml"))
    assert done.returncode == 2
    assert "cannot read the file" in done.stderr


def test_config_replaces_the_fleet_and_margin(tmp_path: Path):
    config = tmp_path / "charterhand.toml"
    config.write_text(
        '[margin]\nplatform_fee_rate = "0.10"\n\n'
        '[[fleet.boats]]\nname = "Osprey"\nlisting_names = ["Osprey 42"]\n'
        'timezone = "America/New_York"\n'
    )
    rows = [(k, v) for k, v in CONFIRMED_ROWS if k != "Boat"] + [("Boat", "Osprey 42")]
    eml = tmp_path / "osprey.eml"
    eml.write_bytes(message(text=text_body(rows)).as_bytes())
    got = json.loads(charterhand("parse", str(eml), "--json", "--config", str(config)).stdout)
    assert (got["boat"], got["start"]) == ("Osprey", "2027-05-30T10:00:00-04:00")
    assert got["margin"]["platform_fee"] == "84.08"


@pytest.mark.parametrize("content", ["[margin\n", '[margin]\nplatform_fee_rate = "2"\n'])
def test_a_bad_config_exits_2(tmp_path: Path, content: str):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    done = charterhand("parse", str(EMAILS / "boatsetter-confirmed.eml"), "--config", str(config))
    assert done.returncode == 2
    assert "cannot use config" in done.stderr
