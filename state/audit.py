"""What the audit keeps between runs: each feed's last read, the UIDs it matched, open findings.

* a feed's last read (:func:`state.keys.feed_key`): its ``ETag`` and ``Last-Modified`` and the
  booked spans read from it (JSON, as :mod:`audit.feeds` writes it), so a ``304 Not Modified``
  reuses the spans without reading the feed again;
* a feed event's UID matched to a booking (:func:`state.keys.feed_uid_key`), recorded once
  (create-only): a booking whose UID was seen and whose span is later gone from the feed is "gone
  from the platform";
* the open findings (:func:`state.keys.finding_key`), one item each, replaced by every run for
  the feeds it read, so ``charterhand status`` lists what is open now.

The feed's own text (a SUMMARY may name the renter) is never kept: only times and the UID.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from state import keys
from state.writes import Retained, create

if TYPE_CHECKING:
    pass

STEP = "audit"


@dataclass(frozen=True)
class FeedRead:
    """One feed as last read: its HTTP validators and the spans it carried (JSON text)."""

    etag: str | None
    last_modified: str | None
    spans: str
    read_at: float


@dataclass(frozen=True)
class OpenFinding:
    """A finding still open, as ``status`` shows it."""

    key: str
    kind: str
    boat: str
    source: str
    sentence: str
    first_seen: float
    last_seen: float


class AuditState(Retained):
    """The audit's items in the state table (errors classified as the worker's: transient or
    permanent, step ``audit``)."""

    # --- feeds -----------------------------------------------------------------------------------

    def last_read(self, boat: str, platform: str) -> FeedRead | None:
        """The feed's last successful read, or None."""
        item = self._call(
            "reading a feed's last read",
            lambda: self._client.get_item(
                TableName=self.table_name, Key=keys.feed_key(boat, platform), ConsistentRead=True
            ),
        ).get("Item")
        if not item:
            return None
        return FeedRead(
            etag=_text(item, "etag"),
            last_modified=_text(item, "last_modified"),
            spans=_text(item, "spans") or "[]",
            read_at=float(item.get("read_at", {}).get("N", "0")),
        )

    def remember_read(self, boat: str, platform: str, read: FeedRead) -> None:
        """Keep the feed's validators and spans for the next run's conditional GET."""
        item: dict[str, Any] = {
            **keys.feed_key(boat, platform),
            "spans": {"S": read.spans},
            "read_at": {"N": f"{self._clock():.3f}"},
            **self._expires(self._clock()),
        }
        if read.etag:
            item["etag"] = {"S": read.etag}
        if read.last_modified:
            item["last_modified"] = {"S": read.last_modified}
        self._call(
            "keeping a feed's read",
            lambda: self._client.put_item(TableName=self.table_name, Item=item),
        )

    def record_uid(self, boat: str, platform: str, uid: str, booking_key: str) -> bool:
        """Record that the feed's event ``uid`` matched ``booking_key``: True when recorded now,
        False when it was already (the first match stands)."""
        item = {
            **keys.feed_uid_key(boat, platform, uid),
            "booking_key": {"S": booking_key},
            "matched_at": {"N": f"{self._clock():.3f}"},
            **self._expires(self._clock()),
        }
        refused = self._call(
            "recording a feed UID", lambda: create(self._client, self.table_name, item)
        )
        return refused is None

    def matched_bookings(self, boat: str, platform: str) -> set[str]:
        """Every booking key a UID of this feed was ever matched to (within the items' TTL)."""
        found: set[str] = set()
        for item in self._query(
            keys.feed_pk(boat, platform), keys.UID, "reading a feed's matched UIDs"
        ):
            value = _text(item, "booking_key")
            if value:
                found.add(value)
        return found

    # --- open findings ---------------------------------------------------------------------------

    def open_findings(self) -> list[OpenFinding]:
        """Every open finding, in key order."""
        return [
            OpenFinding(
                key=item[keys.SK]["S"],
                kind=_text(item, "kind") or "",
                boat=_text(item, "boat") or "",
                source=_text(item, "source") or "",
                sentence=_text(item, "sentence") or "",
                first_seen=float(item.get("first_seen", {}).get("N", "0")),
                last_seen=float(item.get("last_seen", {}).get("N", "0")),
            )
            for item in self._query(keys.findings_pk(), "", "reading open findings")
        ]

    def keep_open(self, key: str, *, kind: str, boat: str, source: str, sentence: str) -> float:
        """Mark a finding open (seen now); when it first opened (kept from its first run)."""
        now = self._clock()
        answer = self._call(
            "keeping a finding open",
            lambda: self._client.update_item(
                TableName=self.table_name,
                Key=keys.finding_key(key),
                UpdateExpression=(
                    "SET #kind = :kind, #boat = :boat, #source = :source, #sentence = :sentence, "
                    "last_seen = :now, first_seen = if_not_exists(first_seen, :now), "
                    f"{keys.TTL} = :ttl"
                ),
                ExpressionAttributeNames={
                    "#kind": "kind",
                    "#boat": "boat",
                    "#source": "source",
                    "#sentence": "sentence",
                },
                ReturnValues="ALL_NEW",
                ExpressionAttributeValues={
                    ":kind": {"S": kind},
                    ":boat": {"S": boat},
                    ":source": {"S": source},
                    ":sentence": {"S": sentence},
                    ":now": {"N": f"{now:.3f}"},
                    ":ttl": self._expires(now)[keys.TTL],
                },
            ),
        )
        return float(answer.get("Attributes", {}).get("first_seen", {}).get("N", now))

    def close(self, finding_keys: Iterable[str]) -> None:
        """Drop findings that are no longer seen."""
        for key in finding_keys:
            self._call(
                "closing a finding",
                lambda key=key: self._client.delete_item(  # type: ignore[misc]
                    TableName=self.table_name, Key=keys.finding_key(key)
                ),
            )

    # --- internals -------------------------------------------------------------------------------

    def _query(self, pk: str, prefix: str, what: str) -> list[dict[str, Any]]:
        condition = f"{keys.PK} = :pk"
        values: dict[str, Any] = {":pk": {"S": pk}}
        if prefix:
            condition += f" AND begins_with({keys.SK}, :prefix)"
            values[":prefix"] = {"S": prefix}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
        }
        found: list[dict[str, Any]] = []
        while True:
            page = self._call(what, lambda: self._client.query(**request))
            found += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _call(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, what, step=STEP) from exc


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None
