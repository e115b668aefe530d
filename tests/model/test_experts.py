"""Experts in system RAM (llama.cpp -ngl 99 -ot exps=CPU): one card holds every layer's dense part and the
KV cache, the platform's RAM the routed experts. The solver searches it beside layer split where offload is
allowed; the solver-free checker recomputes it from the build file alone."""

import pytest
import yaml
from tiny import board, chassis, cpu, dimm, gpu, make_catalog, psu, request, rules, solve_checked

from planner.check import check_build
from planner.check.context import Ctx
from planner.check.workload import estimate_build
from planner.report.buildfile import build_yaml
from planner.schema.build import Build

# Llama 4 Scout: 109 B total, 17 B active with a large shared expert, so the dense part a card holds is a
# big share of what each token reads; Q4_K_M is ~65 GB, far more than the one 16 GB card.
SCOUT = {"model": "llama-4-scout", "quant": "q4_k_m", "context": 4096}
ONE_SLOT = [{"position": 1, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"}]


def _catalog(slots=ONE_SLOT, memory_gb=16):
    # A CPU fast enough at matrix work that decode from RAM stays memory-bound (the fixture's 1 TFLOP/s
    # makes the host compute-bound, where no placement helps).
    host = cpu() | {"fp32_tflops": 4.0}
    parts = [board(slots=slots), host, dimm(size_gb=16), chassis(), psu()]
    return make_catalog([*parts, gpu("g", memory_gb=memory_gb, bandwidth_gbs=448)], with_models=True)


def _conservative_ns(cat, req, build):
    est = estimate_build(Ctx(cat, req, rules(), build))
    assert est is not None and est.fits
    return 1e9 / est.speed("decode", "conservative"), est


def test_experts_in_ram_is_the_only_build_that_meets_the_speed_and_the_checker_agrees():
    cat = _catalog()
    layer_only = solve_checked(cat, request(workload=SCOUT | {"offload": True}), rules(), split="layer")
    layer_ns, _ = _conservative_ns(cat, request(workload=SCOUT | {"offload": True}), layer_only.builds[0])
    need = 1.2e9 / layer_ns  # 20 % faster than the best layer offload
    req = request(workload=SCOUT | {"offload": True}, require={"min_decode_tokens_per_s": need})
    out = solve_checked(cat, req, rules())
    assert out.status == "optimal" and out.builds
    build = out.builds[0]
    assert build.offload == "experts" and build.cpu_layers == 0 and len(build.gpus) == 1
    ns, est = _conservative_ns(cat, req, build)
    assert est.offload == "experts"
    # The model's decode time is the checker's recomputation (each side rounded up to a nanosecond).
    assert out.values[0]["decode"] == pytest.approx(ns, abs=3)
    # A stricter request (no offload) has no build at all: the card cannot hold the model.
    strict = request(workload=SCOUT | {"offload": False}, require={"min_decode_tokens_per_s": need})
    assert solve_checked(cat, strict, rules()).status == "infeasible"


def test_an_experts_build_round_trips_through_its_build_file():
    cat = _catalog()
    req = request(workload=SCOUT | {"offload": True}, objective=["decode", "cost"])
    out = solve_checked(cat, req, rules(), split="experts")
    build = out.builds[0]
    doc = yaml.safe_load(build_yaml(build, req, "test.yaml"))
    assert doc["offload"] == "experts"
    again = Build.model_validate(doc)
    assert again == build.model_copy(update={"workload": req.workload, "site": again.site})
    assert not check_build(again, cat, req, rules())


def test_the_checker_refuses_experts_in_ram_where_the_request_or_the_model_has_no_room_for_it():
    cat = _catalog()
    build = solve_checked(cat, request(workload=SCOUT | {"offload": True}), rules(), split="experts").builds[0]
    no_offload = request(workload=SCOUT | {"offload": False})
    assert "offload" in {v.rule for v in check_build(build, cat, no_offload, rules())}
    dense = request(workload={"model": "llama-2-7b", "quant": "q4_0", "context": 2048, "offload": True})
    assert "offload" in {v.rule for v in check_build(build, cat, dense, rules())}
    both = build.model_copy(update={"cpu_layers": 4})
    assert "offload" in {v.rule for v in check_build(both, cat, request(workload=SCOUT | {"offload": True}), rules())}


def test_allowing_offload_never_loses_the_best_build():
    # Three slots of 24 GB cards hold Scout without offload; with offload allowed the layer and experts
    # searches add builds, and the fastest decode can only get better (or stay).
    slots = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 3, 5)]
    cat = _catalog(slots, memory_gb=24)
    best = {}
    for offload in (False, True):
        req = request(workload=SCOUT | {"offload": offload}, objective=["decode", "cost"])
        out = solve_checked(cat, req, rules())
        assert out.status == "optimal"
        best[offload] = out.values[0]["decode"]
    assert best[True] <= best[False]


@pytest.mark.parametrize(
    ("model", "quant", "kind", "batch"),
    [
        ("llama-4-scout", "q4_k_m", "ampere", 1),
        ("gpt-oss-120b", "mxfp4", "rdna3", 4),  # ROCm or Vulkan: the card's time on the build's runtime
        ("qwen3-30b-a3b", "q4_k_m", "ampere", 8),
    ],
)
def test_the_models_experts_times_are_the_checkers(model, quant, kind, batch):
    from tiny import GPU_KINDS

    host = cpu() | {"fp32_tflops": 4.0}
    card = gpu("g", memory_gb=16, bandwidth_gbs=448, **GPU_KINDS[kind])
    cat = make_catalog([board(slots=ONE_SLOT), host, dimm(size_gb=16), chassis(), psu(), card], with_models=True)
    wl = {"model": model, "quant": quant, "context": 4096, "batch": batch, "offload": True}
    req = request(workload=wl, objective=["batch_throughput" if batch > 1 else "decode", "cost"])
    out = solve_checked(cat, req, rules(), split="experts")
    assert out.status == "optimal" and out.builds[0].offload == "experts"
    est = estimate_build(Ctx(cat, req, rules(), out.builds[0]))
    assert est is not None and est.offload == "experts"
    values = out.values[0]
    assert values["decode"] == pytest.approx(1e9 / est.speed("decode", "conservative"), abs=3)
    assert values["batch_throughput"] == pytest.approx(1e9 * batch / est.speed("batch", "conservative"), abs=3)
