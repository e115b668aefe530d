"""Explain an infeasible request: which user-facing rules conflict, and the smallest move of each that fixes it."""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from planner.instance.resolve import Instance
from planner.model import BuildModel, build_model


def _feasible(bm: BuildModel, assumptions: list[Any], seconds: float) -> tuple[int, cp_model.CpSolver]:
    m = bm.m
    m.ClearAssumptions()
    m.AddAssumptions(assumptions)
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.1, seconds)
    s.parameters.num_search_workers = 1
    return s.Solve(m), s


def conflict(bm: BuildModel, budget_s: float) -> list[str]:
    """A minimal set of guard names that together cannot hold (deletion-shrunk unsat core)."""
    names = list(bm.guards)
    status, s = _feasible(bm, [bm.guards[n] for n in names], budget_s)
    if status != cp_model.INFEASIBLE:
        return []
    core_idx = set(s.SufficientAssumptionsForInfeasibility())
    core = [n for n in names if bm.guards[n].Index() in core_idx] or names
    deadline = time.monotonic() + budget_s
    for n in list(core):
        if len(core) == 1 or time.monotonic() > deadline:
            break
        trial = [bm.guards[x] for x in core if x != n]
        st, _ = _feasible(bm, trial, max(0.2, (deadline - time.monotonic()) / max(1, len(core))))
        if st == cp_model.INFEASIBLE:
            core.remove(n)
    return core


def relax(inst: Instance, names: list[str], info: dict[str, Any], split: str, seconds: float) -> str | None:
    """Relax one rule (its guards), keep the rest, and say how far it must move; None if that is not enough."""
    bm = build_model(inst, split)
    m = bm.m
    for n, lit in bm.guards.items():
        m.Add(lit == (0 if n in names else 1))
    name = names[0]
    measure = info.get("measure")
    target = {
        "cost": ("cost", 1),
        "gpu_count": ("gpu_count", 1),
        "neg_gpu_count": ("gpu_count", -1),
        "neg_vram": ("vram_mb", -1),
        "time_decode": ("time_decode", 1),
        "time_prefill": ("time_prefill", 1),
        "time_batch": ("time_batch", 1),
        "wall": ("wall_mw", 1),
    }.get(str(measure))
    if target:
        expr = bm.exprs[target[0]]
        m.Minimize(expr if target[1] > 0 else -expr)
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = seconds
    s.parameters.num_search_workers = 1  # deterministic explanations
    status = s.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    req = inst.request
    v = int(s.Value(bm.exprs[target[0]])) if target else 0
    if measure == "cost":
        return f"raise the budget by ${v - req.budget_usd:,.0f} (to ${v:,.0f})"
    if measure == "gpu_count":
        return f"allow {v} GPUs (max_gpus is {req.require.max_gpus})"
    if measure == "neg_gpu_count":
        return f"accept {v} GPUs (min_gpus is {req.require.min_gpus})"
    if measure == "neg_vram":
        return f"lower min_vram_gb to {v / 1024:g} GB"
    if measure and str(measure).startswith("time_"):
        key = str(measure)[5:]
        scale = (
            req.workload.prompt
            if key == "prefill" and req.workload
            else (req.workload.batch if key == "batch" and req.workload else 1)
        )
        tps = scale * 1e9 / v if v else 0
        return f"lower min_{key}_tokens_per_s to {tps:.1f}"
    if measure == "wall":
        limit = sum(c.limit_w for c in inst.circuits)
        return f"give the site {v / 1000 - limit:,.0f} W more continuous capacity (another circuit, or 240 V)"
    if measure == "vendors":
        used = sorted(
            {
                o.entry.vendor
                for o, v in zip(inst.gpus, bm.gpus.n, strict=True)
                if s.Value(v) and o.entry.vendor.lower() not in {x.lower() for x in req.require.vendors}
            }
        )
        return f"allow {' and '.join(used)} GPUs"
    if measure == "chassis_kinds":
        kind = next(
            (h.entry.chassis_kind for h, c in zip(inst.chassis, bm.chassis, strict=True) if s.Value(c)),
            "a server barebone",
        )
        return f"allow {kind} enclosures"
    if measure == "legacy":
        return "allow legacy cards (software: {legacy: true})"
    if measure == "mixed_vendors":
        return "allow mixed vendors (software: {mixed_vendors: true}), run through llama.cpp on Vulkan"
    if measure == "noise":
        return "allow a louder machine (site: {noise: normal})"
    if measure == "fit":
        return "the model does not fit within the other rules: allow offload, a smaller quant or a shorter context"
    if measure == "owned":
        return f"leave the owned {info.get('part')} out (allow_unused_owned: true)"
    return f"drop the rule {name!r}"


