"""Running cost: energy, cost per million tokens, tokens per joule, break-even, and the TCO objective."""

import pytest
from tiny import base_parts, gpu, make_catalog, request, rules, solve_checked

from planner.check.running import running_cost


def test_running_cost_arithmetic():
    req = request(
        site={
            "electricity_usd_per_kwh": 0.20,
            "duty_cycle": 0.5,
            "amortise_years": 2,
            "cloud_usd_per_hour": 1.0,
        }
    )
    rc = running_cost(req, cost_usd=3000, wall_w=1000, tokens_per_s=50)
    assert rc["energy_kwh_per_day"] == 12.0  # 1 kW x 12 h
    assert rc["energy_usd_per_day"] == 2.4
    # Hardware $3000 / 730.5 days + $2.40 energy, over 50 tok/s x 43 200 s = 2.16 M tokens a day.
    assert rc["usd_per_million_tokens"] == pytest.approx((3000 / 730.5 + 2.4) / 2.16, abs=1e-3)
    assert rc["tokens_per_joule"] == 0.05
    assert rc["break_even_hours"] == round(3000 / (1.0 - 0.2))


def test_no_electricity_price_no_running_cost():
    assert running_cost(request(), 3000, 1000, 50) is None


def test_cost_of_ownership_prefers_the_efficient_card():
    hungry = gpu("hungry", usd=500, memory_gb=24, tdp_w=350, cooling="blower")
    frugal = gpu("frugal", usd=700, memory_gb=24, tdp_w=150, cooling="blower")
    cat = make_catalog([*base_parts(), hungry, frugal])
    cheap = solve_checked(cat, request(objective="cost", require={"min_vram_gb": 24}), rules())
    assert [g.id for g in cheap.builds[0].gpus] == ["hungry"]
    # 200 W less at the wall (~222 W after the PSU) for 3 years at $0.30/kWh saves ~$1,750 > $200.
    tco = solve_checked(
        cat,
        request(
            objective="cost_of_ownership", require={"min_vram_gb": 24}, site={"electricity_usd_per_kwh": 0.30}
        ),
        rules(),
    )
    assert [g.id for g in tco.builds[0].gpus] == ["frugal"]


def test_cost_of_ownership_needs_an_electricity_price():
    with pytest.raises(ValueError, match="electricity_usd_per_kwh"):
        request(objective="cost_of_ownership")
