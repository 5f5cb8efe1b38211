"""MIME nesting is measured on the raw bytes before the standard library's parser recurses into
it (issue 18, defect 1): the scan agrees with the parser's own tree, and refuses deep nesting
as a ParseError, fast."""

import random
import time
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from bookings import ParseError, default_fleet
from parsers import parse_email
from parsers.mime import decode_message
from parsers.nesting import MAX_MIME_DEPTH, check_nesting, mime_depth
from tests.support.emailkit import nested_multipart
from trust import setup_mail


def parsed_depth(message: Message) -> int:
    """How deep the standard library's parser nested its containers."""
    if message.is_multipart():
        payload = message.get_payload()
        assert isinstance(payload, list)
        return 1 + max(
            (parsed_depth(part) for part in payload if isinstance(part, Message)), default=0
        )
    return 0


def random_tree(rng: random.Random, depth: int) -> Message:
    """Multiparts (mixed, alternative, digest), attached messages and text leaves."""
    if depth == 0 or rng.random() < 0.2:
        return MIMEText(f"leaf {rng.random()}\n-- \nsignature\n", "plain")
    choice = rng.choice(["mixed", "alternative", "digest", "message"])
    if choice == "message":
        inner = random_tree(rng, depth - 1)
        inner["From"] = "a@b.example"
        return MIMEMessage(inner)
    outer = MIMEMultipart(choice)
    for _ in range(rng.randint(1, 3)):
        part = random_tree(rng, depth - 1)
        if choice == "digest" and not isinstance(part, MIMEMessage):
            part = MIMEMessage(part)
        outer.attach(part)
    return outer


@pytest.mark.parametrize("seed", range(40))
def test_the_scan_agrees_with_the_parsers_own_tree(seed):
    rng = random.Random(seed)
    raw = random_tree(rng, rng.randint(1, 12)).as_bytes()
    assert mime_depth(raw) == parsed_depth(decode_message(raw))


@pytest.mark.parametrize("seed", range(40))
def test_the_refusal_agrees_with_the_parsers_own_tree_at_every_limit(seed):
    # small limits put the word count (the check's shortcut) on both sides of each limit
    rng = random.Random(seed)
    raw = random_tree(rng, rng.randint(1, 8)).as_bytes()
    depth = parsed_depth(decode_message(raw))
    for limit in range(0, 10):
        try:
            check_nesting(raw, limit)
        except ParseError:
            assert depth > limit
        else:
            assert depth <= limit


def test_a_part_without_a_type_in_a_digest_is_an_attached_message():
    raw = (
        b'Content-Type: multipart/digest; boundary="d"\r\n\r\n--d\r\n\r\n'
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\n\r\nhi\r\n--m--\r\n--d--\r\n'
    )
    assert mime_depth(raw) == parsed_depth(decode_message(raw)) == 3
    with pytest.raises(ParseError):  # two words name containers, and three are open
        check_nesting(raw, 2)


def test_a_reused_boundary_is_counted_as_the_parser_recursed_never_less():
    """The parser opens the inner multipart, then its outer twin's boundary ends it at once: the
    tree it keeps is shallower than the recursion it went through, which the scan counts."""
    inner = MIMEMultipart("alternative", boundary="same")
    inner.attach(MIMEText("a"))
    outer = MIMEMultipart("mixed", boundary="same")
    outer.attach(inner)
    outer.attach(MIMEText("b"))
    raw = outer.as_bytes()
    assert mime_depth(raw) == 2
    assert parsed_depth(decode_message(raw)) == 1


def test_a_multipart_without_a_boundary_opens_nothing():
    raw = b"Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: multipart/mixed\r\n\r\n"
    assert mime_depth(raw) == 0


def test_a_boundary_no_line_can_hold_opens_nothing_and_never_crashes():
    """An RFC 2231 boundary that decodes to a code point beyond ASCII (found by the mutation
    test): no line of bytes can match it, so the parser reads no part inside it either."""
    raw = (
        b"Content-Type: multipart/mixed; boundary*=utf-8''%C3%A9\r\n\r\n--\xc3\xa9\r\n"
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n"
    )
    assert mime_depth(raw) == parsed_depth(decode_message(raw))


def test_attached_messages_count_as_levels():
    message: Message = MIMEText("x")
    for _ in range(MAX_MIME_DEPTH + 5):
        message = MIMEMessage(message)
    raw = message.as_bytes()
    assert mime_depth(raw) == MAX_MIME_DEPTH + 1  # stops counting past the limit
    with pytest.raises(ParseError):
        check_nesting(raw)


def test_the_limit_itself_is_allowed_and_one_more_is_refused():
    check_nesting(nested_multipart(MAX_MIME_DEPTH))
    with pytest.raises(ParseError) as caught:
        check_nesting(nested_multipart(MAX_MIME_DEPTH + 1))
    assert caught.value.reason == "MIME nested more than 50 levels deep: refused before parsing"


def test_every_whole_message_decode_refuses_deep_nesting_fast():
    raw = nested_multipart(3000)
    started = time.perf_counter()
    for decode in (
        decode_message,
        lambda r: parse_email(r, default_fleet()),
        setup_mail.read,
    ):
        with pytest.raises(ParseError, match="more than 50 levels"):
            decode(raw)
    assert time.perf_counter() - started < 0.5


def test_a_forty_megabyte_body_is_scanned_in_linear_time():
    attachment = MIMEBase("application", "octet-stream")
    attachment.set_payload(b"x" * 40_000_000)
    outer = MIMEMultipart("mixed")
    outer.attach(MIMEText("hello"))
    outer.attach(attachment)
    raw = outer.as_bytes()
    started = time.perf_counter()
    assert mime_depth(raw) == 1
    assert time.perf_counter() - started < 2
