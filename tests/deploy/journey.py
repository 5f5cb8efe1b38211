"""The e2e paths on an applied deployment, each in its own real process, every AWS call recorded.

Happy (a booking email published to terraform's inbound topic the way SES does ends done), retry
(SCC answers 503 once), dead-letter (an email nobody can read), the operator's replay and status,
and the links API (a photo upload grant, a crew answer). What each process gets is terraform's:
the worker's environment is ``terraform output -json worker_environment`` and nothing else of
ours; the links API's is the Lambda function's environment in terraform's state.
"""

import json
import os
import re
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publishers.http import HttpPolicy
from tests.conftest import FIXTURES
from tests.deploy.aws_calls import CALLS_ENV, PRINCIPAL_ENV, Call, append_call
from tests.deploy.conftest import Deployment
from tests.support.paths import ROOT
from worker.ingest import PASSING, new_message_id, ses_notification, with_ses_headers

EMAILS = FIXTURES / "emails"


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

    def charterhand(self, name: str, principal: str, *args: str) -> Run:
        env = {**self.worker_env(), CALLS_ENV: str(self.calls_file), PRINCIPAL_ENV: principal}
        done = subprocess.run(
            [sys.executable, "-m", "tests.deploy.recorded_cli", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        run = Run(list(args), done.returncode, done.stdout, done.stderr)
        self.runs[name] = run
        return run

    def links_api(self, name: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """The Lambda handler in its own process, with the function's environment from state."""
        function_env = self.deployment.terraform.attribute("aws_lambda_function.api", "environment")
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            **self.deployment.aws_env(),
            **function_env[0]["variables"],
            CALLS_ENV: str(self.calls_file),
            PRINCIPAL_ENV: "links_api",
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.deploy.recorded_lambda"],
            env=env,
            cwd=ROOT,
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


def crew_confirm_path(page_html: str) -> str:
    """The first crew member's confirm link on a crew page."""
    match = re.search(r"(/crew/[^/\"'<>\s]+/confirm)", page_html)
    assert match, "the crew page has no confirm link"
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

    journey.receive("boatsetter-confirmed-unreadable-layout.eml")
    journey.charterhand("dead-letter", "worker", "worker", "--once")

    listed = journey.charterhand("dlq ls", "operator", "dlq", "ls", "--json")
    for line in listed.stdout.splitlines()[:1]:
        journey.charterhand("dlq show", "operator", "dlq", "show", json.loads(line)["id"])
    journey.charterhand("replay", "operator", "dlq", "replay", "--all")
    journey.charterhand("after replay", "worker", "worker", "--once")
    journey.charterhand("status", "operator", "status", "--json")

    site = deployment.terraform.output("site_bucket")
    s3 = deployment.client("s3")
    crew_keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket=site, Prefix="crew/").get("Contents", [])
    ]
    if crew_keys:
        page = s3.get_object(Bucket=site, Key=crew_keys[0])["Body"].read().decode()
        path = crew_confirm_path(page)
        host = {"host": "links.example"}
        journey.links_api("crew confirm", api_event("POST", path, host))
    origin = deployment.terraform.output("site_base_url")
    journey.links_api(
        "photo upload",
        api_event(
            "POST",
            "/g/xhqgmdh/photos",
            {"origin": origin, "content-type": "application/json", "host": "links.example"},
            json.dumps({"content_type": "image/jpeg", "size": 1000}),
        ),
    )
    return journey
