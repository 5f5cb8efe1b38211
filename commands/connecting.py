"""``charterhand config check --connect``: what the settings name, handed to ``ops.connect``.

The settings are the worker's (``terraform output -json worker_environment`` exported, or a TOML
file); this only reads from them which queues, buckets, table, secrets, SES identity and
downstream systems to ask, and prints ``ops.connect``'s lines.
"""

from app.settings import Settings
from commands.command import Exit
from ops import connect
from publishers.calendar import ENTRIES
from publishers.scc import EVENTS


def _credential(secret_id: str | None, local: object) -> connect.Credential:
    value = local.get_secret_value() if hasattr(local, "get_secret_value") else None
    return connect.Credential(secret_id, value)


def targets(settings: Settings) -> connect.Targets:
    queues = {"bookings queue": settings.queue_url, "dead-letter queue": settings.dlq_url}
    if settings.ses_events_queue_url:
        queues["SES events queue"] = settings.ses_events_queue_url
    dashboard = _credential(settings.dashboard_token_secret, settings.dashboard_token)
    scc_key = _credential(settings.scc_key_secret, settings.scc_service_key)
    http: dict[str, connect.HttpSystem] = {}
    if settings.scc_enabled and settings.scc_base_url:
        http["SCC"] = connect.HttpSystem(
            settings.scc_base_url.rstrip("/") + EVENTS.path, "Authorization", scc_key, "Bearer "
        )
    if (
        settings.calendar_enabled
        and settings.calendar_transport == "http"
        and (settings.calendar_base_url)
    ):
        http = {
            "calendar": connect.HttpSystem(
                settings.calendar_base_url.rstrip("/") + ENTRIES.path,
                "X-Dashboard-Token",
                dashboard,
            ),
            **http,
        }
    secrets = {
        "SCC service key": scc_key,
        "link signing key": _credential(
            settings.link_signing_key_secret, settings.link_signing_key
        ),
    }
    if settings.calendar_transport == "http":
        secrets = {"dashboard token": dashboard, **secrets}
    return connect.Targets(
        queues=queues,
        buckets={
            "inbound bucket": settings.inbound_bucket,
            "site bucket": settings.site_bucket,
            "photos bucket": settings.photos_bucket,
        },
        table=settings.table_name,
        secrets=secrets,
        from_address=settings.from_address,
        inbound_bucket=settings.inbound_bucket,
        inbound_prefix=settings.inbound_prefix,
        http=http,
        calendar_function=(
            settings.calendar_function_name if settings.calendar_transport == "lambda" else None
        ),
    )


def check(settings: Settings, clients: connect.CheckClients | None = None) -> int:
    """Print one line per thing; exit 1 when any is not reachable or not ready."""
    found = connect.run(targets(settings), clients or connect.CheckClients.from_environment())
    text, ready = connect.report(found)
    print(text)
    return Exit.OK if ready else Exit.FAILED
