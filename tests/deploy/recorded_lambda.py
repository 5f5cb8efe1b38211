"""``python -m tests.deploy.recorded_lambda < event.json``: the links API's real Lambda handler,
once, with its AWS calls recorded; prints the response as one JSON line. Like a cold start.

With ``CHARTERHAND_TEST_LAMBDA_TASK`` (the deployed zip, unpacked), the handler and the libraries
it imports must load from there: a zip that lacks one fails here, not on Lambda."""

import json
import os
import sys

from tests.deploy.aws_calls import install_from_env

#: the directory the deployed zip is unpacked into (Lambda's /var/task)
TASK_ENV = "CHARTERHAND_TEST_LAMBDA_TASK"
#: what the handler needs that the zip must carry (ours and the libraries with native code)
FROM_THE_ZIP = ("api", "aws", "bookings", "state", "templates", "pydantic_core", "bcrypt", "boto3")


def main() -> int:
    install_from_env()
    from api.lambda_function import handler

    answer = handler(json.loads(sys.stdin.read()), None)
    task = os.environ.get(TASK_ENV)
    if task:
        elsewhere = [
            name
            for name in FROM_THE_ZIP
            if not (getattr(sys.modules.get(name), "__file__", None) or "").startswith(task)
        ]
        if elsewhere:
            raise SystemExit(f"not loaded from the deployed zip {task}: {elsewhere}")
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
