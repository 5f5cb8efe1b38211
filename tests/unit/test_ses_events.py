"""Reading SES's event JSON (configuration set event publishing), as SNS delivers it or raw."""

import json
from typing import Any

from state.keys import delivery_tag
from worker.ses_events import parse_event


def ses_event(
    kind: str = "Send", tags: dict[str, list[str]] | None = None, message_id: str = "0100018c-abc"
) -> dict[str, Any]:
    return {
        "eventType": kind,
        "mail": {
            "timestamp": "2026-11-29T15:00:00.000Z",
            "source": "charterhand@example.com",
            "messageId": message_id,
            "destination": ["sam@example.com"],
            "tags": tags if tags is not None else {"charterhand-send": [delivery_tag("k")]},
        },
        kind.lower(): {},
    }


def test_an_sns_wrapped_send_event_gives_its_message_id_and_our_tag():
    body = json.dumps({"Type": "Notification", "Message": json.dumps(ses_event())})
    event = parse_event(body)
    assert event is not None
    assert (event.event_type, event.message_id, event.tag) == (
        "Send",
        "0100018c-abc",
        delivery_tag("k"),
    )


def test_a_raw_delivered_event_is_read_the_same():
    event = parse_event(json.dumps(ses_event("Delivery")))
    assert event is not None
    assert event.event_type == "Delivery"


def test_an_email_sent_without_our_tag_has_no_tag():
    event = parse_event(json.dumps(ses_event(tags={"ses:configuration-set": ["cs"]})))
    assert event is not None
    assert event.tag is None


def test_a_feedback_notification_counts_as_a_report():
    body = ses_event("Bounce")
    body["notificationType"] = body.pop("eventType")
    event = parse_event(json.dumps(body))
    assert event is not None
    assert event.event_type == "Bounce"


def test_what_is_not_an_ses_event_is_none():
    assert parse_event("not json") is None
    assert parse_event(json.dumps({"Type": "SubscriptionConfirmation"})) is None
    assert parse_event(json.dumps({"eventType": "Send", "mail": {}})) is None
