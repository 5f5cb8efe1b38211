"""The terraform root module as data: every .tf file parsed with python-hcl2, merged by kind.

Expressions stay strings (``"${aws_sqs_queue.bookings.arn}"``); the helpers here find what they
reference, so tests can follow the wiring from one resource to the next.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

TERRAFORM_DIR = Path(__file__).resolve().parents[2] / "infra" / "terraform"

_OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=True)
_RESOURCE_REF = re.compile(r"(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([a-z0-9_]+)")
_LOCAL_REF = re.compile(r"(?<![\w.])local\.([a-z0-9_]+)")
_VAR_REF = re.compile(r"(?<![\w.])var\.([a-z0-9_]+)")


@dataclass(frozen=True)
class Module:
    resources: dict[tuple[str, str], dict[str, Any]]
    data: dict[tuple[str, str], dict[str, Any]]
    variables: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]
    locals: dict[str, Any]
    files: dict[str, str]

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        return self.resources[(kind, name)]

    def of_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: body for (k, name), body in self.resources.items() if k == kind}

    def policy_document(self, name: str) -> list[dict[str, Any]]:
        """The statements of ``data.aws_iam_policy_document.<name>``, dynamic ones included."""
        body = self.data[("aws_iam_policy_document", name)]
        statements = list(body.get("statement", []))
        for dynamic in body.get("dynamic", []):
            generator = dynamic["statement"]
            statements += [
                {**block, "for_each": generator["for_each"]} for block in generator["content"]
            ]
        return statements


def _merge_blocks(into: dict[tuple[str, str], dict[str, Any]], blocks: list[Any]) -> None:
    for block in blocks:
        for kind, named in block.items():
            for name, body in named.items():
                key = (kind, name)
                assert key not in into, f"{kind}.{name} is declared twice"
                into[key] = body


def load_module(directory: Path = TERRAFORM_DIR) -> Module:
    resources: dict[tuple[str, str], dict[str, Any]] = {}
    data: dict[tuple[str, str], dict[str, Any]] = {}
    variables: dict[str, dict[str, Any]] = {}
    outputs: dict[str, dict[str, Any]] = {}
    local_values: dict[str, Any] = {}
    files: dict[str, str] = {}
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text()
        files[path.name] = text
        parsed = hcl2.loads(text, serialization_options=_OPTIONS)
        _merge_blocks(resources, parsed.get("resource", []))
        _merge_blocks(data, parsed.get("data", []))
        for block in parsed.get("variable", []):
            variables.update(block)
        for block in parsed.get("output", []):
            outputs.update(block)
        for block in parsed.get("locals", []):
            for key, value in block.items():
                if not key.startswith("__"):
                    assert key not in local_values, f"local.{key} is declared twice"
                    local_values[key] = value
    return Module(resources, data, variables, outputs, local_values, files)


def encoded(expression: str) -> Any:
    """The value of ``"${jsonencode({...})}"`` (a key policy, a redrive policy) as data, its
    references left as strings (``"${local.account_id}"``)."""
    prefix, suffix = "${jsonencode(", ")}"
    assert expression.startswith(prefix), expression[:60]
    assert expression.endswith(suffix), expression[-60:]
    inner = expression[len(prefix) : -len(suffix)]
    return hcl2.loads(f"value = {inner}", serialization_options=_OPTIONS)["value"]


def resource_refs(expression: object) -> set[str]:
    """``aws_x.name`` (and ``data.aws_x.name``) referenced anywhere in an expression."""
    return {f"{d or ''}{kind}.{name}" for d, kind, name in _RESOURCE_REF.findall(str(expression))}


def local_refs(expression: object) -> set[str]:
    return set(_LOCAL_REF.findall(str(expression)))


def var_refs(expression: object) -> set[str]:
    return set(_VAR_REF.findall(str(expression)))


def ref(expression: str) -> str:
    """The one reference in ``"${aws_s3_bucket.x.id}"``: ``aws_s3_bucket.x.id``."""
    match = re.fullmatch(r"\$\{([\w.\[\]\"-]+)\}", expression)
    assert match, f"expected a plain reference, got {expression!r}"
    return match.group(1)


def comments(block: dict[str, Any]) -> str:
    """The comments hcl2 attached to a block, joined."""
    found = [
        c["value"] for key in ("__comments__", "__inline_comments__") for c in block.get(key, [])
    ]
    return " ".join(found)


def object_attributes(type_expression: str) -> dict[str, str]:
    """Top-level attributes of ``object({a = T, b = optional(U)})``: ``{"a": "T", "b": ...}``."""
    text = type_expression.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    for wrapper in ("optional(", "list(", "set("):
        while text.startswith(wrapper):
            text = _strip_call(text)
    assert text.startswith("object({"), f"not an object type: {text[:60]}"
    body = text[len("object(") : _closing(text, len("object"))].strip()
    assert body.startswith("{"), body
    assert body.endswith("}"), body
    inner = body[1:-1]
    attributes: dict[str, str] = {}
    for part in _split_top_level(inner):
        name, _, value = part.partition("=")
        attributes[name.strip()] = value.strip()
    return attributes


def _strip_call(text: str) -> str:
    """``optional(X, default)`` / ``list(X)`` → ``X``."""
    open_at = text.index("(")
    body = text[open_at + 1 : _closing(text, open_at)]
    return _split_top_level(body)[0]


def _closing(text: str, open_at: int) -> int:
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] in "({[":
            depth += 1
        elif text[index] in ")}]":
            depth -= 1
            if depth == 0:
                return index
    raise AssertionError(f"unbalanced: {text}")


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts
