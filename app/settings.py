"""Settings: groups per concern from a TOML file and ``CHARTERHAND_*`` environment variables.

Each group (:class:`QueueSettings`, :class:`TableSettings`, ...) is a settings class of its own, so
a command loads only what it uses (``dlq`` the queues, ``status`` the queues and the table);
:class:`Settings` composes every group for the worker. The environment variables are flat
(``CHARTERHAND_<FIELD>``) whatever the group: terraform and the README name them so.

Separate from behaviour (as Powertools' ``IdempotencyConfig``): every field has a documented
default or is required, and an invalid value fails at start-up with the field's name, not at the
first message. AWS endpoints are *not* settings: boto3 reads ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` itself.

Precedence: environment > TOML file (``CHARTERHAND_CONFIG`` or ``--config``) > defaults.
Nested values use ``__``: ``CHARTERHAND_MARGIN__CREW_HOURLY=55``.
"""

import os
import re
import tomllib
from contextlib import suppress
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app import settings_sources as sources
from bookings import Fleet, MarginPolicy, PermanentError, default_fleet
from parsers.vocabulary import Vocabulary
from publishers.guest_message import DEFAULT_GUEST_MESSAGE, check_template
from worker.policy import DLQ_LIMIT_COUNT, DLQ_LIMIT_WINDOW_SECONDS

ENV_PREFIX = sources.PREFIX

#: an email address as terraform's variables check it (no display name: SES and the allowlist
#: compare bare addresses)
ADDRESS = re.compile(r"^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be a URL with its scheme, e.g. https://jada.example")
    return value


def _address(value: str) -> str:
    if not ADDRESS.match(value):
        raise ValueError("must be an email address, e.g. bookings@jada.example")
    return value


#: a URL with its scheme and host (``https://...``; ``http://`` for local sandboxes)
Url = Annotated[str, AfterValidator(_url)]
#: a bare email address
Address = Annotated[str, AfterValidator(_address)]


class _Settings(BaseSettings):
    """What every group shares: the ``CHARTERHAND_`` prefix, ``__`` for nesting, env over TOML.

    A group loaded on its own (``load_settings(QueueSettings)``) ignores the TOML file's other
    keys: the file is written for the whole of :class:`Settings`, which forbids unknown ones.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="ignore",
        frozen=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment over the TOML file over defaults."""
        toml_path = settings_cls.model_config.get("toml_file") or os.environ.get(
            f"{ENV_PREFIX}CONFIG"
        )
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(str(toml_path))))
        return tuple(sources)


class QueueSettings(_Settings):
    """The bookings queue and its dead-letter queue: what ``dlq`` needs, and ``status``."""

    queue_url: Url = Field(description="the bookings SQS queue")
    dlq_url: Url = Field(description="the dead-letter queue beside it")


class InboundSettings(_Settings):
    """Where SES writes the raw email it received."""

    inbound_bucket: str = Field(description="where SES writes raw email (raw/<messageId>)")
    inbound_prefix: str = Field(
        default="raw/",
        description="key prefix of SES's S3 action: only objects under it are read",
    )
    inbound_topic_arn: str | None = Field(
        default=None,
        description="the SNS topic SES announces received mail on: SNS envelopes from any other "
        "topic are ignored as untrusted; unset, every SNS envelope is (set it in production)",
    )


class TableSettings(_Settings):
    """The DynamoDB state table."""

    table_name: str = Field(description="the DynamoDB state table")


class SiteSettings(_Settings):
    """The guest and crew pages: buckets, CloudFront, public URLs."""

    site_bucket: str = Field(description="the bucket CloudFront serves guest and crew pages from")
    photos_bucket: str = Field(description="where guests' photo uploads land")
    cloudfront_distribution_id: str | None = Field(
        default=None, description="invalidated after a page changes; None skips invalidation"
    )
    site_base_url: Url = Field(description="public base URL of the site, e.g. https://jada.example")
    links_api_base_url: Url = Field(description="public base URL of the links API")


