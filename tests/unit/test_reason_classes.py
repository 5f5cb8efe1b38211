"""Every outcome carries its reason class from where it is made, and for every real reason the
worker gives, that class is the one the old text classifier read (tests/support/reason_text.py):
the metrics' ``ReasonClass`` values and the DLQ limit's counting did not change."""

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bookings import BookingEvent, PermanentError, TransientError, Waiting
from sandbox.ingest import PASSING, with_ses_headers
from tests.support.mail import EventMailReader, email_for, event
from tests.support.paths import aws_events_dir
from tests.support.reason_text import text_reason_class
from tests.unit.test_decode import OWN, bodies_in
from trust import Inbound, RefusalClass
from trust.admission import SES_SETUP_OBJECT
from worker.decode import EmailRef
from worker.orchestrate import Applied
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import RetryPolicy
from worker.process import MessageHandler
from worker.queue import Received

INBOUND = "inbound-test"


def test_an_outcome_cannot_be_made_without_its_class():
    [field] = [f for f in dataclasses.fields(Outcome) if f.name == "reason_class"]
    assert field.default is dataclasses.MISSING
    assert field.default_factory is dataclasses.MISSING
    with pytest.raises(TypeError, match="reason_class"):
        Outcome(Ending.DONE, "confirmed: ran calendar")  # type: ignore[call-arg]


#: what "SES" stored for these tests, by object key
STORED: dict[str, bytes] = {}
_IDS = itertools.count()


class Emails:
    """Stored emails from memory (:data:`STORED`): no S3, no budget to wait for."""

    @contextmanager
    def held(self, ref: EmailRef) -> Iterator[bytes]:
        assert ref.key is not None
        yield STORED[ref.key]


class Answering:
    """An orchestrator that answers as told (an ``Applied``, or raises)."""

    def __init__(self, answer: Callable[[BookingEvent], Applied]) -> None:
        self.answer = answer

    def apply(self, ev: BookingEvent, *, run_id: str, email_id: str) -> Applied:
        return self.answer(ev)


def handler(answer: Callable[[BookingEvent], Applied], **options: Any) -> MessageHandler:
    return MessageHandler(
        emails=Emails(),  # type: ignore[arg-type]
        reader=options.pop("reader", EventMailReader()),
        orchestrator=Answering(answer),  # type: ignore[arg-type]
        inbound=Inbound(INBOUND, "raw/", None),
        forwarder_allowlist=["dana@sailjada.com"],
        key_lookup=lambda name: None,
        **{"require_authenticated_sender": True, **options},
    )


def applied(**fields: Any) -> Callable[[BookingEvent], Applied]:
    return lambda ev: Applied(ev.key, ev.model_dump(), state_changed=True, **fields)  # type: ignore[arg-type]


def raising(error: Exception) -> Callable[[BookingEvent], Applied]:
    def answer(ev: BookingEvent) -> Applied:
        raise error

    return answer


def ses_body(
    raw: bytes, *, spam: str = "PASS", dmarc: str = "PASS", dkim: str = "PASS", ses: bool = True
) -> str:
    """SES's notification (delivered raw) for ``raw`` as SES stored it: its verdicts on top
    (``dkim``: a signature by the From domain; ``ses=False``: no header of SES's at all)."""
    message_id = f"ses-{next(_IDS)}"
    verdicts = {**PASSING, "spam": spam, "dmarc": dmarc, "dkim": dkim}
    STORED[f"raw/{message_id}"] = with_ses_headers(raw, verdicts) if ses else raw
    doc = {
        "notificationType": "Received",
        "receipt": {
            "action": {"type": "S3", "bucketName": INBOUND, "objectKey": f"raw/{message_id}"}
        },
        "mail": {"messageId": message_id},
    }
    return json.dumps(doc)


def s3_body(bucket: str, key: str) -> str:
    record = {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
    }
    return json.dumps({"Records": [record]})


def handled(body: str, answer: Callable[[BookingEvent], Applied], **options: Any) -> Outcome:
    return handler(answer, **options).handle(Received("m-1", "r-1", body))


BOOKING = email_for(event())
PUBLISHED = applied(ran=("calendar", "scc"))

