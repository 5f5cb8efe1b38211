"""The e2e paths on an applied deployment, each in its own real process, every AWS call recorded.

Happy (a booking email published to terraform's inbound topic the way SES does ends done), retry
(SCC answers 503 once), contention (another worker holds the booking's lease: the message is
re-sent, then done once the lease is given back), SES's report on a sent email (published to
terraform's ses_events topic, recorded by the worker's consumer), dead-letter (an email nobody
can read), the operator's replay and status, and the links API (a photo upload grant, a crew
answer). What each process gets is terraform's: the worker's environment is ``terraform output
-json worker_environment`` and nothing else of ours; the links API's is the Lambda function's
environment in terraform's state.
"""

import email
import email.policy
import json
import os
import re
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bookings import Fleet, reduce
from parsers import parse_email
from publishers.transport.http import HttpPolicy
from publishers.transport.mail import SEND_TAG
from sandbox.ingest import PASSING, new_message_id, ses_notification, with_ses_headers
from sandbox.ses import Accepted, SesStandIn
from state.keys import DELIVERY as DELIVERY_PREFIX
from state.keys import SES_EVENT as SES_EVENT_PREFIX
from state.keys import SendKey
from state.store import StateStore
from tests.conftest import FIXTURES
from tests.deploy.aws_calls import CALLS_ENV, PRINCIPAL_ENV, Call, append_call
from tests.deploy.conftest import Deployment
from tests.deploy.recorded_lambda import TASK_ENV
from tests.support.paths import ROOT
from tests.support.publishing import parts

EMAILS = FIXTURES / "emails"

#: the lease owner of the other worker the contention path stands in for
BUSY_WORKER = "another-task:4242/busy"
#: how long that worker's lease would last if it were never given back
HELD_LEASE_SECONDS = 90
#: how long the worker may take to meet the held lease (its first re-sent message)
CONTENTION_WAIT_SECONDS = 60


@dataclass(frozen=True)
class SesReport:
    """One SES event about an email the worker sent, and what became of it."""

    tag: str
    message_id: str
    event_type: str
    #: the state table's item for it after the next worker run (None: not recorded)
    recorded: dict[str, Any] | None = None
    #: messages left in terraform's ses_events queue after that run
    left_in_queue: int = -1


