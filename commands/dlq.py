"""``charterhand dlq``: see why messages failed, replay them, purge them, export them.

It reads only the queue settings (:class:`app.settings.QueueSettings`): the two URLs, from
``--dlq-url`` / ``--queue-url`` or ``CHARTERHAND_DLQ_URL`` / ``CHARTERHAND_QUEUE_URL``; ``show``
also reads the fleet and the taught words (:class:`app.settings.FleetSettings`), which all have
defaults, and where inbound mail is stored (:class:`app.settings.InboundSettings`): it fetches
an email only from there, and refuses a dead letter that names any other place (exit 1).
"""

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.settings import FleetSettings, InboundSettings, QueueSettings, SettingsError, load_group
from aws.clients import client
from bookings import NotABooking, ParseError
from commands.command import Exit, SubParsers, UsageError, fail, guarded
from ops.dlq import DeadLetter, DeadLetterQueue, InboundLocation, Selection, explain_aws_error
from parsers import parse_email
from worker.decode import UnreadableBody, decode_body


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser("dlq", help="inspect and replay the dead-letter queue")
    parser.add_argument(
        "--dlq-url",
        help="dead-letter queue URL (default: $CHARTERHAND_DLQ_URL)",
    )
    parser.add_argument(
        "--queue-url",
        help="main queue URL that replays go to (default: $CHARTERHAND_QUEUE_URL)",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    ls = actions.add_parser("ls", help="one row per dead letter")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    _add_selection(ls)
    ls.set_defaults(func=_ls)

    show = actions.add_parser("show", help="one dead letter: attributes, body, what the email says")
    show.add_argument("id", help="the dead letter's message id (from `dlq ls`)")
    show.set_defaults(func=_show)

    replay = actions.add_parser("replay", help="send dead letters back to the main queue")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every dead letter")
    which.add_argument("--id", action="append", dest="ids", help="this message id (repeatable)")
    which.add_argument("--reason", help="those whose reason contains TEXT (case-insensitive)")
    replay.add_argument("--since", type=_since, help="first failed since (ISO date/time or 2h, 3d)")
    replay.add_argument("--limit", type=int, help="at most N messages")
    replay.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be replayed; sends nothing and holds nothing back",
    )
    replay.add_argument(
        "--parallel", type=int, default=4, help="receive-send-delete loops at once (default 4)"
    )
    replay.add_argument(
        "--hold-seconds",
        type=int,
        default=120,
        help="how long each batch stays hidden while it is replayed; if the replay dies, its "
        "messages reappear in the DLQ after this long (default 120)",
    )
    replay.set_defaults(func=_replay)

    purge = actions.add_parser("purge", help="delete dead letters for good")
    purge.add_argument("--id", action="append", dest="ids", help="only this message id")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge.set_defaults(func=_purge)

    export = actions.add_parser("export", help="write dead letters to a JSON-lines file")
    export.add_argument("file", type=Path, help="where to write; - for standard output")
    export.set_defaults(func=_export)


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", help="only those whose reason contains TEXT")
    parser.add_argument("--since", type=_since, help="only those first failed since")
    parser.add_argument("--limit", type=int, help="at most N rows")


