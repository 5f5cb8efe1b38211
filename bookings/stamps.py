"""Which email set each field of a booking: what lets every field's newest word win on its own.

A booking's fields come in groups that one email states together (start, end and the zone they
are read in move as one, so a merge never pairs one email's start with another's end). Each
stated group carries the :class:`Stamp` of the email that set it; a group an email leaves out
(None) carries none from it and keeps what an earlier or later email said.
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bookings.events import AwareDatetime
from bookings.kinds import Kind

#: each group of fields an email states together, by the name its stamp is stored under
GROUPS: Mapping[str, tuple[str, ...]] = {
    "boat": ("boat",),
    "renter_name": ("renter_name",),
    "when": ("start", "end", "timezone"),
    "party_size": ("party_size",),
    "gross": ("gross",),
    "notes": ("notes",),
    "meeting_point": ("meeting_point",),
}


class Stamp(BaseModel):
    """The email that set a field: how new it is, its kind, and whether it was proven."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    as_of: AwareDatetime
    kind: Kind
    verified: bool = False

    @property
    def order(self) -> tuple[datetime, int, bool]:
        """Newer first; equally new, by kind (request < … < cancelled); then the proven twin."""
        return (self.as_of, self.kind.rank, self.verified)


def stated(group: str, values: Mapping[str, Any]) -> bool:
    """Whether ``values`` (a booking's or an event's fields) state ``group``: not None."""
    return values.get(GROUPS[group][0]) is not None


def canonical(value: object) -> str:
    """A total, representation-exact order for the last tie (equal stamps, different values):
    the same instant written at two offsets is two values, so it must not compare equal."""
    return json.dumps(value, sort_keys=True, default=str)
