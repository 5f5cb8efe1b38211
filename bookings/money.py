"""Money is Decimal, rounded half-up to the cent, never float."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """Round to the cent, half-up, the way an accountant would."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_usd(amount: Decimal) -> str:
    """``$1,234.50``; negative amounts as ``-$12.00``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(to_cents(amount)):,.2f}"
