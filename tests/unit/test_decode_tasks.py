"""The worker's own tasks on the bookings queue (bookings/tasks.py): read exactly as written, and
nothing else passes for one (a forged task can only ask for a check of what the table holds)."""

import json

import pytest

from bookings.tasks import audit_body, crew_answer_body, crew_check_body
from worker.decode import Task, UnreadableBody, decode_body


def test_the_hourly_crew_check_is_a_task():
    decoded = decode_body(crew_check_body())
    assert decoded.task == Task("crew-check")
    assert decoded.emails == ()


def test_a_crew_answer_names_its_booking():
    assert decode_body(crew_answer_body("boatsetter:xhqgmdh")).task == Task(
        "crew-answer", "boatsetter:xhqgmdh"
    )


def test_the_schedules_body_as_terraform_writes_it_is_the_check():
    # jsonencode({ charterhand = "crew-check" }) in infra/terraform/schedules.tf (each.key)
    assert decode_body('{"charterhand":"crew-check"}').task == Task("crew-check")


def test_the_hourly_audit_is_a_task_as_terraform_writes_it():
    # jsonencode({ charterhand = "audit" }) in infra/terraform/audit.tf
    assert decode_body('{"charterhand":"audit"}').task == Task("audit")
    assert decode_body(audit_body()).task == Task("audit")


@pytest.mark.parametrize(
    "doc",
    [
        {"charterhand": "audit", "boat": "JADA"},  # nothing but the run
        {"charterhand": "crew-check", "to": "someone@example.com"},  # nothing but the check
        {"charterhand": "crew-answer"},  # no booking
        {"charterhand": "crew-answer", "booking": "boatsetter:XHQ GMDH"},  # not a booking key
        {"charterhand": "crew-answer", "booking": "elsewhere:1234"},  # no such source
        {"charterhand": "crew-answer", "booking": ["boatsetter:xhqgmdh"]},
        {"charterhand": "crew-answer", "booking": "boatsetter:xhqgmdh", "crew": "alex"},
        {"charterhand": "send-everything"},
        {"charterhand": None},
    ],
)
def test_anything_else_that_says_charterhand_is_unreadable(doc):
    with pytest.raises(UnreadableBody):
        decode_body(json.dumps(doc))


def test_a_task_inside_an_sns_envelope_is_not_a_task():
    envelope = {"Type": "Notification", "TopicArn": "arn:x", "Message": crew_check_body()}
    with pytest.raises(UnreadableBody):
        decode_body(json.dumps(envelope))


def test_a_booking_key_that_is_not_one_is_never_put_on_the_queue():
    with pytest.raises(ValueError, match="not a booking key"):
        crew_answer_body("boatsetter:../../x")
