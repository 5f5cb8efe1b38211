"""Replay 1,000 dead letters with ``charterhand dlq replay --all`` against moto's server.

Run by hand: ``.venv/bin/python bench/replay.py``. Target: under 60 s (issue 7).
Prints the wall time of the CLI and the messages/s, and checks that nothing was lost.
"""

import os
import subprocess
import sys
import time

import boto3
from mypy_boto3_sqs import SQSClient
from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef

from sandbox.aws import running_moto

COUNT = 1000


def _depth(sqs: SQSClient, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"])


def main() -> None:
    with running_moto() as moto:
        sqs = boto3.client("sqs")
        dlq = sqs.create_queue(QueueName="bookings-dlq")["QueueUrl"]
        main_queue = sqs.create_queue(QueueName="bookings")["QueueUrl"]
        reason: MessageAttributeValueTypeDef = {
            "DataType": "String",
            "StringValue": "retries exhausted: calendar 503",
        }
        for start in range(0, COUNT, 10):
            sqs.send_message_batch(
                QueueUrl=dlq,
                Entries=[
                    {
                        "Id": str(i),
                        "MessageBody": f'{{"dead letter": {start + i}}}',
                        "MessageAttributes": {"charterhand.reason": reason},
                    }
                    for i in range(10)
                ],
            )
        env = {
            **os.environ,
            **moto.env(),
            "CHARTERHAND_QUEUE_URL": main_queue,
            "CHARTERHAND_DLQ_URL": dlq,
        }
        began = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "commands.main", "dlq", "replay", "--all"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        elapsed = time.perf_counter() - began
        moved, left = _depth(sqs, main_queue), _depth(sqs, dlq)
        print(result.stdout.strip())
        print(
            f"replay: {COUNT} dead letters in {elapsed:.1f} s ({COUNT / elapsed:.0f} msg/s), "
            f"on main queue {moved}, left in DLQ {left}"
        )
        if moved != COUNT or left != 0:
            sys.exit("LOST OR DOUBLED MESSAGES")


if __name__ == "__main__":
    main()
