"""Builds the calendar, SCC, guest and crew page, crew email and summary publishers.

The composition root's seam (``default_publishers``) calls these with the clients it owns; each
publisher gets only what it needs: an API with a credential provider, a mailer, the fleet. A
client left out (a test wiring one step) comes from the one factory, ``aws.clients``, where
the step needs one; the transports and the secret provider build theirs the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.secrets import dashboard_token, from_settings, scc_service_key
from app.settings import Settings
from aws.clients import client
from publishers.base import CrewLinkIssuer, DeliveryLog, Publisher
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.crew_email import CrewEmailPublisher, CrewEmailSettings
from publishers.crew_page import CrewPagePublisher
from publishers.guest_page import GuestPagePublisher, upload_origin
from publishers.scc import SccPublisher, scc_api
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.http import HttpPolicy, JsonHttp
from publishers.transport.mail import Mailer
from publishers.transport.site import SiteBucket
from state.crew_tokens import CrewTokens
from state.deliveries import DynamoDeliveryLog

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client


#: the publishers ``system_publishers``, ``page_publishers`` and ``email_publishers`` build: their
#: steps and dependencies (the step graph) without building any
PUBLISHER_CLASSES: tuple[type[Publisher], ...] = (
    CalendarPublisher,
    SccPublisher,
    GuestPagePublisher,
    CrewPagePublisher,
    CrewEmailPublisher,
    SummaryPublisher,
)


@dataclass
class DownstreamClients:
    """The AWS clients the publishers use (``app.compose.Clients`` gives them all); any left
    out is built by the one factory when a step needs it."""

    dynamodb: "DynamoDBClient | None" = None
    sesv2: "SESV2Client | None" = None
    lambda_: "LambdaClient | None" = None
    secretsmanager: "SecretsManagerClient | None" = None
    http: JsonHttp | None = field(default=None)
    s3: "S3Client | None" = None
    cloudfront: "CloudFrontClient | None" = None


def system_publishers(
    settings: Settings, clients: DownstreamClients | None = None
) -> list[Publisher]:
    """Calendar and SCC, each while its setting has it on (``calendar_enabled``,
    ``scc_enabled``). Fails at start-up when a credential or target of a step that is on is not
    configured, naming the setting and the flag that turns the step off."""
    clients = clients or DownstreamClients()
    http = clients.http or JsonHttp(HttpPolicy(timeout=settings.http_timeout_seconds))
    secrets = clients.secretsmanager
    calendar_secret = settings.calendar_enabled and settings.dashboard_token_secret
    if secrets is None and (calendar_secret or (settings.scc_enabled and settings.scc_key_secret)):
        secrets = client("secretsmanager")  # one client for both secrets
    built: list[Publisher] = []
    if settings.calendar_enabled:
        calendar = CalendarConfig(
            transport=settings.calendar_transport,
            base_url=settings.calendar_base_url,
            function_name=settings.calendar_function_name,
        )
        token = (
            _credential(dashboard_token, settings, secrets, "calendar")
            if calendar.transport == "http"
            else None
        )
        api = calendar_api(calendar, token=token, http=http, lambda_client=clients.lambda_)
        built.append(CalendarPublisher(api))
    if settings.scc_enabled:
        assert settings.scc_base_url is not None  # checked when the settings load
        scc_key = _credential(scc_service_key, settings, secrets, "scc")
        built.append(SccPublisher(scc_api(settings.scc_base_url, scc_key, http), settings.fleet))
    return built


def _credential(
    read: "Callable[[Settings, SecretsManagerClient | None], Callable[[], str]]",
    settings: Settings,
    secrets: "SecretsManagerClient | None",
    step: str,
) -> "Callable[[], str]":
    """A step's credential; when none is configured, the error also says how to turn it off."""
    try:
        return read(settings, secrets)
    except ValueError as exc:
        raise ValueError(f"{exc}, or turn the {step} step off ({step}_enabled = false)") from exc


def crew_links(settings: Settings, clients: DownstreamClients | None = None) -> CrewLinkIssuer:
    """The crew confirm / decline token issuer (tokens in the state table, verified by the API)."""
    dynamodb = (clients.dynamodb if clients else None) or client("dynamodb")
    return CrewTokens(table_name=settings.table_name, dynamodb=dynamodb)


def page_publishers(
    settings: Settings, clients: DownstreamClients | None = None
) -> list[Publisher]:
    """Guest page and crew page. The link signing key is read once, at start-up: it fixes every
    guest page's slug and crew page's path, so it is not a key to rotate under a running worker.
    Neither page holds a crew token: each member's own links are in their crew email."""
    clients = clients or DownstreamClients()
    s3 = clients.s3 or client("s3")
    distribution = settings.cloudfront_distribution_id
    cloudfront = clients.cloudfront or (client("cloudfront") if distribution else None)
    signing_key = from_settings(settings, "link signing key", clients.secretsmanager)()
    site = SiteBucket(
        s3=s3,
        bucket=settings.site_bucket,
        base_url=settings.site_base_url,
        cloudfront=cloudfront,
        distribution_id=distribution,
    )
    return [
        GuestPagePublisher(
            site=site,
            fleet=settings.fleet,
            signing_key=signing_key.encode(),
            links_api_base_url=settings.links_api_base_url,
            photos_upload_origin=upload_origin(s3, settings.photos_bucket),
        ),
        CrewPagePublisher(
            site=site,
            fleet=settings.fleet,
            signing_key=signing_key.encode(),
            links_api_base_url=settings.links_api_base_url,
        ),
    ]


def email_publishers(
    settings: Settings,
    links: CrewLinkIssuer,
    clients: DownstreamClients | None = None,
    deliveries: DeliveryLog | None = None,
) -> list[Publisher]:
    """Crew email and summary, each while its setting has it on (``crew_email_enabled``,
    ``summary_enabled``). The crew email depends on the crew page; the summary on the pages, and
    on the calendar and SCC while they are on (it carries their ids)."""
    clients = clients or DownstreamClients()
    http = clients.http or JsonHttp(HttpPolicy(timeout=settings.http_timeout_seconds))
    mailer = Mailer(clients.sesv2, settings.ses_configuration_set)  # else a one-attempt client
    deliveries = deliveries or DynamoDeliveryLog(settings.table_name, clients.dynamodb)
    built: list[Publisher] = []
    if settings.crew_email_enabled:
        built.append(_crew_email(settings, links, mailer, deliveries))
    if settings.summary_enabled:
        built.append(_summary(settings, deliveries, mailer, http))
    return built


def _crew_email(
    settings: Settings, links: CrewLinkIssuer, mailer: Mailer, deliveries: DeliveryLog
) -> Publisher:
    return CrewEmailPublisher(
        settings.fleet,
        CrewEmailSettings(
            from_address=settings.from_address,
            manager_address=settings.manager_address,
            links_api_base_url=settings.links_api_base_url,
        ),
        links,
        mailer,
        deliveries,
    )


def _summary(
    settings: Settings, deliveries: DeliveryLog, mailer: Mailer, http: JsonHttp
) -> Publisher:
    return SummaryPublisher(
        settings.fleet,
        settings.margin,
        SummarySettings(
            from_address=settings.from_address,
            manager_address=settings.manager_address,
            webhook_url=settings.summary_webhook_url,
            guest_message=settings.guest_message,
        ),
        deliveries,
        mailer=mailer,
        http=http,
    )