def _families(bm: BuildModel) -> dict[str, list[str]]:
    """Guards grouped into the rules a user would move together (all wall-circuit guards are one)."""
    out: dict[str, list[str]] = {}
    for name, info in bm.guard_info.items():
        key = "wall" if info.get("measure") == "wall" else name
        out.setdefault(key, []).append(name)
    return out


def explain(inst: Instance, params: Any, seconds: float = 20.0) -> dict[str, Any]:
    """The rules that conflict and, for each, the smallest change that alone makes the request feasible.

    Each rule is relaxed in turn with every other rule enforced (fast: presolve sees fixed literals);
    when no single rule fixes it, a shrunk unsat core names the rules that conflict together.
    """
    split = "layer"
    bm = build_model(inst, split)
    families = _families(bm)
    if not families:
        return {
            "conflict": ["the physical rules alone admit no build from this catalogue"],
            "fixes": [],
            "rules": [],
        }
    per = max(0.5, seconds / (len(families) + 1))
    fixes, rules = [], []
    deadline = time.monotonic() + seconds
    # Rules that cannot fix it alone are refuted in a fraction of a second; the budget, whose
    # relaxation is an optimisation, goes last and gets the time they leave.
    order = sorted(families.items(), key=lambda kv: bm.guard_info[kv[1][0]].get("measure") == "cost")
    for k, (key, names) in enumerate(order):
        left = len(order) - k
        per = max(0.5, (deadline - time.monotonic()) / left)
        text = relax(inst, names, bm.guard_info[names[0]], split, per)
        if text:
            fixes.append(text)
            rules.append(key)
    if rules:
        return {"conflict": [_describe(inst, r) for r in rules], "fixes": fixes, "rules": rules}
    core = conflict(bm, per)
    if not core:
        return {
            "conflict": ["no single rule is to blame and no conflict was proven in time"],
            "fixes": [],
            "rules": [],
        }
    return {
        "conflict": [_describe(inst, n) for n in core],
        "fixes": ["no single rule fixes it alone: move several of these"],
        "rules": core,
    }


def _describe(inst: Instance, name: str) -> str:
    req = inst.request
    text = {
        "budget": f"budget ${req.budget_usd:,.0f}",
        "max_gpus": f"at most {req.require.max_gpus} GPUs",
        "min_gpus": f"at least {req.require.min_gpus} GPUs",
        "min_vram": f"at least {req.require.min_vram_gb:g} GB VRAM",
        "min_decode": f"at least {req.require.min_decode_tokens_per_s:g} decode tokens/s",
        "min_prefill": f"at least {req.require.min_prefill_tokens_per_s:g} prompt tokens/s",
        "min_batch": f"at least {req.require.min_batch_tokens_per_s:g} batched tokens/s",
        "model_fits": "the model must fit",
        "chassis_kinds": f"enclosures limited to {', '.join(req.chassis_kinds())}",
        "legacy": "no legacy cards (no maintained runtime supports them)",
        "mixed_vendors": "one GPU vendor per build",
        "noise": f"a {req.site.noise} machine",
        "vendors": f"GPUs only from {', '.join(req.require.vendors)}",
        "wall_total": "total power within the site's circuits",
        "wall": "power within the site's circuits",
    }
    if name.startswith("owned["):
        part = name[6:-1]
        n = next((o.count for o in req.owned if o.id == part), 0)
        return f"{n} x {part} owned, to be used"
    return text.get(name, name)