def _since(text: str) -> datetime:
    """``2027-05-01``, ``2027-05-01T10:00+00:00``, or a look-back like ``90m``, ``6h``, ``2d``."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if text[:-1].isdigit() and text[-1:] in units:
        return datetime.now(UTC) - timedelta(**{units[text[-1]]: int(text[:-1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time or look-back: {text!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _queue(args: argparse.Namespace) -> DeadLetterQueue:
    queues = _queue_settings(args)
    try:
        sqs = client("sqs")
    except Exception as exc:  # no region: botocore refuses to build the client
        raise explain_aws_error(exc, queues.dlq_url) from exc
    return DeadLetterQueue(
        sqs,
        dlq_url=queues.dlq_url,
        queue_url=queues.queue_url,
        hold_seconds=getattr(args, "hold_seconds", 120),
    )


def _queue_settings(args: argparse.Namespace) -> QueueSettings:
    """The two queue URLs: the flags over ``CHARTERHAND_*`` over the config file."""
    given = {"dlq_url": args.dlq_url, "queue_url": args.queue_url}
    try:
        return load_group(QueueSettings, **{k: v for k, v in given.items() if v})
    except SettingsError as exc:
        raise SettingsError(f"{exc.reason}\n  (or pass --dlq-url / --queue-url)") from exc


@guarded("dlq")
def _ls(args: argparse.Namespace) -> int:
    letters = _queue(args).browse(
        Selection(reason_contains=args.reason, since=args.since), args.limit
    )
    now = datetime.now(UTC)
    rows = [letter.row(now) for letter in letters]
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return Exit.OK
    if not rows:
        print("the dead-letter queue is empty")
        return Exit.OK
    columns = ["id", "age", "reason", "error_class", "step", "booking_key", "receive_count"]
    headers = ["ID", "AGE", "REASON", "ERROR", "STEP", "BOOKING", "RECEIVES"]
    table = [headers] + [[_clip(str(row[c]), 60) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    print(f"\n{len(rows)} dead letter(s)")
    return Exit.OK


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@guarded("dlq")
def _show(args: argparse.Namespace) -> int:
    taught = load_group(FleetSettings)  # before any output: a bad [fleet] fails the command
    inbound = load_group(InboundSettings)
    location = InboundLocation(inbound.inbound_bucket, inbound.inbound_prefix)
    letter = _queue(args).get(args.id)
    if letter is None:
        return fail("dlq", f"no dead letter with id {args.id}")
    print(json.dumps(letter.row(datetime.now(UTC)), indent=2))
    print("\nbody:")
    try:
        print(json.dumps(json.loads(letter.body), indent=2))
    except ValueError:
        print(letter.body)
    print("\nwhat the email says:")
    found, refused = what_the_email_says(letter.body, taught, location)
    for line in found:
        print(f"  {line}")
    if refused:
        return fail("dlq", f"dead letter {letter.message_id}: " + "; ".join(refused))
    return Exit.OK


def what_the_email_says(
    body: str, taught: FleetSettings, location: InboundLocation
) -> tuple[list[str], list[str]]:
    """Decode the body, fetch each email it points at from ``location`` (refusing any other
    place), parse it against ``taught``'s fleet and words: one line per finding, and the
    refusals among them."""
    try:
        decoded = decode_body(body)
    except UnreadableBody as exc:
        return [exc.reason], []
    if decoded.ignored:
        return [f"nothing to read: {decoded.ignored}"], []
    found: list[str] = []
    refused: list[str] = []
    for ref in decoded.emails:
        if ref.bucket is None or ref.key is None:
            found.append(f"{ref.where}: not stored in S3, nothing to read")
            continue
        refusal = location.refusal(ref.bucket, ref.key)
        if refusal is not None:
            found.append(refusal)
            refused.append(refusal)
            continue
        try:
            stored = client("s3").get_object(Bucket=ref.bucket, Key=ref.key)
            raw = stored["Body"].read()
        except Exception as exc:  # an operator's view: say what happened, go on
            found.append(f"{ref.where}: cannot fetch ({type(exc).__name__}: {exc})")
            continue
        try:
            event = parse_email(raw, taught.fleet, taught.parsing)
        except NotABooking as exc:
            found.append(f"{ref.where}: not a booking ({exc.rule or 'unnamed rule'}): {exc.reason}")
        except ParseError as exc:
            missing = ", ".join(exc.missing) or "-"
            found.append(
                f"{ref.where}: {exc.source} {exc.kind} email, unreadable; missing {missing}"
            )
        else:
            found.append(f"{ref.where}: {event.summary()}")
    return found, refused


@guarded("dlq")
def _replay(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    queue = _queue(args)
    selection = Selection(
        ids=frozenset(args.ids or ()), reason_contains=args.reason, since=args.since
    )
    if args.dry_run:
        return _dry_run(queue, selection, args.limit)
    total = args.limit if args.limit is not None else (queue.depth() if args.all else None)
    with tqdm(total=total, unit="msg", desc="replaying", file=sys.stderr, leave=False) as bar:
        summary = queue.replay(
            selection,
            limit=args.limit,
            progress=bar.update,
            parallel=max(1, args.parallel),
        )
    print(f"replayed {summary.replayed}, left {summary.skipped} in the DLQ", end="")
    code = Exit.OK
    if summary.failed:
        print(
            f", {len(summary.failed)} failed to send (still in the DLQ): "
            + " ".join(summary.failed)
        )
        code = Exit.FAILED
    else:
        print()
    return _unknown_ids(selection, {*summary.replayed_ids, *summary.failed}) or code


def _dry_run(queue: DeadLetterQueue, selection: Selection, limit: int | None) -> int:
    """List what a replay would send back. Looked at as ``ls`` looks (each letter back in the
    queue at once), never held for ``--hold-seconds`` as a replay holds what it sends."""
    everything = queue.browse()
    chosen = [letter for letter in everything if selection.matches(letter)][:limit]
    now = datetime.now(UTC)
    for letter in chosen:
        row = letter.row(now)
        print(f"{row['id']}  {row['age']}  {row['step'] or '-'}  {_clip(str(row['reason']), 80)}")
    print(f"would replay {len(chosen)}, left {len(everything) - len(chosen)} in the DLQ")
    return _unknown_ids(selection, {letter.message_id for letter in chosen})


def _unknown_ids(selection: Selection, found: set[str]) -> int:
    """Exit 1 naming each ``--id`` that matched no dead letter; 0 when all were there."""
    unknown = sorted(selection.ids - found)
    for message_id in unknown:
        fail("dlq", f"no dead letter with id {message_id}")
    return Exit.FAILED if unknown else Exit.OK


@guarded("dlq")
def _purge(args: argparse.Namespace) -> int:
    queue = _queue(args)
    selection = Selection(ids=frozenset(args.ids or ()))
    what = f"{len(selection.ids)} dead letter(s) by id" if selection.ids else "EVERY dead letter"
    if not args.yes:
        if not sys.stdin.isatty():
            return fail("dlq", "purge needs --yes when not run at a terminal")
        answer = input(f"Delete {what} from {queue.dlq_url} for good? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("nothing deleted")
            return Exit.FAILED
    print(f"deleted {queue.purge(selection)}")
    return Exit.OK


@guarded("dlq")
def _export(args: argparse.Namespace) -> int:
    letters: list[DeadLetter] = _queue(args).browse()  # left in the queue whatever happens next
    lines = "".join(json.dumps(letter.export()) + "\n" for letter in letters)
    if str(args.file) == "-":
        sys.stdout.write(lines)
        print(f"exported {len(letters)} dead letter(s)", file=sys.stderr)
        return Exit.OK
    try:
        args.file.write_text(lines, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.file}: {exc.strerror or exc}") from exc
    print(f"exported {len(letters)} dead letter(s) to {args.file}")
    return Exit.OK
