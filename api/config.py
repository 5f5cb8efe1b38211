"""The links API's settings: the few it needs, from ``CHARTERHAND_*`` variables (the Lambda's env).

Separate from the worker's Settings so the Lambda needs only these variables, not the queue URLs
and mail addresses the worker needs.
"""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bookings import Fleet, default_fleet


class LinksApiConfig(BaseSettings):
    """What the links API needs to know; defaults documented on each field."""

    model_config = SettingsConfigDict(env_prefix="CHARTERHAND_", extra="ignore", frozen=True)

    table_name: str = Field(description="the DynamoDB state table")
    photos_bucket: str = Field(description="where guests' photo uploads land")
    site_base_url: str = Field(
        description="public base URL of the site; its origin is the only one CORS allows"
    )
    fleet: Fleet = Field(
        default_factory=default_fleet,
        description="the same fleet as the worker's (CHARTERHAND_FLEET): boats' zones, crew names",
    )
    answers_queue_url: str | None = Field(
        default=None,
        description="the bookings queue: a recorded crew answer is announced there, so the worker "
        "tells the manager of a decline at once; unset: the worker's hourly crew check finds it",
    )
    photo_max_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024, le=5 * 1024**3, description="largest photo accepted"
    )
    photo_uploads_per_hour: int = Field(
        default=60, ge=1, le=10_000, description="presigned uploads per booking per clock hour"
    )
    photo_upload_days_after: int = Field(
        default=30, ge=0, le=3650, description="uploads stay open this many days after the charter"
    )
