"""Whether the workers take messages, as an operator reads it: the shared DLQ limit's record
(:mod:`state.intake`), for ``charterhand status`` and ``charterhand intake``."""

from dataclasses import dataclass
from datetime import UTC, datetime

from state.intake import IntakeRecord, IntakeRecords

#: how soon every worker sees a resume: the age at which it reads the record again
#: (``worker.intake.REFRESH_SECONDS``), and a second for the loop's own look
NOTICE_SECONDS = 6


@dataclass(frozen=True)
class IntakeStatus:
    """The record, in an operator's words (times ISO 8601, UTC)."""

    stopped: bool
    reason_class: str | None = None
    dead_letters: int = 0
    window_seconds: float = 0.0
    stopped_at: str | None = None
    #: the earliest the run that stopped intake can have begun: what to replay from
    replay_since: str | None = None
    resumed_at: str | None = None
    #: the current run of dead letters (of admitted mail) while intake runs
    streak_class: str | None = None
    streak: int = 0


def intake_status(records: IntakeRecords) -> IntakeStatus:
    """The record now."""
    return status_of(records.load())


def status_of(record: IntakeRecord) -> IntakeStatus:
    return IntakeStatus(
        stopped=record.stopped,
        reason_class=record.stopped_class,
        dead_letters=record.stopped_count,
        window_seconds=record.stopped_window,
        stopped_at=_iso(record.stopped_at),
        replay_since=(
            _iso(record.stopped_at - record.stopped_window)
            if record.stopped_at is not None
            else None
        ),
        resumed_at=_iso(record.resumed_at),
        streak_class=record.streak_class,
        streak=len(record.streak_times),
    )


def describe(status: IntakeStatus) -> list[str]:
    """A few lines: stopped since when and why, and how to resume; or running."""
    if not status.stopped:
        line = "intake: running"
        if status.streak:
            line += f" ({status.streak} dead letter(s) of class {status.streak_class} in a row)"
        return [line]
    return [
        f"intake: STOPPED since {status.stopped_at} by the DLQ limit: {status.dead_letters} "
        f"admitted emails dead-lettered in a row, class {status.reason_class}, within "
        f"{status.window_seconds:g} s",
        "    no worker takes messages; fix the cause and deploy the fix, then run "
        "`charterhand intake resume` and "
        f"`charterhand dlq replay --since {status.replay_since}`",
    ]


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
