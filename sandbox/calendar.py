"""The sandbox JADA calendar: the dashboard API behind ``X-Dashboard-Token``, on 127.0.0.1.

It also answers Lambda's Invoke API (``POST /2015-03-31/functions/<name>/invocations``) for its
function, with the API Gateway proxy event the real dashboard Lambda receives, so the calendar's
``lambda`` transport runs end to end through boto3 (point the Lambda client's ``endpoint_url`` at
``base_url``). An invoke is IAM-authorised, so it carries no token, as with the real function.
"""

import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from sandbox.records_api import (
    ApiError,
    Json,
    RecordsApi,
    Request,
    is_date,
    is_optional_text,
    is_text,
    is_time,
)

INVOKE = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")


class CalendarSandbox(RecordsApi):
    """``/calendar`` entries: ``{title, date, start_time, end_time, notes}``."""

    system = "calendar"
    collection = "/calendar"
    fields: ClassVar[Mapping[str, Any]] = {
        "title": is_text,
        "date": is_date,
        "start_time": is_time,
        "end_time": is_time,
        "notes": is_optional_text,
    }
    optional = frozenset({"notes"})
    update_methods = frozenset({"PUT"})
    id_prefix = "cal-"

    def __init__(self, token: str, function_name: str = "jada-dashboard") -> None:
        super().__init__()
        self._token = token
        self.function_name = function_name

    def authenticate(self, headers: Mapping[str, str]) -> None:
        presented = headers.get("x-dashboard-token")
        if not presented:
            raise ApiError(401, "X-Dashboard-Token header is required")
        if not hmac.compare_digest(presented.encode(), self._token.encode()):
            raise ApiError(403, "dashboard token rejected")

    def extra_route(self, method: str, path: str, body: bytes) -> tuple[int, Json, Json] | None:
        match = INVOKE.fullmatch(path)
        if match is None or method != "POST":
            return None
        if match["name"] not in (self.function_name, f"{self.function_name}:$LATEST"):
            return (
                404,
                {"Type": "User", "Message": f"Function not found: {match['name']}"},
                {"x-amzn-ErrorType": "ResourceNotFoundException"},
            )
        return 200, self._invoke(json.loads(body or b"{}")), {}

    def _invoke(self, event: Json) -> Json:
        """Run the proxy event through the same API, as the dashboard Lambda does."""
        headers = {k.lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        query = {k: [str(v)] for k, v in (event.get("queryStringParameters") or {}).items()}
        body = (event.get("body") or "").encode()
        request = Request(
            str(event.get("httpMethod", "")), str(event.get("path", "")), query, headers, body
        )
        status, answer, extra = self.api(request, check_auth=False)
        return {"statusCode": status, "headers": extra, "body": json.dumps(answer)}
