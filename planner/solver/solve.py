"""The best build for an instance: lexicographic objectives, warm start, status, gap and limits."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from planner.instance.decompose import parts
from planner.instance.resolve import Instance
from planner.model import BuildModel
from planner.schema.build import Build
from planner.solver.engine import Budget, Params, Solved, run
from planner.solver.limits import relax_limits
from planner.solver.objectives import (
    RIDERS,
    SENSE,
    expr_bounds,
    objective_expr,
    shown,
    sort_key,
    stages,
    with_limit_stage,
)
from planner.solver.search import Found, PartSearch

__all__ = ["SENSE", "Outcome", "Params", "objective_expr", "solve", "stages"]


@dataclass
class Outcome:
    """What one solve found: builds in order of preference, with status, values, gap and limits.

    `status` is optimal (proven), feasible (a build, not proven best), infeasible (proven: none
    exists) or unknown (no build found within the limits). `limit_hit` names the limit that stopped
    the search (deterministic work or the wall-clock safety net); `interrupted` means Ctrl-C did.
    """

    status: str
    builds: list[Build] = field(default_factory=list)
    values: list[dict[str, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    gap: float | None = None
    model: BuildModel | None = None
    split: str = "layer"
    interrupted: bool = False
    limit_hit: str | None = None
    work: float = 0.0
    hint: list[int] = field(default_factory=list)  # the best build's solution (alternatives start there)

    @property
    def proven(self) -> bool:
        return self.status in ("optimal", "infeasible")


@dataclass
class Lex:
    """Result of a lexicographic solve: the last solver with a build, whether every stage was proven."""

    status: str
    best: Solved | None = None
    gap: float | None = None


def lexicographic(
    bm: BuildModel, objectives: tuple[str, ...], budget: Budget, relaxed: tuple[str, ...] = ()
) -> Lex:
    """Optimise each objective in turn, fixing the earlier ones at their optimum.

    Every guarded rule is enforced (fixed true: assumptions would stop presolve) except `relaxed`.
    """
    m = bm.m
    for name, lit in bm.guards.items():
        m.Add(lit == (0 if name in relaxed else 1))
    best: Solved | None = None
    steps = _steps(bm, objectives)
    for k, (names, target) in enumerate(steps):
        m.Minimize(target)
        stage = f"{' then '.join(names)} ({k + 1}/{len(steps)})" if len(steps) > 1 else names[0]
        show = functools.partial(shown, names[0], scale=_scale(bm, names[0])) if len(names) == 1 else None
        r = run(m, budget, stage=stage, show=show)
        budget.note_limit(r)
        if not r.found:
            m.ClearObjective()
            # A limit stopped a later stage before it found anything: keep the earlier stages' build.
            return Lex(r.status if best is None else "feasible", best)
        best = r
        if r.status != "optimal":
            m.ClearObjective()
            return Lex("feasible", best, r.gap())
        hint_values(m, r.solution())
        for name in names:
            # Proven optimal, so "no worse than" is "equal to": the equality tightens the later stages'
            # relaxation (measured: 8 GPUs / $5,000 VRAM 16.4 -> 10.9 work, benchmarks/solve.py).
            expr = objective_expr(bm, name)
            m.Add(expr == int(r.solver.Value(expr)))
    m.ClearObjective()
    return Lex("optimal", best, 0.0) if best is not None else Lex("unknown")


def _steps(bm: BuildModel, objectives: tuple[str, ...]) -> list[tuple[list[str], Any]]:
    """The solves of a lexicographic optimisation: (objectives it settles, expression to minimise).

    A tie-break stage (plainness, the fewest power limits) rides on the stage before it when that one is
    minimised: one solve of `before x (span of the tie-break) + tie-break` gives the same optimum as two
    solves in a row, and saves the second (measured: up to half the work of a request).
    """
    steps: list[tuple[list[str], Any]] = []
    for name in objectives:
        expr = objective_expr(bm, name)
        if name in RIDERS and steps and SENSE[steps[-1][0][-1]] == "min":
            low, high = expr_bounds(bm.m, expr)
            names, before = steps[-1]
            steps[-1] = ([*names, name], before * (high - low + 1) + expr)
            continue
        steps.append(([name], -expr if SENSE[name] == "max" else expr))
    return steps


def _scale(bm: BuildModel, name: str) -> int:
    wl = bm.inst.request.workload
    if wl is None:
        return 1
    return wl.prompt if name == "prefill" else (wl.batch if name == "batch_throughput" else 1)


def hint_values(m: cp_model.CpModel, values: list[int]) -> None:
    """Replace the model's hint with a value for every variable, in variable order: the next stage
    starts from a build already optimal in every earlier objective (measured: 22 s -> 9 s on 8 GPUs /
    $10,000, benchmarks/solve.py)."""
    m.ClearHints()
    hint = m.Proto().solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def solve(
    inst: Instance,
    params: Params | None = None,
    top: int = 1,
    split: str | None = None,
    budget: Budget | None = None,
    rival: dict[str, int] | None = None,
) -> Outcome:
    """Best build, and up to `top - 1` alternatives that differ from every earlier one in GPUs or board.

    The instance is searched in disjoint parts (planner.instance.decompose) and, where the workload
    may split tensor-parallel, per split; the best of their optima is the optimum, and each next
    alternative is the best next build over all parts. `rival`: the objective values of a build found
    elsewhere (a whole system); with top 1 only builds at least as good on the first objective are
    searched, and "infeasible" then means none is.
    """
    own = budget is None
    budget = budget or Budget(params)
    objectives = with_limit_stage(inst, stages(inst.request.objectives()))
    out = Outcome("unknown")
    try:
        searches = [
            PartSearch(part, sp, objectives, budget)
            for part in parts(inst)
            for sp in ([split] if split else _splits(inst))
            if part.name != "cpu-only" or sp == "layer"
        ]
        # The experts search first: it is small (one card), so a search cut short by the effort or the
        # clock still has its build; the list order still settles ties (layer split before it).
        pending: list[Found | None] = [None] * len(searches)
        best = rival if top == 1 else None
        for k in sorted(range(len(searches)), key=lambda k: searches[k].split != "experts"):
            if top == 1 and best is not None:
                # Only the best is wanted: a later part looks only at builds at least as good on the
                # first objective. One that cannot match it is proven so, often far faster than its own
                # optimum; the answer is unchanged (ties are kept and settled below).
                searches[k].bound = best.get(objectives[0])
            pending[k] = f = searches[k].first()
            if f is not None and (best is None or sort_key(f.values, objectives) < sort_key(best, objectives)):
                best = f.values
        out = _first_outcome(searches, pending)
        while len(out.builds) < top:
            live = [k for k, f in enumerate(pending) if f is not None]
            if not live:
                break
            k = min(live, key=lambda k: sort_key(pending[k].values, objectives))  # type: ignore[union-attr]
            f = pending[k]
            assert f is not None
            if not any(_same(f.build, b) for b in out.builds):
                _take(out, f)
            pending[k] = searches[k].next(out.builds) if len(out.builds) < top else None
        if 0 < len(out.builds) < top:
            out.notes.append(_fewer(searches, len(out.builds), budget))
    except KeyboardInterrupt:
        budget.interrupt()
    finally:
        if own:
            budget.close()
    if out.builds and (out.status != "optimal" or inst.lowest_limits or out.interrupted):
        # The last stage (fewest power limits) may not have run, or cards came at their lowest limits:
        # keep a limit only where it helps.
        out.builds = [relax_limits(b, inst) for b in out.builds]
    out.interrupted = budget.interrupted
    out.limit_hit = budget.limit_hit
    out.seconds = budget.seconds()
    out.work = budget.work_used
    return out


def _first_outcome(searches: list[PartSearch], pending: list[Found | None]) -> Outcome:
    """Status and gap over every part's first solve (optimal only when every part is proven)."""
    proven = all(s.status in ("optimal", "infeasible") for s in searches)
    if not any(pending):
        return Outcome("infeasible" if proven else "unknown")
    gaps = [s.gap for s in searches if s.status not in ("optimal", "infeasible")]
    gap = 0.0 if proven else (max(g for g in gaps if g is not None) if None not in gaps else None)
    return Outcome("optimal" if proven else "feasible", gap=gap)


