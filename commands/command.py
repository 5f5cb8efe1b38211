"""What every ``charterhand`` command shares: the subparsers type and one error → exit-code map.

Each command module exposes ``register(subparsers: SubParsers)``, which adds its parser and sets
``func``; its actions raise, and :func:`guarded` turns what they raise into one line on stderr
(``charterhand <command>: <reason>``, never a traceback) and the exit code of :class:`Exit`:

====  ==============  =========================================================================
code  name            when
====  ==============  =========================================================================
0     OK              the command did what was asked
1     FAILED          it could not: AWS refused or is unreachable (no credentials, a missing
                      queue, access denied), no such dead letter (``dlq show``, ``dlq replay
                      --id``), a replay's sends failed, a purge not confirmed, demo emails
                      that did not settle, ``worker --once`` while the DLQ limit holds intake
                      stopped, its standard output closed before it had said everything
                      (``| head``: no traceback, no message); ``status`` also for missing
                      settings (it always has, and tests and scripts rely on it)
2     USAGE           what it was given cannot be used: argparse's own usage errors, a file
                      that cannot be read or written, a file that is not an email
                      (``parse``), a config file that cannot be used, settings that do not
                      validate or that the worker would refuse at start-up (each named where
                      it came from: its variable or its TOML key)
3     NOT_A_BOOKING   ``parse``: the email is not a booking (the rule that decided it on stderr)
4     UNREADABLE      ``parse``: a booking email that cannot be read (the missing fields)
5     FOUND           ``audit``: it found something (a missed booking, a booking gone from a
                      platform's calendar, a feed it cannot read): the findings on stdout
====  ==============  =========================================================================

AWS access is 1, not a code of its own: ``dlq`` and ``status`` have always exited 1 for it and
``worker`` for AWS refusing to let it start, and 3 is taken by ``parse``.
"""

import argparse
import sys
from collections.abc import Callable
from enum import IntEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec

from app.settings import SettingsError
from bookings import CharterhandError, NotABooking, ParseError

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = Any

#: an action's own parameters (``args``, and the worker's stand-ins for tests)
P = ParamSpec("P")


class Exit(IntEnum):
    """The exit codes of every ``charterhand`` command (the table above)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    NOT_A_BOOKING = 3
    UNREADABLE = 4
    FOUND = 5


#: one line per exit code, for ``charterhand --help`` (the table above, shortened)
MEANINGS: dict[Exit, str] = {
    Exit.OK: "the command did what was asked",
    Exit.FAILED: "it could not: AWS refused or is unreachable, no such dead letter, a replay's "
    "sends failed, `worker --once` while intake is stopped; or its output's reader went away "
    "(`| head`)",
    Exit.USAGE: "what it was given cannot be used: arguments, a file that cannot be read or "
    "written, a file that is not an email, settings the worker would refuse",
    Exit.NOT_A_BOOKING: "parse: the email is not a booking",
    Exit.UNREADABLE: "parse: a booking email that cannot be read",
    Exit.FOUND: "audit: it found something (a missed booking, a booking gone from a "
    "platform's calendar, a feed it cannot read)",
}


class UsageError(CharterhandError):
    """What the command was given cannot be used: a missing file, an unusable config."""


def exit_code(exc: CharterhandError | NotABooking) -> Exit:
    """The one mapping from what a command raised to its exit code."""
    if isinstance(exc, NotABooking):
        return Exit.NOT_A_BOOKING
    if isinstance(exc, ParseError):
        return Exit.UNREADABLE
    if isinstance(exc, SettingsError | UsageError):
        return Exit.USAGE
    return Exit.FAILED


def guarded(
    command: str, *, settings_error: Exit = Exit.USAGE
) -> Callable[[Callable[P, int]], Callable[P, int]]:
    """Run an action; what it raises becomes one line on stderr and :func:`exit_code`'s code.

    ``settings_error`` is for ``status`` alone, which exits 1 for settings it lacks or rejects.
    """

    def decorate(action: Callable[P, int]) -> Callable[P, int]:
        @wraps(action)
        def run(*args: P.args, **kwargs: P.kwargs) -> int:
            try:
                return action(*args, **kwargs)
            except (CharterhandError, NotABooking) as exc:
                print(f"charterhand {command}: {exc.reason}", file=sys.stderr)
                if isinstance(exc, SettingsError):
                    return settings_error
                return exit_code(exc)

        return run

    return decorate


def fail(command: str, message: str, code: Exit = Exit.FAILED) -> int:
    """Say why on stderr and return ``code``: a refusal that is not an exception."""
    print(f"charterhand {command}: {message}", file=sys.stderr)
    return code
