"""Property tests: on random catalogues small enough to enumerate, the solver's optimum equals brute force,
infeasible means brute force finds nothing, and every solver build passes the checker. Cards may take a
power limit (an option of its own), passive cards need a fan wall or a shroud, open-air cards may sit
sandwiched once. They cover every pruning (dominated GPUs, platforms across boards, PSUs, chassis) and
the split of an instance into GPU builds and CPU-only builds."""

from brute import brute_force
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import accessory, board, chassis, cpu, dimm, gpu, make_catalog, psu, request, rules, solve_checked

from planner.instance.decompose import Part
from planner.instance.resolve import resolve
from planner.schema.rules import ConstraintFile
from planner.solver.engine import Budget, Params
from planner.solver.objectives import stages as solver_stages
from planner.solver.objectives import with_limit_stage
from planner.solver.search import PartSearch


def _slots(draw):
    positions = sorted(draw(st.sets(st.integers(1, 5), min_size=1, max_size=3)))
    return [
        {"position": p, "size": 16, "lanes": draw(st.sampled_from([4, 8, 16])), "gen": 4, "link": "cpu"}
        for p in positions
    ]


def _platforms(draw):
    """One or two boards (the second the same layout at another price, or a layout of its own) and one
    or two CPUs with few or many lanes: platform dominance across boards has something to prune."""
    slots = _slots(draw)
    boards = [board(usd=draw(st.integers(100, 500)), slots=slots)]
    if draw(st.booleans()):
        other = slots if draw(st.booleans()) else _slots(draw)
        boards.append(board("board-b", usd=draw(st.integers(100, 500)), slots=other))
    cpus = [
        cpu(
            f"cpu-{k}",
            usd=draw(st.integers(50, 400)),
            lanes=draw(st.sampled_from([16, 24, 128])),
            tdp_w=draw(st.sampled_from([65, 150, 280])),
        )
        for k in range(draw(st.integers(1, 2)))
    ]
    return boards, cpus


@st.composite
def instances(draw):
    boards, cpus = _platforms(draw)
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
    entries = [*boards, *cpus, dimm(), *cases, *units, *cards, *extras]
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
    # A user rule that caps one card: a card a rule selects must not stand in for another in pruning.
    user = []
    if len(cards) > 1 and draw(st.booleans()):
        cap = {"kind": "at_most", "name": "cap", "select": {"ids": ["g0"]}, "count": draw(st.integers(0, 1))}
        user.append(cap)
    return make_catalog(entries), req, ConstraintFile.model_validate({"rules": user}).rules


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_optimum_equals_brute_force(instance):
    cat, req, user = instance
    r = rules(power={"max_psus": 2}, rules=user)
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


@st.composite
def workloads(draw):
    """Tiny catalogues with a 7B model: CPU-only builds (enough RAM) compete with GPU builds."""
    boards, cpus = _platforms(draw)
    cards = [
        gpu(
            f"g{i}",
            usd=draw(st.integers(100, 900)),
            memory_gb=draw(st.sampled_from([4, 8, 16, 24])),
            bandwidth_gbs=draw(st.sampled_from([300, 900, 1800])),
            tdp_w=draw(st.integers(75, 350)),
            cooling="blower",
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    dimms = [dimm("dimm-a", usd=draw(st.integers(5, 60)), size_gb=draw(st.sampled_from([2, 4, 16])))]
    entries = [*boards, *cpus, *dimms, chassis(), psu(), *cards]
    objective = draw(st.sampled_from([["decode", "cost"], "cost"]))
    require = {"max_gpus": 2, "model_fits": True}
    if objective == "cost":
        require["min_decode_tokens_per_s"] = draw(st.sampled_from([5, 20, 60]))
    req = request(
        budget_usd=draw(st.integers(800, 4000)),
        workload={"model": "llama-2-7b", "quant": "q4_0", "context": 2048},
        objective=objective,
        require=require,
    )
    return make_catalog(entries, with_models=True), req


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(workloads())
def test_parts_give_the_optimum_of_the_whole(instance):
    """GPU builds and CPU-only builds searched apart (their platforms pruned apart) give the optimum
    of the whole instance searched at once without pruning, and builds that pass the checker."""
    cat, req = instance
    r = rules(memory={"min_ram_gb": 0})  # small DIMMs: CPU-only builds that fit or do not
    split = solve_checked(cat, req, r)
    inst = resolve(cat, req, r, prune=False)
    stages = with_limit_stage(inst, solver_stages(req.objectives()))
    whole = PartSearch(Part("all", inst), "layer", stages, Budget(Params())).first()
    if whole is None:
        assert split.status == "infeasible"
        return
    assert split.status == "optimal"
    assert [split.values[0][o] for o in stages] == [whole.values[o] for o in stages]
