"""S3's check of a browser upload against a presigned POST policy, for tests.

moto's server stores a POST upload without evaluating the signed policy's conditions, so tests
that play the guest's browser (or someone editing its form) ask this function what S3 would do.
It implements the condition forms S3 documents for POST policies: exact match (``{"field": v}``
or ``["eq", "$field", v]``), ``["starts-with", "$field", prefix]`` and
``["content-length-range", min, max]``; any form field not covered by a condition is refused, as
S3 refuses it (``x-amz-*`` signing fields, ``policy`` and ``file`` aside).
"""

from collections.abc import Mapping
from typing import Any

#: fields S3 does not require a condition for
EXEMPT = frozenset({"policy", "file", "x-amz-signature", "signature", "awsaccesskeyid"})


def refusal(policy: Mapping[str, Any], form: Mapping[str, str], size: int) -> str | None:
    """Why S3 would refuse this upload under ``policy``; None when it would accept it."""
    covered: set[str] = set()
    for condition in policy["conditions"]:
        if isinstance(condition, Mapping):
            ((name, expected),) = condition.items()
            condition = ["eq", f"${name}", expected]
        op, *args = condition
        if op == "content-length-range":
            low, high = args
            if not low <= size <= high:
                return f"size {size} outside {low}-{high}"
            continue
        name, expected = str(args[0]).lstrip("$").lower(), args[1]
        covered.add(name)
        given = {k.lower(): v for k, v in form.items()}.get(name)
        if name == "bucket":
            continue  # the URL names it, not a form field
        if given is None:
            return f"{name} missing"
        if op == "eq" and given != expected:
            return f"{name} is {given!r}, policy wants {expected!r}"
        if op == "starts-with" and not given.startswith(expected):
            return f"{name} {given!r} does not start with {expected!r}"
    extra = {k.lower() for k in form} - covered - EXEMPT
    extra = {k for k in extra if not k.startswith("x-amz-")}
    if extra:
        return f"fields without a condition: {sorted(extra)}"
    return None
