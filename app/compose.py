"""The composition root: the one place that builds clients and wires the worker together.

``build_worker(settings)`` gives a ready :class:`~worker.loop.Worker`; tests pass their own
publishers (and anything else, such as the DKIM key look-up) in. The publishers a real
deployment runs are built by :func:`default_publishers`: **the seam the publisher modules plug
into** (one line each).
"""

import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from botocore.config import Config

import parsers
import templates
from app import secrets
from app.downstream import (
    DownstreamClients,
    crew_links,
    email_publishers,
    page_publishers,
    system_publishers,
)
from app.downstream_audit import downstream_audit
from app.metrics import Metrics
from app.settings import AuditSettings, Settings
from app.steps import steps_off
from audit.feeds import FeedFetcher
from audit.notify import FindingMail, FindingMailSettings
from audit.platform import PlatformCheck
from audit.run import AuditParts
from aws.clients import DEFAULT_POOL, client
from bookings import Fleet
from publishers.base import Publisher
from publishers.crew_answers import CrewAnswerMail, CrewAnswerSettings
from publishers.transport.api import lambda_client
from publishers.transport.http import HttpPolicy
from publishers.transport.mail import Mailer, ses_client
from state.audit import AuditState
from state.deliveries import DynamoDeliveryLog
from state.intake import IntakeRecords
from state.links import LinksState
from state.photos import PhotoArrivals
from state.ses_events import SesEventLog
from state.store import StateStore
from state.upcoming import UpcomingBookings
from trust import Inbound
from trust.original_dkim import KeyLookup, dns_txt
from worker.audit import AuditWork
from worker.budget import ByteBudget, email_budget_bytes
from worker.confirmations import ForwardingConfirmations
from worker.crew import CrewWork
from worker.fetching import RawEmails
from worker.intake import SharedDlqLimit
from worker.loop import OutcomeHook, Worker
from worker.orchestrate import Orchestrator, dependency_order
from worker.outcomes import Outcome
from worker.parsing import ParsersReader
from worker.photos import PhotoMail, PhotoNotices
from worker.policy import DlqLimit, RetryPolicy
from worker.process import MessageHandler
from worker.queue import Received, SqsQueue
from worker.reading import MailReader
from worker.ses_events import SesEventConsumer
from worker.settling import Settler

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sqs import SQSClient

log = structlog.get_logger("charterhand.worker")

#: how long the audit's emails are remembered: a finding open as far ahead as the horizon (400
#: days at most) is told once, not again when a 35-day record expires
AUDIT_MAIL_KEEP_DAYS = 410


@dataclass(frozen=True)
class Clients:
    """Every AWS client the worker uses, all from the one factory (``aws.clients``); endpoints
    come from boto3's own ``AWS_ENDPOINT_URL*``. Those left None (a test's own wiring) are built
    by the factory where a step needs one."""

    sqs: "SQSClient"
    s3: "S3Client"
    dynamodb: "DynamoDBClient"
    #: one attempt per send (``ONE_ATTEMPT``): the crew and manager emails, the forwarding
    #: confirmations
    sesv2: "SESV2Client | None" = None
    #: the credentials the publishers read (dashboard token, SCC key, link signing key)
    secretsmanager: "SecretsManagerClient | None" = None
    #: the site's cache invalidations
    cloudfront: "CloudFrontClient | None" = None
    #: the calendar's Lambda transport, when configured: its own timeouts and retries
    lambda_: "LambdaClient | None" = None

    @classmethod
    def from_environment(
        cls,
        max_pool_connections: int = DEFAULT_POOL,
        *,
        calendar_lambda: bool = False,
        secrets: bool = True,
        cloudfront: bool = True,
    ) -> "Clients":
        """Clients with the factory's one config, their connection pools fitting the worker's
        threads (boto3's default is 10); the SES client makes one attempt per send, and the
        Lambda client (``calendar_lambda``) times out and retries as its transport's policy.
        ``secrets`` / ``cloudfront`` False leave those clients out (tens of ms of start-up each,
        for settings that name no secret, no distribution)."""
        pool = Config(max_pool_connections=max_pool_connections)
        return cls(
            sqs=client("sqs", pool),
            s3=client("s3", pool),
            dynamodb=client("dynamodb", pool),
            sesv2=ses_client(pool),
            secretsmanager=client("secretsmanager", pool) if secrets else None,
            cloudfront=client("cloudfront", pool) if cloudfront else None,
            lambda_=lambda_client(HttpPolicy(), pool) if calendar_lambda else None,
        )

    def downstream(self) -> DownstreamClients:
        """The clients the publishers take (the same ones: the publishers build none)."""
        return DownstreamClients(
            dynamodb=self.dynamodb,
            sesv2=self.sesv2,
            lambda_=self.lambda_,
            secretsmanager=self.secretsmanager,
            s3=self.s3,
            cloudfront=self.cloudfront,
        )