CASES: list[tuple[str, Callable[[], Outcome], ReasonClass]] = [
    ("published", lambda: handled(ses_body(BOOKING), PUBLISHED), ReasonClass.PUBLISHED),
    ("current", lambda: handled(ses_body(BOOKING), applied()), ReasonClass.CURRENT),
    (
        "duplicate",
        lambda: handled(ses_body(BOOKING), applied(duplicate=True)),
        ReasonClass.DUPLICATE,
    ),
    ("held", lambda: handled(ses_body(BOOKING), applied(held=("scc",))), ReasonClass.LEASE),
    (
        "step failed",
        lambda: handled(
            ses_body(BOOKING),
            applied(failed={"scc": PermanentError("scc said no", step="scc")}),
        ),
        ReasonClass.STEP,
    ),
    (
        "waiting for SES",
        lambda: handled(
            ses_body(BOOKING),
            applied(failed={"crew_email": Waiting("no report yet", step="crew_email")}),
        ),
        ReasonClass.LEASE,
    ),
    (
        "state kept changing",
        lambda: handled(
            ses_body(BOOKING), raising(TransientError("state kept changing", step="state"))
        ),
        ReasonClass.STATE,
    ),
    (
        "a bug after reading",
        lambda: handled(ses_body(BOOKING), raising(KeyError("x"))),
        ReasonClass.UNEXPECTED,
    ),
    (
        "a bug while reading",
        lambda: handled(
            ses_body(BOOKING),
            PUBLISHED,
            reader=type("Broken", (EventMailReader,), {"parse": lambda self, raw: 1 / 0})(),
        ),
        ReasonClass.PARSE,
    ),
    (
        "parse error",
        lambda: handled(ses_body(email_for(None, unreadable=True)), PUBLISHED),
        ReasonClass.PARSE,
    ),
    (
        "not a booking",
        lambda: handled(ses_body(email_for(None, not_a_booking=True)), PUBLISHED),
        ReasonClass.NOT_A_BOOKING,
    ),
    ("spam", lambda: handled(ses_body(BOOKING, spam="FAIL"), PUBLISHED), ReasonClass.UNTRUSTED),
    (
        "DMARC fails",
        lambda: handled(ses_body(BOOKING, dmarc="FAIL"), PUBLISHED),
        ReasonClass.UNTRUSTED,
    ),
    (
        "no proof of the sender",
        lambda: handled(ses_body(BOOKING, dmarc="GRAY", dkim="GRAY"), PUBLISHED),
        ReasonClass.UNTRUSTED,
    ),
    (
        "not stored by SES",
        lambda: handled(ses_body(BOOKING, ses=False), PUBLISHED),
        ReasonClass.UNTRUSTED,
    ),
    (
        "forwarded by a stranger",
        lambda: handled(ses_body(email_for(event(), forwarded_by="m@evil.example")), PUBLISHED),
        ReasonClass.UNTRUSTED,
    ),
    (
        "unverified original",
        lambda: handled(
            ses_body(BOOKING, dmarc="GRAY", dkim="GRAY"),
            PUBLISHED,
            require_verified_original=True,
            require_authenticated_sender=False,
        ),
        ReasonClass.UNTRUSTED,
    ),
    (
        "another bucket",
        lambda: handled(s3_body("elsewhere", "raw/x"), PUBLISHED),
        ReasonClass.UNTRUSTED,
    ),
    (
        "outside the inbound prefix",
        lambda: handled(s3_body(INBOUND, "other/x"), PUBLISHED),
        ReasonClass.UNTRUSTED,
    ),
    (
        "SES's setup object",
        lambda: handled(s3_body(INBOUND, f"raw/{SES_SETUP_OBJECT}"), PUBLISHED),
        ReasonClass.NOT_MAIL,
    ),
    (
        "retries exhausted",
        lambda: RetryPolicy(max_receive_count=1, base_seconds=1, max_seconds=1).final(
            Received("m-1", "r-1", "{}"), handled(ses_body(BOOKING), raising(KeyError("x")))
        ),
        ReasonClass.UNEXPECTED,
    ),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_way_an_email_ends_carries_its_class_and_the_old_one(make, expected):
    outcome = make()
    assert outcome.reason_class is expected, outcome
    assert text_reason_class(outcome) is expected, outcome  # what the metric said before


def test_every_refusal_class_names_the_reason_class_of_the_same_meaning():
    assert {c.value for c in RefusalClass} == {
        ReasonClass.UNTRUSTED.value,
        ReasonClass.NOT_MAIL.value,
    }


def test_every_sample_body_the_handler_does_not_read_carries_the_old_class():
    """The decoder's ignored and unreadable bodies (AWS's samples and ours), and those pointing
    at another bucket, through the real handler."""
    seen = set()
    for directory in (OWN, aws_events_dir()):
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            for body in bodies_in(path):
                outcome = handled(body, raising(AssertionError("no email is read here")))
                assert outcome.reason_class is text_reason_class(outcome), (path, outcome)
                seen.add(outcome.reason_class)
    assert {ReasonClass.NOT_MAIL, ReasonClass.UNREADABLE, ReasonClass.UNTRUSTED} <= seen