class MailSettings(_Settings):
    """Mail the worker sends: sender, the manager, SES's configuration set and reports."""

    from_address: Address = Field(description="verified SES sender for crew and manager emails")
    manager_address: Address = Field(description="the booking manager: summaries, Reply-To")
    ses_configuration_set: str | None = Field(default=None, description="SES configuration set")
    ses_events_queue_url: Url | None = Field(
        default=None,
        description="SQS queue of SES's send reports (configuration set events): settles a send "
        "whose answer was lost; unset: such a send waits 900 s, then goes again",
    )
    summary_webhook_url: Url | None = Field(
        default=None, description="the manager's Apps Script webhook; when set, used instead of SES"
    )
    crew_reminder_hours: int = Field(
        default=48,
        ge=1,
        le=336,
        description="hours before a charter when the hourly crew check reminds each member who "
        "has not confirmed or declined (once) and sends the manager the list of who is silent",
    )
    guest_message: str = Field(
        default=DEFAULT_GUEST_MESSAGE,
        description="the message the summary carries for the manager to paste into the platform's "
        "chat: {first_name}, {boat}, {day}, {weekday} and {link} (the guest page) are filled in",
    )

    @field_validator("guest_message")
    @classmethod
    def _fillable(cls, value: str) -> str:
        return check_template(value)

    crew_email_enabled: bool = Field(
        default=True,
        description="the crew_email step: each assigned member's email (new, changed, cancelled; "
        "their confirm / decline links, an .ics); false: crew hear of charters some other way",
    )
    summary_enabled: bool = Field(
        default=True,
        description="the summary step: the manager's email (or webhook) for each booking state, "
        "with the margin; false: the manager hears of bookings some other way",
    )


class AdmissionSettings(_Settings):
    """Which mail the worker admits."""

    forwarder_allowlist: list[Address] = Field(
        default_factory=list,
        description="addresses allowed to forward booking mail in (the owners' mailboxes)",
    )
    require_authenticated_sender: bool = Field(
        default=True,
        description="admit only mail whose own From domain SES proved (DMARC pass, or a DKIM "
        "signature aligned with it, in the Authentication-Results SES wrote on top of the "
        "stored email); bare SPF/DKIM passes never",
    )
    require_verified_original: bool = Field(
        default=False,
        description="ignore booking emails not proven the platform's (aligned DKIM/DMARC of "
        "direct mail, or the attached original's DKIM): refuses inline and unproven forwards",
    )


class DownstreamSettings(_Settings):
    """The calendar and ShipCaptainCrew: whether each is on, how to reach them, their secrets.

    A step that is on without what it needs is refused when the settings load, naming the
    setting to give or the flag that turns the step off."""

    calendar_enabled: bool = Field(
        default=True,
        description="the calendar step: one JADA calendar entry per booking; false: the calendar "
        "is never called and needs nothing (no URL, function or dashboard token)",
    )
    calendar_transport: Literal["http", "lambda"] = Field(
        default="http",
        description="how to reach the calendar: its API Gateway URL, or a direct Lambda invoke",
    )
    calendar_base_url: Url | None = Field(
        default=None, description="API Gateway URL (http; needed while calendar_enabled)"
    )
    calendar_function_name: str | None = Field(
        default=None, description="dashboard Lambda (lambda; needed while calendar_enabled)"
    )
    scc_enabled: bool = Field(
        default=True,
        description="the scc step: one ShipCaptainCrew event per booking; false: SCC is never "
        "called and needs nothing (no scc_base_url, no service key)",
    )
    scc_base_url: Url | None = Field(
        default=None, description="ShipCaptainCrew API base URL (needed while scc_enabled)"
    )
    dashboard_token_secret: str | None = Field(
        default=None, description="Secrets Manager name of the dashboard token"
    )
    scc_key_secret: str | None = Field(
        default=None, description="Secrets Manager name of the SCC service key"
    )
    link_signing_key_secret: str | None = Field(
        default=None, description="Secrets Manager name of the key that derives crew page paths"
    )
    dashboard_token: SecretStr | None = Field(default=None, description="local only: the token")
    scc_service_key: SecretStr | None = Field(default=None, description="local only: the key")
    link_signing_key: SecretStr | None = Field(default=None, description="local only: the key")
    secrets_ttl_seconds: int = Field(default=300, ge=0, description="Secrets Manager cache TTL")
    http_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="connect and read timeout of calendar/SCC calls"
    )
    audit_repair: bool = Field(
        default=True,
        description="the audit publishes a calendar entry, SCC event or page deleted or edited "
        "by hand again (once); false: it only reports it",
    )

    @model_validator(mode="after")
    def _steps_on_have_their_targets(self) -> Self:
        """A step that is on needs its target: say which setting to give, or how to turn it off.
        (Credentials are checked where they are read, when the worker builds its publishers.)"""
        problems = [
            f"{step} is on ({step}_enabled) but {field} is not set{why}: set "
            f"{ENV_PREFIX}{field.upper()}, or turn the step off with "
            f"{ENV_PREFIX}{step.upper()}_ENABLED=false"
            for step, field, why in self._missing_targets()
        ]
        if problems:  # a custom error: its text is shown as it is (no "Value error, ")
            raise PydanticCustomError("step_target", "; ".join(problems))
        return self

    def _missing_targets(self) -> list[tuple[str, str, str]]:
        """(step, setting, why) for each target a step that is on lacks."""
        missing = []
        if self.calendar_enabled:
            transport = self.calendar_transport
            field = "calendar_base_url" if transport == "http" else "calendar_function_name"
            if not getattr(self, field):
                missing.append(("calendar", field, f" (calendar_transport = {transport})"))
        if self.scc_enabled and not self.scc_base_url:
            missing.append(("scc", "scc_base_url", ""))
        return missing


