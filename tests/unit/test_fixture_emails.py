"""Every sample email in tests/fixtures/emails parses to what its .expected.json says.

The samples are copies of ../shared/fixtures/emails (the contract with the people who wrote them);
a test keeps the copies identical.
"""

import json
from pathlib import Path

import pytest

from bookings import NotABooking, ParseError, default_fleet
from parsers import OpenedEmail, open_email, parse_email, read_envelope
from tests.conftest import FIXTURES
from tests.support.paths import shared_dir

EMAILS = FIXTURES / "emails"
SAMPLES = sorted(EMAILS.glob("*.eml"))
#: optional fields: absent from an expected file means the email does not carry them
OPTIONAL = ("party_size", "gross", "notes")


def expected_of(eml: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(eml.with_suffix(".expected.json").read_text())
    return loaded


def test_the_corpus_is_there():
    assert len(SAMPLES) >= 11
    assert all(eml.with_suffix(".expected.json").exists() for eml in SAMPLES)


@pytest.mark.parametrize("eml", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_parses_as_expected(eml: Path):
    expected = expected_of(eml)
    raw = eml.read_bytes()
    if expected.get("ignored"):
        with pytest.raises(NotABooking) as ignored:
            parse_email(raw, default_fleet())
        assert ignored.value.reason
        return
    if expected.get("error") == "unparseable":
        with pytest.raises(ParseError) as failed:
            parse_email(raw, default_fleet())
        assert failed.value.source == expected["source"]
        assert failed.value.kind == expected["kind"]
        assert failed.value.missing == expected["missing"]
        return
    event = parse_email(raw, default_fleet())
    got = json.loads(event.model_dump_json())
    for name, value in expected.items():
        assert got[name] == value, name
    for name in OPTIONAL:
        if name not in expected:
            assert got[name] is None, name


def test_copies_match_the_shared_fixtures():
    shared = shared_dir("fixtures/emails", "the shared sample emails")
    theirs = {p.name: p.read_bytes() for p in shared.iterdir() if p.is_file()}
    ours = {p.name: p.read_bytes() for p in EMAILS.iterdir() if p.is_file()}
    assert ours == theirs


def outcome_of(raw: bytes | OpenedEmail) -> object:
    """The event an email parses to, or the error it raises, as something comparable."""
    try:
        return parse_email(raw, default_fleet())
    except (NotABooking, ParseError) as exc:
        return (type(exc).__name__, exc.reason)


@pytest.mark.parametrize("eml", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_an_email_opened_once_reads_as_its_bytes_do(eml: Path):
    raw = eml.read_bytes()
    opened = open_email(raw)
    assert (read_envelope(opened), outcome_of(opened)) == (read_envelope(raw), outcome_of(raw))
