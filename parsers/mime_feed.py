"""The standard library's MIME feed parser, without compiling a regular expression per boundary.

``email.feedparser`` compiles ``(?P<sep>--BOUNDARY)(?P<end>--)?(?P<ws>[ \\t]*)(?P<linesep>...)?$``
for every multipart it meets. Boundaries are unique per email, so ``re``'s cache never helps:
each email paid ~100 µs (a tenth of its whole parse) to compile a pattern used on a few dozen
lines. :class:`BoundaryFeedParser` runs the library's own ``_parsegen`` code unchanged, with
one difference: its ``re.compile`` hands back, for exactly that pattern, a matcher that checks
the literal prefix with ``str.startswith`` and matches the rest with one pattern compiled once
(``re``'s ``match(line, pos)`` keeps ``$`` at the end of the line, so each answer is the
compiled pattern's). Any other pattern, or a library whose ``_parsegen`` writes it differently,
is compiled as before. Only ``group("end")``, ``group("linesep")`` and truth are asked of a match.
"""

import email.feedparser
import re
import types
from typing import Any

#: what follows the escaped separator in the library's boundary pattern (Python 3.11-3.13)
_TAIL = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_HEAD = "(?P<sep>"
_REST = re.compile(_TAIL[1:])
#: one escaped character of ``re.escape``'s output: a backslash and the character itself
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


class _Boundary:
    """What ``re.compile`` of the library's boundary pattern does, for ``match`` alone."""

    __slots__ = ("_separator", "_start")

    def __init__(self, separator: str) -> None:
        self._separator = separator
        self._start = len(separator)

    def match(self, line: str) -> re.Match[str] | None:
        if not line.startswith(self._separator):
            return None
        return _REST.match(line, self._start)


class _Re:
    """The ``re`` module as ``_parsegen`` sees it: the same, but for the boundary pattern."""

    escape = staticmethod(re.escape)

    @staticmethod
    def compile(pattern: str, flags: int = 0) -> Any:
        separator = _separator_of(pattern) if not flags else None
        return _Boundary(separator) if separator is not None else re.compile(pattern, flags)


def _separator_of(pattern: str) -> str | None:
    """The separator whose boundary pattern ``pattern`` is, else None."""
    if not (pattern.startswith(_HEAD) and pattern.endswith(_TAIL)):
        return None
    escaped = pattern[len(_HEAD) : -len(_TAIL)]
    separator = _ESCAPED.sub(r"\1", escaped)
    return separator if re.escape(separator) == escaped else None


def _parsegen_with(module: object) -> Any:
    """``FeedParser._parsegen``'s own code, its global ``re`` being ``module``."""
    original = getattr(email.feedparser.FeedParser, "_parsegen")  # noqa: B009 (private; typeshed lacks it)
    names = {**email.feedparser.__dict__, "re": module}
    return types.FunctionType(
        original.__code__, names, original.__name__, original.__defaults__, original.__closure__
    )


class BoundaryFeedParser(email.feedparser.BytesFeedParser):
    """``email.feedparser.BytesFeedParser`` (compat32), the same messages for less (see above)."""

    _parsegen = _parsegen_with(_Re)
