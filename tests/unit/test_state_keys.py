"""The state table's key layout: built in ``state.keys`` only, as docs/contracts.md lays it out."""

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from state import keys
from tests.support.paths import ROOT

#: our source outside the table's owner (tests build items by hand to check the layout: not here)
SOURCE_DIRS = (
    *("aws", "bookings", "parsers", "publishers", "templates", "worker", "app", "ops"),
    *("commands", "api", "sandbox", "bench", "infra"),
)
PREFIXES = (
    keys.BOOKING,
    keys.ANSWER,
    keys.PHOTOS,
    keys.ARRIVED,
    keys.TOKEN,
    keys.REVOKED,
    keys.DELIVERY,
    keys.SES_EVENT,
    keys.FORWARDING,
    keys.INTAKE,
    keys.AUDIT,
)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _key_attribute_uses(tree: ast.AST) -> set[int]:
    """``"pk"`` / ``"sk"`` literals used as an item's attribute: a dict key, or a subscript."""
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            used |= {id(k) for k in node.keys if k is not None}
        elif isinstance(node, ast.Subscript):
            used.add(id(node.slice))
    return used


#: a key attribute named in an expression: ``pk = :pk``, ``attribute_not_exists(pk)``, ``pk, x``
KEY_IN_EXPRESSION = re.compile(r"\b(pk|sk)\s*[=,)]")


def hand_built_keys(source: str) -> list[str]:
    """String literals in ``source`` (docstrings aside) that name a key prefix, or a key
    attribute as an item's field or in an expression (a bare ``"sk"``, Slovak, is fine)."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    attributes = _key_attribute_uses(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and (
            any(p in node.value for p in PREFIXES)
            or KEY_IN_EXPRESSION.search(node.value)
            or (node.value in (keys.PK, keys.SK) and id(node) in attributes)
        )
    ]


def test_no_module_outside_state_builds_a_key():
    offenders = {
        path.relative_to(ROOT).as_posix(): found
        for folder in SOURCE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (found := hand_built_keys(path.read_text()))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        'key = {"pk": {"S": "x"}}',
        'pk = f"booking#{key}"',
        'prefix = "answer#"',
        'def f(t):\n    """Docs."""\n    return "sesmail#" + t',
        'KeyConditionExpression = "pk = :pk AND begins_with(sk, :answer)"',
        'ConditionExpression = "attribute_not_exists(pk)"',
        'booking = item["pk"]["S"]',
    ],
)
def test_the_check_finds_a_key_built_by_hand(source):
    assert hand_built_keys(source)


def test_the_check_lets_docstrings_and_other_strings_be():
    source = '"""Items: ``booking#<key>`` / ``state``."""\nname = "booking"\nlang = {"x": "sk"}\n'
    assert hand_built_keys(source) == []


def test_each_item_kind_keeps_its_documented_key():
    window = datetime(2027, 3, 2, 14, tzinfo=UTC)
    assert {
        "state": keys.state_key("k"),
        "answer": keys.answer_key("k", "sam"),
        "photos": keys.photo_quota_key("k", window),
        "token": keys.token_key("0123"),
        "delivery": keys.delivery_key(keys.first_send(keys.crew_email_lane("k", "sam"), [])),
        "ses event": keys.ses_event_key("t", "m-1", "Send"),
        "confirmation": keys.confirmation_key("ses-1"),
        "dlq limit": keys.intake_key(),
        "feed": keys.feed_key("Jada", "getmyboat"),
        "finding": keys.finding_key("missed-booking|Jada|getmyboat||a/b"),
    } == {
        "state": {"pk": {"S": "booking#k"}, "sk": {"S": "state"}},
        "answer": {"pk": {"S": "booking#k"}, "sk": {"S": "answer#sam"}},
        "photos": {"pk": {"S": "booking#k"}, "sk": {"S": "photos#2027030214"}},
        "token": {"pk": {"S": "token#0123"}, "sk": {"S": "token"}},
        "delivery": {"pk": {"S": "delivery#crew-email:k:sam"}, "sk": {"S": "new"}},
        "ses event": {"pk": {"S": "sesmail#t"}, "sk": {"S": "m-1#Send"}},
        "confirmation": {"pk": {"S": "forwarding#ses-1"}, "sk": {"S": "confirmation"}},
        "dlq limit": {"pk": {"S": "intake#dlq-limit"}, "sk": {"S": "intake"}},
        "feed": {"pk": {"S": "audit#Jada:getmyboat"}, "sk": {"S": "feed"}},
        "finding": {
            "pk": {"S": "audit#findings"},
            "sk": {"S": "missed-booking|Jada|getmyboat||a/b"},
        },
    }


def test_keys_read_back_what_they_name():
    assert keys.booking_key_of(keys.state_key("a#b")["pk"]["S"]) == "a#b"
    assert keys.crew_id_of(keys.answer_key("k", "sam")["sk"]["S"]) == "sam"
    assert keys.email_id_of(keys.confirmation_key("ses-1")["pk"]["S"]) == "ses-1"


def test_a_send_tag_is_hex_and_names_no_address():
    tag = keys.send_key(keys.crew_email_lane("k", "sam"), "changed", "ses-1", "h").tag
    assert len(tag) == 64
    assert set(tag) <= set("0123456789abcdef")
    assert keys.ses_events_pk(tag) == f"sesmail#{tag}"


def test_the_table_owners_modules_would_fail_the_check():
    """The check reads real code: ``state/`` itself, where keys are built, would fail it."""
    found = hand_built_keys((ROOT / "state" / "keys.py").read_text())
    assert set(found) >= set(PREFIXES)


def test_every_source_folder_exists():
    assert all((ROOT / folder).is_dir() for folder in SOURCE_DIRS), Path(ROOT)


def test_an_email_is_keyed_by_booking_recipient_and_kind():
    lane = keys.crew_email_lane("boatsetter:xhqgmdh", "sam")
    assert keys.first_send(lane, []) == keys.SendKey(lane, "new")
    assert keys.summary_lane("boatsetter:xhqgmdh") == "summary:boatsetter:xhqgmdh:manager"
    assert keys.confirmation_send("ses-1").name == "forwarding-confirmation:ses-1:manager:link"


def test_two_different_changes_are_two_keys_and_the_same_change_is_one():
    lane = keys.crew_email_lane("k", "sam")
    one = keys.send_key(lane, "changed", "ses-1", "h1")
    assert one == keys.send_key(lane, "changed", "ses-1", "h1")
    assert one != keys.send_key(lane, "changed", "ses-1", "h2")  # other content
    assert one != keys.send_key(lane, "changed", "ses-2", "h1")  # follows another message
    assert one.what.startswith("changed:")


def test_new_goes_once_per_round_of_the_member_on_the_crew():
    lane = keys.crew_email_lane("k", "sam")
    removal = keys.send_key(lane, keys.REMOVAL, "ses-1").what
    assert keys.first_send(lane, ["new", "changed:ab"]).what == "new"
    assert keys.first_send(lane, ["new", removal]).what == "new:1"


def test_a_steps_idempotency_key_names_booking_step_and_input():
    assert keys.step_idempotency_key("boatsetter:x", "calendar", "ab12") == (
        "boatsetter:x:calendar:ab12"
    )
