"""``python -m tests.deploy.recorded_lambda < event.json``: the links API's real Lambda handler,
once, with its AWS calls recorded; prints the response as one JSON line. Like a cold start."""

import json
import sys

from tests.deploy.aws_calls import install_from_env


def main() -> int:
    install_from_env()
    from api.lambda_function import handler

    print(json.dumps(handler(json.loads(sys.stdin.read()), None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
