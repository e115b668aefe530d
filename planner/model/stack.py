"""Stack rules: one runtime serves every card; mixed vendors and legacy cards only when the request
allows them; Vulkan wherever it serves every card and is faster (NVIDIA cards keep CUDA unless the build
needs Vulkan; the vendor's own runtime on a tie); tensor parallel only where the runtime does it."""

from __future__ import annotations

from typing import Any

from planner.data.stack import FALLBACK, needs_fallback, tensor_parallel, vendor_of
from planner.model.core import HARD_MAX_GPUS, BuildModel

CPU = "cpu"


def one_runtime(bm: BuildModel) -> None:
    """Exactly one runtime (CPU when there is no card), and every chosen card is served by it."""
    inst, m, g = bm.inst, bm.m, bm.gpus
    if not inst.serves and inst.gpus:
        return  # no runtime facts in this catalogue: nothing to decide
    apis = sorted({a for s in inst.serves.values() for a in s} | {CPU})
    rt = {a: m.NewBoolVar(f"runtime[{a}]") for a in apis}
    bm.runtime = rt
    m.AddExactlyOne(rt.values())
    m.Add(bm.gpu_count <= HARD_MAX_GPUS * (1 - rt[CPU]))
    for i, opt in enumerate(inst.gpus):
        serves = inst.serves.get(opt.id, {})
        m.Add(g.n[i] <= HARD_MAX_GPUS * sum(rt[a] for a in serves))
    req = inst.request.software
    if not req.legacy:
        old = [
            m.Add(g.n[i] <= HARD_MAX_GPUS * (1 - rt[a]))
            for i, opt in enumerate(inst.gpus)
            for a, s in inst.serves.get(opt.id, {}).items()
            if not s.maintained
        ]
        if old:
            bm.enforce("legacy", old, measure="legacy")
    used = _vendors(bm)
    if len(used) > 1 and not req.mixed_vendors:
        bm.enforce("mixed_vendors", [m.Add(sum(used.values()) <= 1)], measure="mixed_vendors")
    if FALLBACK in rt and inst.gpus:
        # Vulkan serves a one-vendor build too, where it is faster for the objective: llama.cpp's Vulkan
        # backend decodes about 40 % faster than ROCm on RDNA3 in the calibration runs. Forbidding it there
        # made the solver buy a card it gave no layers, only to make Vulkan "needed". Among builds equal on
        # every objective and on cost, the vendor's own runtime is the plainer choice.
        bm.exprs["plainness"] = bm.exprs.get("plainness", 0) + rt[FALLBACK]
        if not req.runtimes:
            # NVIDIA cards run CUDA unless the build needs Vulkan (other vendors beside them, or a card
            # CUDA no longer maintains): the calibrated Vulkan-over-CUDA decode gap on NVIDIA cards
            # (7-12 %) is within the cross-source error (decode median 14 % held out), so it is no reason
            # to switch runtime; listing vulkan in software.runtimes allows it.
            others = [lit for v, lit in used.items() if v != "nvidia"]
            needs = [
                g.n[i]
                for i, o in enumerate(inst.gpus)
                if vendor_of(o.entry) == "nvidia" and needs_fallback(inst.serves.get(o.id, {}))
            ]
            m.Add(rt[FALLBACK] <= sum(others) + sum(needs) + rt[CPU])


def _vendors(bm: BuildModel) -> dict[str, Any]:
    """A literal per vendor: some card of that vendor is in the build."""
    m, g = bm.m, bm.gpus
    by_vendor: dict[str, list[Any]] = {}
    for i, opt in enumerate(bm.inst.gpus):
        by_vendor.setdefault(vendor_of(opt.entry), []).append(g.n[i])
    out = {}
    for v, counts in sorted(by_vendor.items()):
        lit = m.NewBoolVar(f"vendor[{v}]")
        m.Add(sum(counts) >= 1).OnlyEnforceIf(lit)
        m.Add(sum(counts) == 0).OnlyEnforceIf(lit.Not())
        out[v] = lit
    return out


def tensor_on_runtime(bm: BuildModel) -> None:
    """A tensor-parallel option runs on the card's own runtime, and only where that runtime does tensor
    parallel for the backend; its coefficients were computed for that runtime."""
    inst, m = bm.inst, bm.m
    rt = bm.runtime
    if not bm.tensor or not rt or inst.request.workload is None:
        return
    backend = inst.request.workload.backend
    for (i, _n), y in bm.tensor.items():
        gid = inst.gpus[i].id
        api = inst.native.get(gid)
        if api in rt and api in inst.serves.get(gid, {}) and tensor_parallel(inst.catalog, api, backend):
            m.Add(y <= rt[api])
        else:
            m.Add(y == 0)
