"""Property tests: on random catalogues small enough to enumerate, the solver's optimum equals brute force,
infeasible means brute force finds nothing, and every solver build passes the checker."""

from brute import brute_force
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import board, chassis, cpu, dimm, gpu, make_catalog, psu, request, rules, solve_checked


@st.composite
def instances(draw):
    positions = sorted(draw(st.sets(st.integers(1, 5), min_size=1, max_size=3)))
    slots = [
        {"position": p, "size": 16, "lanes": draw(st.sampled_from([4, 8, 16])), "gen": 4, "link": "cpu"}
        for p in positions
    ]
    cards = [
        gpu(
            f"g{i}",
            usd=draw(st.integers(50, 600)),
            memory_gb=draw(st.sampled_from([8, 12, 16, 24, 48])),
            tdp_w=draw(st.integers(75, 350)),
            width=draw(st.sampled_from([1, 2, 2.5, 3])),
            cooling=draw(st.sampled_from(["blower", "open-air"])),
            length_mm=draw(st.sampled_from([170, 267, 336])),
            power={"pcie_8pin": draw(st.integers(0, 3))},
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    units = [
        psu(
            f"p{i}",
            usd=draw(st.integers(50, 300)),
            watts=draw(st.sampled_from([850, 1300, 2000])),
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
            cooling_w=draw(st.sampled_from([800, 1500, 3000])),
        )
    ]
    entries = [board(slots=slots), cpu(), dimm(), *cases, *units, *cards]
    objective = draw(st.sampled_from(["vram", "cost"]))
    require = {"max_gpus": 3}
    if objective == "cost":
        require["min_vram_gb"] = draw(st.sampled_from([8, 24, 48]))
    req = request(budget_usd=draw(st.integers(1000, 6000)), objective=objective, require=require)
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
