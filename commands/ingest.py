"""``charterhand ingest FILE.eml... | --samples``: feed emails in the way SES does (S3, then the
queue).

It reads only what it uses (:class:`IngestSettings`: the inbound bucket and the queues).
"""

import argparse
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from app.settings import InboundSettings, QueueSettings, load_group
from aws.clients import client
from aws.errors import classify
from commands.command import Exit, SubParsers, UsageError, guarded
from sandbox import SAMPLE_EMAILS
from sandbox.ingest import VERDICT_NAMES, ingest

STATUSES = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED")


class IngestSettings(QueueSettings, InboundSettings):
    """What ``ingest`` reads: where SES writes the email and the queue it notifies."""


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="put .eml files into the inbound bucket and queue, as SES would"
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE.eml")
    parser.add_argument(
        "--samples",
        action="store_true",
        help="also every sample email in sandbox/emails/",
    )
    parser.add_argument(
        "--verdict",
        action="append",
        default=[],
        metavar="NAME=STATUS",
        type=_verdict,
        help=f"an SES verdict other than PASS, e.g. spam=FAIL ({', '.join(VERDICT_NAMES)})",
    )
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: $CHARTERHAND_CONFIG)"
    )
    parser.set_defaults(func=run)


def _verdict(text: str) -> tuple[str, str]:
    name, _, status = text.partition("=")
    if name.lower() not in VERDICT_NAMES or status.upper() not in STATUSES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: want NAME=STATUS with NAME in {VERDICT_NAMES} and STATUS in {STATUSES}"
        )
    return name.lower(), status.upper()


@guarded("ingest")
def run(args: argparse.Namespace) -> int:
    settings = load_group(IngestSettings, args.config)
    files = [*args.files, *(sorted(SAMPLE_EMAILS.glob("*.eml")) if args.samples else [])]
    if not files:
        raise UsageError("no email to ingest: name FILE.eml... or pass --samples")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    s3, sqs = client("s3"), client("sqs")
    verdicts = dict(args.verdict)
    for path in files:
        try:
            message_id = ingest(
                path.read_bytes(),
                s3=s3,
                sqs=sqs,
                bucket=settings.inbound_bucket,
                prefix=settings.inbound_prefix,
                topic_arn=settings.inbound_topic_arn,
                queue_url=settings.queue_url,
                verdicts=verdicts,
            )
        except (ClientError, BotoCoreError) as exc:  # say which and stop; what was sent stays sent
            raise classify(exc, f"{path}: sending") from exc
        print(f"{path}\t{message_id}")
    return Exit.OK
