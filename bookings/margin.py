"""The margin policy: what a charter leaves after crew, captain and the platform's fee."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from bookings.money import to_cents


class MarginPolicy(BaseModel):
    """Rates and fee; every one is configuration. Defaults are DESIGN.md's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    crew_hourly: Decimal = Field(default=Decimal("50"), ge=0, description="USD/h per crew member")
    crew_extra_hours: Decimal = Field(
        default=Decimal("2"), ge=0, description="paid hours beyond the charter (prep and clean-up)"
    )
    captain_hourly: Decimal = Field(default=Decimal("50"), ge=0, description="USD/h, charter only")
    platform_fee_rate: Decimal = Field(
        default=Decimal("0.18"), ge=0, le=1, description="share of gross the platform keeps"
    )

    def compute(
        self,
        gross: Decimal,
        hours: Decimal,
        *,
        crew_rates: list[Decimal | None] | None = None,
        captain_rate: Decimal | None = None,
    ) -> "Margin":
        """Margin for a charter of ``hours`` grossing ``gross``.

        ``crew_rates`` holds one entry per assigned crew member (``None`` = the policy's rate);
        by default one crew member at the policy's rate, as in DESIGN.md's worked example.
        """
        rates = [r if r is not None else self.crew_hourly for r in (crew_rates or [None])]
        crew_hours = hours + self.crew_extra_hours
        crew_cost = sum((to_cents(rate * crew_hours) for rate in rates), Decimal("0.00"))
        captain = to_cents(
            (captain_rate if captain_rate is not None else self.captain_hourly) * hours
        )
        fee = to_cents(gross * self.platform_fee_rate)
        net = to_cents(gross) - crew_cost - captain - fee
        return Margin(
            gross=to_cents(gross),
            hours=hours,
            crew_hours=crew_hours,
            crew_cost=crew_cost,
            captain_cost=captain,
            platform_fee=fee,
            net=net,
        )


class Margin(BaseModel):
    """The breakdown the booking manager reads."""

    model_config = ConfigDict(frozen=True)

    gross: Decimal
    hours: Decimal
    crew_hours: Decimal
    crew_cost: Decimal
    captain_cost: Decimal
    platform_fee: Decimal
    net: Decimal

    @property
    def net_percent(self) -> Decimal:
        """Net as a percentage of gross, one decimal (34.4 for the worked example)."""
        if self.gross == 0:
            return Decimal("0.0")
        return (self.net / self.gross * 100).quantize(Decimal("0.1"))
