"""structlog JSON logs: one object per line, with renter contact details masked on the way out.

Masking happens in the last processor, so a reason string that quotes an address (a parser saying
which sender it refused, say) can never carry a renter's email or phone into the logs.
"""

import logging
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from bookings.redact import mask

__all__ = ["configure_logging", "mask", "mask_contact_details", "where_it_failed"]


def mask_contact_details(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask every string value (and strings inside lists)."""
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask(value)
        elif isinstance(value, list | tuple):
            event_dict[key] = [mask(v) if isinstance(v, str) else v for v in value]
    return event_dict


def where_it_failed(exc: BaseException, *, frames: int = 12) -> list[str]:
    """An exception's innermost ``frames`` frames (``file:line in function``) and the class of each
    exception in its chain: enough to find the bug, without any exception's message, which may
    quote the email (``int('Maya')``) or a downstream answer. Use instead of ``exc_info``."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        stack = traceback.extract_tb(current.__traceback__)[-frames:]
        lines.append(type(current).__name__)
        lines += [f"  {f.filename.rsplit('/', 2)[-1]}:{f.lineno} in {f.name}" for f in stack]
        current = current.__cause__ or current.__context__
    return lines


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """JSON lines on ``stream`` (stdout by default), at ``level`` and above. Call once, at start."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_contact_details,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.WriteLoggerFactory(file=stream or sys.stdout),
        cache_logger_on_first_use=False,
    )
