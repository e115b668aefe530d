"""The link between cards: the model's times over the slowest link in use equal the checker's, layer
hops included; an NVLink bridge is bought only where tensor parallel gains from it, and only counts when
it joins two cards at its spacing."""

import pytest
from tiny import base_parts, board, gpu, make_catalog, request, rules, solve_checked

from planner.check.context import Ctx
from planner.check.links import card_devices
from planner.check.workload import check_workload, estimate_build
from planner.perf.links import slowest_link
from planner.schema.build import Build

TENSOR = {"model": "llama-2-7b", "quant": "awq-4bit-g128", "backend": "vllm", "split": "tensor", "context": 2048}
LAYER = {"model": "llama-2-7b", "quant": "q4_0", "context": 2048}
BRIDGE = {
    "kind": "bridge",
    "id": "bridge-a",
    "name": "test bridge",
    "vendor": "Test",
    "source": "test fixture",
    "generation": "nvlink-3",
    "fits": ["nvlink-test"],
    "slot_spacing": 2,
    "bandwidth_gbs": 56.25,
    "prices": [{"usd": 80, "date": "2025-01-01", "condition": "new"}],
}
SLOTS = {
    "fast": [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 3)],
    "narrow": [
        {"position": 1, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"},
        {"position": 3, "size": 16, "lanes": 4, "gen": 3, "link": "chipset"},
    ],
    "old": [{"position": p, "size": 16, "lanes": 8, "gen": 3, "link": "cpu"} for p in (1, 3)],
}


def _catalog(slots, *extra):
    parts = [p for p in base_parts() if p["kind"] != "board"]
    return make_catalog([*parts, board(slots=slots), *extra], with_models=True)


def _checker_times(cat, req, build):
    # At the band edge the request optimises (conservative by default), as the solver's coefficients.
    ctx = Ctx(cat, req, rules(), build)
    est = estimate_build(ctx)
    edge = req.workload.estimate
    return 1e9 / est.speed("decode", edge), 1e9 * req.workload.prompt / est.speed("prefill", edge)


@pytest.mark.parametrize("slots", list(SLOTS), ids=list(SLOTS))
@pytest.mark.parametrize("workload", [TENSOR, LAYER], ids=["tensor", "layer"])
def test_model_times_equal_the_checker_over_the_link_in_use(slots, workload):
    cat = _catalog(SLOTS[slots], gpu("card", usd=500))
    objective = ["decode", "prefill", "cost"]  # the model keeps link terms only for times something reads
    req = request(workload=workload, objective=objective, require={"min_gpus": 2, "max_gpus": 2})
    out = solve_checked(cat, req, rules())
    build, values = out.builds[0], out.values[0]
    decode, prefill = _checker_times(cat, req, build)
    # Link terms are rounded up; per-layer coefficients are rounded to the ns (32 layers here).
    assert prefill - 16 <= values["prefill"] <= prefill * (1 + 1e-6) + 20  # link rounding scales with bytes
    # A layer-split hop per decoded token is charged at the slowest link the board could give (a few
    # microseconds of 5 ms at most); tensor all-reduces are exact.
    slack = 10_000 if workload is LAYER else 0
    assert decode - 16 <= values["decode"] <= decode + 20 + slack


def test_bridge_is_bought_for_tensor_parallel_and_makes_it_faster():
    cat = _catalog(SLOTS["fast"], gpu("card", usd=500, nvlink="nvlink-test"), BRIDGE)
    objective = ["decode", "prefill", "cost"]
    req = request(workload=TENSOR, objective=objective, require={"min_gpus": 2, "max_gpus": 2})
    out = solve_checked(cat, req, rules())
    build = out.builds[0]
    assert [b.id for b in build.bridges] == ["bridge-a"]
    assert sorted(c.slot for c in build.gpu_cards()) == [1, 3]
    chips = [d for per in card_devices(Ctx(cat, req, rules(), build)) for d in per]
    assert slowest_link(chips).kind == "nvlink"
    bridged, prefill = _checker_times(cat, req, build)
    plain, _ = _checker_times(cat, req, build.model_copy(update={"bridges": ()}))
    assert bridged < plain
    assert bridged - 16 <= out.values[0]["decode"] <= bridged + 20
    assert prefill - 16 <= out.values[0]["prefill"] <= prefill + 20


def test_no_bridge_for_layer_split_or_cards_it_does_not_fit():
    cat = _catalog(SLOTS["fast"], gpu("card", usd=500, nvlink="nvlink-test"), BRIDGE)
    req = request(workload=LAYER, objective=["decode", "cost"], require={"min_gpus": 2, "max_gpus": 2})
    assert solve_checked(cat, req, rules()).builds[0].bridges == ()
    cat = _catalog(SLOTS["fast"], gpu("card", usd=500, nvlink="other"), BRIDGE)
    req = request(workload=TENSOR, objective=["decode", "cost"], require={"min_gpus": 2, "max_gpus": 2})
    assert solve_checked(cat, req, rules()).builds[0].bridges == ()


