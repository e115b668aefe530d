"""The cost <-> objective Pareto frontier, computed exactly with the solver (a stepped epsilon-constraint).

Each point is found in two solves on a copy of one model: the best objective within a cost cap, then the
least cost that reaches that objective. Both ends are found first; caps in between step the objective by
at least (best - worst) / points, so every point is Pareto-optimal and consecutive points differ.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from planner.instance.resolve import Instance
from planner.model import build_model
from planner.schema.build import Build
from planner.solver.extract import extract_build
from planner.solver.limits import relax_limits
from planner.solver.solve import SENSE, Params, _solver, hint_values, objective_expr


@dataclass
class Point:
    """One frontier build with its cost and objective value (in the model's integer units)."""

    build: Build
    cost: int
    value: int
    proven: bool


def frontier_objective(inst: Instance) -> str:
    """Decode speed with a workload, VRAM without."""
    return "decode" if inst.request.workload is not None else "vram"


def frontier(inst: Instance, points: int = 20, params: Params | None = None) -> tuple[str, list[Point]]:
    """Up to `points` Pareto-optimal builds ordered by cost, and the objective they trade against cost."""
    params = params or Params()
    objective = frontier_objective(inst)
    bm = build_model(inst)
    for lit in bm.guards.values():
        bm.m.Add(lit == 1)
    cost, value = bm.exprs["cost"], objective_expr(bm, objective)
    better = SENSE[objective] == "max"
    deadline = time.monotonic() + params.time_limit_s
    proven: dict[int, bool] = {}
    last_solution: list[int] = []

    def solve_copy(extra: list[tuple[Any, str, int]], minimise_cost: bool) -> cp_model.CpSolver | None:
        m = bm.m.clone()
        for expr, op, bound in extra:
            e = _rebind(m, expr)
            m.Add(e <= bound) if op == "<=" else m.Add(e >= bound)
        target = _rebind(m, cost if minimise_cost else value)
        m.Minimize(target) if (minimise_cost or not better) else m.Maximize(target)
        if last_solution:
            # Neighbouring frontier points are similar builds: start from the last one found.
            hint_values(m, last_solution)
        s = _solver(params, max(0.2, deadline - time.monotonic()))
        status = s.Solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        proven[id(s)] = status == cp_model.OPTIMAL
        last_solution[:] = list(s.ResponseProto().solution)
        return s

    at_least = ">=" if better else "<="

    def make(
        value_solver: cp_model.CpSolver, cost_solver: cp_model.CpSolver, used: cp_model.CpSolver
    ) -> Point:
        both = proven[id(value_solver)] and proven[id(cost_solver)]
        # No stage minimises power limits here: keep a limit only where the checker needs it.
        build = relax_limits(extract_build(used, bm, "layer"), inst)
        return Point(build, int(used.Value(cost)), int(used.Value(value)), both)

    def from_cap(cap: int | None) -> Point | None:
        """Best objective within a cost cap, then the least cost that reaches it."""
        first = solve_copy([(cost, "<=", cap)] if cap is not None else [], minimise_cost=False)
        if first is None:
            return None
        second = solve_copy([(value, at_least, int(first.Value(value)))], minimise_cost=True)
        return make(first, second, second) if second is not None else None

    def from_floor(floor: int) -> Point | None:
        """Least cost that reaches an objective floor, then the best objective within that cost."""
        first = solve_copy([(value, at_least, floor)], minimise_cost=True)
        if first is None:
            return None
        second = solve_copy([(cost, "<=", int(first.Value(cost)))], minimise_cost=False)
        return make(second, first, second) if second is not None else None

    cheapest = solve_copy([], minimise_cost=True)
    if cheapest is None:
        return objective, []
    low = from_cap(int(cheapest.Value(cost)))
    high = from_cap(None)
    if low is None or high is None:
        return objective, [p for p in (low, high) if p]
    out = [low]
    # Step in the user's unit: GB for VRAM, tokens/s for decode (the model holds ns per token).
    shown = (lambda v: v) if better else (lambda v: 1e9 / max(1, v))
    step = (shown(high.value) - shown(low.value)) / max(1, points - 1)
    while len(out) < points - 1 and time.monotonic() < deadline:
        target = shown(out[-1].value) + step
        floor = int(target) if better else int(1e9 / target)
        if (better and floor >= high.value) or (not better and floor <= high.value):
            break
        nxt = from_floor(floor)
        if nxt is None or nxt.cost >= high.cost:
            break
        out.append(nxt)
    if high.cost > out[-1].cost:
        out.append(high)
    return objective, out


def _rebind(m: cp_model.CpModel, expr: Any) -> Any:
    """The same expression over a cloned model's variables (variables are matched by index)."""
    if isinstance(expr, cp_model.IntVar):
        return m.get_int_var_from_proto_index(expr.Index())
    raise TypeError("frontier objectives must be single variables")
