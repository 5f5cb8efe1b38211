"""Credentials for the downstream systems: Secrets Manager by name, cached, or local values.

Publishers never see the secret store: they get a *credential*, a callable returning the current
value, so rotation (a new value after the TTL) reaches them without a restart. Values live in
``SecretStr`` and no ``repr`` shows them, so a log line or a traceback never carries one.
"""

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr

import aws.clients
from app.settings import AuditSettings, Settings
from aws.errors import translate
from bookings import PermanentError, TransientError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

log = structlog.get_logger(__name__)

#: seconds on a monotonic clock; injectable so tests move time without sleeping
Clock = Callable[[], float]


class SecretsManagerSecret:
    """One secret by name, fetched on first use and again once ``ttl_seconds`` have passed.

    When a refresh fails transiently and a value is cached, the cached value is served (and the
    failure logged without it): a Secrets Manager blip must not stop publishing.
    """

    def __init__(
        self,
        name: str,
        client: "SecretsManagerClient | None" = None,
        *,
        ttl_seconds: float = 300,
        clock: Clock = time.monotonic,
    ) -> None:
        self.name = name
        self._client = client or aws.clients.client("secretsmanager")
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._value: SecretStr | None = None
        self._fetched_at = 0.0

    def __call__(self) -> str:
        with self._lock:
            now = self._clock()
            if self._value is None or now - self._fetched_at >= self._ttl:
                try:
                    self._value = self._fetch()
                    self._fetched_at = now
                except TransientError as exc:
                    if self._value is None:
                        raise
                    log.warning(
                        "secret refresh failed; serving the cached value",
                        secret=self.name,
                        reason=exc.reason,
                    )
            return self._value.get_secret_value()

    def invalidate(self) -> None:
        """Forget the cached value: the next call fetches (e.g. after a rotation)."""
        with self._lock:
            self._value = None

    def _fetch(self) -> SecretStr:
        try:
            answer = self._client.get_secret_value(SecretId=self.name)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"Secrets Manager ({self.name})") from exc
        value = answer.get("SecretString")
        if not value:
            raise PermanentError(f"secret {self.name} has no SecretString")
        return SecretStr(value.strip())

    def __repr__(self) -> str:
        return f"SecretsManagerSecret(name={self.name!r})"


class LocalSecret:
    """A value from settings (environment or TOML), for local runs and the demo."""

    def __init__(self, value: SecretStr) -> None:
        self._value = value

    def __call__(self) -> str:
        return self._value.get_secret_value()

    def __repr__(self) -> str:
        return "LocalSecret('**********')"


def credential(
    name: str | None,
    local: SecretStr | None,
    *,
    what: str,
    client: "SecretsManagerClient | None" = None,
    ttl_seconds: float = 300,
    clock: Clock = time.monotonic,
) -> Callable[[], str]:
    """Secrets Manager when a name is configured, else the local value; neither is an error."""
    if name:
        return SecretsManagerSecret(name, client, ttl_seconds=ttl_seconds, clock=clock)
    if local is not None and local.get_secret_value():
        return LocalSecret(local)
    raise ValueError(f"{what}: configure a Secrets Manager name or a local value")


#: each credential: its Secrets Manager name setting and its local value setting
CREDENTIALS = {
    "dashboard token": ("dashboard_token_secret", "dashboard_token"),
    "SCC service key": ("scc_key_secret", "scc_service_key"),
    "link signing key": ("link_signing_key_secret", "link_signing_key"),
}


def from_settings(
    settings: Settings,
    what: str,
    client: "SecretsManagerClient | None" = None,
    clock: Clock = time.monotonic,
) -> Callable[[], str]:
    """One of ``CREDENTIALS`` as the settings configure it."""
    name_field, value_field = CREDENTIALS[what]
    return credential(
        getattr(settings, name_field),
        getattr(settings, value_field),
        what=f"{what} ({name_field} or {value_field})",
        client=client,
        ttl_seconds=settings.secrets_ttl_seconds,
        clock=clock,
    )


def dashboard_token(
    settings: Settings, client: "SecretsManagerClient | None" = None
) -> Callable[[], str]:
    """The calendar's ``X-Dashboard-Token``."""
    return from_settings(settings, "dashboard token", client)


def scc_service_key(
    settings: Settings, client: "SecretsManagerClient | None" = None
) -> Callable[[], str]:
    """ShipCaptainCrew's bearer service key."""
    return from_settings(settings, "SCC service key", client)


def audit_feed_urls(
    settings: AuditSettings,
    client: "SecretsManagerClient | None" = None,
    *,
    ttl_seconds: float = 300,
) -> Callable[[], str] | None:
    """The platforms' iCal export URLs per boat (JSON text, read by :mod:`audit.config`), or
    None when none is configured (the audit then reads no feed). Takes the audit's group alone,
    so ``charterhand audit`` needs no other settings."""
    if not settings.audit_feed_urls_secret and settings.audit_feed_urls is None:
        return None
    return credential(
        settings.audit_feed_urls_secret,
        settings.audit_feed_urls,
        what="audit feed URLs (audit_feed_urls_secret or audit_feed_urls)",
        client=client,
        ttl_seconds=ttl_seconds,
    )
