"""The only code that runs CpSolver: parameters, lexicographic objectives, alternatives, status and gap."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from planner.instance.resolve import Instance
from planner.model import BuildModel, build_model
from planner.schema.build import Build
from planner.solver.extract import extract_build
from planner.solver.limits import relax_limits

SENSE = {
    "vram": "max",
    "bandwidth": "max",
    "decode": "min",
    "prefill": "min",
    "batch_throughput": "min",
    "cost": "min",
    "cost_of_ownership": "min",
    "plainness": "min",
    "limit_cut": "min",
}
EXPR = {
    "vram": "vram_mb",
    "bandwidth": "bandwidth",
    "decode": "time_decode",
    "prefill": "time_prefill",
    "batch_throughput": "time_batch",
    "cost": "cost",
    "cost_of_ownership": "cost_of_ownership",
    "plainness": "plainness",
    "limit_cut": "limit_cut",
}
# Ties are broken explicitly, the same way every time: the cheaper build, then the plainer one (cards in
# slots rather than on risers, a case rather than an open frame).
TIE_BREAKS = ("cost", "plainness")


def stages(objectives: tuple[str, ...]) -> tuple[str, ...]:
    """The request's objectives followed by the tie-breaks they do not already include."""
    return (*objectives, *(t for t in TIE_BREAKS if t not in objectives))


@dataclass
class Params:
    """Solver parameters."""

    time_limit_s: float = 10.0
    # One search worker by default: deterministic (same request, same build) and, measured with
    # benchmarks/solve.py on the 2-core machine, faster than two (median 2.1 s vs 2.4 s, worst 9 s vs 22 s).
    workers: int = 1  # 0: one per core
    seed: int = 0
    log: bool = False


@dataclass
class Outcome:
    """What one solve found: builds in order of preference, with status, values and gap."""

    status: str
    builds: list[Build] = field(default_factory=list)
    values: list[dict[str, int]] = field(default_factory=list)
    seconds: float = 0.0
    gap: float | None = None
    model: BuildModel | None = None
    split: str = "layer"


def _solver(params: Params, remaining: float) -> cp_model.CpSolver:
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = max(0.05, remaining)
    s.parameters.num_search_workers = params.workers or max(1, min(8, os.cpu_count() or 1))
    s.parameters.random_seed = params.seed
    # Measured on the full catalogue (benchmarks/solve.py): probing costs more than it prunes here,
    # and the tighter LP of linearization level 2 is what proves optimality quickly.
    s.parameters.cp_model_probing_level = 0
    s.parameters.linearization_level = 2
    s.parameters.log_search_progress = params.log
    if params.log:
        s.log_callback = lambda line: print(line, file=__import__("sys").stderr)
    return s


def objective_expr(bm: BuildModel, name: str) -> Any:
    return bm.exprs[EXPR[name]]


def _values(solver: cp_model.CpSolver, bm: BuildModel) -> dict[str, int]:
    return {k: int(solver.Value(bm.exprs[v])) for k, v in EXPR.items() if v in bm.exprs}


