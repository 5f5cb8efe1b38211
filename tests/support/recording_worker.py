"""``python -m tests.support.recording_worker [--once]``: the real ``charterhand worker`` command
with recording publishers (``CHARTERHAND_TEST_RECORD``, ``CHARTERHAND_TEST_FAULTS``) plugged in.

Everything else is the production path: settings from the environment, the parsers, the
orchestrator, SQS and DynamoDB on whatever ``AWS_ENDPOINT_URL`` names.
"""

import sys

from commands import worker
from commands.main import build_parser
from tests.support.recording import Recorder, recording_publishers


def main() -> int:
    args = build_parser().parse_args(["worker", *sys.argv[1:]])
    publishers = recording_publishers(Recorder.from_env())
    return worker.run(args, publishers=list(publishers))


if __name__ == "__main__":
    sys.exit(main())
