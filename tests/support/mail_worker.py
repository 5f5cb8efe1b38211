"""``python -m tests.support.mail_worker [--once]``: the real ``charterhand worker`` with the real
crew email and summary publishers (SES wherever ``AWS_ENDPOINT_URL_SESV2`` points: moto, or the
``sandbox.ses`` stand-in in front of it) and recording publishers for the calendar, SCC and the
pages (``CHARTERHAND_TEST_RECORD``); the crew page's gives the url crew emails link to.
"""

import sys
from collections.abc import Mapping

from app.downstream import crew_links, email_publishers
from app.settings import load_settings
from commands import worker
from commands.main import build_parser
from publishers.base import Publisher, StepContext
from tests.support.recording import (
    Recorder,
    RecordingCalendar,
    RecordingCrewPage,
    RecordingGuestPage,
    RecordingScc,
)


class CrewPageWithUrl(RecordingCrewPage):
    def publish(self, ctx: StepContext) -> Mapping[str, str]:
        ids = super().publish(ctx)
        return {**ids, "url": f"https://site.example/crew/{ctx.booking.booking_id}.html"}


def main() -> int:
    args = build_parser().parse_args(["worker", *sys.argv[1:]])
    settings = load_settings(args.config)
    recorder = Recorder.from_env()
    publishers: list[Publisher] = [
        RecordingCalendar(recorder),
        RecordingScc(recorder),
        RecordingGuestPage(recorder),
        CrewPageWithUrl(recorder),
        *email_publishers(settings, crew_links(settings)),
    ]
    return worker.run(args, publishers=publishers)


if __name__ == "__main__":
    sys.exit(main())
