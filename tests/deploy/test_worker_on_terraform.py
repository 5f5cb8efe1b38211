"""The worker, the operator CLI and the links API on what terraform made, configured by
terraform's outputs alone (plus the secrets put as the README says)."""

import json
import re
from collections import Counter
from typing import Any

import pytest

from tests.deploy.conftest import Deployment
from tests.deploy.journey import Journey

pytestmark = pytest.mark.deploy


def _kinds(journey: Journey, run: str) -> list[str]:
    return [o["outcome"] for o in journey.runs[run].outcomes()]


def test_config_check_passes_on_terraforms_worker_environment(journey: Journey):
    run = journey.runs["config check"]
    assert run.returncode == 0, run.stderr
    assert "settings are valid" in run.stderr


def test_a_booking_email_through_terraforms_topic_and_queue_ends_done(journey: Journey):
    run = journey.runs["happy"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert _kinds(journey, "happy") == ["done"], run.stdout[-3000:] + run.stderr[-3000:]


def test_pages_land_in_terraforms_site_bucket(journey: Journey, deployment: Deployment):
    site = deployment.terraform.output("site_bucket")
    listed = deployment.client("s3").list_objects_v2(Bucket=site).get("Contents", [])
    keys = {o["Key"] for o in listed}
    assert any(re.fullmatch(r"g/xhqgmdh-[a-z2-7]{16}\.html", k) for k in keys), keys
    assert "g/xhqgmdh.html" not in keys  # no page at a countable id
    assert any(k.startswith("crew/") for k in keys), keys
    assert "robots.txt" in keys


def _entries(records: dict[str, Any]) -> Counter[str]:
    return Counter(record["booking_id"] for record in records.values())


def test_the_calendar_and_scc_got_each_booking_once(journey: Journey, deployment: Deployment):
    # the request held by another worker is on the calendar (tentative) and not yet in SCC
    assert _entries(deployment.downstream.calendar.records) == {
        "boatsetter:xhqgmdh": 1,
        "boatsetter:ywqnbfo": 1,
    }
    assert _entries(deployment.downstream.scc.records) == {"boatsetter:xhqgmdh": 1}


def test_a_transient_scc_fault_is_retried_then_done(journey: Journey):
    assert _kinds(journey, "retry") == ["retry"], journey.runs["retry"].stderr[-3000:]
    assert _kinds(journey, "retried") == ["done"], journey.runs["retried"].stderr[-3000:]


def test_a_booking_another_worker_holds_waits_without_spending_retries_then_ends_done(
    journey: Journey, deployment: Deployment
):
    run = journey.runs["contention"]
    assert run.returncode == 0, run.stderr[-3000:]
    outcomes = run.outcomes()
    *waited, last = outcomes
    assert waited, "the worker never met the other worker's lease"
    print(f"\nmet the held lease {len(waited)} time(s), each re-sent fresh; then done")
    assert {(o["outcome"], o.get("error_class")) for o in waited} == {("retry", "LeaseHeld")}
    assert last["outcome"] == "done", last
    assert {o["booking_key"] for o in outcomes} == {journey.held_booking}
    # each wait was a fresh message: no receive of it counted against the retry budget
    assert {o["receive_count"] for o in outcomes} == {1}
    record = journey.state_store().load(journey.held_booking)
    assert record.lease_owner is None
    assert record.emails, "the email was not remembered as applied"
    assert all(step.published_hash for step in record.steps.values()), record.steps


def test_the_worker_gets_terraforms_ses_events_queue(journey: Journey, deployment: Deployment):
    queue = deployment.terraform.output("ses_events_queue_url")
    assert journey.worker_env()["CHARTERHAND_SES_EVENTS_QUEUE_URL"] == queue


def test_an_ses_report_through_terraforms_topic_and_queue_is_recorded_and_deleted(
    journey: Journey,
):
    report = journey.ses_report
    assert report is not None
    assert report.recorded is not None, "the worker did not record SES's event"
    assert report.recorded["message_id"]["S"] == report.message_id
    assert report.recorded["event_type"]["S"] == report.event_type
    assert report.left_in_queue == 0, "the recorded event was not deleted from its queue"


def test_an_unreadable_email_lands_in_terraforms_dlq(journey: Journey):
    (outcome,) = journey.runs["dead-letter"].outcomes()
    assert outcome["outcome"] == "dead-letter"
    (row,) = [json.loads(line) for line in journey.runs["dlq ls"].stdout.splitlines() if line]
    assert row["reason"], row
    assert journey.runs["dlq show"].returncode == 0, journey.runs["dlq show"].stderr


def test_a_replayed_dead_letter_comes_back_to_the_worker(journey: Journey):
    assert journey.runs["replay"].returncode == 0, journey.runs["replay"].stderr
    assert _kinds(journey, "after replay") == ["dead-letter"]


def test_status_reports_on_terraforms_queues_and_table(journey: Journey):
    run = journey.runs["status"]
    assert run.returncode == 0, run.stderr
    json.loads(run.stdout)


def test_the_links_api_answers_on_terraforms_table_and_bucket(journey: Journey):
    assert journey.api_answers["photo upload"]["statusCode"] == 200, journey.api_answers
    assert journey.api_answers["crew confirm"]["statusCode"] == 200, journey.api_answers
