import io
import json

import structlog

from aws.logs import configure_logging, mask


def test_email_addresses_are_masked():
    assert mask("sender maya.t+jada@example.com refused") == "sender <email> refused"


def test_phone_numbers_are_masked():
    assert mask("call +1 (619) 555-0134 or 619.555.0134") == "call <phone> or <phone>"


def test_dates_ids_and_durations_are_kept():
    text = "boatsetter:xhqgmdh on 2027-05-30T10:00:00-07:00 took 1804007640 ms"
    assert mask(text) == text


def test_log_lines_are_json_with_contact_details_masked():
    out = io.StringIO()
    configure_logging("INFO", stream=out)
    try:
        structlog.get_logger().info("message settled", reason="not from maya@example.com")
    finally:
        structlog.reset_defaults()
    line = json.loads(out.getvalue())
    assert line["reason"] == "not from <email>"
    assert line["level"] == "info"
    assert line["event"] == "message settled"


def test_lines_below_the_level_are_dropped():
    out = io.StringIO()
    configure_logging("WARNING", stream=out)
    try:
        structlog.get_logger().info("chatter")
    finally:
        structlog.reset_defaults()
    assert out.getvalue() == ""
