"""The downstream audit as the settings build it, and the demo's hand-deleted calendar entry:
the worker's own publishers (from the same settings) publish, a person deletes the entry in the
sandbox, and one audit run re-creates it and says so; ``audit_repair = false`` only reports."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.compose import Clients
from app.downstream import page_publishers, system_publishers
from audit.findings import FindingKind
from sandbox.downstream import Downstream, running_downstream
from sandbox.repair_demo import repair_a_deleted_entry
from tests.support.mail import event
from worker.orchestrate import Orchestrator


@pytest.fixture
def systems() -> Iterator[Downstream]:
    with running_downstream(bcrypt_rounds=4) as running:
        yield running


def settings_for(stack, systems, **overrides):
    return stack.settings(
        calendar_base_url=systems.calendar.base_url,
        dashboard_token=systems.dashboard_token,
        scc_base_url=systems.scc.base_url,
        scc_service_key=systems.scc_service_key,
        link_signing_key="a-link-signing-key-for-the-wiring-test",
        **overrides,
    )


def publish(settings, store) -> str:
    clients = Clients.from_environment().downstream()
    publishers = [*system_publishers(settings, clients), *page_publishers(settings, clients)]
    with ThreadPoolExecutor(4) as pool:
        worker = Orchestrator(store, publishers, pool, owner="test", lease_seconds=30)
        applied = worker.apply(event(), run_id="r1")
    assert applied.complete
    return applied.booking_key


def test_the_demos_hand_deleted_entry_is_created_again_once(stack, store, systems):
    settings = settings_for(stack, systems)
    key = publish(settings, store)

    deleted, report = repair_a_deleted_entry(systems, settings, key)

    [finding] = report.findings
    assert (finding.kind, finding.source, finding.booking_key) == (
        FindingKind.REPAIRED,
        "calendar",
        key,
    )
    [entry] = systems.calendar.records_for(key)
    assert entry["id"] != deleted
    assert report.records == 4  # calendar, SCC, guest page, crew page


def test_with_audit_repair_false_the_entry_is_reported(stack, store, systems):
    settings = settings_for(stack, systems, audit_repair=False)
    key = publish(settings, store)

    _, report = repair_a_deleted_entry(systems, settings, key)

    assert [f.kind for f in report.findings] == [FindingKind.DOWNSTREAM_MISSING]
    assert systems.calendar.records_for(key) == []