def lexicographic(
    bm: BuildModel,
    objectives: tuple[str, ...],
    params: Params,
    deadline: float,
    relaxed: tuple[str, ...] = (),
) -> tuple[str, cp_model.CpSolver | None, float | None]:
    """Optimise each objective in turn, fixing the earlier ones at their optimum.

    Every guarded rule is enforced (fixed true: assumptions would stop presolve) except `relaxed`.
    """
    m = bm.m
    for name, lit in bm.guards.items():
        m.Add(lit == (0 if name in relaxed else 1))
    status_name, solver, gap = "infeasible", None, None
    best = None
    proven = True
    for name in objectives:
        expr = objective_expr(bm, name)
        if SENSE[name] == "max":
            m.Maximize(expr)
        else:
            m.Minimize(expr)
        solver = _solver(params, deadline - time.monotonic())
        status = solver.Solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if status == cp_model.INFEASIBLE and best is None:
                return "infeasible", None, None
            # Out of time on a later objective: keep the build of the earlier ones.
            return ("unknown" if best is None else "feasible"), best, gap
        best = solver
        proven = proven and status == cp_model.OPTIMAL
        # The objective is integral; its float can land just below it (6676679.999999999): round, never
        # truncate, or the next stage's bound sits one below the optimum and the stage is infeasible.
        value = round(solver.ObjectiveValue())
        bound = solver.BestObjectiveBound()
        gap = abs(value - bound) / max(1.0, abs(value)) if status != cp_model.OPTIMAL else 0.0
        status_name = "optimal" if proven else "feasible"
        _hint_everything(m, solver)
        if SENSE[name] == "max":
            m.Add(expr >= value)
        else:
            m.Add(expr <= value)
    m.ClearObjective()
    return status_name, best, gap


def _hint_everything(m: cp_model.CpModel, solver: cp_model.CpSolver) -> None:
    """Hint the whole previous solution: the next stage starts from a build that is already optimal
    in every earlier objective (measured: 22 s -> 9 s on 8 GPUs / $10,000, benchmarks/solve.py)."""
    hint_values(m, list(solver.ResponseProto().solution))


def hint_values(m: cp_model.CpModel, values: list[int]) -> None:
    """Replace the model's hint with a value for every variable, in variable order."""
    m.ClearHints()
    hint = m.Proto().solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)


def solve(inst: Instance, params: Params | None = None, top: int = 1, split: str | None = None) -> Outcome:
    """Best build (and up to `top` alternatives with other GPU sets) for the instance."""
    params = params or Params()
    start = time.monotonic()
    deadline = start + params.time_limit_s
    objectives = with_limit_stage(inst, stages(inst.request.objectives()))
    splits = [split] if split else _splits(inst)
    best: Outcome | None = None
    for sp in splits:
        bm = build_model(inst, sp)
        warm_start(bm, objectives[0], params, deadline)
        status, solver, gap = lexicographic(bm, objectives, params, deadline)
        if solver is None:
            out = Outcome(status, model=bm, split=sp)
        else:
            out = Outcome(
                status, [extract_build(solver, bm, sp)], [_values(solver, bm)], gap=gap, model=bm, split=sp
            )
            _alternatives(out, bm, objectives, params, deadline, top, sp)
            if status != "optimal" or inst.lowest_limits:
                # The last stage (fewest power limits) may not have run, or cards came at their lowest
                # limits: keep a limit only where it helps.
                out.builds = [relax_limits(b, inst) for b in out.builds]
        if best is None or _better(out, best, objectives):
            best = out
    assert best is not None
    best.seconds = time.monotonic() - start
    return best


WARM_CARDS = 20


def _promise(bm: BuildModel, objective: str) -> tuple[list[float], list[float]]:
    """Per GPU option: objective per dollar, and objective per card (how promising it looks)."""
    per_dollar, per_card = [], []
    for o in bm.inst.gpus:
        g, price = o.entry, max(1, o.price_usd or 1)
        c = bm.inst.coeff.get(o.key)
        if objective in ("decode", "prefill", "batch_throughput") and c is not None:
            key = {"decode": c.decode_ns, "prefill": c.prefill_ns, "batch_throughput": c.batch_ns}[objective]
            value = 0.0 if c.problem else c.cap_layers / max(1, key)
        elif objective == "bandwidth":
            value = g.bandwidth_gbs * g.gpus_per_card
        else:
            value = g.memory_gb * g.gpus_per_card
        per_dollar.append(value / price)
        per_card.append(value)
    return per_dollar, per_card


