"""Every SQS body shape → emails to read, a reason to ignore, or an unreadable-body error."""

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.paths import ROOT, aws_events_dir
from worker.decode import EmailRef, UnreadableBody, decode_body

OWN = ROOT / "tests" / "fixtures" / "aws"


def bodies_in(path: Path) -> list[str]:
    """What a worker would receive for a sample: the bodies inside Lambda SQS events and
    receive_message responses, else the file itself."""
    text = path.read_text()
    try:
        doc = json.loads(text)
    except ValueError:
        return [text]
    if isinstance(doc, dict) and "Messages" in doc:
        return [m["Body"] for m in doc["Messages"]]
    records = doc.get("Records") if isinstance(doc, dict) else None
    if records and all(r.get("eventSource") == "aws:sqs" for r in records):
        return [r["body"] for r in records]
    return [text]


def outcome(body: str) -> tuple[str, object]:
    try:
        decoded = decode_body(body)
    except UnreadableBody as exc:
        return ("unreadable", exc.reason)
    if decoded.ignored is not None:
        return ("ignored", decoded.ignored)
    return ("emails", [(e.bucket, e.key, e.ses_message_id) for e in decoded.emails])


def topics(body: str) -> list[str | None]:
    return [e.sns_topic_arn for e in decode_body(body).emails]


SES_SAMPLE_ID = "d6iitobk75ur44p8kdnnp7g2n800"
S3_SAMPLE = [("xxx", "test.pdf", None)]

#: per shared sample file: what each body in it decodes to ("unreadable"/"ignored" carry a
#: fragment of the reason)
SHARED_EXPECTED: dict[str, list[tuple[str, object]]] = {
    "s3Event.json": [
        (
            "emails",
            [("lambda-artifacts-deafc19498e3f2df", "b21b84d653bb07b05b1e6b33684dc11b", None)],
        )
    ],
    "s3EventBridgeNotificationObjectCreatedEvent.json": [
        ("emails", [("example-bucket", "IMG_m7fzo3.jpg", None)])
    ],
    "s3EventDecodedKey.json": [("emails", [("sourcebucket", "Happy Face.jpg", None)])],
    "s3SqsEvent.json": [("emails", S3_SAMPLE)],
    "s3TestEvent.json": [("ignored", "s3:TestEvent")],
    "ses-s3-event.json": [("emails", [("my-S3-bucket", "email", SES_SAMPLE_ID)])],
    "sesEvent.json": [("unreadable", "Lambda action")],
    "sesReceivedS3ActionNotification.json": [
        ("emails", [("my-S3-bucket", "email", SES_SAMPLE_ID)])
    ],
    "sesReceivedSnsActionNotification.json": [("emails", [(None, None, SES_SAMPLE_ID)])],
    "snsEvent.json": [("unreadable", "a record from an unknown source")],
    "snsSqsEvent.json": [("unreadable", "unrecognised JSON object")],
    "snsSqsFifoEvent.json": [("unreadable", "unrecognised JSON object")],
    "sqsEvent.json": [("unreadable", "not JSON"), ("unreadable", "unrecognised JSON object")],
    "sqsDlqTriggerEvent.json": [("unreadable", "not JSON")],
    "derived/receiveMessage-mixed.json": [
        ("emails", [("my-S3-bucket", f"inbound/{SES_SAMPLE_ID}", SES_SAMPLE_ID)]),
        ("emails", [("my-S3-bucket", f"inbound/{SES_SAMPLE_ID}", SES_SAMPLE_ID)]),
        ("emails", S3_SAMPLE),
        ("ignored", "s3:TestEvent"),
        ("emails", S3_SAMPLE),
    ],
    "derived/sqsEvent-snsWrapped-sesS3Action.json": [
        ("emails", [("my-S3-bucket", f"inbound/{SES_SAMPLE_ID}", SES_SAMPLE_ID)])
    ],
}

OWN_EXPECTED: dict[str, tuple[str, object]] = {
    "sns-ses-s3-action.json": (
        "emails",
        [
            (
                "charterhand-inbound",
                "raw/q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0",
                "q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0",
            )
        ],
    ),
    "ses-s3-action-spam-fail.json": (
        "emails",
        [
            (
                "charterhand-inbound",
                "raw/q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0",
                "q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0",
            )
        ],
    ),
    "ses-sns-action-base64.json": (
        "emails",
        [(None, None, "q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0")],
    ),
    "s3-event-two-records-encoded-keys.json": (
        "emails",
        [
            ("charterhand-inbound", "raw/first email=1", None),
            ("charterhand-inbound", "raw/second+email", None),
        ],
    ),
    "s3-event-object-removed.json": ("ignored", "ObjectRemoved:Delete"),
    "sns-subscription-confirmation.json": ("ignored", "SubscriptionConfirmation"),
    "ses-bounce-notification.json": ("ignored", "Bounce"),
    # an SNS action's inline content is never decoded: named, refused by admission as untrusted
    "ses-sns-action-bad-base64.json": (
        "emails",
        [(None, None, "q1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0")],
    ),
    "garbage-not-json.txt": ("unreadable", "not JSON"),
    "garbage-json-array.json": ("unreadable", "not an object"),
    "garbage-unknown-object.json": ("unreadable", "unrecognised JSON object"),
    "garbage-sns-message-not-json.json": ("unreadable", "SNS Message is not JSON"),
    "garbage-s3-record-without-key.json": ("unreadable", "object.key is missing"),
    "garbage-ses-lambda-action.json": ("unreadable", "Lambda action"),
}


