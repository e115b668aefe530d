"""Allowing more never gives a worse answer: loosening one thing of a request, its rules or its catalogue
never makes the whole planner's optimum worse by the request's own objectives, nor takes away the only
build; tightening never improves it (tests/monotone.py draws the worlds and the changes). Then the bugs
the property found, each as a plain case."""

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from monotone import RELAXATIONS, describe, draw_case, judge
from tiny import (
    board,
    breakout,
    chassis,
    cpu,
    dimm,
    gpu,
    make_catalog,
    psu,
    request,
    riser,
    rules,
    solve_checked,
    system,
)

from planner.api import Problem, candidates
from planner.check import check_build
from planner.schema.build import Build
from planner.solver.solve import Params

# One worker and a fixed seed: the same request gives the same answer. The limit is a safety net only;
# pairs not proven optimal on both sides are not compared.
PARAMS = Params(time_limit_s=30, workers=1, seed=0)
EXAMPLES = 12  # per kind of change: 18 kinds, about 0.1 s per pair on the 2-core machine


@pytest.mark.parametrize("kind", sorted(RELAXATIONS))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(rnd=st.randoms(use_true_random=False))
def test_loosening_never_worsens_the_optimum(kind, rnd):
    case = draw_case(rnd, PARAMS, kind)
    assume(case is not None)
    kind, tight, loose, direction = case  # type: ignore[misc]
    verdict = judge(kind, tight, loose, direction, PARAMS)
    assert verdict.outcome != "violation", f"{kind} ({direction}): {describe(tight, loose)}\n{verdict.detail}"


def test_the_property_can_fail():
    """A pair in the wrong order (the looser world as the tight one) is reported as a violation."""
    rnd = random.Random(3)
    for _ in range(50):
        case = draw_case(rnd, PARAMS, "budget")
        if case is None:
            continue
        _, tight, loose, direction = case
        if judge("budget", loose, tight, direction, PARAMS).outcome == "violation":
            return
    pytest.fail("swapping tight and loose never showed a violation: the comparison cannot fail")


# ---- what the property found ---------------------------------------------------------------------


def _best(cat, req, r=None):
    found = candidates(Problem(cat, req, r or rules()), PARAMS)
    return found.status, (found.ranked[0] if found.ranked else None)


def test_offload_allows_a_whole_system_that_fits():
    """`offload: true` allows layers in system RAM, it does not require them: a unified-memory system that
    holds the model qualifies with or without it (it was refused: 'offload layers needs a host')."""
    cat = make_catalog([*_plain_platform(), system("box", usd=1500)], with_models=True)
    for offload in (False, True):
        req = request(budget_usd=3000, workload={"model": "qwen2-5-14b", "offload": offload}, objective="decode")
        assert not check_build(Build(system="box"), cat, req, rules())
        status, best = _best(cat, req)
        assert status == "optimal" and best[0].system == "box"


def _plain_platform():
    return [board(), cpu(), dimm(), chassis(), psu()]


def test_a_cheaper_chassis_with_fewer_psu_bays_does_not_hide_the_roomier_one():
    """Dominance pruning compared chassis without their PSU bays: a cheaper one-bay tower replaced the
    two-bay one, and three 450 W cards (two ATX PSUs) no longer fitted."""
    cards = [gpu("hot", usd=500, tdp_w=450, power={"pcie_8pin": 3})]
    base = [board(), cpu(), dimm(), psu("p1000", usd=100, watts=1000), *cards, chassis("two", usd=150, bays=2)]
    req = request(budget_usd=5000, objective="vram", require={"max_gpus": 3})
    alone = solve_checked(make_catalog(base), req, rules())
    more = solve_checked(make_catalog([*base, chassis("one", usd=100, bays=1)]), req, rules())
    assert alone.values[0]["vram"] == more.values[0]["vram"] == 2 * 24 * 1024


def test_each_breakout_that_fits_is_an_option():
    """A server PSU came with the cheapest breakout that takes it, whatever its leads: adding a cheaper
    two-lead breakout to the catalogue made the same build dearer (one more PSU)."""
    cards = [gpu("card", usd=300, tdp_w=300, power={"pcie_8pin": 2})]
    base = [
        board(),
        cpu(),
        dimm(),
        psu("atx", usd=100, watts=850, pcie_8pin=2),
        psu("srv", usd=30, watts=2000, form="server", family="srv"),
        chassis("frame", kind="open-frame", risers=8, expansion=0),
        breakout("brk-12", usd=30, six_pin=12),
        *cards,
    ]
    base.append(riser())
    req = request(budget_usd=5000, objective="vram", require={"max_gpus": 4})
    alone = solve_checked(make_catalog(base), req, rules())
    more = solve_checked(make_catalog([*base, breakout("brk-2", usd=20, six_pin=2)]), req, rules())
    assert alone.values[0]["vram"] == more.values[0]["vram"]
    assert more.values[0]["cost"] <= alone.values[0]["cost"]


