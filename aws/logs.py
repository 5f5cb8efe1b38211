"""structlog logs: JSON lines (readable lines on a terminal), renter contact details masked on the
way out.

Shared by the worker and the links API Lambda (``api.lambda_function``): both
write to CloudWatch through the same chain. Masking happens in the last processor, so a reason
string that quotes an address (a parser saying which sender it refused, say) can never carry a
renter's email or phone into the logs.
"""

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from bookings.redact import mask

__all__ = ["configure_logging", "mask", "mask_contact_details"]


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


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Log lines on ``stream`` (stdout by default), at ``level`` and above. Call once, at start.

    JSON, one object per line, where a machine reads them (a pipe, a file, CloudWatch); readable
    lines (structlog's console renderer, coloured unless ``NO_COLOR`` is set) when ``stream``
    is a terminal, a person running the worker by hand. Contact details are masked either way.
    """
    stream = stream or sys.stdout
    renderer: structlog.typing.Processor = structlog.processors.JSONRenderer()
    if _is_terminal(stream):
        renderer = structlog.dev.ConsoleRenderer(colors="NO_COLOR" not in os.environ)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # tracebacks become a string here, so the masking below reaches them on a terminal too
            structlog.processors.format_exc_info,
            mask_contact_details,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stand-in without isatty, or a closed stream
        return False