def matches(actual: tuple[str, object], expected: tuple[str, object]) -> bool:
    if actual[0] != expected[0]:
        return False
    if expected[0] == "emails":
        return actual[1] == expected[1]
    return str(expected[1]) in str(actual[1])


def test_every_shared_sample_has_an_expectation():
    root = aws_events_dir()
    files = {str(p.relative_to(root)) for p in root.rglob("*.json")}
    assert files == set(SHARED_EXPECTED), "add an expectation for each new sample"


@pytest.mark.parametrize("name", sorted(SHARED_EXPECTED))
def test_shared_sample_decodes_as_expected(name):
    bodies = bodies_in(aws_events_dir() / name)
    actual = [outcome(body) for body in bodies]
    assert len(actual) == len(SHARED_EXPECTED[name])
    for got, want in zip(actual, SHARED_EXPECTED[name], strict=True):
        assert matches(got, want), f"{name}: got {got}, want {want}"


def test_every_own_sample_has_an_expectation():
    assert {p.name for p in OWN.iterdir()} == set(OWN_EXPECTED)


@pytest.mark.parametrize("name", sorted(OWN_EXPECTED))
def test_own_sample_decodes_as_expected(name):
    got = outcome((OWN / name).read_text())
    assert matches(got, OWN_EXPECTED[name]), f"got {got}"


def test_the_notifications_own_verdicts_are_not_kept():
    """Every verdict is read from the stored email, never from a notification anyone could send."""
    decoded = decode_body((OWN / "ses-s3-action-spam-fail.json").read_text())
    assert not hasattr(decoded.emails[0], "verdicts")


def test_sns_action_content_is_never_decoded():
    decoded = decode_body((OWN / "ses-sns-action-base64.json").read_text())
    [ref] = decoded.emails
    assert (ref.bucket, ref.key) == (None, None)
    assert not hasattr(ref, "content")


def test_an_sns_envelope_names_its_topic_and_a_bare_body_none():
    envelope = (OWN / "sns-ses-s3-action.json").read_text()
    assert topics(envelope) == [json.loads(envelope)["TopicArn"]]
    bare = json.loads(envelope)["Message"]
    assert topics(bare) == [None]
    unnamed = json.loads(envelope)
    del unnamed["TopicArn"]
    assert topics(json.dumps(unnamed)) == [""]


def test_the_outermost_envelopes_topic_is_the_one_named():
    envelope = json.loads((OWN / "sns-ses-s3-action.json").read_text())
    outer = {"Type": "Notification", "TopicArn": "arn:outer", "Message": json.dumps(envelope)}
    assert topics(json.dumps(outer)) == ["arn:outer"]


def test_reasons_never_quote_body_values():
    body = json.dumps({"renter": "maya@example.com", "phone": "+1 619 555 0134"})
    with pytest.raises(UnreadableBody) as caught:
        decode_body(body)
    assert "maya" not in caught.value.reason
    assert "renter" in caught.value.reason  # the keys say what it was, not the values


def test_envelopes_nested_too_deep_are_unreadable():
    body = json.dumps({"Records": []})
    for _ in range(4):
        body = json.dumps({"Type": "Notification", "Message": body})
    with pytest.raises(UnreadableBody, match="too deep"):
        decode_body(body)


def test_decoded_email_says_where_it_is():
    assert EmailRef(bucket="b", key="raw/x").where == "s3://b/raw/x"
    assert EmailRef(ses_message_id="x").where == "inline SES content (not read)"


def test_ses_notification_says_when_ses_received_the_email():
    decoded = decode_body((OWN / "ses-s3-action-spam-fail.json").read_text())
    doc = json.loads((OWN / "ses-s3-action-spam-fail.json").read_text())
    stamp = (doc.get("mail") or json.loads(doc["Message"])["mail"])["timestamp"]
    assert decoded.emails[0].received_at == datetime.fromisoformat(stamp)
    assert decoded.emails[0].received_at.tzinfo is not None


def test_s3_events_do_not_say_when_ses_received_the_email():
    decoded = decode_body((OWN / "s3-event-two-records-encoded-keys.json").read_text())
    assert [e.received_at for e in decoded.emails] == [None, None]
