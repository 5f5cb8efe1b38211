"""The Lambda entry point: ``api.lambda_function.handler`` behind an API Gateway HTTP API."""

from functools import cache
from typing import Any

from api.app import LinksApi
from api.config import LinksApiConfig


@cache
def _api() -> LinksApi:
    """Built on the first request and reused while the Lambda stays warm (clients and config)."""
    return LinksApi.build(LinksApiConfig())  # fields come from CHARTERHAND_* variables


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return _api().handle(event)
