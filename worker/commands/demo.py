"""``charterhand demo``: the whole pipeline locally, printing the links to open."""

import argparse
from datetime import timedelta
from decimal import Decimal

from bookings import MarginPolicy, default_fleet
from bookings.money import format_usd


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("demo", help="run the pipeline locally on the sample emails")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Until the pipeline lands: the embedded default fleet and the margin policy on it."""
    fleet = default_fleet()
    policy = MarginPolicy()
    for boat in fleet.boats:
        crew = ", ".join(fleet.person(c).name for c in boat.crew)
        captain = fleet.person(boat.captain).name if boat.captain else "-"
        print(f"{boat.name} ({boat.timezone}): captain {captain}; crew {crew}")
    margin = policy.compute(Decimal("840.75"), Decimal(timedelta(hours=3).seconds // 3600))
    print(
        f"3 h at {format_usd(margin.gross)}: crew {format_usd(margin.crew_cost)}, "
        f"captain {format_usd(margin.captain_cost)}, fee {format_usd(margin.platform_fee)}, "
        f"net {format_usd(margin.net)} ({margin.net_percent}%)"
    )
    return 0
