"""jinja2 templates for pages and emails, with one environment that escapes HTML by default.

Renter names and notes are data, never markup: every ``.html`` template (and any template built
from a string) autoescapes, so ``<script>`` in a note renders as text. Plain-text, ``.ics``, CSS and
JS templates are not HTML and are not escaped.

Compiled templates are kept as Python keeps modules' bytecode (:class:`CompiledTemplates`): a
template compiles in milliseconds, the first booking renders seven of them (about 50 ms, on its
steps' path, issue 21), and read back they load in a fraction of one.
"""

import hashlib
import os
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket

from templates.filters import FILTERS

TEMPLATE_DIR = Path(__file__).resolve().parent


def _fingerprint() -> str:
    """What compiled code depends on besides a template's own source (which jinja checks itself,
    with the Python version): jinja's version, and the environment's options and filters."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for module in ("__init__.py", "filters.py"):
        digest.update((TEMPLATE_DIR / module).read_bytes())
    return digest.hexdigest()[:16]


class CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates beside the package's own bytecode (``__pycache__``, so no one can put
    code there who could not change the package itself), one directory per :func:`_fingerprint`.
    Written as Python writes bytecode: not under ``PYTHONDONTWRITEBYTECODE`` (the image's
    runtime, which reads what its build wrote), and a directory that cannot be read or written
    is no error (the template is compiled in memory, as without a cache)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:  # no such directory, or none that can be read: compiled again
            return

    def dump_bytecode(self, bucket: Bucket) -> None:
        if sys.dont_write_bytecode:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            return


#: where :class:`CompiledTemplates` keeps this package's
COMPILED_DIR = TEMPLATE_DIR / "__pycache__" / f"jinja-{_fingerprint()}"


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
        bytecode_cache=CompiledTemplates(COMPILED_DIR),
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
    for name in env.list_templates(filter_func=_is_template):
        pause()
        env.get_template(name)


def _is_template(name: str) -> bool:
    """A template of this package's, not its Python modules nor their or its own compiled
    code."""
    return not name.startswith("__pycache__/") and not name.endswith((".py", ".pyc"))
