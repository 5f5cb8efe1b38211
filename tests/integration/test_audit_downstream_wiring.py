"""The downstream audit as the hourly task runs it (``run_audit`` on ``audit_parts``): the
worker's own publishers (from the same settings) publish, a person deletes the calendar entry in
the sandbox, and the next run re-creates it, tells the manager once and closes the finding on
the run after; a second deletion is a new incident, told again. ``audit_repair = false`` only
reports, and the finding stays open (told once) until the record is back."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from app.compose import Clients, audit_parts
from app.downstream import page_publishers, system_publishers
from app.settings import Settings
from audit.findings import FindingKind
from audit.run import run_audit
from sandbox.downstream import Downstream, delete_entry_by_hand, running_downstream
from state.audit import AuditState
from tests.support.mail import event
from tests.support.publishing import sent_mail
from worker.orchestrate import Orchestrator


@pytest.fixture
def systems() -> Iterator[Downstream]:
    with running_downstream(bcrypt_rounds=4) as running:
        yield running


def settings_for(stack: Any, systems: Downstream, **overrides: Any) -> Settings:
    settings: Settings = stack.settings(
        calendar_base_url=systems.calendar.base_url,
        dashboard_token=systems.dashboard_token,
        scc_base_url=systems.scc.base_url,
        scc_service_key=systems.scc_service_key,
        link_signing_key="a-link-signing-key-for-the-wiring-test",
        **overrides,
    )
    return settings


def publish(settings, store) -> str:
    clients = Clients.from_environment().downstream()
    publishers = [*system_publishers(settings, clients), *page_publishers(settings, clients)]
    with ThreadPoolExecutor(4) as pool:
        worker = Orchestrator(store, publishers, pool, owner="test", lease_seconds=30)
        applied = worker.apply(event(), run_id="r1")
    assert applied.complete
    return applied.booking_key


def hourly(settings, store, key: str):
    """One audit run per call, each an hour after the last, from the day before the charter."""
    booking = store.load(key).booking
    assert booking is not None
    hours = iter(range(1000))

    def run():
        at: datetime = booking.start - timedelta(days=1) + timedelta(hours=next(hours))
        parts = audit_parts(settings, Clients.from_environment(), lambda: at)
        return run_audit(parts, clock=lambda: at)

    return run


def audit_mail(aws) -> list[str]:
    return [str(m["Subject"]) for m in sent_mail(aws) if "audit-" in str(m["X-Charterhand-Kind"])]


def open_kinds(stack) -> list[str]:
    state = AuditState(stack.table_name, boto3.client("dynamodb"))
    return [item.kind for item in state.open_findings()]


def test_a_hand_deleted_entry_is_created_again_told_once_and_closed(aws, stack, store, systems):
    boto3.client("sesv2").create_email_identity(EmailIdentity="example.com")
    settings = settings_for(stack, systems)
    key = publish(settings, store)
    audit = hourly(settings, store, key)
    assert audit() == []

    deleted = delete_entry_by_hand(systems, key)
    [finding] = audit()
    assert (finding.kind, finding.source, finding.booking_key) == (
        FindingKind.REPAIRED,
        "calendar",
        key,
    )
    [entry] = systems.calendar.records_for(key)
    assert entry["id"] != deleted
    assert open_kinds(stack) == ["repaired"]
    assert len(audit_mail(aws)) == 1

    assert audit() == []  # the entry is back: nothing found, the finding closed
    assert open_kinds(stack) == []

    delete_entry_by_hand(systems, key)  # deleted again: another incident, told again
    [again] = audit()
    assert again.kind is FindingKind.REPAIRED
    assert again.key != finding.key
    assert len(audit_mail(aws)) == 2


def test_with_audit_repair_false_the_entry_is_reported_and_stays_open(aws, stack, store, systems):
    boto3.client("sesv2").create_email_identity(EmailIdentity="example.com")
    settings = settings_for(stack, systems, audit_repair=False)
    key = publish(settings, store)
    audit = hourly(settings, store, key)

    delete_entry_by_hand(systems, key)
    assert [f.kind for f in audit()] == [FindingKind.DOWNSTREAM_MISSING]
    assert [f.kind for f in audit()] == [FindingKind.DOWNSTREAM_MISSING]

    assert systems.calendar.records_for(key) == []
    assert open_kinds(stack) == ["downstream-missing"]
    assert len(audit_mail(aws)) == 1  # told once, however many runs find it
