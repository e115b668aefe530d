"""The frontier: every point is a valid build, points are mutually non-dominated, and no build found by
brute force on a small catalogue dominates any of them."""

from brute import all_valid_points
from tiny import base_parts, gpu, make_catalog, request, rules

from planner.check import check_build
from planner.instance.resolve import resolve
from planner.solver.frontier import frontier
from planner.solver.solve import Params

CARDS = [
    gpu("a", usd=150, memory_gb=8, tdp_w=120, width=1, cooling="blower"),
    gpu("b", usd=300, memory_gb=16, tdp_w=200, cooling="blower"),
    gpu("c", usd=700, memory_gb=24, tdp_w=300, cooling="blower"),
    gpu("d", usd=1600, memory_gb=48, tdp_w=300, cooling="blower"),
]


def test_frontier_points_are_valid_non_dominated_and_undominated_by_brute_force():
    cat = make_catalog([*base_parts(), *CARDS])
    req = request(budget_usd=4000, require={"max_gpus": 3})
    r = rules(power={"max_psus": 2})
    objective, points = frontier(resolve(cat, req, r), points=8, params=Params(time_limit_s=60))
    assert objective == "vram" and len(points) >= 3
    for p in points:
        assert not check_build(p.build, cat, req, r)
        assert p.proven
    pairs = [(p.cost, p.value / 1024) for p in points]
    assert pairs == sorted(pairs) and len({c for c, _ in pairs}) == len(pairs)
    for i, (c, v) in enumerate(pairs):
        for j, (c2, v2) in enumerate(pairs):
            assert i == j or not (c2 <= c and v2 >= v)
    brute = all_valid_points(cat, req, r)
    for c, v in pairs:
        assert not any(bc <= c and bv >= v and (bc, bv) != (c, v) for bc, bv in brute), (c, v)
    # The ends: the cheapest valid build, and the most VRAM the budget buys.
    assert pairs[0][0] == min(bc for bc, _ in brute)
    assert pairs[-1][1] == max(bv for _, bv in brute)


def test_frontier_is_the_same_twice_whichever_lane_finishes_first():
    """Points are searched in lanes side by side; each lane is deterministic, so the frontier is too."""
    cat = make_catalog([*base_parts(), *CARDS])
    req = request(budget_usd=4000, require={"max_gpus": 3})
    r = rules(power={"max_psus": 2})
    runs = [frontier(resolve(cat, req, r), points=8, params=Params()) for _ in range(2)]
    first, second = ([(p.cost, p.value, p.build) for p in pts] for _, pts in runs)
    assert first == second
