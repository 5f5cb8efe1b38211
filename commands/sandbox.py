"""``charterhand sandbox``: the sandbox calendar and SCC on 127.0.0.1, until interrupted.

Prints where they listen, the ``CHARTERHAND_*`` variables that point a worker at them, and how to
look at what they hold or make them fail.
"""

import argparse
import signal
import threading
from contextlib import suppress

from commands.command import Exit, SubParsers
from sandbox.downstream import running_downstream


def register(subparsers: SubParsers) -> None:
    parser = subparsers.add_parser(
        "sandbox", help="run the sandbox calendar and ShipCaptainCrew APIs locally"
    )
    parser.add_argument("--dashboard-token", help="token the calendar accepts (default: random)")
    parser.add_argument("--scc-key", help="service key SCC accepts (default: random)")
    parser.add_argument(
        "--for", dest="seconds", type=float, default=None, help="stop after this many seconds"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_downstream(args.dashboard_token, args.scc_key) as systems:
        print(f"calendar  {systems.calendar.base_url}/calendar", flush=True)
        print(f"scc       {systems.scc.base_url}/events", flush=True)
        print("\nPoint a worker at them:")
        for name, value in systems.settings_env().items():
            print(f"  export {name}={value}")
        print(
            "\nWhat they hold:  curl <base>/_sandbox/state"
            "\nMake them fail:  curl -X POST <base>/_sandbox/faults -d '{\"status\": 503}'"
            "\n                 curl -X POST <base>/_sandbox/faults -d '{\"hang_seconds\": 30}'"
            "\nCtrl-C to stop.",
            flush=True,
        )
        with suppress(KeyboardInterrupt):  # Ctrl-C: stop as cleanly as SIGTERM
            stop.wait(args.seconds)
    return Exit.OK