def default_publishers(settings: Settings, clients: Clients) -> list[Publisher]:
    """The publishers of a real deployment, built from settings and clients.

    Seam for the publisher modules (docs/contracts.md, "Steps and publishers"): each appends its
    ``Publisher`` here, built with its clients and settings; a step the settings turn off
    (:mod:`app.steps`) is not built, and needs nothing. Crew emails carry confirm / decline
    tokens (one per member, in their own email; the crew page holds none).
    """
    downstream = clients.downstream()
    links = crew_links(settings, downstream)
    return [
        *system_publishers(settings, downstream),
        *page_publishers(settings, downstream),
        *email_publishers(settings, links, downstream),
    ]


def forwarding_confirmations(settings: Settings, clients: Clients) -> ForwardingConfirmations:
    """Forwarding confirmations mailed to the manager through SES, recorded in the state table."""
    return ForwardingConfirmations(
        table_name=settings.table_name,
        dynamodb=clients.dynamodb,
        mailer=Mailer(clients.sesv2, settings.ses_configuration_set),
        deliveries=DynamoDeliveryLog(settings.table_name, clients.dynamodb),
        from_address=settings.from_address,
        manager_address=settings.manager_address,
        forwarder_allowlist=settings.forwarder_allowlist,
    )


def crew_work(
    settings: Settings,
    clients: Clients,
    store: StateStore,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CrewWork:
    """The crew tasks: a decline to the manager at once, the hourly reminders and silent list
    (``clock``: the demo runs the check as at a time before its charter)."""
    mail = CrewAnswerMail(
        settings.fleet,
        CrewAnswerSettings(
            from_address=settings.from_address,
            manager_address=settings.manager_address,
            links_api_base_url=settings.links_api_base_url,
        ),
        crew_links(settings, clients.downstream()),
        Mailer(clients.sesv2, settings.ses_configuration_set),
        DynamoDeliveryLog(settings.table_name, clients.dynamodb),
    )
    return CrewWork(
        fleet=settings.fleet,
        store=store,
        answers=LinksState(table_name=settings.table_name, dynamodb=clients.dynamodb),
        upcoming=UpcomingBookings(settings.table_name, clients.dynamodb),
        mail=mail,
        remind_before=timedelta(hours=settings.crew_reminder_hours),
        clock=clock,
    )


def platform_check(
    settings: AuditSettings,
    fleet: Fleet,
    table_name: str,
    clients: Clients,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    fetcher: FeedFetcher | None = None,
    ttl_seconds: float = 300,
) -> PlatformCheck:
    """The platforms' feeds (URLs from Secrets Manager, or local) against the bookings."""
    return PlatformCheck(
        fleet=fleet,
        feed_urls=secrets.audit_feed_urls(
            settings, clients.secretsmanager, ttl_seconds=ttl_seconds
        ),
        fetcher=fetcher or FeedFetcher(),
        store=StateStore(table_name, clients.dynamodb),
        upcoming=UpcomingBookings(table_name, clients.dynamodb),
        state=audit_state(table_name, clients, clock),
        horizon=timedelta(days=settings.audit_horizon_days),
    )


def audit_state(
    table_name: str, clients: Clients, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> AuditState:
    """The audit's items in the state table, on the audit's clock."""
    return AuditState(table_name, clients.dynamodb, clock=lambda: clock().timestamp())


def audit_parts(
    settings: Settings,
    clients: Clients,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    fetcher: FeedFetcher | None = None,
    publishers: Sequence[Publisher] | None = None,
) -> AuditParts:
    """The hourly audit's parts: the feed check, the read-back of our own records (through the
    worker's own publishers), its state, and the manager's mail."""
    table = settings.table_name
    return AuditParts(
        platforms=platform_check(
            settings,
            settings.fleet,
            table,
            clients,
            clock,
            fetcher=fetcher,
            ttl_seconds=settings.secrets_ttl_seconds,
        ),
        state=audit_state(table, clients, clock),
        mail=FindingMail(
            FindingMailSettings(settings.from_address, settings.manager_address),
            Mailer(clients.sesv2, settings.ses_configuration_set),
            DynamoDeliveryLog(table, clients.dynamodb, keep_days=AUDIT_MAIL_KEEP_DAYS),
        ),
        downstream=downstream_audit(settings, clients, clock=clock, publishers=publishers),
    )


def photo_notices(settings: Settings, clients: Clients) -> PhotoNotices:
    """Guests' photos counted in the state table; the manager told through SES once a day."""
    return PhotoNotices(
        bucket=settings.photos_bucket,
        store=StateStore(settings.table_name, clients.dynamodb),
        arrivals=PhotoArrivals(table_name=settings.table_name, dynamodb=clients.dynamodb),
        fleet=settings.fleet,
        mailer=Mailer(clients.sesv2, settings.ses_configuration_set),
        deliveries=DynamoDeliveryLog(settings.table_name, clients.dynamodb),
        mail=PhotoMail(
            from_address=settings.from_address, manager_address=settings.manager_address
        ),
    )


def build_worker(
    settings: Settings,
    clients: Clients | None = None,
    *,
    publishers: Sequence[Publisher] | None = None,
    reader: MailReader | None = None,
    owner: str | None = None,
    key_lookup: KeyLookup | None = None,
    metrics: Metrics | None = None,
    on_outcome: OutcomeHook | None = None,
) -> Worker:
    """A worker wired from settings. Raises ``ValueError`` at start-up for publishers whose
    dependencies do not resolve, rather than at the first message.

    Metrics go to the log stream as EMF lines (``metrics``: by default to the stream
    ``configure_logging`` set up, so call that first).

    **The outcome hook.** ``on_outcome(message, outcome)`` is called exactly once for each
    settled message, with its final outcome (a retry is final for that receive: the message
    comes back and is reported again when next settled), after its log line and its metrics,
    on the thread that settled it (so quickly, and safely from several threads at once). A
    message the queue failed to settle is not reported: it comes back. An exception in the hook
    is logged and changes nothing. The demo learns each email's outcome from it.

    **The DLQ limit.** ``dlq_limit_count`` admitted emails dead-lettered in a row for one reason
    class within ``dlq_limit_window_seconds``, counted by all workers together in one record of
    the state table (:class:`worker.intake.SharedDlqLimit`; 0 turns the limit off), stop every
    worker taking messages until ``charterhand intake resume``; meanwhile each writes
    ``IntakeStopped`` each minute."""
    threads = settings.worker_threads
    metrics = metrics or Metrics(settings.metrics_namespace)
    clients = clients or Clients.from_environment(
        max_pool_connections=max(DEFAULT_POOL, threads * 4),
        calendar_lambda=settings.calendar_transport == "lambda",
        # a secret named all the same (a setting added later) gets a client of its own
        secrets=any(
            (
                settings.dashboard_token_secret,
                settings.scc_key_secret,
                settings.link_signing_key_secret,
                settings.audit_feed_urls_secret,
            )
        ),
        cloudfront=bool(settings.cloudfront_distribution_id),
    )
    if publishers is None:
        publishers = default_publishers(settings, clients)
    if not publishers:
        log.warning("no publishers configured: bookings are stored but published nowhere")
    off = steps_off(settings)
    dependency_order(publishers, off)  # fail now, not at the first message
    log.info("steps", on=[p.step for p in publishers], off=sorted(off))
    store = StateStore(settings.table_name, clients.dynamodb)
    orchestrator = Orchestrator(
        store,
        publishers,
        ThreadPoolExecutor(
            max_workers=max(1, threads * len(publishers)), thread_name_prefix="step"
        ),
        owner=owner or f"{socket.gethostname()}:{os.getpid()}",
        lease_seconds=settings.lease_seconds,
        on_step=metrics.step,
        on_state=metrics.booking_state,
        off=off,
    )
    budget = ByteBudget(email_budget_bytes(settings.task_memory_mib))
    handler = MessageHandler(
        emails=RawEmails(clients.s3, budget),
        reader=reader or ParsersReader(settings.fleet, settings.parsing),
        orchestrator=orchestrator,
        inbound=Inbound(
            settings.inbound_bucket, settings.inbound_prefix, settings.inbound_topic_arn
        ),
        forwarder_allowlist=list(settings.forwarder_allowlist),
        require_authenticated_sender=settings.require_authenticated_sender,
        require_verified_original=settings.require_verified_original,
        key_lookup=key_lookup or dns_txt,
        confirmations=forwarding_confirmations(settings, clients),
        crew=crew_work(settings, clients, store),
        photos=photo_notices(settings, clients),
        audit=AuditWork(
            audit_parts(settings, clients, publishers=publishers),
            on_findings=metrics.audit_findings,
        ),
    )
    queue = SqsQueue(queue_url=settings.queue_url, dlq_url=settings.dlq_url, client=clients.sqs)
    policy = RetryPolicy(
        max_receive_count=settings.max_receive_count,
        base_seconds=settings.retry_base_seconds,
        max_seconds=settings.retry_max_seconds,
    )
    dlq_limit = (
        SharedDlqLimit(
            DlqLimit(
                count=settings.dlq_limit_count, window_seconds=settings.dlq_limit_window_seconds
            ),
            IntakeRecords(settings.table_name, clients.dynamodb),
        )
        if settings.dlq_limit_count
        else None
    )
    companions = []
    if settings.ses_events_queue_url:
        events = SesEventLog(settings.table_name, clients.dynamodb)
        consumer = SesEventConsumer(
            clients.sqs, settings.ses_events_queue_url, events, settings.poll_wait_seconds
        )
        companions.append(consumer.run)
    worker = Worker(
        companions=companions,
        handler=handler,
        settler=Settler(queue, policy),
        threads=threads,
        visibility_timeout_seconds=settings.visibility_timeout_seconds,
        poll_wait_seconds=settings.poll_wait_seconds,
        shutdown_deadline_seconds=settings.shutdown_deadline_seconds,
        on_outcome=_both(metrics.outcome, on_outcome),
        dlq_limit=dlq_limit,
        on_intake_stopped=metrics.intake_stopped,
    )
    if reader is None:  # templates and dateparser's data at start, giving way to messages
        warming_up(busy=lambda: worker.in_flight > 0)
    return worker


def warming_up(
    busy: Callable[[], bool] = lambda: False, *, max_wait: float | None = None
) -> threading.Thread:
    """Compile the templates, and load the parsers' date words and dateparser's data, on a
    thread of its own: not on the first forward's path, and not before the first receive either
    (seconds on a busy CPU). It gives way to messages: between pieces of a few milliseconds it
    waits while ``busy()`` (a message in work), for ``max_wait`` (:data:`WARM_UP_YIELD_SECONDS`)
    in all at most, so a worker started with a backlog is still warm within seconds. A message
    handled meanwhile loads what it needs itself, as it would without the warm-up. A worker
    started idle warms up at once: waiting for the first message to settle instead was measured
    and is worse, the worker then warms up when traffic comes (bench/worker.py's paced run: p50
    1.7 s against 0.1 s). While it runs, the GIL's switch interval is short, so a message
    thread back from a socket waits less for it."""
    thread = threading.Thread(
        target=_warm_up,
        args=(_GiveWay(busy, WARM_UP_YIELD_SECONDS if max_wait is None else max_wait),),
        name="parsers-warm-up",
        daemon=True,
    )
    thread.start()
    return thread


#: how long, in all, the warm-up waits for messages in work before it carries on beside them
WARM_UP_YIELD_SECONDS = 5.0
#: how often a waiting warm-up looks again whether the messages are done
WARM_UP_POLL_SECONDS = 0.005


class _GiveWay:
    """The warm-up's pause: wait while a message is in work, within the time left to wait."""

    def __init__(self, busy: Callable[[], bool], max_wait: float) -> None:
        self.busy = busy
        self.left = max_wait

    def __call__(self) -> None:
        while self.left > 0 and self.busy():
            started = time.monotonic()
            time.sleep(WARM_UP_POLL_SECONDS)
            self.left -= time.monotonic() - started


#: the GIL's switch interval while the warm-up runs (Python's default is 5 ms)
WARM_UP_SWITCH_SECONDS = 0.0005


#: warm-ups running now, and the switch interval from before the first of them: the interval is
#: process-wide, so overlapping warm-ups (several workers in one process) put back the interval
#: from before the first, once the last ends, never one another's short one
_warming = {"running": 0, "default": sys.getswitchinterval()}
_warming_lock = threading.Lock()


def _warm_up(pause: Callable[[], None]) -> None:
    """Warm up with a short GIL switch interval: the warm-up is seconds of pure Python, and a
    message thread back from a socket otherwise waits up to 5 ms for the GIL at every wake-up
    (several per AWS call) while it runs."""
    with _warming_lock:
        if _warming["running"] == 0:
            _warming["default"] = sys.getswitchinterval()
            sys.setswitchinterval(WARM_UP_SWITCH_SECONDS)
        _warming["running"] += 1
    try:
        templates.warm_up(pause)  # the jinja templates first: a fraction of a second
        parsers.warm_up(pause)
    except Exception:  # a warm-up is an optimisation: the parse loads what it needs itself
        log.exception("parsers warm-up failed")
    finally:
        with _warming_lock:
            _warming["running"] -= 1
            if _warming["running"] == 0:
                sys.setswitchinterval(_warming["default"])


def _both(first: OutcomeHook, then: OutcomeHook | None) -> OutcomeHook:
    if then is None:
        return first

    def hook(message: Received, outcome: Outcome) -> None:
        first(message, outcome)
        then(message, outcome)

    return hook
