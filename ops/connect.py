"""After ``terraform apply``: can these settings reach everything they name?

``charterhand config check --connect`` (``make check-deploy``) asks each thing once, read-only,
and prints one line per thing: the queues (their attributes), the buckets (HEAD), the state table
(its status), each secret (has it a value yet; the value is never printed), SES (the From
domain verified for sending, the account out of the sandbox, an active receipt rule writing into
the inbound bucket), and the calendar and SCC (the one read the worker itself makes,
``GET <collection>?booking_id=…``, with the credential, so a refused credential shows as such).

Nothing here writes, sends or invokes: the calendar Lambda is asked with a ``DryRun`` invoke.
"""

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from aws.clients import client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

#: the booking id the downstream reads ask for: one that no booking has
PROBE_BOOKING = "charterhand:connect-check"


@dataclass(frozen=True)
class Check:
    """One thing the settings name, and whether it answered as it should."""

    what: str
    where: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.what:<22} {self.where}: {self.detail}"


@dataclass(frozen=True)
class Credential:
    """Where a credential comes from: a Secrets Manager secret, or a local value."""

    secret_id: str | None = None
    local: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class HttpSystem:
    """A downstream records API: its collection URL and the header its credential goes in."""

    collection_url: str
    header: str
    credential: Credential
    #: the header's value from the credential (``Bearer <key>`` for SCC)
    scheme: str = ""


@dataclass(frozen=True)
class Targets:
    """What the settings name (built from them by the command)."""

    queues: Mapping[str, str]
    buckets: Mapping[str, str]
    table: str
    secrets: Mapping[str, Credential]
    from_address: str
    inbound_bucket: str
    inbound_prefix: str
    http: Mapping[str, HttpSystem]
    calendar_function: str | None = None


@dataclass
class CheckClients:
    """The AWS clients the checks use, from the one factory unless given."""

    sqs: "SQSClient"
    s3: "S3Client"
    dynamodb: "DynamoDBClient"
    secretsmanager: "SecretsManagerClient"
    sesv2: "SESV2Client"
    ses: "SESClient"
    lambda_: "LambdaClient"

    @classmethod
    def from_environment(cls) -> "CheckClients":
        return cls(
            sqs=client("sqs"),
            s3=client("s3"),
            dynamodb=client("dynamodb"),
            secretsmanager=client("secretsmanager"),
            sesv2=client("sesv2"),
            ses=client("ses"),
            lambda_=client("lambda"),
        )


#: the longest error text a line shows (an endpoint that answers HTML says so in its first words)
ERROR_CHARS = 160


