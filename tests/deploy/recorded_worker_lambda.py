"""``python -m tests.deploy.recorded_worker_lambda disable|poll``: the worker Lambda's deployed
code, in its own process like a cold start, its AWS calls recorded as the function's role's:

- ``disable``: what the function does when the DLQ limit stops intake: find its bookings
  mapping and disable it (``app.worker_lambda.mapping_switch``). Also what the deploy test needs
  before any email: moto's mapping, left enabled, "invokes" a function it cannot run (no docker)
  and deletes the messages.
- ``poll``: one batch as Lambda's SQS poller hands it in (tests/support/event_source.py: receive
  from terraform's queue, ``app.worker_lambda.handler``, delete what it did not report failed),
  with the poller's GetQueueAttributes; prints the answer as the last JSON line.

``CHARTERHAND_TEST_LAMBDA_TASK`` (the deployed zip, unpacked) must be where our packages and the
libraries load from."""

import importlib
import json
import os
import sys

from tests.deploy.aws_calls import install_from_env
from tests.deploy.recorded_lambda import TASK_ENV

#: the function's and its queue's ARNs, and the queues' URLs (from terraform's outputs)
FUNCTION_ARN_ENV = "CHARTERHAND_TEST_FUNCTION_ARN"
QUEUE_ARN_ENV = "CHARTERHAND_TEST_QUEUE_ARN"
#: what must come from the zip
FROM_THE_ZIP = ("app", "worker", "parsers", "publishers", "trust", "lxml", "dkim", "boto3")


def main(step: str) -> int:
    install_from_env()
    from aws.clients import client

    function_arn, queue_arn = os.environ[FUNCTION_ARN_ENV], os.environ[QUEUE_ARN_ENV]
    if step == "disable":
        from app.worker_lambda import mapping_switch

        mapping_switch(client("lambda"))(function_arn, queue_arn)
        return 0
    from app.worker_lambda import handler
    from tests.support.event_source import EventSourceMapping, FunctionContext
    from worker.queue import SqsQueue

    sqs = client("sqs")
    url, dlq = os.environ["CHARTERHAND_QUEUE_URL"], os.environ["CHARTERHAND_DLQ_URL"]
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])  # the poller's
    context = FunctionContext(invoked_function_arn=function_arn)
    mapping = EventSourceMapping(
        SqsQueue(queue_url=url, dlq_url=dlq, client=sqs),
        lambda event, _context: handler(dict(event), context),
        source_arn=queue_arn,
    )
    mapping.poll_once()
    # a module the run did not need (dkim: only a forward with its original attached) is
    # imported now, so the zip must carry it all the same
    elsewhere = [
        name
        for name in FROM_THE_ZIP
        if not (getattr(importlib.import_module(name), "__file__", None) or "").startswith(
            os.environ[TASK_ENV]
        )
    ]
    if elsewhere:
        raise SystemExit(f"not loaded from the deployed zip: {elsewhere}")
    print(json.dumps(mapping.answers[-1] if mapping.answers else None))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
