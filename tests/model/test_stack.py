"""Software stack rules: one runtime serves every card, mixed vendors and legacy cards only when allowed,
the vendor's own runtime over Vulkan on a tie, tensor parallel only where the runtime does it; checked by the checker."""

from tiny import base_parts, gpu, make_catalog, request, rules, solve_checked

from planner.check import check_build
from planner.data.stack import choose_stack
from planner.instance.resolve import resolve
from planner.model import build_model
from planner.schema.build import Build
from planner.solver.explain import explain
from planner.solver.solve import Params

AMPERE = gpu("amp", usd=400, memory_gb=24)


def amd(id, usd, memory_gb, architecture, gfx, rocm):
    software = {"rocm": rocm, "gfx_target": gfx, "cuda_supported": False}
    return gpu(id, usd=usd, memory_gb=memory_gb, vendor="AMD", architecture=architecture, software=software)


RDNA3 = amd("rdna3", 300, 24, "rdna3", "gfx1100", "supported")
GFX906 = amd("gfx906", 100, 16, "vega", "gfx906", "dropped")
KEPLER = gpu(
    "kepler",
    usd=50,
    memory_gb=12,
    architecture="kepler",
    software={"cuda_cc": "3.7", "cuda_supported": False},
)


def vram(entries, **req):
    cat = make_catalog([*base_parts(), *entries])
    r = request(objective="vram", require={"max_gpus": 3}, **req)
    return cat, r, solve_checked(cat, r, rules())


def vendors(cat, build):
    return sorted({cat.entries[g.id].vendor for g in build.gpus})


def test_one_vendor_unless_mixed_vendors_allowed():
    cat, _, out = vram([AMPERE, RDNA3])
    assert len(vendors(cat, out.builds[0])) == 1
    owned = [{"id": "amp"}, {"id": "rdna3"}]
    _, _, both = vram([AMPERE, RDNA3], owned=owned)
    assert both.status == "infeasible"
    cat, _, mixed = vram([AMPERE, RDNA3], owned=owned, software={"mixed_vendors": True})
    b = mixed.builds[0]
    assert vendors(cat, b) == ["AMD", "NVIDIA"] and b.runtime == "vulkan"


def test_legacy_cards_only_when_allowed():
    _, _, out = vram([KEPLER])
    assert out.builds[0].gpus == ()
    _, _, legacy = vram([KEPLER], software={"legacy": True})
    b = legacy.builds[0]
    assert {g.id for g in b.gpus} == {"kepler"} and b.runtime in ("cuda", "vulkan")


def test_a_card_whose_vendor_runtime_dropped_it_runs_on_vulkan():
    # gfx906 lost official ROCm support: without legacy it runs on Vulkan, with its newer sibling too.
    _, _, out = vram([GFX906, RDNA3], owned=[{"id": "gfx906"}, {"id": "rdna3"}])
    b = out.builds[0]
    assert {g.id for g in b.gpus} == {"gfx906", "rdna3"} and b.runtime == "vulkan"


def test_the_vendors_own_runtime_on_a_tie():
    # Vulkan may serve a one-vendor build (where it is faster); equal on every objective, the build keeps
    # its vendor's own runtime.
    _, _, out = vram([RDNA3])
    assert out.builds[0].runtime == "rocm"
    _, _, mixed_allowed = vram([AMPERE], software={"mixed_vendors": True})
    assert mixed_allowed.builds[0].runtime == "cuda"
    _, _, listed = vram([AMPERE], software={"runtimes": ["vulkan"]})
    assert listed.builds[0].runtime == "vulkan" and listed.builds[0].gpus


def test_checker_names_the_stack_rules():
    cat = make_catalog([*base_parts(), AMPERE, RDNA3, KEPLER])
    req = request()
    mixed = choose_stack(cat, req, [cat.entries["amp"], cat.entries["rdna3"]])
    assert any("mixed vendors" in p for p in mixed.problems)
    old = choose_stack(cat, req, [cat.entries["kepler"]])
    assert old.legacy and any("legacy" in p for p in old.problems)
    wrong = choose_stack(cat, req, [cat.entries["rdna3"]], runtime="cuda")
    assert any("does not serve" in p for p in wrong.problems)
    build = Build(board="board-a", cpu="cpu-a", chassis="tower-a", gpus=[{"id": "amp"}, {"id": "rdna3"}])
    violations = [str(v) for v in check_build(build, cat, req, rules())]
    assert any(v.startswith("software stack: mixed vendors") for v in violations)


def test_explanation_names_mixed_vendors_and_legacy():
    cat = make_catalog([*base_parts(), AMPERE, RDNA3, KEPLER])
    req = request(objective="vram", owned=[{"id": "kepler"}, {"id": "amp"}, {"id": "rdna3"}])
    inst = resolve(cat, req, rules())
    names = {g for g in build_model(inst).guards}
    assert {"legacy", "mixed_vendors"} <= names
    text = explain(inst, Params(time_limit_s=10, seed=1), seconds=10)
    assert "mixed_vendors" in text["rules"] or any("mixed vendors" in f for f in text["fixes"])


def test_tensor_parallel_only_where_the_runtime_does_it():
    cat = make_catalog([*base_parts(), gpu("arc", vendor="Intel", architecture="xe2-hpg", software={})])
    stack = choose_stack(cat, request(), [cat.entries["arc"]] * 2, split="tensor")
    assert not stack.tensor_parallel and any("tensor parallel" in p for p in stack.problems)
    cat = make_catalog([*base_parts(), AMPERE])
    assert choose_stack(cat, request(), [cat.entries["amp"]] * 2, split="tensor").tensor_parallel
