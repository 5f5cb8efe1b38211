"""The worker's start-up, run without starting it: what ``charterhand config check`` checks.

``charterhand worker`` builds its clients, every publisher with its target and credentials, and
the step graph before its first receive (:func:`app.compose.build_worker`), and refuses to start
when one of them does not resolve. Some credentials it reads only at the first message: a bad one
would fail every message rather than the start, so the check fetches each of them now. Whether
the queues, table and buckets answer is a question for ``--connect``, not this.
"""

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from app.compose import Clients, build_worker
from app.secrets import CREDENTIALS, from_settings
from app.settings import Settings
from app.steps import steps_off
from aws.errors import translate
from bookings import CharterhandError, PermanentError


class WorkerRefuses(ValueError):
    """Settings the worker refuses at start-up (a publisher's target or credential missing)."""


def check_start_up(settings: Settings) -> list[str]:
    """Build the worker as ``charterhand worker`` does, without running it, and fetch each
    credential it will use; returns one line per credential saying where it comes from.

    Raises :class:`WorkerRefuses` for settings the worker would refuse, a
    :class:`~bookings.CharterhandError` when AWS does (no region, a secret that is not there)."""
    try:
        clients = Clients.from_environment(calendar_lambda=settings.calendar_transport == "lambda")
        build_worker(settings, clients)
        sources = []
        for what in _credentials_used(settings):
            name_field, value_field = CREDENTIALS[what]
            from_settings(settings, what, clients.secretsmanager)()  # fetched, never shown
            name = getattr(settings, name_field)
            where = f"Secrets Manager secret {name}" if name else f"the local value ({value_field})"
            sources.append(f"{what}: {where}")
    except CharterhandError:
        raise
    except ValueError as exc:  # build_worker: a publisher whose dependencies do not resolve
        raise WorkerRefuses(str(exc)) from exc
    except (BotoCoreError, ClientError) as exc:
        raise _aws_refuses(exc) from exc
    return sources


def _credentials_used(settings: Settings) -> list[str]:
    """The credentials the publishers read (app.downstream): the dashboard token only for the
    calendar's http transport (the lambda transport signs with IAM), and none for a step turned
    off (:mod:`app.steps`)."""
    off = steps_off(settings)
    unused = {
        "dashboard token": "calendar" in off or settings.calendar_transport != "http",
        "SCC service key": "scc" in off,
    }
    return [what for what in CREDENTIALS if not unused.get(what, False)]


def _aws_refuses(exc: BotoCoreError | ClientError) -> CharterhandError:
    if isinstance(exc, NoRegionError):
        return PermanentError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)")
    if isinstance(exc, NoCredentialsError):
        return PermanentError(
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY"
        )
    return translate(exc, "AWS")
