"""The worker's AWS resources on moto, as terraform makes them: queue + DLQ with redrive,
inbound bucket, site and photo buckets, the state table. For tests, the bench and the demo."""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from app.settings import ENV_PREFIX, Settings
from aws.clients import client
from sandbox.ingest import TOPIC_ARN
from sandbox.table import create_table

#: the domain crew and manager emails are sent from, verified in SES by ``provision``
SENDING_DOMAIN = "example.com"


@dataclass(frozen=True)
class LocalStack:
    """Names of one set of resources; ``settings()`` / ``env()`` point the worker at them."""

    queue_url: str
    dlq_url: str
    inbound_bucket: str
    site_bucket: str
    photos_bucket: str
    table_name: str

    def values(self, **overrides: Any) -> dict[str, Any]:
        """Every required setting (plus ``overrides``), as ``Settings`` field values."""
        return {
            "queue_url": self.queue_url,
            "dlq_url": self.dlq_url,
            "inbound_bucket": self.inbound_bucket,
            # what sandbox.ingest announces mail on, as SES's rule does on the inbound topic
            "inbound_topic_arn": TOPIC_ARN,
            "table_name": self.table_name,
            "site_bucket": self.site_bucket,
            "photos_bucket": self.photos_bucket,
            "site_base_url": "http://127.0.0.1:8000",
            "links_api_base_url": "http://127.0.0.1:8001",
            "from_address": f"charterhand@{SENDING_DOMAIN}",
            "manager_address": "manager@example.com",
            # targets of the calendar and SCC steps (on by default): where nothing listens, for
            # workers built with their own publishers; the demo points them at its sandboxes
            "calendar_base_url": "http://127.0.0.1:8003",
            "scc_base_url": "http://127.0.0.1:8002",
            **overrides,
        }

    def settings(self, **overrides: Any) -> Settings:
        return Settings(**self.values(**overrides))

    def env(self, **overrides: Any) -> dict[str, str]:
        """``CHARTERHAND_*`` variables for a worker subprocess (lists as JSON, as pydantic
        reads them)."""
        env = {}
        for name, value in self.values(**overrides).items():
            text = json.dumps(value) if isinstance(value, list | dict) else str(value)
            env[ENV_PREFIX + name.upper()] = text
        return env


def provision(max_receive_count: int = 5, *, name: str | None = None) -> LocalStack:
    """Create the resources (on whatever ``AWS_ENDPOINT_URL`` points at) and name them.

    The DLQ redrive fires two receives after the worker's own limit: it is the safety net for a
    worker that dies on a message, not the way failures normally reach the DLQ.
    """
    name = name or f"ch-{uuid.uuid4().hex[:8]}"
    sqs = client("sqs")
    s3 = client("s3")
    dlq_url = sqs.create_queue(QueueName=f"{name}-bookings-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"{max_receive_count + 2}"}}'
    queue_url = sqs.create_queue(
        QueueName=f"{name}-bookings",
        Attributes={"VisibilityTimeout": "120", "RedrivePolicy": redrive},
    )["QueueUrl"]
    stack = LocalStack(
        queue_url=queue_url,
        dlq_url=dlq_url,
        inbound_bucket=f"{name}-inbound",
        site_bucket=f"{name}-site",
        photos_bucket=f"{name}-photos",
        table_name=f"{name}-state",
    )
    for bucket in (stack.inbound_bucket, stack.site_bucket, stack.photos_bucket):
        s3.create_bucket(Bucket=bucket)
    create_table(client("dynamodb"), stack.table_name)
    # the verified sending domain (terraform: aws_sesv2_email_identity with Easy DKIM)
    client("sesv2").create_email_identity(EmailIdentity=SENDING_DOMAIN)
    return stack


def allow_uploads_from(s3: Any, bucket: str, origin: str) -> None:
    """The photos bucket's CORS rule for the guest page's origin (terraform sets the same)."""
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["POST"],
                    "AllowedHeaders": ["*"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