@dataclass
class Run:
    """One process: its exit code, output, and the outcomes the worker logged."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def outcomes(self) -> list[dict[str, Any]]:
        found = []
        for line in (self.stdout + "\n" + self.stderr).splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if "outcome" in entry:
                    found.append(entry)
        return found


@dataclass
class Journey:
    deployment: Deployment
    calls_file: Path
    runs: dict[str, Run] = field(default_factory=dict)
    api_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the booking another worker held while ``contention`` ran
    held_booking: str = ""
    ses_report: SesReport | None = None

    # --- processes -------------------------------------------------------------------------------

    def worker_env(self) -> dict[str, str]:
        """terraform's worker environment + the AWS SDK's own variables: nothing else of ours."""
        outputs: Mapping[str, str] = self.deployment.terraform.output("worker_environment")
        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "SSL_CERT_FILE": str(self.deployment.downstream.ca_file),
            **self.deployment.aws_env(),
            **outputs,
        }

    def _cli(self, principal: str, args: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
        env = {**self.worker_env(), CALLS_ENV: str(self.calls_file), PRINCIPAL_ENV: principal}
        return [sys.executable, "-m", "tests.deploy.recorded_cli", *args], env

    def charterhand(self, name: str, principal: str, *args: str) -> Run:
        command, env = self._cli(principal, args)
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        run = Run(list(args), done.returncode, done.stdout, done.stderr)
        self.runs[name] = run
        return run

    def links_api(self, name: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """The Lambda handler of the deployed zip, unpacked as Lambda does, in its own process,
        with the function's environment from state. The zip comes first on the path (the
        handler, our packages and the libraries load from it); the checkout is there only for
        the call recorder (tests/deploy/recorded_lambda.py checks where the handler came from)."""
        function_env = self.deployment.terraform.attribute("aws_lambda_function.api", "environment")
        task = self.deployment.api_task
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join((str(task), str(ROOT))),
            **self.deployment.aws_env(),
            **function_env[0]["variables"],
            CALLS_ENV: str(self.calls_file),
            PRINCIPAL_ENV: "links_api",
            TASK_ENV: str(task),
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.deploy.recorded_lambda"],
            env=env,
            cwd=task,
            input=json.dumps(event),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        self.api_answers[name] = answer
        return answer

    # --- mail in, the way SES does it ------------------------------------------------------------

    def receive(self, sample: str) -> str:
        """SES's S3 action then its notification: raw (with verdict headers) to ``raw/<id>``,
        the "Received" notification published to terraform's inbound topic."""
        message_id = new_message_id()
        bucket = self.deployment.terraform.output("inbound_bucket")
        key = self.deployment.terraform.output("inbound_prefix") + message_id
        stored = with_ses_headers((EMAILS / sample).read_bytes(), PASSING)
        self.deployment.client("s3").put_object(Bucket=bucket, Key=key, Body=stored)
        notification = ses_notification(
            stored, message_id=message_id, bucket=bucket, key=key, verdicts=PASSING
        )
        topic = self.deployment.terraform.attribute("aws_sns_topic.inbound", "arn")
        notification["receipt"]["action"]["topicArn"] = topic
        self.deployment.client("sns").publish(
            TopicArn=topic,
            Subject="Amazon SES Email Receipt Notification",
            Message=json.dumps(notification),
        )
        self._services_deliver(bucket, key, topic)
        return message_id

    def _services_deliver(self, bucket: str, key: str, topic: str) -> None:
        """What AWS's services do for each email, as calls IAM decides on: SES writes the raw
        mail and publishes (as our receipt rule), SNS sends to the queue (as our topic)."""
        tf = self.deployment.terraform
        rule = tf.attribute("aws_ses_receipt_rule.bookings", "arn")
        account = rule.split(":")[4]
        as_rule = {"aws:SourceArn": rule, "aws:SourceAccount": account}
        as_topic = {"aws:SourceArn": topic, "aws:SourceAccount": account}
        region = rule.split(":")[3]
        ses, sns = "service:ses.amazonaws.com", "service:sns.amazonaws.com"
        for call in (
            Call(ses, "s3", "PutObject", region, {"Bucket": bucket, "Key": key}, context=as_rule),
            Call(ses, "sns", "Publish", region, {"TopicArn": topic}, context=as_rule),
            Call(
                sns,
                "sqs",
                "SendMessage",
                region,
                {"QueueUrl": tf.output("queue_url")},
                context=as_topic,
            ),
        ):
            append_call(self.calls_file, call)

    # --- another worker on the same booking ------------------------------------------------------

    def state_store(self) -> StateStore:
        table = self.deployment.terraform.output("table_name")
        return StateStore(table, self.deployment.client("dynamodb"))

    def another_worker_takes(self, sample: str) -> str:
        """Another worker is on the booking ``sample`` is about: it took the booking's lease with
        the state that email makes, as ``Orchestrator.apply`` does (SNS delivered the email
        twice, and the other copy is in work there). The booking's key."""
        fleet = Fleet.model_validate_json(self.worker_env()["CHARTERHAND_FLEET"])
        event = parse_email((EMAILS / sample).read_bytes(), fleet)
        store = self.state_store()
        assert store.load(event.key).version == 0, f"{event.key} is already stored"
        store.acquire(
            event.key,
            state=reduce(None, event),
            expected_version=0,
            owner=BUSY_WORKER,
            lease_seconds=HELD_LEASE_SECONDS,
        )
        self.held_booking = event.key
        return event.key

    def worker_while_held(self, name: str, key: str) -> Run:
        """``worker --once`` while another worker holds ``key``'s lease, which that worker gives
        back (its steps left undone) as soon as ours has met it: re-sent the message."""
        command, env = self._cli("worker", ("worker", "--once"))
        queue_url = self.deployment.terraform.output("queue_url")
        store = self.state_store()  # ready before the worker starts: the release is prompt
        seen = len(self.calls_file.read_text().splitlines()) if self.calls_file.exists() else 0
        # files, not pipes: nobody reads a pipe while the worker runs, and a full one blocks it
        out_path, err_path = (self.calls_file.parent / f"{name}.{n}" for n in ("out", "err"))
        with out_path.open("w") as out, err_path.open("w") as err:
            process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
            try:
                deadline = time.monotonic() + CONTENTION_WAIT_SECONDS
                while not self._resent(queue_url, seen):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(
                            "the worker never re-sent the held booking's message:\n"
                            + err_path.read_text()[-3000:]
                        )
                    time.sleep(0.02)
                store.release(key, owner=BUSY_WORKER)
                process.wait(timeout=120)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        run = Run(list(command[3:]), process.returncode, out_path.read_text(), err_path.read_text())
        self.runs[name] = run
        return run

    def _resent(self, queue_url: str, seen: int) -> bool:
        """Has the worker sent to the bookings queue since line ``seen`` of the calls file? (A
        line being written as we read is skipped: it is read whole next time.)"""
        for line in self.calls_file.read_text().splitlines()[seen:]:
            try:
                call = json.loads(line)
            except ValueError:
                continue
            if (call["principal"], call["service"], call["operation"]) == (
                "worker",
                "sqs",
                "SendMessage",
            ) and call["params"].get("QueueUrl") == queue_url:
                return True
        return False

    # --- SES's report on an email the worker sent -------------------------------------------------

    def ses_reports_a_send(self, event_type: str = "Delivery") -> SesReport:
        """SES's configuration set reports on one email the worker sent (the first the delivery
        log holds as sent): the event, tagged as the worker tagged the send, published to
        terraform's ses_events topic as SES's event destination does. moto's SES emits no events
        (and its event destinations are a stood-in gap: ``moto_gaps.SesV2EventDestinations``),
        so this plays SES's part; SNS's delivery to terraform's queue is moto's own."""
        tf = self.deployment.terraform
        table = tf.output("table_name")
        items = self.deployment.client("dynamodb").scan(TableName=table)["Items"]
        sent = sorted(
            (
                (
                    SendKey(i["pk"]["S"].removeprefix(DELIVERY_PREFIX), i["sk"]["S"]),
                    i["result"]["S"],
                )
                for i in items
                if i["pk"]["S"].startswith(DELIVERY_PREFIX)
                and i.get("status", {}).get("S") == "completed"
            ),
            key=lambda found: found[0].name,
        )
        assert sent, "the worker sent no email before SES could report on one"
        send, message_id = sent[0]
        tag = send.tag
        config_set = tf.attribute("aws_sesv2_configuration_set.outbound", "arn")
        ses = SesStandIn(upstream="", configuration_set=config_set.rsplit("/", 1)[-1])
        env = self.worker_env()
        whom = send.lane.rsplit(":", 1)[-1]  # a crew member's id, or "manager"
        people = {p.id: p.email for p in Fleet.model_validate_json(env["CHARTERHAND_FLEET"]).people}
        recipient = people.get(whom) or env["CHARTERHAND_MANAGER_ADDRESS"]
        accepted = Accepted(message_id, {SEND_TAG: tag}, recipient, "", "", "ok")
        sender = {"FromEmailAddress": env["CHARTERHAND_FROM_ADDRESS"]}
        event = ses.notification(event_type, accepted, sender)["Message"]
        topic = tf.attribute("aws_sns_topic.ses_events", "arn")
        self.deployment.client("sns").publish(TopicArn=topic, Message=event)
        account = topic.split(":")[4]
        region = topic.split(":")[3]
        queue_url = tf.output("ses_events_queue_url")
        for call in (
            Call(
                "service:ses.amazonaws.com",
                "sns",
                "Publish",
                region,
                {"TopicArn": topic},
                context={"aws:SourceArn": config_set, "aws:SourceAccount": account},
            ),
            Call(
                "service:sns.amazonaws.com",
                "sqs",
                "SendMessage",
                region,
                {"QueueUrl": queue_url},
                context={"aws:SourceArn": topic, "aws:SourceAccount": account},
            ),
        ):
            append_call(self.calls_file, call)
        self.ses_report = SesReport(tag, message_id, event_type)
        return self.ses_report

    def what_became_of_the_ses_report(self) -> SesReport:
        """The report's item in the state table, and what is left in terraform's queue."""
        report = self.ses_report
        assert report is not None
        tf = self.deployment.terraform
        item = self.deployment.client("dynamodb").get_item(
            TableName=tf.output("table_name"),
            Key={
                "pk": {"S": SES_EVENT_PREFIX + report.tag},
                "sk": {"S": f"{report.message_id}#{report.event_type}"},
            },
            ConsistentRead=True,
        )
        attributes = self.deployment.client("sqs").get_queue_attributes(
            QueueUrl=tf.output("ses_events_queue_url"),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        left = sum(int(value) for value in attributes.values())
        self.ses_report = SesReport(
            report.tag, report.message_id, report.event_type, item.get("Item"), left
        )
        return self.ses_report

    def scc_fails(self, count: int) -> None:
        """The SCC sandbox answers the next ``count`` requests 503 (a transient fault)."""
        context = ssl.create_default_context(cafile=str(self.deployment.downstream.ca_file))
        request = urllib.request.Request(
            self.deployment.downstream.scc_url + "/_sandbox/faults",
            data=json.dumps({"status": 503, "count": count}).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10, context=context):
            pass


def api_event(method: str, path: str, headers: Mapping[str, str], body: str = "") -> dict[str, Any]:
    """An API Gateway HTTP API (payload v2) event, as the links API's Lambda receives it."""
    return {
        "version": "2.0",
        "rawPath": path,
        "headers": dict(headers),
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": method, "path": path}, "stage": "$default"},
    }


def crew_confirm_path(text: str) -> str:
    """The confirm link in a crew member's email."""
    match = re.search(r"(/crew/[^/\"'<>\s]+/confirm)", text)
    assert match, "the crew email has no confirm link"
    return match.group(1)


def walk(deployment: Deployment, calls_file: Path) -> Journey:
    """Every path once, in the order an operator would meet them."""
    journey = Journey(deployment, calls_file)
    journey.charterhand("config check", "worker", "config", "check")

    journey.receive("boatsetter-confirmed.eml")
    journey.charterhand("happy", "worker", "worker", "--once")

    # one more 503 than the HTTP client's own retries: the message itself is retried
    journey.scc_fails(HttpPolicy().retries + 1)
    journey.receive("boatsetter-modified.eml")
    journey.charterhand("retry", "worker", "worker", "--once")
    journey.charterhand("retried", "worker", "worker", "--once")

    # SES reports on an email the worker sent; the worker's consumer records it while the next
    # run works: a booking whose lease another worker holds when its email arrives
    journey.ses_reports_a_send()
    held = journey.another_worker_takes("boatsetter-request.eml")
    journey.receive("boatsetter-request.eml")
    journey.worker_while_held("contention", held)
    journey.what_became_of_the_ses_report()

    journey.receive("boatsetter-confirmed-unreadable-layout.eml")
    journey.charterhand("dead-letter", "worker", "worker", "--once")

    listed = journey.charterhand("dlq ls", "operator", "dlq", "ls", "--json")
    for line in listed.stdout.splitlines()[:1]:
        journey.charterhand("dlq show", "operator", "dlq", "show", json.loads(line)["id"])
    journey.charterhand("replay", "operator", "dlq", "replay", "--all")
    journey.charterhand("after replay", "worker", "worker", "--once")
    journey.charterhand("status", "operator", "status", "--json")
    journey.charterhand("intake resume", "operator", "intake", "resume")

    # the happy booking's first crew email holds its member's own confirm link (the crew page
    # holds none), and its guest page step recorded the slug the links API accepts
    invites = [
        m
        for m in _sent_mail()
        if m["X-Charterhand-Booking"] == "boatsetter:xhqgmdh"
        and m["X-Charterhand-Kind"] == "new"
        and "text/calendar" in parts(m)  # a crew email (the manager's summary says "new" too)
    ]
    if invites:
        path = crew_confirm_path(parts(invites[0])["text/plain"])
        host = {"host": "links.example"}
        journey.links_api("crew confirm", api_event("POST", path, host))
    guest_page = journey.state_store().load("boatsetter:xhqgmdh").step("guest_page")
    slug = guest_page.external_ids.get("key", "g/xhqgmdh.html").removeprefix("g/")
    origin = deployment.terraform.output("site_base_url")
    journey.links_api(
        "photo upload",
        api_event(
            "POST",
            f"/g/{slug.removesuffix('.html')}/photos",
            {"origin": origin, "content-type": "application/json", "host": "links.example"},
            json.dumps({"content_type": "image/jpeg", "size": 1000}),
        ),
    )
    return journey


def _sent_mail() -> list[EmailMessage]:
    """Every raw email the deployment's SES accepted, oldest first, read from moto's backend in
    this process: its ``/moto-api/data.json`` view fails (500) on a model terraform's resources
    leave in another backend."""
    from moto.ses.models import ses_backends

    raws = [
        message.raw_data
        for regions in ses_backends.values()
        for backend in regions.values()
        for message in backend.sent_messages
        if hasattr(message, "raw_data")
    ]
    parsed = [email.message_from_string(raw, policy=email.policy.default) for raw in raws]
    return [m for m in parsed if isinstance(m, EmailMessage)]
