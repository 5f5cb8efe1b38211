"""The worker as an SQS-triggered Lambda (terraform ``worker_mode = "lambda"``):
``app.worker_lambda.handler``.

The same composition as ``charterhand worker`` (:func:`app.compose.build_worker`, once per cold
start), the same :class:`~worker.process.MessageHandler`, retry policy, settler, shared DLQ limit
and metrics; only the transport differs (:mod:`worker.batch`): the event source mapping receives
and deletes, the function reports the messages SQS must keep in ``batchItemFailures``. A second
mapping hands in SES's events on our sends (the loop's companion consumer in Fargate mode).

When the shared DLQ limit stops intake, the function disables its own bookings mapping: the queue
is left alone (no receive counts spent, nothing redriven) until the operator runs ``charterhand
intake resume`` and enables the mapping again (``terraform apply``, or ``aws lambda
update-event-source-mapping --uuid <worker_lambda_mapping_uuid> --enabled``).
"""

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from app.collector import paused
from app.compose import Clients, build_worker
from app.settings import load_settings
from aws.clients import DEFAULT_POOL, client
from aws.logs import configure_logging
from bookings import CharterhandError
from state.ses_events import SesEventLog
from worker.batch import BatchWorker
from worker.loop import Worker
from worker.ses_events import parse_event

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

log = structlog.get_logger("charterhand.worker")

Answer = dict[str, list[dict[str, str]]]


@dataclass
class LambdaEntry:
    """One cold start's worker: the loop's parts, driven by event source mapping batches."""

    batches: BatchWorker
    #: SES's events on our sends, and their queue's name (None: no such mapping)
    ses_events: SesEventLog | None = None
    ses_events_queue: str | None = None
    #: stops the bookings mapping: (this function's ARN, the queue's ARN)
    disable_mapping: Callable[[str, str], None] | None = None

    @classmethod
    def of(
        cls,
        worker: Worker,
        *,
        ses_events: SesEventLog | None = None,
        ses_events_queue_url: str | None = None,
        disable_mapping: Callable[[str, str], None] | None = None,
    ) -> "LambdaEntry":
        """The parts of a worker :func:`~app.compose.build_worker` composed (never run)."""
        return cls(
            BatchWorker(
                handler=worker.handler,
                settler=worker.settler,
                threads=worker.threads,
                dlq_limit=worker.dlq_limit,
                on_outcome=worker.on_outcome,
                on_intake_stopped=worker.on_intake_stopped,
            ),
            ses_events=ses_events,
            ses_events_queue=_queue_name(ses_events_queue_url) if ses_events_queue_url else None,
            disable_mapping=disable_mapping,
        )

    def handle(self, event: Mapping[str, Any], context: object) -> Answer:
        records: Sequence[Mapping[str, Any]] = event.get("Records", [])
        if not records:
            return {"batchItemFailures": []}
        source = str(records[0].get("eventSourceARN", ""))
        if self.ses_events_queue and source.rsplit(":", 1)[-1] == self.ses_events_queue:
            return self._record_ses_events(records)
        function_arn = getattr(context, "invoked_function_arn", None)
        stop_mapping = None
        if self.disable_mapping is not None and function_arn and source:
            disable = self.disable_mapping

            def stop_mapping() -> None:
                disable(function_arn, source)

        return self.batches.work(records, on_stopped=stop_mapping)

    def _record_ses_events(self, records: Sequence[Mapping[str, Any]]) -> Answer:
        """The loop's SES event consumer, per record: recorded (or not an event) → deleted."""
        failed = []
        for record in records:
            event = parse_event(str(record.get("body", "")))
            if event is None:
                log.warning("not an SES event; dropped", message_id=record.get("messageId"))
                continue
            try:
                if self.ses_events is not None:
                    self.ses_events.record(event)
            except CharterhandError as exc:  # comes back after its visibility timeout
                log.warning("could not record an SES event", error=exc.reason)
                failed.append({"itemIdentifier": str(record["messageId"])})
        return {"batchItemFailures": failed}


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def mapping_switch(lambda_: "LambdaClient") -> Callable[[str, str], None]:
    """Disables the event source mapping from ``queue_arn`` to ``function_arn``."""

    def disable(function_arn: str, queue_arn: str) -> None:
        try:
            found = lambda_.list_event_source_mappings(
                EventSourceArn=queue_arn, FunctionName=function_arn
            )["EventSourceMappings"]
            for mapping in found:
                lambda_.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
                log.error(
                    "event source mapping disabled: enable it after `charterhand intake resume`",
                    uuid=mapping["UUID"],
                )
        except (ClientError, BotoCoreError) as exc:
            log.error("could not disable the event source mapping", error=str(exc))

    return disable


def compose() -> LambdaEntry:
    """Settings from the function's ``CHARTERHAND_*`` environment, wired as the worker is (with
    the garbage collector paused, as ``charterhand worker`` starts: :mod:`app.collector`)."""
    with paused():
        settings = load_settings()
        configure_logging(settings.log_level)
        clients = Clients.from_environment(
            max_pool_connections=max(DEFAULT_POOL, settings.worker_threads * 4),
            calendar_lambda=settings.calendar_transport == "lambda",
        )
        worker = build_worker(settings, clients)  # warms the parsers up on a thread of its own
        return LambdaEntry.of(
            worker,
            ses_events=SesEventLog(settings.table_name, clients.dynamodb),
            ses_events_queue_url=settings.ses_events_queue_url,
            disable_mapping=mapping_switch(client("lambda")),
        )


@cache
def _entry() -> LambdaEntry:
    """Composed once per cold start, reused while the Lambda stays warm."""
    return compose()


def handler(event: dict[str, Any], context: object) -> Answer:
    return _entry().handle(event, context)


if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):  # on Lambda: compose in the init phase
    _entry()
