"""Publisher throughput against the sandbox calendar, and the cost of composing one crew email.

Run by hand: ``.venv/bin/python bench/downstream.py``. Prints:
* calendar publishes (look-up + create, then update) over pooled HTTP to the sandbox, one thread
  and four threads: publishes/s and p50/p95 latency;
* composing a crew email (templates, .ics, MIME) and a summary: ms each and peak memory.
"""

import statistics
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test helpers' bookings

from bookings import default_fleet
from bookings.margin import MarginPolicy
from publishers.base import StepContext
from publishers.calendar import CalendarConfig, CalendarPublisher, calendar_api
from publishers.changes import CREW_FIELDS, changes
from publishers.crew_email import Notice, crew_view
from publishers.summary import SummaryPublisher, SummarySettings
from publishers.transport.http import JsonHttp
from publishers.transport.ics import invitation
from publishers.transport.mail import compose
from sandbox.calendar import CalendarSandbox
from sandbox.records_api import serving
from templates import environment
from tests.support.deliveries import MemoryDeliveryLog
from tests.support.publishing import booking, context, lifecycle

BOOKINGS = 300
EMAILS = 500


def calendar_run(threads: int) -> tuple[float, list[float]]:
    with serving(CalendarSandbox("t")) as server:
        http = JsonHttp()
        publisher = CalendarPublisher(
            calendar_api(CalendarConfig(base_url=server.base_url), token=lambda: "t", http=http)
        )
        ids = [f"{n:07d}" for n in range(BOOKINGS)]

        def one(n: str) -> float:
            state = booking(source="getmyboat", booking_id=n, key=f"getmyboat:{n}")
            started = time.perf_counter()
            done = publisher.publish(context(publisher, state))
            moved = state.model_copy(update={"end": state.end + timedelta(hours=1)})
            publisher.publish(context(publisher, moved, ids=done))
            return (time.perf_counter() - started) / 2

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            latencies = list(pool.map(one, ids))
        wall = time.perf_counter() - started
        assert len(server.records) == BOOKINGS
        http.close()
    return 2 * BOOKINGS / wall, latencies


def compose_crew_emails(trace: bool = False) -> tuple[float, int]:
    """ms per email; with ``trace``, also the peak traced memory (tracemalloc slows it down)."""
    fleet = default_fleet()
    new, modified, _ = lifecycle()
    crew = fleet.assign(modified)
    member = crew.everyone[1]
    env = environment()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    for _ in range(EMAILS):
        links = {"confirm": "https://l/crew/t/confirm", "decline": "https://l/crew/t/decline"}
        notice = Notice(
            member, "changed", tuple(changes(new, modified, CREW_FIELDS)), "https://j/crew/x.html"
        )
        view = crew_view(fleet, modified, crew, notice, links)
        view["manager"] = "manager@jada.example"
        ics = invitation(
            modified,
            summary="s",
            description="d",
            organizer="m@jada.example",
            attendee="alex@example.com",
            attendee_name="Alex",
            url=None,
        )
        compose(
            sender="crew@jada.example",
            to="alex@example.com",
            subject="s",
            text=env.get_template("crew_email.txt").render(m=view),
            html=env.get_template("crew_email.html").render(m=view),
        ).as_bytes()
        assert ics
    per = (time.perf_counter() - started) / EMAILS * 1000
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return per, peak


def render_summaries() -> float:
    publisher = SummaryPublisher(
        default_fleet(),
        MarginPolicy(),
        SummarySettings("a@jada.example", "m@jada.example", webhook_url="http://127.0.0.1:9"),
        MemoryDeliveryLog(),
    )
    new, modified, _ = lifecycle()
    ctx: StepContext = context(publisher, modified, previous=new)
    env = environment()
    started = time.perf_counter()
    for _ in range(EMAILS):
        view = publisher.view(ctx)
        env.get_template("summary.html").render(s=view)
        env.get_template("summary.txt").render(s=view)
    return (time.perf_counter() - started) / EMAILS * 1000


def main() -> None:
    for threads in (1, 4):
        rate, latencies = calendar_run(threads)
        cuts = statistics.quantiles(latencies, n=20)
        print(
            f"calendar, {threads} thread(s): {rate:.0f} publishes/s, "
            f"p50 {cuts[9] * 1000:.1f} ms, p95 {cuts[18] * 1000:.1f} ms ({2 * BOOKINGS} publishes)"
        )
    per, _ = compose_crew_emails()
    _, peak = compose_crew_emails(trace=True)
    print(
        f"crew email compose (templates + .ics + MIME): {per:.2f} ms each, "
        f"peak traced memory {peak / 1024:.0f} KiB over {EMAILS}"
    )
    print(f"summary render (view + HTML + text): {render_summaries():.2f} ms each")


if __name__ == "__main__":
    main()
