"""Property tests: on random catalogues small enough to enumerate, the solver's optimum equals brute force,
infeasible means brute force finds nothing, and every solver build passes the checker. Cards may take a
power limit (an option of its own), passive cards need a fan wall or a shroud, open-air cards may sit
sandwiched once."""

from brute import brute_force
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import accessory, board, chassis, cpu, dimm, gpu, make_catalog, psu, request, rules, solve_checked


@st.composite
def instances(draw):
    positions = sorted(draw(st.sets(st.integers(1, 5), min_size=1, max_size=3)))
    slots = [
        {"position": p, "size": 16, "lanes": draw(st.sampled_from([4, 8, 16])), "gen": 4, "link": "cpu"}
        for p in positions
    ]
    cards = []
    for i in range(draw(st.integers(1, 3))):
        tdp = draw(st.integers(75, 350))
        ranged = draw(st.booleans())
        cards.append(
            gpu(
                f"g{i}",
                usd=draw(st.integers(50, 600)),
                memory_gb=draw(st.sampled_from([8, 12, 16, 24, 48])),
                tdp_w=tdp,
                width=draw(st.sampled_from([1, 2, 2.5, 3])),
                cooling=draw(st.sampled_from(["blower", "open-air", "passive"])),
                length_mm=draw(st.sampled_from([170, 267, 336])),
                power={"pcie_8pin": draw(st.integers(0, 3))},
                **(
                    {"power_limit_range": {"min_w": tdp * 0.6, "max_w": tdp, "basis": "test"}}
                    if ranged
                    else {}
                ),
            )
        )
    extras = []
    if draw(st.sampled_from([True, True, False])):
        extras.append(accessory(usd=draw(st.integers(5, 60)), added_length_mm=draw(st.sampled_from([0, 60]))))
    units = [
        psu(
            f"p{i}",
            usd=draw(st.integers(50, 300)),
            watts=draw(st.sampled_from([500, 650, 850, 1300])),
            pcie_8pin=draw(st.integers(2, 8)),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    cases = [
        chassis(
            "case",
            expansion=draw(st.integers(4, 8)),
            max_len=draw(st.sampled_from([300, 340])),
            bays=draw(st.integers(1, 2)),
            cooling_w=draw(st.sampled_from([500, 1000, 2000])),
            passive=draw(st.sampled_from([False, False, True])),
        )
    ]
    entries = [board(slots=slots), cpu(), dimm(), *cases, *units, *cards, *extras]
    objective = draw(st.sampled_from(["vram", "cost"]))
    require = {"max_gpus": 3}
    if objective == "cost":
        require["min_vram_gb"] = draw(st.sampled_from([8, 24, 48]))
    limits = draw(
        st.sampled_from(
            [{"allow_power_limits": False}, {"power_limit_levels": [0.7]}, {"power_limit_levels": [0.6]}]
        )
    )
    req = request(budget_usd=draw(st.integers(1000, 6000)), objective=objective, require=require, **limits)
    return make_catalog(entries), req


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_optimum_equals_brute_force(instance):
    cat, req = instance
    r = rules(power={"max_psus": 2})
    truth = brute_force(cat, req, r)
    for prune in (False, True):
        _compare(solve_checked(cat, req, r, prune=prune), truth, req)


def _compare(out, truth, req):
    if truth is None:
        assert out.status == "infeasible"
        return
    assert out.status == "optimal"
    _, values = truth
    key = "vram" if req.objectives()[0] == "vram" else "cost"
    expected = values[key] * (1024 if key == "vram" else 1)
    assert out.values[0][key] == expected
    assert out.values[0]["cost"] == values["cost"]


@st.composite
def tight_power(draw):
    """Instances where PSUs, the circuit or the case's cooling bind, so power limits decide the optimum."""
    cards = []
    for i in range(draw(st.integers(1, 2))):
        tdp = draw(st.integers(150, 350))
        cards.append(
            gpu(
                f"g{i}",
                usd=draw(st.integers(50, 600)),
                memory_gb=draw(st.sampled_from([8, 16, 24])),
                tdp_w=tdp,
                width=1,
                cooling=draw(st.sampled_from(["blower", "liquid"])),
                power={"pcie_8pin": 1},
                power_limit_range={
                    "min_w": tdp * draw(st.sampled_from([0.5, 0.8])),
                    "max_w": tdp,
                    "basis": "test",
                },
            )
        )
    unit = psu("p0", watts=draw(st.sampled_from([500, 650, 800])), pcie_8pin=4)
    case = chassis("case", cooling_w=draw(st.sampled_from([400, 3000])))
    levels = draw(st.sampled_from([[0.7], [0.8, 0.6], [0.9, 0.5]]))
    req = request(budget_usd=6000, objective="vram", require={"max_gpus": 3}, power_limit_levels=levels)
    return make_catalog([board(), cpu(), dimm(), case, unit, *cards]), req


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(tight_power())
def test_power_limit_levels_match_brute_force(instance):
    cat, req = instance
    r = rules(power={"max_psus": 1})
    truth = brute_force(cat, req, r)
    _compare(solve_checked(cat, req, r), truth, req)
