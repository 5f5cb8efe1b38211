"""The Lambda entry point: ``api.lambda_function.handler`` behind an API Gateway HTTP API.

Logging is configured once, when Lambda loads the module: the same masked JSON lines as the
worker's (:mod:`aws.logs`), so no renter's address or phone reaches CloudWatch from here either.
"""

from functools import cache
from typing import Any

from api.app import LinksApi
from api.config import LinksApiConfig
from aws.logs import configure_logging

configure_logging("INFO")


@cache
def _api() -> LinksApi:
    """Built on the first request and reused while the Lambda stays warm (clients and config)."""
    return LinksApi.build(LinksApiConfig())  # fields come from CHARTERHAND_* variables


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    return _api().handle(event)
