"""Budget rule: cost within budget, owned parts free; feasible, infeasible and the objective."""

from tiny import base_parts, gpu, make_catalog, request, rules, solve_checked


def test_most_vram_within_budget_then_cheapest():
    # Platform 300+200+8x10+100+100 = 780. Two big cards fit the budget, three do not.
    cat = make_catalog(
        [*base_parts(), gpu("big", usd=1000, memory_gb=48), gpu("small", usd=300, memory_gb=16)]
    )
    out = solve_checked(cat, request(budget_usd=780 + 2000 + 300), rules())
    assert out.status == "optimal"
    cards = sorted(g.id for g in out.builds[0].gpus)
    assert cards == ["big", "big", "small"]
    assert out.values[0]["vram"] == (48 * 2 + 16) * 1024
    assert out.values[0]["cost"] == 780 + 2300


def test_budget_below_platform_is_infeasible():
    cat = make_catalog([*base_parts(), gpu("big", usd=1000)])
    out = solve_checked(cat, request(budget_usd=500), rules())
    assert out.status == "infeasible"
    assert out.builds == []


def test_owned_cards_cost_nothing_and_must_be_used():
    cat = make_catalog(
        [*base_parts(), gpu("big", usd=1000, memory_gb=48), gpu("small", usd=300, memory_gb=16)]
    )
    req = request(budget_usd=800, owned=[{"id": "small", "count": 2}])
    out = solve_checked(cat, req, rules())
    assert out.status == "optimal"
    assert sorted(g.id for g in out.builds[0].gpus) == ["small", "small"]
    assert out.values[0]["cost"] == 780


def test_owned_part_that_cannot_be_used_is_infeasible_unless_allowed():
    # The owned card is longer than the only chassis takes.
    cat = make_catalog([*base_parts(), gpu("long", usd=100, length_mm=400)])
    assert solve_checked(cat, request(owned=[{"id": "long"}]), rules()).status == "infeasible"
    out = solve_checked(cat, request(owned=[{"id": "long"}], allow_unused_owned=True), rules())
    assert out.status == "optimal"
    assert out.builds[0].gpus == ()
