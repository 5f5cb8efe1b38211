"""Issue 18, point 9: every hop of every nesting shape is in the chain admission checks.

A forward of a forward may quote the inner one inline or attach it whole, at each level; an
inline forward carries the inner message's attachments along. Whatever the shape, each mailbox
that passed the platform's email on is a hop, and an outside mailbox anywhere in the chain is
refused."""

from itertools import product

import pytest

from bookings import NotABooking, ParseError, default_fleet
from parsers import parse_email
from parsers.registry import is_platform
from tests.support.nesting import ALLOWLIST, OPS, OUTSIDER, OWNER, chain
from trust.admission import check_hops
from worker.parsing import ParsersReader

READER = ParsersReader(default_fleet())
STYLES = ("inline", "attachment")
#: every shape of one to four forwards: inline around attachment, attachment around inline, ...
SHAPES = [styles for depth in (1, 2, 3, 4) for styles in product(STYLES, repeat=depth)]


def address(sender: str) -> str:
    return sender.rpartition("<")[2].rstrip(">")


def allowlisted_chain(styles: tuple[str, ...]) -> list[tuple[str, str]]:
    """The owner outermost, the ops desk behind, each forwarding in its style."""
    return [(OWNER if n == 0 else OPS, style) for n, style in enumerate(styles)]


@pytest.mark.parametrize("styles", SHAPES, ids="-around-".join)
def test_every_hop_is_listed_from_the_inbox_inwards(styles):
    steps = allowlisted_chain(styles)
    origin = READER.origin(chain(steps))
    assert [(hop.address, hop.style) for hop in origin.hops] == [
        (address(sender), style) for sender, style in steps
    ]
    assert origin.original_sender == "no-reply@boatsetter.com"
    assert check_hops(origin.hops, ALLOWLIST, is_platform=is_platform) is None


@pytest.mark.parametrize("styles", SHAPES, ids="-around-".join)
def test_a_chain_of_allowlisted_mailboxes_still_reads_the_booking(styles):
    event = parse_email(chain(allowlisted_chain(styles)), default_fleet())
    assert (event.booking_id, event.kind.value) == ("xhqgmdh", "confirmed")


@pytest.mark.parametrize(
    ("styles", "outside"),
    [(styles, n) for styles in SHAPES for n in range(len(styles))],
    ids=lambda value: "-around-".join(value) if isinstance(value, tuple) else f"hop{value + 1}",
)
def test_an_outside_mailbox_anywhere_in_the_chain_is_refused(styles, outside):
    steps = allowlisted_chain(styles)
    steps[outside] = (OUTSIDER, styles[outside])
    hops = READER.origin(chain(steps)).hops
    refused = check_hops(hops, ALLOWLIST, is_platform=is_platform)
    where = f"hop {outside + 1} of {len(styles)} ({styles[outside]})"
    assert refused == f"forwarded ({where}) by a mailbox that is not in forwarder_allowlist"


def test_the_owner_forwarding_inline_a_strangers_attachment_forward_is_refused():
    """The shape seen with ``parse --explain``: an outside Gmail address in the middle, quoted
    inline by the owner, who carried the attached original along."""
    raw = chain([(OWNER, "inline"), (OUTSIDER, "attachment")])
    origin = READER.origin(raw)
    assert [hop.address for hop in origin.hops] == ["dana@sailjada.com", "pat.outside@gmail.com"]
    assert check_hops(origin.hops, ALLOWLIST, is_platform=is_platform) is not None


@pytest.mark.parametrize("style", STYLES)
def test_beyond_the_nesting_the_parsers_follow_nothing_is_read_as_a_booking(style):
    """Six forwards of one style: the parsers stop at five, and what they stop on is no booking
    (with hops left unlisted, a booking read there could have skipped one)."""
    raw = chain(allowlisted_chain((style,) * 6))
    assert len(READER.origin(raw).hops) == 5
    with pytest.raises((NotABooking, ParseError)):
        parse_email(raw, default_fleet())
