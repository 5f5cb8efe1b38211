"""The links API's view of the state table (docs/contracts.md): read a booking (through
:class:`state.store.StateStore`, the one reader of the state item), record an answer, count photo
uploads. Items are written exactly as the contract lays them out, so the worker, the summary and
``status`` read the same thing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify, error_code
from bookings import Booking
from bookings.slugs import CREW_PAGE_STEP, GUEST_PAGE_STEP
from state import keys
from state.store import StateStore
from state.writes import CONDITION_FAILED

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Answer = Literal["confirmed", "declined"]


@dataclass(frozen=True)
class RecordedAnswer:
    """A crew member's answer as the table holds it."""

    answer: Answer
    answered_at: datetime


@dataclass(frozen=True)
class PhotoQuota:
    """Outcome of taking one photo slot: allowed, and when the window reopens."""

    allowed: bool
    resets_at: datetime


class LinksState:
    """Reads and writes the few state-table items the links API touches."""

    def __init__(self, *, table_name: str, dynamodb: "DynamoDBClient") -> None:
        self.table_name = table_name
        self.dynamodb = dynamodb
        self.store = StateStore(table_name, dynamodb)

    def booking(self, booking_key: str) -> Booking | None:
        """The stored booking state, or None when the worker has never stored it."""
        return self.store.load(booking_key).booking

    def published_guest_page(self, booking_key: str) -> tuple[Booking | None, Mapping[str, str]]:
        """The stored booking and what its guest page step last recorded (``key``, and
        ``legacy_key`` while a bare-id page is kept): the slugs the worker really published."""
        record = self.store.load(booking_key)
        return record.booking, record.step(GUEST_PAGE_STEP).external_ids

    def published_crew_page(self, booking_key: str) -> tuple[Booking | None, Mapping[str, str]]:
        """The stored booking and what its crew page step last recorded (``key``: the crew
        page's path, whose id the booking's photo gallery shares)."""
        record = self.store.load(booking_key)
        return record.booking, record.step(CREW_PAGE_STEP).external_ids

    def answer(self, booking_key: str, crew_id: str) -> RecordedAnswer | None:
        """The crew member's latest answer, or None before they have given one."""
        try:
            item = self.dynamodb.get_item(
                TableName=self.table_name,
                Key=keys.answer_key(booking_key, crew_id),
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "reading a crew answer") from exc
        if item is None or item["answer"]["S"] not in ("confirmed", "declined"):
            return None
        answer: Answer = "confirmed" if item["answer"]["S"] == "confirmed" else "declined"
        return RecordedAnswer(answer, datetime.fromisoformat(item["answered_at"]["S"]))

    def record_answer(
        self, booking_key: str, crew_id: str, answer: Answer, *, token_id: str, at: datetime
    ) -> bool:
        """A crew member's latest answer; a later click (confirm after decline) replaces it.
        The same answer again (a double click, a reload that posts) keeps the first one's time,
        so the manager hears of one decline once: False when nothing changed."""
        try:
            self.dynamodb.put_item(
                TableName=self.table_name,
                Item={
                    **keys.answer_key(booking_key, crew_id),
                    "answer": {"S": answer},
                    "answered_at": {"S": at.isoformat()},
                    "token_id": {"S": token_id},
                },
                ConditionExpression="attribute_not_exists(answer) OR answer <> :answer",
                ExpressionAttributeValues={":answer": {"S": answer}},
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return False
            raise classify(exc, "recording a crew answer") from exc
        except BotoCoreError as exc:
            raise classify(exc, "recording a crew answer") from exc
        return True

    def recorded_answers(self, booking_key: str) -> dict[str, RecordedAnswer]:
        """Every crew answer about the booking, by crew id, strongly consistent (the worker's
        read: errors classified, as every AWS error of the product)."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": f"{keys.PK} = :pk AND begins_with({keys.SK}, :answer)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.booking_pk(booking_key)},
                ":answer": {"S": keys.ANSWER},
            },
            "ConsistentRead": True,
        }
        found: dict[str, RecordedAnswer] = {}
        while True:
            try:
                page = self.dynamodb.query(**request)
            except (ClientError, BotoCoreError) as exc:
                raise classify(exc, "reading the crew's answers") from exc
            for item in page.get("Items", []):
                given = item.get("answer", {}).get("S")
                if given in ("confirmed", "declined"):
                    found[keys.crew_id_of(item[keys.SK]["S"])] = RecordedAnswer(
                        "confirmed" if given == "confirmed" else "declined",
                        datetime.fromisoformat(item["answered_at"]["S"]),
                    )
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def take_photo_slot(self, booking_key: str, *, now: datetime, limit: int) -> PhotoQuota:
        """Count one upload in this clock hour's window, unless the window is full.

        One conditional update: concurrent requests cannot both take the last slot.
        """
        window = now.replace(minute=0, second=0, microsecond=0)
        resets_at = window + timedelta(hours=1)
        try:
            self.dynamodb.update_item(
                TableName=self.table_name,
                Key=keys.photo_quota_key(booking_key, window),
                UpdateExpression=f"ADD #count :one SET {keys.TTL} = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": str(int((resets_at + timedelta(days=1)).timestamp()))},
                },
            )
        except ClientError as exc:
            if error_code(exc) == CONDITION_FAILED:
                return PhotoQuota(allowed=False, resets_at=resets_at)
            raise classify(exc, "counting photo uploads") from exc
        except BotoCoreError as exc:
            raise classify(exc, "counting photo uploads") from exc
        return PhotoQuota(allowed=True, resets_at=resets_at)

    def answers(self, booking_key: str) -> dict[str, str]:
        """``{crew id: confirmed | declined}`` for every answer recorded about the booking.

        For operators (``status``): errors come as boto3 raised them, for the tool to explain.
        """
        items = self.dynamodb.query(
            TableName=self.table_name,
            KeyConditionExpression=f"{keys.PK} = :pk AND begins_with({keys.SK}, :answer)",
            ExpressionAttributeValues={
                ":pk": {"S": keys.booking_pk(booking_key)},
                ":answer": {"S": keys.ANSWER},
            },
        ).get("Items", [])
        return {
            keys.crew_id_of(item[keys.SK]["S"]): item.get("answer", {}).get("S", "")
            for item in items
        }
