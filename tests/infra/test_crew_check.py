"""The hourly crew check and the answers' announcements are wired as the code expects them."""

import json

from bookings.tasks import AUDIT, CREW_CHECK, audit_body, crew_check_body
from state import keys
from tests.infra.module import Module


def test_the_schedules_put_the_crew_check_and_the_audit_on_the_bookings_queue(tf: Module):
    schedule = tf.resource("aws_scheduler_schedule", "tasks")
    assert schedule["for_each"] == "${local.scheduled_tasks}"
    # one schedule per task, keyed by the task's own name: the body is {"charterhand": <key>}
    assert set(tf.locals["scheduled_tasks"]) == {CREW_CHECK, AUDIT}
    assert tf.locals["scheduled_tasks"][CREW_CHECK]["schedule"] == "${var.crew_check_schedule}"
    assert tf.locals["scheduled_tasks"][AUDIT]["schedule"] == "${var.audit_schedule}"
    (target,) = schedule["target"]
    assert target["arn"] == "${aws_sqs_queue.bookings.arn}"
    assert target["role_arn"] == "${aws_iam_role.schedules.arn}"
    body = target["input"].removeprefix("${jsonencode(").removesuffix(")}")
    assert body.replace(" ", "") == "{charterhand=each.key}"
    assert json.loads(crew_check_body()) == {"charterhand": "crew-check"}
    assert json.loads(audit_body()) == {"charterhand": "audit"}


def test_the_schedules_role_may_only_put_messages_on_the_bookings_queue(tf: Module):
    granted = {
        (a, r)
        for s in tf.policy_document("schedules")
        for a in s["actions"]
        for r in s["resources"]
    }
    assert ("sqs:SendMessage", "${aws_sqs_queue.bookings.arn}") in granted
    assert {a for a, _ in granted} == {"sqs:SendMessage", "kms:Decrypt", "kms:GenerateDataKey"}


def test_the_index_the_worker_reads_is_the_one_terraform_makes(tf: Module):
    (index,) = tf.resource("aws_dynamodb_table", "state")["global_secondary_index"]
    assert (index["name"], index["hash_key"], index["range_key"]) == (
        keys.UPCOMING_INDEX,
        keys.UPCOMING_BOAT,
        keys.UPCOMING_START,
    )
    (statement,) = [
        s for s in tf.policy_document("worker_task") if s.get("sid") == "FindUpcomingCharters"
    ]
    assert statement["resources"] == [
        "${aws_dynamodb_table.state.arn}/index/" + keys.UPCOMING_INDEX
    ]


def test_the_links_api_announces_answers_on_the_queue_it_may_send_to(tf: Module):
    assert tf.locals["api_settings"]["answers_queue_url"] == "${aws_sqs_queue.bookings.url}"
    (statement,) = [s for s in tf.policy_document("api") if s.get("sid") == "AnnounceCrewAnswers"]
    assert statement["actions"] == ["sqs:SendMessage"]
    assert statement["resources"] == ["${aws_sqs_queue.bookings.arn}"]
