"""Where a setting came from, said so an operator can find it and fix it.

A bad value is named where it was written: a variable by its full name
(``CHARTERHAND_MARGIN__CREW_HOURLY``), a TOML key as a TOML key (``margin.crew_hourly`` in the
file); a list or table variable that is not JSON gets an example of the JSON it wants; a
``CHARTERHAND_*`` variable that is no setting is named, with the setting it resembles. The
functions take the settings class, so :mod:`app.settings` can call them on any group.
"""

import difflib
import json
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

PREFIX = "CHARTERHAND_"
#: our variables that are not settings
NOT_SETTINGS = frozenset({f"{PREFIX}CONFIG"})
#: how alike (difflib's ratio, names without the prefix) an unknown name must be to a setting's to
#: be taken for a misspelling of it and refused; below it, a name is only reported
TYPO_CUTOFF = 0.75
#: below TYPO_CUTOFF, how alike a name must be to be offered as a hint
HINT_CUTOFF = 0.6

Loc = Sequence[int | str]


def dotted(loc: Loc) -> str:
    """``fleet.boats[0].capacity``: a location as a TOML key path."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def variable(loc: Loc) -> str:
    """The variable a location is set by on its own: ``CHARTERHAND_MARGIN__CREW_HOURLY``."""
    return PREFIX + "__".join(name.upper() for name in _leading_names(loc))


def known_variables(model: type[BaseModel]) -> set[str]:
    """Every variable that sets a field of ``model``, and one level of its tables' fields."""
    names: set[str] = set()
    for name, field in model.model_fields.items():
        top = PREFIX + name.upper()
        names.add(top)
        nested = _model(field.annotation)
        if nested is not None:
            names.update(f"{top}__{sub.upper()}" for sub in nested.model_fields)
    return names


def unknown_variables(
    environ: Mapping[str, str], model: type[BaseModel]
) -> list[tuple[str, str | None, bool]]:
    """``(name, the setting it resembles or None, whether it is a misspelling)`` for each
    ``CHARTERHAND_*`` variable that sets nothing. Below a table's field (``__LABELS__BOAT``)
    names are the table's to check."""
    known = known_variables(model)
    nested = [name + "__" for name in known if "__" in name]
    found = []
    for raw in sorted(environ):
        name = raw.upper()
        if not name.startswith(PREFIX) or name in known or name in NOT_SETTINGS:
            continue
        if any(name.startswith(deeper) for deeper in nested):
            continue
        short = [k.removeprefix(PREFIX) for k in known]
        close = difflib.get_close_matches(name.removeprefix(PREFIX), short, n=1, cutoff=HINT_CUTOFF)
        like = PREFIX + close[0] if close else None
        typo = bool(close) and _ratio(name.removeprefix(PREFIX), close[0]) >= TYPO_CUTOFF
        found.append((raw, like, typo))
    return found


def not_json(environ: Mapping[str, str], model: type[BaseModel]) -> list[str]:
    """One line per variable for a list or a table whose value is not JSON, with the form it
    wants. The value itself is never shown (a table may hold anything)."""
    lines = []
    for raw, value in sorted(environ.items()):
        name = raw.upper()
        if not name.startswith(PREFIX) or name in NOT_SETTINGS:
            continue
        parts = name.removeprefix(PREFIX).lower().split("__")
        annotation = _annotation_at(model, parts)
        if annotation is None or not _is_complex(annotation):
            continue
        try:
            json.loads(value)
        except ValueError:
            lines.append(f"{name} is not JSON: {_example(name, annotation, value)}")
    return lines


def describe(
    exc: ValidationError,
    model: type[BaseModel],
    environ: Mapping[str, str],
    toml_path: Path | None,
    toml: Mapping[str, Any] | None,
) -> list[str]:
    """One line per problem, named where its value came from (or would come from)."""
    upper = {name.upper() for name in environ}
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        set_by = _set_by(loc, upper)
        if set_by is not None:
            where = f"{set_by} ({dotted(loc)})"
        elif toml is not None and loc and loc[0] in toml:
            where = f"TOML key {dotted(loc)} in {toml_path}"
        else:
            where = f"{variable(loc)} ({dotted(loc)})" if loc else "settings"
        if error["type"] == "extra_forbidden":
            lines.append(f"{where}: not a setting{_did_you_mean(model, loc)}")
        else:
            message = error["msg"].removeprefix("Value error, ")  # our validators' own words
            lines.append(f"{where}: {message}{_given(error)}")
    return lines


def _set_by(loc: Loc, upper: Iterable[str]) -> str | None:
    """The variable that set ``loc`` or the table holding it, nearest first."""
    present = set(upper)
    names = _leading_names(loc)
    for length in range(len(names), 0, -1):
        name = variable(names[:length])
        if name in present:
            return name
    return None


def _leading_names(loc: Loc) -> list[str]:
    """The field names of ``loc`` up to its first list index."""
    names = []
    for part in loc:
        if isinstance(part, int):
            break
        names.append(part)
    return names


def _did_you_mean(model: type[BaseModel], loc: Loc) -> str:
    """``; did you mean worker_threads?`` when a field of the enclosing table is that alike."""
    if not loc or any(isinstance(part, int) for part in loc):
        return ""
    table = _model(_annotation_at(model, [str(part) for part in loc[:-1]]))
    if table is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(table.model_fields), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _given(error: Any) -> str:
    """The offending value, unless it could be a secret or is the whole input."""
    where = ".".join(map(str, error["loc"]))
    if error["type"] == "missing" or any(w in where for w in ("secret", "token", "key")):
        return ""
    value = error.get("input")
    if isinstance(value, str | int | float) and len(str(value)) <= 80:
        return f" (got {value!r})"
    return ""


def _example(name: str, annotation: Any, value: str) -> str:
    """The JSON form a list or table variable wants, from its own value where that is safe."""
    model = _model(annotation)
    if model is not None:
        first = next(iter(model.model_fields))
        return (
            f"give a JSON object, e.g. {name}='{{\"{first}\": ...}}', or one variable per "
            f"field, e.g. {name}__{first.upper()}=..."
        )
    if typing.get_origin(_unwrap(annotation)) is dict:
        return f'give a JSON object, e.g. {name}=\'{{"name": ["a word"]}}\''
    items = [item.strip() for item in value.split(",") if item.strip()]
    if items and not any(w in name for w in ("SECRET", "TOKEN", "KEY")):
        return f"write a list as JSON: {name}='{json.dumps(items)}'"
    return f'write a list as JSON, e.g. {name}=\'["first", "second"]\''


def _annotation_at(model: type[BaseModel], parts: Sequence[str]) -> Any:
    """The annotation of the field ``parts`` names (a dict's keys are any key); None if none."""
    annotation: Any = model
    for part in parts:
        table = _model(annotation)
        unwrapped = _unwrap(annotation)
        if table is not None:
            field = table.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(unwrapped) is dict:
            annotation = typing.get_args(unwrapped)[1]
        else:
            return None
    return annotation


def _unwrap(annotation: Any) -> Any:
    """``X | None`` as ``X``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_complex(annotation: Any) -> bool:
    """What pydantic-settings reads from a variable as JSON: lists, sets, tuples, dicts, tables."""
    annotation = _unwrap(annotation)
    return _model(annotation) is not None or typing.get_origin(annotation) in (
        list,
        set,
        frozenset,
        tuple,
        dict,
    )


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()