def _take(out: Outcome, f: Found) -> None:
    if not out.builds:
        out.model, out.split = f.model, f.split
    elif f.status != "optimal":
        out.notes.append(f"alternative {len(out.builds) + 1} is the best found, not proven the next best")
    out.builds.append(f.build)
    out.values.append(f.values)


def _same(a: Build, b: Build) -> bool:
    """Same GPUs on the same board (the layer and tensor searches may both propose it)."""
    cards = sorted(u.id for u in a.gpus) == sorted(u.id for u in b.gpus)
    return cards and (a.board or a.server) == (b.board or b.server)


def _fewer(searches: list[PartSearch], n: int, budget: Budget) -> str:
    """Why there are fewer builds than asked for."""
    if budget.interrupted:
        return f"interrupted after {n} build(s)"
    if all(s.stop == "infeasible" for s in searches if s.stop):
        return f"only {n} build(s) meet every rule with different GPUs or a different board"
    return f"the search limit ({budget.limit_hit or 'deterministic'}) was reached after {n} build(s)"


def _splits(inst: Instance) -> list[str]:
    wl = inst.request.workload
    if wl is None:
        return ["layer"]
    splits = list(wl.splits())
    return splits if splits == ["tensor"] else [*splits, *_experts(inst)]


def _experts(inst: Instance) -> list[str]:
    """The experts-in-RAM search (one card beside the routed experts in system RAM), where offload is
    allowed, the model is a mixture of experts that must fit, and llama.cpp (or its fork) runs it. Its
    model has no prompt times (the host's prompt work runs on the card: not separable), so a request that
    times the prompt leaves it out."""
    from planner.perf.runtime import LLAMA_LIKE

    wl, req = inst.request.workload, inst.request
    if wl is None or not wl.offload or wl.backend not in LLAMA_LIKE or not req.model_must_fit():
        return []
    if inst.workload is None or inst.workload.model.moe is None or not inst.gpus:
        return []
    timed = "prefill" in req.objectives() or bool(req.require.min_prefill_tokens_per_s)
    return [] if timed else ["experts"]
