"""The worker's own messages on the bookings queue, beside SES's: what each says, built here.

Three, each asking the worker to look at what the state table already holds, never carrying what
to do or to whom (so a forged one can only make the worker check again, and send what is due):

* ``{"charterhand": "crew-answer", "booking": "<booking key>"}``: the links API recorded a crew
  answer on that booking (the worker tells the manager of a decline at once);
* ``{"charterhand": "crew-check"}``: the hourly schedule (terraform: ``schedules.tf``): remind
  members who have not answered before their charter, tell the manager who is still silent;
* ``{"charterhand": "audit"}``: the hourly schedule (terraform: ``schedules.tf``): read the
  platforms' calendar feeds and our own records against the bookings (:mod:`worker.audit`).
"""

import json
from typing import Final, Literal

from bookings.events import BOOKING_ID_PATTERNS

#: the field that marks a body as ours (no AWS notification has it)
TASK_FIELD = "charterhand"
CREW_ANSWER: Final = "crew-answer"
CREW_CHECK: Final = "crew-check"
AUDIT: Final = "audit"
TaskKind = Literal["crew-answer", "crew-check", "audit"]


def is_booking_key(value: object) -> bool:
    """A booking key as the parsers make them (``boatsetter:xhqgmdh``, ``getmyboat:123456``)."""
    if not isinstance(value, str):
        return False
    source, _, booking_id = value.partition(":")
    pattern = BOOKING_ID_PATTERNS.get(source)
    return pattern is not None and pattern.fullmatch(booking_id) is not None


def crew_answer_body(booking_key: str) -> str:
    """The message the links API puts on the queue after recording an answer."""
    if not is_booking_key(booking_key):
        raise ValueError("not a booking key")
    return json.dumps({TASK_FIELD: CREW_ANSWER, "booking": booking_key})


def crew_check_body() -> str:
    """The message the schedule puts on the queue every hour."""
    return json.dumps({TASK_FIELD: CREW_CHECK})


def audit_body() -> str:
    """The message the audit's schedule puts on the queue every hour."""
    return json.dumps({TASK_FIELD: AUDIT})
