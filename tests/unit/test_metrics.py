"""The worker's metric lines: what an outcome and a step run put in them, and the reason classes
every real reason falls into (fixed names, never the reason's text)."""

import json
from typing import Any

import pytest

from app.metrics import METRICS, Metrics
from bookings import PermanentError, TransientError, Waiting
from bookings.errors import UnexpectedError
from parsers import Hop
from sandbox.ingest import PASSING, with_ses_headers
from tests.support.paths import aws_events_dir
from tests.support.reason_text import text_reason_class
from tests.unit.test_decode import OWN, bodies_in, outcome
from trust import Inbound, Refusal, RefusalClass, admit, check_location
from trust.admission import check_hops, check_sender
from trust.authresults import parse as parse_authentication_results
from worker.decode import EmailRef, UnreadableBody
from worker.orchestrate import StepRun
from worker.outcomes import Ending, Outcome, ReasonClass
from worker.policy import RetryPolicy
from worker.queue import Received

SENT_AT = 1_800_000_000.0


def metrics_lines(clock: float = SENT_AT + 0.25) -> tuple[Metrics, list[str]]:
    lines: list[str] = []
    metrics = Metrics("Charterhand/test", write=lines.append, clock=lambda: clock)
    return metrics, lines


def parsed(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def message(sent_at: float | None = SENT_AT) -> Received:
    return Received(message_id="m-1", receipt_handle="r-1", body="{}", sent_at=sent_at)


def test_a_settled_message_is_one_email_by_outcome_and_reason_class_with_its_wait():
    metrics, lines = metrics_lines()
    metrics.outcome(
        message(), Outcome(Ending.DONE, "confirmed: ran calendar, scc", ReasonClass.PUBLISHED)
    )
    [line] = parsed(lines)
    assert (line["Outcome"], line["ReasonClass"], line["Emails"]) == ("done", "published", 1)
    assert line["EnqueueToSettled"] == 250.0
    assert line["_aws"]["Timestamp"] == int((SENT_AT + 0.25) * 1000)
    emails, waited = line["_aws"]["CloudWatchMetrics"]
    assert emails["Namespace"] == "Charterhand/test"
    assert emails["Dimensions"] == [["Outcome"], ["Outcome", "ReasonClass"]]
    assert emails["Metrics"] == [{"Name": "Emails", "Unit": "Count"}]
    assert (waited["Dimensions"], waited["Metrics"]) == (
        [["Outcome"]],
        [{"Name": "EnqueueToSettled", "Unit": "Milliseconds"}],
    )


def test_without_a_sent_timestamp_there_is_no_wait_to_report():
    metrics, lines = metrics_lines()
    metrics.outcome(
        message(sent_at=None), Outcome(Ending.IGNORED, "s3:TestEvent", ReasonClass.NOT_MAIL)
    )
    [line] = parsed(lines)
    assert "EnqueueToSettled" not in line
    assert [d["Metrics"][0]["Name"] for d in line["_aws"]["CloudWatchMetrics"]] == ["Emails"]


def test_a_step_run_is_its_latency_and_a_failure_of_zero_or_one():
    metrics, lines = metrics_lines()
    metrics.step(StepRun("scc", 0.2125, failed=False))
    metrics.step(StepRun("calendar", 0.05, failed=True))
    ok, failed = parsed(lines)
    assert (ok["Step"], ok["StepLatency"], ok["StepFailures"]) == ("scc", 212.5, 0)
    assert (failed["Step"], failed["StepFailures"]) == ("calendar", 1)
    [directive] = ok["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["Step"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"StepLatency", "StepFailures"}


def test_lines_carry_only_declared_metrics_under_declared_dimension_sets():
    metrics, lines = metrics_lines()
    metrics.outcome(message(), Outcome.of_error(TransientError("x", step="scc")))
    metrics.step(StepRun("scc", 0.1, failed=True))
    declared = {(m.name, s) for m in METRICS for s in m.dimension_sets}
    for line in parsed(lines):
        for directive in line["_aws"]["CloudWatchMetrics"]:
            for dims in directive["Dimensions"]:
                for metric in directive["Metrics"]:
                    assert (metric["Name"], tuple(dims)) in declared


def test_no_reason_text_reaches_a_metric_line():
    metrics, lines = metrics_lines()
    reason = "not a booking: from maya@example.com, +1 (619) 555-0134"
    ignored_ = Outcome(
        Ending.IGNORED, reason, ReasonClass.NOT_A_BOOKING, booking_key="boatsetter:xhqgmdh"
    )
    metrics.outcome(message(), ignored_)
    text = lines[0]
    for secret in ("maya", "619", "xhqgmdh", "m-1"):
        assert secret not in text
    assert json.loads(text)["ReasonClass"] == "not_a_booking"


def test_a_writer_that_fails_never_fails_the_caller():
    def broken(_line: str) -> None:
        raise OSError("stdout closed")

    Metrics("N", write=broken).step(StepRun("scc", 0.1, failed=False))


# --- reason classes, from the reasons the code really gives -------------------------------------


def ignored(reason: str | None) -> ReasonClass:
    """A refusal's carried class (agreeing with the old text classifier's), or for the decoder's
    plain reasons (all made NOT_MAIL by worker.process) the old classifier's."""
    assert reason is not None
    old = text_reason_class(Outcome(Ending.IGNORED, reason, ReasonClass.OTHER))
    if isinstance(reason, Refusal):
        assert Outcome.ignored(reason).reason_class is old, reason
    return old


INBOUND = Inbound("inbound", "raw/", "arn:aws:sns:us-east-1:000000000000:inbound")
RAW = b"From: Boatsetter <no-reply@boatsetter.com>\r\nSubject: x\r\n\r\nbody\r\n"


def refused(stored: bytes, ref: EmailRef | None = None) -> str | None:
    found = admit(stored, ref or EmailRef(bucket="inbound", key="raw/x"), INBOUND)
    return found if isinstance(found, Refusal) else None


def test_admission_refusals_are_untrusted():
    for verdicts in ({"spam": "FAIL"}, {"virus": "FAIL"}, {"dmarc": "FAIL"}):
        reason = refused(with_ses_headers(RAW, {**PASSING, **verdicts}))
        assert ignored(reason) is ReasonClass.UNTRUSTED, reason
    for stored in (RAW, b"Authentication-Results: mx.evil.example; dmarc=pass\r\n" + RAW):
        assert ignored(refused(stored)) is ReasonClass.UNTRUSTED
    unaligned = parse_authentication_results(
        "amazonses.com; spf=pass smtp.mailfrom=evil.example; "
        "dkim=pass header.i=@evil.example; dmarc=none header.from=boatsetter.com"
    )
    doubtful = parse_authentication_results("amazonses.com; spf=pass; spf=pass")
    for results, sender in (
        (None, "a@b.example"),
        (unaligned, "x@boatsetter.com"),
        (doubtful, "x@boatsetter.com"),
        (unaligned, None),
    ):
        reason = check_sender(results, sender, required=True)
        assert ignored(reason) is ReasonClass.UNTRUSTED, reason
    evil = (Hop("m@evil.example", "inline"),)
    assert ignored(check_hops(evil, [])) is ReasonClass.UNTRUSTED
    assert ignored(check_hops(evil, ["a@b.example"])) is ReasonClass.UNTRUSTED
    unnamed = (Hop(None, "inline", "several"),)
    assert ignored(check_hops(unnamed, ["a@b.example"])) is ReasonClass.UNTRUSTED
    for where in (
        EmailRef(bucket="other", key="raw/x"),
        EmailRef(bucket="inbound", key="other/x"),
        EmailRef(bucket="inbound", key="raw/x", ses_message_id="y"),
        EmailRef(ses_message_id="y"),
        EmailRef(bucket="inbound", key="raw/x", sns_topic_arn="arn:aws:sns:::other"),
    ):
        assert ignored(check_location(where, INBOUND)) is ReasonClass.UNTRUSTED, where


def test_the_ses_setup_object_is_not_mail():
    setup = EmailRef(bucket="inbound", key="raw/AMAZON_SES_SETUP_NOTIFICATION")
    assert ignored(check_location(setup, INBOUND)) is ReasonClass.NOT_MAIL


def test_every_refusal_class_is_a_reason_class():
    assert {c.value for c in RefusalClass} <= {c.value for c in ReasonClass}


def test_every_body_the_decoder_ignores_is_not_mail():
    reasons = {
        found
        for directory in (OWN, aws_events_dir())
        for path in sorted(directory.rglob("*"))
        if path.is_file()
        for body in bodies_in(path)
        for kind, found in [outcome(body)]
        if kind == "ignored"
    }
    assert len(reasons) >= 3
    for reason in reasons:
        assert ignored(str(reason)) is ReasonClass.NOT_MAIL, reason


def exhausted(error: TransientError) -> Outcome:
    """The outcome a transient error ends in once its retries ran out."""
    policy = RetryPolicy(max_receive_count=3, base_seconds=1, max_seconds=1)
    spent = Received(message_id="m-1", receipt_handle="r-1", body="{}", receive_count=3)
    return policy.final(spent, Outcome.of_error(error))


@pytest.mark.parametrize(
    ("outcome_", "expected"),
    [
        (
            Outcome(Ending.DONE, "duplicate of an email already applied", ReasonClass.DUPLICATE),
            ReasonClass.DUPLICATE,
        ),
        (
            Outcome(Ending.DONE, "confirmed: ran nothing (already published)", ReasonClass.CURRENT),
            ReasonClass.CURRENT,
        ),
        (
            Outcome(Ending.DONE, "modified: ran scc, summary; state kept", ReasonClass.PUBLISHED),
            ReasonClass.PUBLISHED,
        ),
        (
            Outcome(Ending.IGNORED, "not a booking: a newsletter", ReasonClass.NOT_A_BOOKING),
            ReasonClass.NOT_A_BOOKING,
        ),
        (Outcome(Ending.IGNORED, "something new", ReasonClass.OTHER), ReasonClass.OTHER),
        (
            Outcome.of_error(UnreadableBody("unreadable body: body is not JSON")),
            ReasonClass.UNREADABLE,
        ),
        (
            Outcome.of_error(TransientError("reading s3://b/k: SlowDown", step="fetch")),
            ReasonClass.FETCH,
        ),
        (Outcome.of_error(PermanentError("no date", step="parse")), ReasonClass.PARSE),
        (
            Outcome(
                Ending.RETRY,
                "another worker",
                ReasonClass.LEASE,
                step="scc",
                error_class="LeaseHeld",
            ),
            ReasonClass.LEASE,
        ),
        (
            Outcome.of_error(Waiting("SES has not reported the send yet", step="crew_email")),
            ReasonClass.LEASE,
        ),
        (Outcome.of_error(TransientError("kept changing", step="state")), ReasonClass.STATE),
        (Outcome.of_error(TransientError("scc said no", step="scc")), ReasonClass.STEP),
        (
            Outcome.of_error(
                UnexpectedError("unexpected KeyError: 'x'", KeyError("x"), step="scc")
            ),
            ReasonClass.UNEXPECTED,
        ),
        (
            exhausted(UnexpectedError("unexpected KeyError on s3://b/k", KeyError("x"))),
            ReasonClass.UNEXPECTED,
        ),
        (
            exhausted(TransientError("calendar sandbox said no (transient)", step="calendar")),
            ReasonClass.STEP,
        ),
        (Outcome.of_error(PermanentError("odd")), ReasonClass.OTHER),
    ],
)
def test_outcomes_fall_into_their_reason_class(outcome_, expected):
    assert outcome_.reason_class is expected
    assert text_reason_class(outcome_) is expected  # the class the old classifier read