class WorkerSettings(_Settings):
    """The worker process: threads, memory, SQS timing, leases, retries."""

    worker_threads: int = Field(
        default=4, ge=1, le=64, description="messages worked on at once by one worker process"
    )
    task_memory_mib: int = Field(
        default=512,
        ge=512,
        le=30720,
        description="memory of the worker's task (terraform's worker_memory): the raw email a "
        "worker holds at once is kept within (this - 160 MiB) / 8 (worker/budget.py), and an "
        "email larger than that is dead-lettered",
    )
    visibility_timeout_seconds: int = Field(
        default=120,
        ge=10,
        le=43200,
        description="how long a received message stays hidden; extended while still in work",
    )
    max_receive_count: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="receives after which a transient fault is dead-lettered by the worker; "
        "keep the queue's redrive maxReceiveCount above it (it is only the safety net)",
    )
    lease_seconds: int = Field(
        default=90,
        ge=5,
        le=3600,
        description="a step's lease; renewed while the step runs, taken over once expired",
    )
    shutdown_deadline_seconds: int = Field(
        default=25,
        ge=1,
        le=110,
        description="on SIGTERM: time to finish in-flight messages before releasing them",
    )
    poll_wait_seconds: int = Field(
        default=20, ge=0, le=20, description="SQS long-poll wait of each receive"
    )
    retry_base_seconds: int = Field(
        default=10, ge=0, le=43200, description="first retry's delay; doubles on each receive"
    )
    retry_max_seconds: int = Field(
        default=900, ge=0, le=43200, description="longest retry delay (SQS allows 12 h)"
    )
    dlq_limit_count: int = Field(
        default=DLQ_LIMIT_COUNT,
        ge=0,
        le=10000,
        description="admitted emails dead-lettered in a row for one reason class (within "
        "dlq_limit_window_seconds), counted by all workers together, after which every worker "
        "stops taking messages until `charterhand intake resume` (a bad deploy must not move "
        "the whole queue to the DLQ); 0 turns the limit off",
    )
    dlq_limit_window_seconds: int = Field(
        default=DLQ_LIMIT_WINDOW_SECONDS,
        ge=1,
        le=86400,
        description="the window dlq_limit_count dead letters must fall within",
    )


class FleetSettings(_Settings):
    """The boats, their money and the words the parser is taught."""

    fleet: Fleet = Field(
        default_factory=default_fleet,
        description="boats, their crew and checklists (TOML `[[fleet.boats]]`, `[[fleet.people]]`)",
    )
    margin: MarginPolicy = Field(
        default_factory=MarginPolicy, description="crew and captain rates, the platform fee"
    )
    parsing: Vocabulary = Field(
        default_factory=Vocabulary,
        description="words the parser is taught without a deploy, then `dlq replay --reason`",
    )


