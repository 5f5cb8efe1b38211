"""Which steps the worker runs: the six, the four an owner can turn off, and what each needs.

The guest and crew pages are ours and always run. The calendar, ShipCaptainCrew, the crew emails
and the manager's summary each have a ``<step>_enabled`` setting (on by default): an owner who
does not run the JADA dashboard or SCC turns that step off and needs none of its settings.

A step turned off leaves what it published before as it was: a calendar entry or SCC event made
while it was on stays, and nothing updates or cancels it (the owner does, in that system); its
record in the state table stays too, so ``charterhand status`` still shows the step as it last
was. Turned on again, the step brings a booking in line the next time an email about that
booking arrives (or is replayed).
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.secrets import CREDENTIALS
from app.settings import Settings

#: the steps in the order the worker's publishers are built (app.downstream)
STEP_ORDER = ("calendar", "scc", "guest_page", "crew_page", "crew_email", "summary")
#: the steps that have an ``<step>_enabled`` setting
OPTIONAL_STEPS = ("calendar", "scc", "crew_email", "summary")


def steps_off(settings: Settings) -> frozenset[str]:
    """The steps the settings turn off."""
    return frozenset(s for s in OPTIONAL_STEPS if not getattr(settings, f"{s}_enabled"))


def steps_on(settings: Settings) -> list[str]:
    """The steps the worker runs, in the order it builds them."""
    off = steps_off(settings)
    return [step for step in STEP_ORDER if step not in off]


@dataclass(frozen=True)
class _Needs:
    """What one step needs under these settings: settings, credentials (each by its pair of
    settings: a Secrets Manager name or a local value), and a word on what it does."""

    settings: tuple[str, ...]
    credentials: tuple[str, ...] = ()
    via: str = ""


def _calendar(s: Settings) -> _Needs:
    if s.calendar_transport == "lambda":
        return _Needs(("calendar_function_name",), via="direct Lambda invoke, IAM")
    return _Needs(("calendar_base_url",), ("dashboard token",), via="HTTPS")


def _summary(s: Settings) -> _Needs:
    if s.summary_webhook_url:
        return _Needs(("manager_address", "summary_webhook_url"), via="the manager's webhook")
    return _Needs(("from_address", "manager_address"), via="SES")


_PAGES = ("site_bucket", "site_base_url", "links_api_base_url")
NEEDS: dict[str, Callable[[Settings], _Needs]] = {
    "calendar": _calendar,
    "scc": lambda s: _Needs(("scc_base_url",), ("SCC service key",), via="HTTPS"),
    "guest_page": lambda s: _Needs((*_PAGES, "photos_bucket"), ("link signing key",)),
    "crew_page": lambda s: _Needs(_PAGES, ("link signing key",)),
    "crew_email": lambda s: _Needs(
        ("from_address", "manager_address", "links_api_base_url"), via="SES"
    ),
    "summary": _summary,
}


def describe_steps(settings: Settings) -> list[str]:
    """One line per step for ``charterhand config check``: on or off, what it needs (and which
    credential is still missing: the worker would refuse to start without it)."""
    off = steps_off(settings)
    width = max(map(len, STEP_ORDER))
    lines = []
    for step in STEP_ORDER:
        switch = "always on" if step not in OPTIONAL_STEPS else f"{step}_enabled"
        if step in off:
            lines.append(f"{step:<{width}}  off  ({switch} = false): needs nothing")
            continue
        needs = NEEDS[step](settings)
        pairs = [" or ".join(CREDENTIALS[what]) for what in needs.credentials]
        wanted = ", ".join([*needs.settings, *pairs]) + (f" ({needs.via})" if needs.via else "")
        missing = [
            " or ".join(CREDENTIALS[what])
            for what in needs.credentials
            if not _configured(settings, what)
        ]
        gap = f"; missing: {', '.join(missing)}" if missing else ""
        lines.append(f"{step:<{width}}  on   ({switch}) needs {wanted}{gap}")
    return lines


def _configured(settings: Settings, what: str) -> bool:
    """Whether a credential has a Secrets Manager name or a non-empty local value."""
    name_field, value_field = CREDENTIALS[what]
    local = getattr(settings, value_field)
    return bool(getattr(settings, name_field)) or bool(local and local.get_secret_value())
