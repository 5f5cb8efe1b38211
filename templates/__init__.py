"""jinja2 templates for pages and emails, with one environment that escapes HTML by default.

Renter names and notes are data, never markup: every ``.html`` template (and any template built
from a string) autoescapes, so ``<script>`` in a note renders as text. Plain-text, ``.ics``, CSS and
JS templates are not HTML and are not escaped.
"""

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from templates.filters import FILTERS

TEMPLATE_DIR = Path(__file__).resolve().parent


@cache
def environment() -> Environment:
    """The shared environment (cached: templates are compiled once per process, and not looked
    at again: ``auto_reload`` off spares a ``stat`` per render; :func:`source_digest` likewise
    reads each template once, so a step's input names the templates this process renders)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        auto_reload=False,
        autoescape=select_autoescape(["html", "htm", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


@cache
def source_digest(*names: str) -> str:
    """A short hash of template sources, part of a step input: a changed template re-publishes
    (a new release; read once per process, as :func:`environment` compiles each once)."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode())
        digest.update((TEMPLATE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def warm_up(pause: Callable[[], None] = lambda: None) -> None:
    """Compile every template now (worker start, on the warm-up thread), not on the first
    booking's steps; ``pause`` is called between templates (the warm-up gives way to a message
    in work there, which compiles the templates it needs itself)."""
    env = environment()
    for name in env.list_templates(filter_func=lambda name: not name.endswith((".py", ".pyc"))):
        pause()
        env.get_template(name)
