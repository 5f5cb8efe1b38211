"""``charterhand ingest FILE.eml...``: feed emails in the way SES does (S3, then the queue)."""

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from app.settings import SettingsError, load_settings
from aws.errors import classify
from sandbox.ingest import VERDICT_NAMES, ingest

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any

STATUSES = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED")


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "ingest", help="put .eml files into the inbound bucket and queue, as SES would"
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.eml")
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


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"charterhand ingest: {exc.reason}", file=sys.stderr)
        return 2
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        print(f"charterhand ingest: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    verdicts = dict(args.verdict)
    for path in args.files:
        try:
            message_id = ingest(
                path.read_bytes(),
                s3=s3,
                sqs=sqs,
                bucket=settings.inbound_bucket,
                prefix=settings.inbound_prefix,
                queue_url=settings.queue_url,
                verdicts=verdicts,
            )
        except (ClientError, BotoCoreError) as exc:  # say which and stop; what was sent stays sent
            print(f"charterhand ingest: {path}: {classify(exc, 'sending').reason}", file=sys.stderr)
            return 1
        print(f"{path}\t{message_id}")
    return 0