def _aws_error(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        text = f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    first = " ".join(text.split())
    return first if len(first) <= ERROR_CHARS else first[: ERROR_CHARS - 1] + "…"


def _asked(what: str, where: str, ask: Callable[[], str]) -> Check:
    """Run one read; an AWS error or an unreachable endpoint is a failed check, never a crash."""
    try:
        return Check(what, where, True, ask())
    except (ClientError, BotoCoreError) as exc:
        return Check(what, where, False, _aws_error(exc))
    except Failed as failed:
        return Check(what, where, False, str(failed))


class Failed(Exception):
    """A check's thing answered, but not as it should (the reason is the message)."""


def check_queue(sqs: "SQSClient", url: str) -> str:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return f"reachable, {attributes.get('ApproximateNumberOfMessages', '?')} waiting"


def check_bucket(s3: "S3Client", bucket: str) -> str:
    s3.head_bucket(Bucket=bucket)
    return "reachable"


def check_table(dynamodb: "DynamoDBClient", table: str) -> str:
    status = dynamodb.describe_table(TableName=table)["Table"].get("TableStatus", "?")
    if status != "ACTIVE":
        raise Failed(f"table is {status}")
    return "ACTIVE"


def read_credential(secrets: "SecretsManagerClient", credential: Credential) -> str:
    """The credential's value (for the downstream checks; never printed)."""
    if credential.secret_id:
        try:
            return secrets.get_secret_value(SecretId=credential.secret_id)["SecretString"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "ResourceNotFoundException":
                raise Failed(
                    "no value yet: aws secretsmanager put-secret-value --secret-id "
                    f"{credential.secret_id} --secret-string ..."
                ) from exc
            raise
    if credential.local:
        return credential.local
    raise Failed("not configured")


def check_secret(secrets: "SecretsManagerClient", credential: Credential) -> str:
    value = read_credential(secrets, credential)
    if not value.strip():
        raise Failed("the secret's value is empty")
    return "has a value (not shown)" if credential.secret_id else "a local value (not shown)"


def check_sending(sesv2: "SESV2Client", from_address: str) -> str:
    domain = from_address.rsplit("@", 1)[-1]
    identity = sesv2.get_email_identity(EmailIdentity=domain)
    if identity.get("VerificationStatus") != "SUCCESS":
        dkim = identity.get("DkimAttributes", {}).get("Status", "?")
        raise Failed(
            f"{domain} not verified for sending (DKIM {dkim}): publish the CNAMEs of "
            "`terraform output dns_records` and wait for SES"
        )
    return f"{domain} verified for sending"


def check_production_access(sesv2: "SESV2Client") -> str:
    account = sesv2.get_account()
    if not account.get("ProductionAccessEnabled"):
        raise Failed(
            "the account is in the SES sandbox: mail reaches verified addresses only "
            "(request production access: aws sesv2 put-account-details ...)"
        )
    return "production access"


def check_receiving(ses: "SESClient", bucket: str, prefix: str) -> str:
    active = ses.describe_active_receipt_rule_set()
    rule_set = active.get("Metadata", {}).get("Name")
    for rule in active.get("Rules", []):
        for action in rule.get("Actions", []):
            s3 = action.get("S3Action")
            if (
                rule.get("Enabled")
                and s3
                and s3.get("BucketName") == bucket
                and s3.get("ObjectKeyPrefix", "") == prefix
            ):
                return f"rule {rule['Name']} of the active set {rule_set} writes here"
    raise Failed(
        f"no rule of the active receipt rule set ({rule_set or 'none active'}) writes mail "
        f"into s3://{bucket}/{prefix}: see `terraform output receipt_rule_set_activation`"
    )


def check_http(
    secrets: "SecretsManagerClient", system: HttpSystem, timeout_seconds: float = 10
) -> str:
    """The read the worker itself makes to find a booking's record, with the credential."""
    credential = read_credential(secrets, system.credential)
    query = urllib.parse.urlencode({"booking_id": PROBE_BOOKING})
    request = urllib.request.Request(  # noqa: S310 - the configured https (or loopback) URL
        f"{system.collection_url}?{query}",
        headers={system.header: f"{system.scheme}{credential}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            raise Failed(f"reachable, but the credential was refused (HTTP {exc.code})") from exc
        raise Failed(f"reachable, but answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Failed(f"unreachable: {reason}") from exc
    return f"reachable, credential accepted (HTTP {status})"


def check_lambda(lambda_: "LambdaClient", function: str) -> str:
    lambda_.invoke(FunctionName=function, InvocationType="DryRun")
    return "may be invoked (DryRun)"


def run(targets: Targets, clients: CheckClients) -> list[Check]:
    """Every check, in the order an owner fixes them; each independent of the others."""
    checks = [
        _asked(w, url, partial(check_queue, clients.sqs, url)) for w, url in targets.queues.items()
    ]
    checks += [
        _asked(what, f"s3://{bucket}", partial(check_bucket, clients.s3, bucket))
        for what, bucket in targets.buckets.items()
    ]
    checks.append(
        _asked("state table", targets.table, partial(check_table, clients.dynamodb, targets.table))
    )
    checks += [
        _asked(
            what,
            credential.secret_id or "local setting",
            partial(check_secret, clients.secretsmanager, credential),
        )
        for what, credential in targets.secrets.items()
    ]
    checks += [
        _asked(
            "SES sending",
            targets.from_address,
            partial(check_sending, clients.sesv2, targets.from_address),
        ),
        _asked("SES account", "sesv2", partial(check_production_access, clients.sesv2)),
        _asked(
            "SES receiving",
            f"s3://{targets.inbound_bucket}/{targets.inbound_prefix}",
            partial(check_receiving, clients.ses, targets.inbound_bucket, targets.inbound_prefix),
        ),
    ]
    if targets.calendar_function:
        function = targets.calendar_function
        checks.append(
            _asked("calendar (Lambda)", function, partial(check_lambda, clients.lambda_, function))
        )
    checks += [
        _asked(what, system.collection_url, partial(check_http, clients.secretsmanager, system))
        for what, system in targets.http.items()
    ]
    return checks


def report(checks: Iterable[Check]) -> tuple[str, bool]:
    """The lines to print, and whether every check passed."""
    found = list(checks)
    failed = [c for c in found if not c.ok]
    summary = f"{len(found) - len(failed)} of {len(found)} reachable and ready"
    if failed:
        summary += f"; fix the {len(failed)} FAIL line(s) above"
    return "\n".join([*(c.line() for c in found), summary]), not failed
