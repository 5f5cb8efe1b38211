"""jinja2 templates for pages and emails, with one environment that escapes HTML by default.

Renter names and notes are data, never markup: every ``.html`` template (and any template built
from a string) autoescapes, so ``<script>`` in a note renders as text. Plain-text, ``.ics``, CSS and
JS templates are not HTML and are not escaped.
"""

import hashlib
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from templates.filters import FILTERS

TEMPLATE_DIR = Path(__file__).resolve().parent


@cache
def environment() -> Environment:
    """The shared environment (cached: templates are compiled once per process)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def source_digest(*names: str) -> str:
    """A short hash of template sources, part of a step input: a changed template re-publishes."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update((TEMPLATE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]
