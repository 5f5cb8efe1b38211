"""``python -m tests.deploy.recorded_cli ARGS``: the real ``charterhand ARGS`` with its AWS calls
recorded (``CHARTERHAND_TEST_AWS_CALLS``, as ``CHARTERHAND_TEST_PRINCIPAL``). Nothing else differs
from the command a person or ECS runs."""

import sys

from tests.deploy.aws_calls import install_from_env


def main() -> int:
    install_from_env()
    from commands.main import main as charterhand

    return charterhand(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