class ObservabilitySettings(_Settings):
    """What the worker logs and the metrics namespace it writes."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="lowest level written to the JSON log"
    )
    metrics_namespace: str = Field(
        default="Charterhand",
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9._/#:-]+$",
        description="CloudWatch namespace of the worker's EMF metrics (the dashboard reads it)",
    )


class AuditSettings(_Settings):
    """The audit (``charterhand audit`` and the hourly task): the platforms' iCal exports."""

    audit_feed_urls_secret: str | None = Field(
        default=None,
        description="Secrets Manager name of the platforms' iCal export URLs per boat: a JSON "
        'object {"<boat>": {"boatsetter": "https://...", "getmyboat": "https://..."}} (a URL '
        "opens the boat's calendar to whoever has it); unset, and no audit_feed_urls: no feed "
        "is read",
    )
    audit_feed_urls: SecretStr | None = Field(
        default=None, description="local only: the same JSON object as the secret's value"
    )
    audit_horizon_days: int = Field(
        default=60,
        ge=1,
        le=400,
        description="how far ahead the audit compares the platforms' calendars with the bookings",
    )


class Settings(
    AuditSettings,
    ObservabilitySettings,
    FleetSettings,
    WorkerSettings,
    DownstreamSettings,
    AdmissionSettings,
    MailSettings,
    SiteSettings,
    TableSettings,
    InboundSettings,
    QueueSettings,
):
    """Everything the worker needs to know about its surroundings: every group above.

    The bases are listed last group first: pydantic orders the fields from the last base to the
    first, and that order (queues first) is the reference table's in the README.
    """

    model_config = SettingsConfigDict(**{**_Settings.model_config, "extra": "forbid"})


Group = TypeVar("Group", bound=_Settings)


class SettingsError(PermanentError):
    """Settings that are missing or invalid: names each field and its environment variable."""


def load_settings(config: Path | None = None) -> Settings:
    """Settings for this process, or a :class:`SettingsError` that says exactly what to fix.

    ``config`` (the CLI's ``--config``) overrides ``CHARTERHAND_CONFIG``. A named file that does
    not exist is an error: a silently ignored config file is how a worker starts with defaults.
    """
    return load_group(Settings, config)


def load_group(group: type[Group], config: Path | None = None, **given: Any) -> Group:
    """One group of settings (or a command's own blend of groups), read as :func:`load_settings`
    reads them all: a command asks only for what it uses, and fails only for that. ``given``
    (a command's flags) wins over the environment and the file.

    Whatever the group, a ``CHARTERHAND_*`` variable that is a misspelling of any setting fails
    it (a typo must not leave a default silently in force), and so does a list or table variable
    that is not JSON."""
    named = os.environ.get(f"{ENV_PREFIX}CONFIG")
    path = config or (Path(named) if named else None)
    if path is not None and not path.is_file():
        raise SettingsError(f"config file {path} does not exist")
    problems = [
        f"{name} is not a setting: did you mean {like}?"
        for name, like, typo in sources.unknown_variables(os.environ, Settings)
        if typo
    ] + sources.not_json(os.environ, group)
    if problems:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems))
    settings_cls = group
    if path is not None:
        config_dict = SettingsConfigDict(**{**group.model_config, "toml_file": path})
        settings_cls = type(group.__name__, (group,), {"model_config": config_dict})
    try:
        return settings_cls(**given)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc, group, path)) from exc
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise SettingsError(f"config file {path}: {exc}") from exc


def unknown_variables() -> list[str]:
    """What ``config check`` says of each ``CHARTERHAND_*`` variable that sets nothing and is
    no setting's misspelling (those fail :func:`load_group`): ignored, and what it resembles."""
    return [
        f"{name} is not a setting (ignored)" + (f"; nearest is {like}" if like else "")
        for name, like, typo in sources.unknown_variables(os.environ, Settings)
        if not typo
    ]


def describe_errors(
    exc: ValidationError, group: type[BaseSettings] | None = None, path: Path | None = None
) -> str:
    """One line per problem, named where it came from: ``CHARTERHAND_QUEUE_URL (queue_url):
    Field required``, ``CHARTERHAND_MARGIN__CREW_HOURLY (margin.crew_hourly): ...``, ``TOML key
    margin.crew_hourly in charterhand.toml: ...``."""
    toml = None
    if path is not None:
        with suppress(OSError, ValueError):
            toml = tomllib.loads(path.read_text(encoding="utf-8"))
    lines = sources.describe(exc, group or Settings, os.environ, path, toml)
    return "invalid settings:\n  " + "\n  ".join(lines)
