"""The demo's run with ShipCaptainCrew turned off, in its own module: the main demo's stack (a
module fixture in test_demo.py) is down before this one starts (moto's reset is per process)."""

from commands.demo import render_scc_off
from sandbox.demo import SCC_OFF_EMAILS, run, running_demo


def test_the_scc_off_run_publishes_everything_but_scc(tmp_path):
    with running_demo(scc=False) as running:
        assert running.settings.scc_base_url is None
        assert running.settings.scc_service_key is None
        report = run(running, tmp_path, SCC_OFF_EMAILS)

    assert [(o.outcome, o.booking) for o in report.outcomes] == [
        ("done", "boatsetter:xhqgmdh"),
        ("done", "boatsetter:xhqgmdh"),
    ]
    [booking] = report.bookings
    assert set(booking.steps) == {"calendar", "guest_page", "crew_page", "crew_email", "summary"}
    assert report.scc == []
    assert [r["status"] for r in report.calendar] == ["cancelled"]
    text = render_scc_off(report, tmp_path)
    assert "SHIPCAPTAINCREW SANDBOX holds 0 event(s): the worker never called it" in text
    assert "calendar=published  crew_email=published  crew_page=published" in text
