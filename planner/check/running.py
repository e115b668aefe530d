"""Running cost of a build: energy per day, cost per million tokens, tokens per joule, cloud break-even."""

from __future__ import annotations

from typing import Any

from planner.schema.request import Request


def running_cost(
    request: Request, cost_usd: float, wall_w: float, tokens_per_s: float | None
) -> dict[str, Any] | None:
    """Figures that need an electricity price; None without one.

    Energy counts the wall draw at load for duty_cycle of each day (idle draw is not counted). Cost per
    million tokens spreads the purchase over amortise_years of that duty and adds the energy.
    """
    site = request.site
    price = site.electricity_usd_per_kwh
    if price is None:
        return None
    hours_per_day = 24 * site.duty_cycle
    kwh_per_day = wall_w / 1000 * hours_per_day
    energy_per_day = kwh_per_day * price
    hardware_per_day = cost_usd / (site.amortise_years * 365.25)
    out: dict[str, Any] = {
        "basis": f"{wall_w:.0f} W at the wall for {hours_per_day:g} h a day at ${price:g}/kWh; purchase spread over "
        f"{site.amortise_years:g} years; idle draw not counted",
        "energy_kwh_per_day": round(kwh_per_day, 2),
        "energy_usd_per_day": round(energy_per_day, 2),
        "energy_usd_over_period": round(energy_per_day * site.amortise_years * 365.25, 0),
        "cost_of_ownership_usd": round(cost_usd + energy_per_day * site.amortise_years * 365.25, 0),
        "usd_per_million_tokens": None,
        "tokens_per_joule": None,
        "break_even_hours": None,
    }
    if tokens_per_s:
        tokens_per_day = tokens_per_s * 3600 * hours_per_day
        out["usd_per_million_tokens"] = round((hardware_per_day + energy_per_day) / tokens_per_day * 1e6, 3)
        out["tokens_per_joule"] = round(tokens_per_s / wall_w, 4) if wall_w else None
    if site.cloud_usd_per_hour:
        saving = site.cloud_usd_per_hour - wall_w / 1000 * price
        out["break_even_hours"] = round(cost_usd / saving, 0) if saving > 0 else None
    return out
