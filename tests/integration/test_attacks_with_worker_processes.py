"""Issue 18's attack scenarios 1 and 2 with real worker processes, as bench/attacks.py runs them
(the same functions, smaller): outsider mail never reaches the DLQ, never stops intake, and the
bookings behind it are published; none of the 7 forged notification shapes publishes a booking,
while genuine SES mail sent the same way is published verified.

``CHARTERHAND_ATTACKS_TREE=<older checkout>`` runs the worker processes from that tree instead
(the emails, stand-ins and counting stay this tree's): how these tests were seen to fail on the
code before the fixes.
"""

import os
from pathlib import Path

import pytest

from bench.attacks import EXTRA, SHAPES, forged, outsiders
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

TREE = Path(os.environ.get("CHARTERHAND_ATTACKS_TREE", ROOT)).resolve()


def test_outsider_mail_past_the_dlq_limit_stops_nothing_on_two_worker_processes(aws, tmp_path):
    """22 outsiders (a forged Boatsetter From, no SPF/DKIM/DMARC verdict from SES, MIME nested
    3,000 deep) ahead of 2 good bookings, on the default DLQ limit (20 within 300 s)."""
    result = outsiders(TREE, tmp_path, count=22, good=2, depth=3000, processes=2, seconds=60)
    assert result["dead_letters_of_outsiders"] == 0, result
    assert result["dead_letters_other"] == 0, result
    assert result["workers_that_stopped_intake"] == "0 of 2", result
    assert result["good_bookings_published"] == "2 of 2", result
    assert result["outcomes"] == {"ignored": 22, "done": 2}, result
    assert result.get("shared_record", {}).get("stopped") is False, result
    assert result.get("status_intake") == "intake: running", result


def test_no_forged_notification_shape_publishes_a_booking_on_worker_processes(aws, tmp_path):
    result = forged(TREE, tmp_path, processes=2, seconds=60)
    assert result["control_verified"] is True, result  # the pipeline does publish real mail
    assert result["published_as_verified"] == f"0 of {len(SHAPES)}", result
    assert result["published_at_all"] == f"0 of {len(SHAPES)}", result
    assert result["extra_published_as_verified"] == f"0 of {len(EXTRA)}", result
    assert result["dead_letters"] == 0, result
    assert result["outcomes"] == {"ignored": len(SHAPES) + len(EXTRA), "done": 1}, result
