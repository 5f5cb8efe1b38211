"""SES's own report on the emails we send, kept in the state table by our send tag.

Items (:func:`state.keys.ses_event_key`): one partition per send (its tag), one item per SES
message id and event type, with the event's time and a TTL. A strongly consistent query of the
partition answers "did SES take it, and under which id?". SNS delivers at least once: a repeat
overwrites itself. :mod:`worker.ses_events` reads the events off their queue and records them here.
"""

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from aws.errors import classify
from state import keys
from state.writes import Retained


@dataclass(frozen=True)
class SesEvent:
    """One SES event about one email, reduced to what settles a send."""

    event_type: str
    message_id: str
    tag: str | None
    timestamp: str = ""


class SesEventLog(Retained):
    """SES events in the state table, by our send tag and SES's message id."""

    def record(self, event: SesEvent) -> None:
        """Keep one event (events without our tag are not ours to settle: ignored)."""
        if event.tag is None:
            return
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={
                    **keys.ses_event_key(event.tag, event.message_id, event.event_type),
                    "message_id": {"S": event.message_id},
                    "event_type": {"S": event.event_type},
                    "mail_timestamp": {"S": event.timestamp or "-"},
                    "recorded_at": {"N": str(now)},
                    **self._expires(now),
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "recording an SES event") from exc

    def reported(self, tag: str) -> str | None:
        """The SES message id of any event recorded for ``tag``, or None."""
        try:
            answer = self._client.query(
                TableName=self.table_name,
                KeyConditionExpression=f"{keys.PK} = :pk",
                ExpressionAttributeValues={":pk": {"S": keys.ses_events_pk(tag)}},
                ConsistentRead=True,
                Limit=1,
            )
        except (ClientError, BotoCoreError) as exc:
            raise classify(exc, "reading SES events") from exc
        items = answer.get("Items", [])
        return items[0]["message_id"]["S"] if items else None