def test_a_cheaper_cpu_with_fewer_core_dies_does_not_hide_the_faster_one():
    """CPUs were compared by raw figures (memory speed, cores, FP32) while the throughput model also reads
    their core dies: a cheaper two-CCD EPYC pruned the eight-CCD one and CPU-only decode fell 40 %."""

    def epyc(id, usd, ccds):
        return {**cpu(id, usd=usd), "ccds": ccds}

    base = [board(), dimm(size_gb=32), chassis(), psu(), epyc("eight-ccd", 300, 8)]
    req = request(workload={"model": "qwen2-5-14b"}, objective="decode", require={"max_gpus": 0})
    alone = solve_checked(make_catalog(base, with_models=True), req, rules())
    more = solve_checked(make_catalog([*base, epyc("two-ccd", 200, 2)], with_models=True), req, rules())
    assert more.builds[0].cpu == "eight-ccd"
    assert more.values[0]["decode"] == alone.values[0]["decode"]


def test_a_faster_dearer_riser_in_the_catalogue_does_not_make_the_build_dearer():
    """Each slot generation had one riser (the cheapest rated for it): adding a $50 Gen4 ribbon replaced
    the $10 Gen3 one on every Gen4 slot although layer split gains nothing from it. Each riser mount now
    picks among the risers that serve it, and its link runs at the generation that riser holds."""
    frame = chassis("frame", kind="open-frame", risers=8, expansion=0)
    base = [board(), cpu(), dimm(), psu(watts=2000, pcie_8pin=8), frame, riser("gen3", usd=10, gen=3, length_mm=150)]
    base.append(gpu("card", usd=300, tdp_w=200, power={"pcie_8pin": 1}))
    req = request(objective="vram", require={"max_gpus": 3})
    alone = solve_checked(make_catalog(base), req, rules())
    more = solve_checked(make_catalog([*base, riser("gen4", usd=50, gen=4, length_mm=150)]), req, rules())
    assert more.values[0]["vram"] == alone.values[0]["vram"] and more.values[0]["cost"] == alone.values[0]["cost"]
    assert {c.riser for c in more.builds[0].gpus} == {"gen3"}


def test_the_link_runs_at_the_generation_the_named_riser_holds():
    from planner.check.context import Ctx
    from planner.check.links import slot_links
    from planner.schema.build import GpuUse, PartCount, PsuUse

    frame = chassis("frame", kind="open-frame", risers=8, expansion=0)
    cat = make_catalog([board(), cpu(), dimm(), psu(), frame, gpu("card"), riser("gen3", gen=3, length_mm=150)])
    cards = (GpuUse(id="card", slot=1, mount="riser", riser="gen3", psu=1),)
    build = Build(
        board="board-a", cpu="cpu-a", memory=PartCount(id="dimm-a", count=8), chassis="frame", gpus=cards,
        psus=(PsuUse(id="psu-a"),), risers=(PartCount(id="gen3"),),
    )
    assert not check_build(build, cat, request(), rules())
    assert [link.gen for link in slot_links(Ctx(cat, request(), rules(), build))] == [3]  # the slot is Gen4
    unnamed = build.model_copy(update={"gpus": (cards[0].model_copy(update={"riser": None}),)})
    assert [link.gen for link in slot_links(Ctx(cat, request(), rules(), unnamed))] == [4]
    twice = build.model_copy(update={"gpus": (*cards, cards[0].model_copy(update={"slot": 3}))})
    assert any("hang on gen3" in str(v) for v in check_build(twice, cat, request(), rules()))


def test_an_owned_part_not_sold_in_the_allowed_markets_is_not_free_in_numbers():
    """Owning one card that is only sold used, with the request buying new only, gave every further card
    of it for nothing (its missing price counted as $0): tightening the markets raised the VRAM found."""
    card = {**gpu("card", usd=500, cooling="blower"), "prices": [{"usd": 500, "date": "2025-01-01", "condition": "used"}]}
    cat = make_catalog([board(), cpu(), dimm(), chassis(), psu(), card])
    found = {}
    for markets in (["new", "used"], ["new"]):
        req = request(budget_usd=2000, objective="vram", owned=[{"id": "card"}], require={"max_gpus": 3, "condition": markets})
        found[len(markets)] = solve_checked(cat, req, rules()).values[0]["vram"]
    assert found[1] == 24 * 1024 <= found[2]
