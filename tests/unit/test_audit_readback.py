"""What "edited" means for a record read back, and the repair's note kept in the step record."""

from audit.readback import differing_fields, incident
from state.store import StepRecord, step_item, step_record
from tests.support.publishing import booking

PUBLISHED = {"event_name": "JADA charter Sun May 30", "crew": ["c1", "c2"], "notes": ""}


def test_fields_the_system_adds_are_not_an_edit():
    found = {**PUBLISHED, "id": "evt-1", "revision": 3, "status": "active", "updated_at": "now"}

    assert differing_fields(PUBLISHED, found) == []


def test_crew_in_another_order_and_an_absent_empty_note_are_not_an_edit():
    found = {"event_name": PUBLISHED["event_name"], "crew": ["c2", "c1"]}

    assert differing_fields(PUBLISHED, found) == []


def test_a_changed_or_dropped_field_we_published_is_an_edit():
    found = {"event_name": "Party boat", "crew": ["c1"], "notes": ""}

    assert differing_fields(PUBLISHED, found) == ["crew", "event_name"]


def test_an_incident_is_stable_and_tells_what_was_found_apart():
    assert incident("missing", "cal-1") == incident("missing", "cal-1")
    assert incident("missing", "cal-1") != incident("missing", "cal-2")


def test_a_repair_keeps_the_input_and_notes_itself_in_the_stored_record():
    before = StepRecord(step="calendar", published_hash="h", input_hash="h", external_ids={})

    after = step_record("calendar", step_item(before.repaired_as({"a": "2"}, "t incident"))["M"])

    assert (after.published_hash, after.external_ids, after.last_repair) == (
        "h",
        {"a": "2"},
        "t incident",
    )
    republished = before.repaired_as({}, "x").published_as("h2", booking(), {})
    assert republished.last_repair is None  # a new publish clears it