def _hand_build(positions, bridges=(("bridge-a", 1),)):
    return Build.model_validate(
        {
            "board": "board-a",
            "cpu": "cpu-a",
            "memory": {"id": "dimm-a", "count": 8},
            "chassis": "tower-a",
            "psus": [{"id": "psu-a"}],
            "gpus": [{"id": "card", "slot": q, "mount": "direct", "psu": 1} for q in positions],
            "bridges": [{"id": b, "count": n} for b, n in bridges],
        }
    )


def test_a_bridge_counts_only_between_cards_at_its_spacing():
    slots = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 3, 5)]
    cat = _catalog(slots, gpu("card", usd=500, nvlink="nvlink-test"), BRIDGE)
    req = request(workload=TENSOR, require={"min_gpus": 2})
    ok = Ctx(cat, req, rules(), _hand_build([1, 3]))
    assert slowest_link([d for per in card_devices(ok) for d in per]).kind == "nvlink"
    far = Ctx(cat, req, rules(), _hand_build([1, 5]))
    assert slowest_link([d for per in card_devices(far) for d in per]).kind == "pcie"
    from planner.check import check_build

    broken = [str(v) for v in check_build(far.build, cat, req, rules())]
    assert any(v.startswith("NVLink bridge: bridge-a joins no pair") for v in broken), broken
    assert not [v for v in check_build(ok.build, cat, req, rules()) if "NVLink" in str(v)]
    assert check_workload(ok) == []


def test_a_dual_gpu_card_without_a_switch_gets_half_its_slot_in_the_model_too():
    slots = [
        {"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu", "bifurcation": ["x8x8"]} for p in (1, 3)
    ]
    dual = gpu("dual", usd=900, memory_gb=24, gpus_per_card=2, requires_bifurcation=True)
    cat = _catalog(slots, dual)
    req = request(workload=LAYER, objective=["decode", "cost"], require={"min_gpus": 2, "max_gpus": 2})
    out = solve_checked(cat, req, rules())
    build = out.builds[0]
    chips = [d for per in card_devices(Ctx(cat, req, rules(), build)) for d in per]
    assert {(d.link_lanes, d.link_via) for d in chips} == {(8, "cpu")}
    decode, _ = _checker_times(cat, req, build)
    assert decode - 16 <= out.values[0]["decode"] <= decode + 20


def test_every_example_model_is_valid_without_integer_overflow():
    # The link terms are scaled as finely as int64 allows; CP-SAT's validator checks the bounds.
    from pathlib import Path

    from planner.api import load_problem
    from planner.instance.resolve import resolve
    from planner.model import build_model

    for path in sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml")):
        problem = load_problem(path)
        inst = resolve(problem.catalog, problem.request, problem.rules)
        for split in ("layer", "tensor"):
            assert build_model(inst, split).m.Validate() == "", (path.name, split)


@pytest.mark.parametrize(
    ("backend", "split", "splits"),
    [
        ("llama.cpp", "auto", ("layer",)),
        ("llama.cpp", "layer", ("layer",)),
        ("vllm", "auto", ("layer", "tensor")),
        ("vllm", "tensor", ("tensor",)),
    ],
)
def test_tensor_coefficients_only_where_the_request_may_split_tensor_parallel(backend, split, splits):
    # llama.cpp's auto is layer split: working out tensor-parallel times for it cost a third of resolve,
    # and let pruning keep options only the unused tensor search could want.
    from planner.instance.resolve import resolve

    quant = "awq-4bit-g128" if backend == "vllm" else "q4_0"
    workload = {"model": "llama-2-7b", "quant": quant, "backend": backend, "split": split, "context": 2048}
    cat = _catalog(SLOTS["fast"], gpu("card", usd=500))
    inst = resolve(cat, request(workload=workload, require={"max_gpus": 2}), rules())
    assert inst.request.workload.splits() == splits
    assert bool(inst.tensor) == ("tensor" in splits)


@pytest.mark.parametrize("example", ["seventy-b-2500.yaml", "budget.yaml"])
def test_a_vulkan_builds_hops_are_charged_at_vulkans_cost_not_the_dearest_runtimes(example):
    # Two AMD cards on llama.cpp's Vulkan backend: the model charged each layer-split hop at the dearest
    # runtime the cards could run (ROCm, whose fitted link share is far lower) at the slowest link in the
    # model, so its decode time read ~10 % slower than the checker's for the build it chose.
    from pathlib import Path

    from planner.data.catalog import load_catalog
    from planner.data.inputs import load_request, load_rules

    cat, rules_ = load_catalog(), load_rules()
    req = load_request(Path(__file__).parents[2] / "examples" / example, cat).request
    out = solve_checked(cat, req, rules_)
    build = out.builds[0]
    assert len(build.gpus) >= 2 and out.model.runtime, "the example no longer answers with a multi-card build"
    est = estimate_build(Ctx(cat, req, rules_, build))
    checker_ns = 1e9 / est.speed("decode", req.workload.estimate)
    assert out.values[0]["decode"] == pytest.approx(checker_ns, rel=0.02)
