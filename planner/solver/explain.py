"""Explain an infeasible request: which user-facing rules conflict, and the smallest move of each that fixes it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner.instance.resolve import Instance
from planner.model import BuildModel, build_model
from planner.solver.engine import Budget, Params, Solved, run


def _feasible(bm: BuildModel, assumptions: list[Any], budget: Budget, cap: float) -> Solved:
    m = bm.m
    m.ClearAssumptions()
    m.AddAssumptions(assumptions)
    return run(m, budget, cap=cap, stage="explaining")


def conflict(bm: BuildModel, budget: Budget) -> list[str]:
    """A minimal set of guard names that together cannot hold (deletion-shrunk unsat core)."""
    names = list(bm.guards)
    first = _feasible(bm, [bm.guards[n] for n in names], budget, budget.work_left / 2)
    if first.status != "infeasible":
        return []
    core_idx = set(first.solver.SufficientAssumptionsForInfeasibility())
    core = [n for n in names if bm.guards[n].Index() in core_idx] or names
    for n in list(core):
        if len(core) == 1 or budget.exhausted():
            break
        trial = [bm.guards[x] for x in core if x != n]
        if _feasible(bm, trial, budget, budget.work_left / max(1, len(core))).status == "infeasible":
            core.remove(n)
    return core


def relax(
    inst: Instance, names: list[str], info: dict[str, Any], split: str, budget: Budget, cap: float
) -> str | None:
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
    r = run(m, budget, cap=cap, stage=f"explaining: relaxing {name}")
    if not r.found:
        return None
    s = r.solver
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


def explain(
    inst: Instance,
    params: Params | None = None,
    budget: Budget | None = None,
    seconds: float | None = None,
) -> dict[str, Any]:
    """The rules that conflict and, for each, the smallest change that alone makes the request feasible.

    Each rule is relaxed in turn with every other rule enforced (fast: presolve sees fixed literals);
    when no single rule fixes it, a shrunk unsat core names the rules that conflict together. The
    search shares one deterministic budget, so the explanation is the same on any machine.
    """
    own = budget is None
    if seconds is not None:  # a wall-clock safety net of its own (callers that predate `effort`)
        params = replace(params or Params(), time_limit_s=seconds)
    budget = budget or Budget(params, "explaining")
    try:
        return _explain(inst, budget)
    except KeyboardInterrupt:
        budget.interrupt()
        return {"conflict": ["interrupted before a conflict was found"], "fixes": [], "rules": []}
    finally:
        if own:
            budget.close()


def _explain(inst: Instance, budget: Budget) -> dict[str, Any]:
    split = "layer"
    bm = build_model(inst, split)
    families = _families(bm)
    if not families:
        return {
            "conflict": ["the physical rules alone admit no build from this catalogue"],
            "fixes": [],
            "rules": [],
        }
    fixes, rules = [], []
    # Rules that cannot fix it alone are refuted with little work; the budget, whose relaxation is an
    # optimisation, goes last and gets the work they leave (equal shares of what is left, the core
    # search included).
    order = sorted(families.items(), key=lambda kv: bm.guard_info[kv[1][0]].get("measure") == "cost")
    for k, (key, names) in enumerate(order):
        share = budget.work_left / (len(order) - k + 1)
        text = relax(inst, names, bm.guard_info[names[0]], split, budget, share)
        if text:
            fixes.append(text)
            rules.append(key)
    if rules:
        return {"conflict": [_describe(inst, r) for r in rules], "fixes": fixes, "rules": rules}
    core = conflict(bm, budget)
    if not core:
        limit = budget.limit_hit or "deterministic"
        why = "interrupted" if budget.interrupted else f"the search limit was reached ({limit})"
        return {
            "conflict": [f"no single rule is to blame and no conflict was proven: {why}"],
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