def warm_start(bm: BuildModel, objective: str, params: Params, deadline: float) -> None:
    """Hint the model with a quick solve of a copy restricted to the most promising GPU options.

    The full model often finds its optimum late (measured: 8 s of a 10 s solve for examples/budget.yaml);
    the restricted copy finds a near-optimal build in about a second. Only a hint: nothing is excluded.
    """
    if objective in ("cost", "cost_of_ownership") or len(bm.inst.gpus) <= 2 * WARM_CARDS:
        return
    per_dollar, per_card = _promise(bm, objective)
    idx = range(len(bm.inst.gpus))
    keep = set(sorted(idx, key=lambda i: -per_dollar[i])[:WARM_CARDS])
    keep |= set(sorted(idx, key=lambda i: -per_card[i])[:WARM_CARDS])
    m = bm.m.clone()
    for g in bm.guards.values():
        m.Add(m.get_int_var_from_proto_index(g.Index()) == 1)
    for i in idx:
        if i not in keep:
            m.Add(m.get_int_var_from_proto_index(bm.gpus.n[i].Index()) == 0)
    expr = objective_expr(bm, objective)
    # The objective expression refers to the original model's variables by index, valid in the clone.
    if SENSE[objective] == "max":
        m.Maximize(expr)
    else:
        m.Minimize(expr)
    budget = min(2.0, max(0.1, (deadline - time.monotonic()) * 0.2))
    solver = _solver(params, budget)
    if solver.Solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        _hint_everything(bm.m, solver)


def with_limit_stage(inst: Instance, objectives: tuple[str, ...]) -> tuple[str, ...]:
    """The objectives, then (when the solver may set power limits) the least power-limiting among equal
    builds: a limit is chosen only where it buys something."""
    if any(o.limit_w is not None for o in inst.gpus) and not inst.lowest_limits:
        return (*objectives, "limit_cut")
    return objectives


def _splits(inst: Instance) -> list[str]:
    wl = inst.request.workload
    if wl is None or wl.split == "layer" or (wl.split == "auto" and wl.backend == "llama.cpp"):
        return ["layer"]
    if wl.split == "tensor":
        return ["tensor"]
    return ["layer", "tensor"]


def _better(a: Outcome, b: Outcome, objectives: tuple[str, ...]) -> bool:
    if not a.values:
        return False
    if not b.values:
        return True
    key = [(-a.values[0][o] if SENSE[o] == "max" else a.values[0][o]) for o in objectives]
    other = [(-b.values[0][o] if SENSE[o] == "max" else b.values[0][o]) for o in objectives]
    return key < other


def _alternatives(
    out: Outcome,
    bm: BuildModel,
    objectives: tuple[str, ...],
    params: Params,
    deadline: float,
    top: int,
    split: str,
) -> None:
    """Re-solve excluding each found GPU set, so alternatives differ in the cards, not in a cable."""
    for _ in range(top - 1):
        # The earlier model has its objectives pinned at the optimum; start from a fresh one.
        fresh = build_model(bm.inst, split)
        _copy_exclusions(fresh, out.builds)
        _status, solver, _ = lexicographic(fresh, objectives, params, deadline)
        if solver is None:
            return
        out.builds.append(extract_build(solver, fresh, split))
        out.values.append(_values(solver, fresh))


def _copy_exclusions(bm: BuildModel, builds: list[Build]) -> None:
    m, g = bm.m, bm.gpus
    ids = sorted({o.id for o in bm.inst.gpus})
    for k, b in enumerate(builds):
        chosen: dict[str, int] = {}
        for u in b.gpus:
            chosen[u.id] = chosen.get(u.id, 0) + u.count
        differs = []
        for gid in ids:
            # Options of one card at other power limits are the same card: count them together.
            total = sum(g.n[i] for i, o in enumerate(bm.inst.gpus) if o.id == gid)
            d = m.NewBoolVar(f"differs[{gid}#{k}]")
            m.Add(total != chosen.get(gid, 0)).OnlyEnforceIf(d)
            differs.append(d)
        m.AddBoolOr(differs)
