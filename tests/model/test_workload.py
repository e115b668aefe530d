"""Workload rules: the model fits memory (layers per card), throughput objectives and requirements."""

from tiny import base_parts, dimm, gpu, make_catalog, request, rules, solve_checked

from planner.check.context import Ctx
from planner.check.workload import estimate_build

FAST = gpu("fast", usd=1000, memory_gb=24, bandwidth_gbs=1000, cooling="blower")
SLOW = gpu("slow", usd=300, memory_gb=24, bandwidth_gbs=300, cooling="blower")


def solved(entries, **req):
    cat = make_catalog(entries, with_models=True)
    r = request(**req)
    out = solve_checked(cat, r, rules())
    return cat, r, out


def test_decode_objective_picks_the_faster_card():
    _, _, out = solved(
        [*base_parts(), FAST, SLOW],
        workload={"model": "llama-2-7b", "quant": "q4_0"},
        objective=["decode", "cost"],
    )
    assert [g.id for g in out.builds[0].gpus] == ["fast"]


def test_cheapest_card_meeting_a_decode_target():
    cat, r, out = solved(
        [*base_parts(), FAST, SLOW],
        workload={"model": "llama-2-7b", "quant": "q4_0"},
        objective="cost",
        require={"min_decode_tokens_per_s": 40},
    )
    assert [g.id for g in out.builds[0].gpus] == ["slow"]
    est = estimate_build(Ctx(cat, r, rules(), out.builds[0]))
    assert est.decode_tokens_per_s >= 40
    _, _, out = solved(
        [*base_parts(), FAST, SLOW],
        workload={"model": "llama-2-7b", "quant": "q4_0"},
        objective="cost",
        require={"min_decode_tokens_per_s": 100},
    )
    assert [g.id for g in out.builds[0].gpus] == ["fast"]


def test_70b_needs_two_24gb_cards_and_layers_add_up():
    # min_gpus: with 64 GB of RAM a CPU-only build would otherwise be the cheapest way to run it.
    _, _, out = solved(
        [*base_parts(), SLOW],
        workload={"model": "llama-3-3-70b", "quant": "q4_k_m", "context": 4096},
        objective="cost",
        require={"min_gpus": 1},
    )
    b = out.builds[0]
    assert len(b.gpus) == 2
    assert sum(g.layers for g in b.gpus) == 80


def test_model_too_big_for_the_slots_is_infeasible():
    _, _, out = solved(
        [*base_parts(), SLOW],
        workload={"model": "llama-3-1-405b", "quant": "q4_k_m"},
        objective="cost",
        require={"min_gpus": 1},
    )
    assert out.status == "infeasible"


def test_cpu_only_build_keeps_layers_in_ram():
    big_dimm = dimm(size_gb=16)
    parts = [p for p in base_parts() if p["kind"] != "memory"] + [big_dimm]
    cat, r, out = solved(
        parts, workload={"model": "llama-2-7b", "quant": "q4_0"}, objective="cost", require={"max_gpus": 0}
    )
    b = out.builds[0]
    assert b.gpus == () and b.cpu_layers == 32
    est = estimate_build(Ctx(cat, r, rules(), b))
    assert est.fits and est.decode_tokens_per_s > 1


def test_throughput_objective_implies_the_model_fits():
    # model_fits: false would otherwise let the solver place no layers and call that "fast".
    _, _, out = solved(
        [*base_parts(), SLOW],
        workload={"model": "llama-3-3-70b", "quant": "q4_k_m"},
        objective="decode",
        require={"model_fits": False, "min_gpus": 1},
    )
    b = out.builds[0]
    assert sum(g.layers for g in b.gpus) + b.cpu_layers == 80
