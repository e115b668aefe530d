"""Advice beside an answer: the nearest setups a model would fit (estimate), and what the next step up
would buy (solve again with the first binding limit moved one step)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from planner import perf
from planner.schema.request import Request
from planner.schema.result import BuildResult, Result

if TYPE_CHECKING:
    from planner.api import Problem


def would_fit(devices: list[Any], wl: Any, host: Any, est: Any, quants: Sequence[Any]) -> list[str]:
    """The longest context at this quant, the largest smaller quant, and the fewest cards that fit."""
    out = []
    asked = wl.context_tokens
    if 0 < est.max_context < asked:
        out.append(f"context {est.max_context:,} tokens (asked {asked:,}) at {wl.quant.id}")
    smaller = sorted(
        (q for q in quants if q.bits_per_weight < wl.quant.bits_per_weight and wl.backend in q.backends),
        key=lambda q: -q.bits_per_weight,
    )
    for q in smaller:
        if perf.estimate(devices, replace(wl, quant=q), host).fits:
            out.append(f"quant {q.id} ({q.bits_per_weight:g} bits/weight) at {asked:,} tokens")
            break
    if devices and all(d.kind == "gpu" and d.id == devices[0].id for d in devices):
        for n in range(len(devices) + 1, 17):
            if perf.estimate([devices[0]] * n, wl, host).fits:
                out.append(f"{n} x {devices[0].name} at {wl.quant.id}")
                break
    return out


UNITS = {
    "decode": ("decode", "tok/s"),
    "prefill": ("prompt", "tok/s"),
    "batch_throughput": ("batched", "tok/s"),
    "vram": ("VRAM", "GB"),
    "bandwidth": ("bandwidth", "GB/s"),
    "cost": ("cost", "USD"),
    "cost_of_ownership": ("cost of ownership", "USD"),
}


def relaxed(request: Request, limit: str) -> tuple[Request, str] | None:
    """The request with one limit moved a step, and the step in words; None if it cannot move."""
    if limit == "budget":
        step = max(100, math.ceil(request.budget_usd * 0.25 / 100) * 100)
        budget = request.budget_usd + step
        return request.model_copy(update={"budget_usd": budget}), f"with ${budget:,.0f} (+${step:,.0f})"
    if limit == "max GPUs" and request.require.max_gpus is not None:
        n = request.require.max_gpus + 1
        require = request.require.model_copy(update={"max_gpus": n})
        return request.model_copy(update={"require": require}), f"with up to {n} GPUs"
    if limit == "circuit":
        first, *rest = request.site.circuits
        more = first.model_copy(update={"count": first.count + 1})
        site = request.site.model_copy(update={"circuits": (more, *rest)})
        return request.model_copy(update={"site": site}), f"with another {first.volts:g} V / {first.amps:g} A circuit"
    return None


def next_step(problem: Problem, result: Result, **solve_args: Any) -> str | None:
    """What the next step up would buy: solve again with the first binding limit that can move moved one
    step (a quarter more budget, one more GPU, one more circuit) and say how the objective changes."""
    from planner.api import Problem, solve_problem

    best = result.best
    if best is None or best.why is None or not result.objective:
        return None
    for lim in best.why.limits:
        step = relaxed(problem.request, lim.name) if lim.binds else None
        if step is None:
            continue
        request, words = step
        bigger = solve_problem(Problem(problem.catalog, request, problem.rules), **solve_args)
        return _compare(words, result, bigger)
    return None


def _compare(words: str, now: Result, bigger: Result) -> str:
    goal = now.objective[0]
    if bigger.best is None or not bigger.objective_values or not now.objective_values:
        return f"{words}: no better build found"
    before, after = now.objective_values.get(goal), bigger.objective_values.get(goal)
    what = _gpus(bigger.best)
    label, unit = UNITS[goal]
    if before is None or after is None or round(after, 1) == round(before, 1):
        return f"{words}: no better {label} ({what}, ${bigger.best.total_cost_usd:,.0f})"
    return (
        f"{words}: {what}, ${bigger.best.total_cost_usd:,.0f}, {label} {before:,.1f} -> {after:,.1f} {unit}"
        + ("" if bigger.proven else " (not proven optimal)")
    )


def _gpus(build: BuildResult) -> str:
    from planner.report.text import gpu_summary

    return gpu_summary(build.cards) or build.build.system or "CPU only"
