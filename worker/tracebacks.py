"""Where an exception happened, for the logs, without what it said."""

import traceback


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
