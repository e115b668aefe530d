"""The cost <-> objective Pareto frontier, computed exactly with the solver.

One model per part of the instance (GPU builds, CPU-only builds), built once and reused for every point:
a point moves two bounds (a floor on the objective, a cap on cost) and re-solves, hinted with the
neighbouring point's build. The sweep runs from the best build down, so every hint is a valid build.
Each point minimises cost first and then maximises the objective, in one solve (cost weighted above
the objective's whole remaining range), so a proven point is Pareto-optimal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from planner.instance.decompose import Part, parts
from planner.instance.resolve import Instance
from planner.model import build_model
from planner.schema.build import Build
from planner.solver.engine import DEFAULT_FRONTIER_EFFORT, Budget, Params, Solved, run
from planner.solver.extract import extract_build
from planner.solver.limits import relax_limits
from planner.solver.objectives import SENSE, objective_expr
from planner.solver.solve import hint_values

INF = 2**62
CPU_ONLY_POINTS = 4  # CPU-only builds span a narrow range: a few points show it


@dataclass
class Point:
    """One frontier build with its cost and objective value (in the model's integer units)."""

    build: Build
    cost: int
    value: int
    proven: bool
    solved: Solved | None = field(default=None, repr=False)  # the solve behind it (hints its neighbour)


def frontier_objective(inst: Instance) -> str:
    """Decode speed with a workload, VRAM without."""
    return "decode" if inst.request.workload is not None else "vram"


def frontier(
    inst: Instance, points: int = 20, params: Params | None = None, budget: Budget | None = None
) -> tuple[str, list[Point]]:
    """Up to `points` Pareto-optimal builds ordered by cost, and the objective they trade against cost."""
    objective = frontier_objective(inst)
    own = budget is None
    budget = budget or Budget(params or Params(effort=DEFAULT_FRONTIER_EFFORT), "frontier")
    found: list[Point] = []
    try:
        for part in parts(inst):
            want = CPU_ONLY_POINTS if part.name == "cpu-only" else points
            sweep_part(part, objective, budget, want, found)
    except KeyboardInterrupt:
        budget.interrupt()
    finally:
        if own:
            budget.close()
    return objective, pareto(found, objective)


LANES = 2  # the frontier's points are searched in two lanes side by side: the machine's two cores


def sweep_part(part: Part, objective: str, budget: Budget, points: int, out: list[Point]) -> None:
    """A part's frontier: both ends, then targets stepped evenly in the user's unit between them, dealt
    to lanes that run side by side (each lane hints each point from its last; each is deterministic
    on its own, so the points do not depend on which lane finishes first)."""
    first = Sweep(part, objective, budget)
    ends = first.ends()
    if ends is None:
        return
    high, low = ends
    out.append(high)
    if low.cost >= high.cost:
        return
    out.append(low)
    # Steps in the user's unit: GB for VRAM, tokens/s for decode (the model holds ns per token).
    lo, hi = first.shown(low.value), first.shown(high.value)
    step = (hi - lo) / max(1, points - 1)
    targets = [v for k in range(1, points - 1) if (v := hi - k * step) > lo]
    lanes = min(LANES, len(targets)) or 1
    shares = budget.share(lanes)
    sweeps = [first] + [Sweep(part, objective, shares[k]) for k in range(1, lanes)]
    first.budget = shares[0]
    found: list[list[Point]] = [[] for _ in range(lanes)]
    threads = [
        threading.Thread(
            target=sweeps[k].chain,
            args=(targets[k::lanes], step, high, low, found[k], f"{points} points"),
            daemon=True,
        )
        for k in range(lanes)
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.25)
                done = len(out) + sum(len(f) for f in found)
                budget.progress.update(f"{done} of up to {points} points", budget)
    except KeyboardInterrupt:
        budget.interrupt()
        for share in shares:
            share.stop()
        for t in threads:
            t.join()
    finally:
        first.budget = budget
        budget.absorb(shares)
    for f in found:
        out.extend(f)


def pareto(found: list[Point], objective: str) -> list[Point]:
    """The points no other point beats on both cost and objective, cheapest first."""
    better = SENSE[objective] == "max"

    def beats(a: Point, b: Point) -> bool:
        at_least = a.value >= b.value if better else a.value <= b.value
        return a.cost <= b.cost and at_least and (a.cost, a.value) != (b.cost, b.value)

    keep = {(p.cost, p.value): p for p in found if not any(beats(o, p) for o in found)}
    return sorted(keep.values(), key=lambda p: p.cost)


class Sweep:
    """The frontier of one part: one model, two movable bounds, one weighted solve per point."""

    def __init__(self, part: Part, objective: str, budget: Budget) -> None:
        self.bm = bm = build_model(part.inst)
        self.objective, self.budget = objective, budget
        self.better = SENSE[objective] == "max"
        m = bm.m
        if part.min_gpus:
            m.Add(bm.gpu_count >= part.min_gpus)
        for lit in bm.guards.values():
            m.Add(lit == 1)
        self.cost, self.value = bm.exprs["cost"], objective_expr(bm, objective)
        self.cap = m.Add(self.cost <= INF).Index()
        self.floor = m.Add(self.value >= -INF).Index()
        self.budget_usd = int(part.inst.request.budget_usd)

    def ends(self) -> tuple[Point, Point] | None:
        """The best build (then the least cost for it) and the cheapest (then its best objective)."""
        from planner.solver.warm import warm_start

        warm = warm_start(self.bm, self.objective, self.budget)
        # The best objective, then the least cost for it: one solve, the objective weighted above cost.
        span = self.budget_usd + 1
        best = self.solve(self._best() * span + self.cost, "best build", cap=self.budget_usd, hint=warm)
        cheap = best and self.solve(self.cost, "cheapest build", hint=best)
        low = cheap and self.solve(self._best(), "cheapest build", cap=self.costof(cheap), hint=cheap)
        if best is None or cheap is None or low is None:
            return None
        return self.point(best), self.point(low, cheap)

    def chain(
        self, targets: list[float], step: float, high: Point, low: Point, out: list[Point], label: str
    ) -> None:
        """Points for objective targets from the top down, each hinted by (and no dearer than) the last."""
        prev = high
        for target in targets:
            if self.budget.exhausted():
                return
            if self.shown(prev.value) - target < step / 2:
                continue  # the last point found stands for this target too
            p = self.cheapest(self.unshown(target), hint=prev.solved, cap=prev.cost, stage=label)
            if p is None or p.cost <= low.cost:
                return
            if p.cost < prev.cost:
                out.append(p)
                prev = p

    def shown(self, value: int) -> float:
        return value if self.better else 1e9 / max(1, value)

    def unshown(self, target: float) -> int:
        """The model's bound for an objective of at least `target` in the user's unit."""
        return int(target) if self.better else int(1e9 / target)

    def val(self, r: Solved) -> int:
        return int(r.solver.Value(self.value))

    def costof(self, r: Solved) -> int:
        return int(r.solver.Value(self.cost))

    def _best(self) -> Any:
        return -self.value if self.better else self.value

    def cheapest(
        self,
        floor: int,
        hint: Solved | None,
        cap: int | None = None,
        stage: str = "point",
        rests_on: Solved | None = None,
    ) -> Point | None:
        """The least cost that reaches `floor`, then the best objective at that cost, in one solve:
        cost weighted by more than the objective can vary within the floor."""
        span = (self._top() if self.better else floor) + 1
        sign = -1 if self.better else 1
        r = self.solve(self.cost * span + sign * self.value, stage, floor=floor, cap=cap, hint=hint)
        return None if r is None else self.point(r, rests_on)

    def _top(self) -> int:
        domain = self.bm.m.Proto().variables[self.value.Index()].domain
        return int(domain[len(domain) - 1])  # (this proto list takes no negative index)

    def solve(
        self,
        objective: Any,
        stage: str,
        floor: int | None = None,
        cap: int | None = None,
        hint: Solved | None = None,
    ) -> Solved | None:
        """Minimise `objective` with the objective floor and cost cap given (None: unbounded)."""
        m = self.bm.m
        if floor is None:
            _set(m, self.floor, -INF, INF)
        elif self.better:
            _set(m, self.floor, floor, INF)
        else:
            _set(m, self.floor, -INF, floor)
        _set(m, self.cap, -INF, INF if cap is None else cap)
        m.Minimize(objective)
        m.ClearHints()
        if hint is not None:
            hint_values(m, hint.solution())
        r = run(m, self.budget, stage=stage)
        self.budget.note_limit(r)
        return r if r.found else None

    def point(self, r: Solved, *earlier: Solved | None) -> Point:
        """The point of a solve (proven when it and the solves it rests on are)."""
        s = r.solver
        proven = r.status == "optimal" and all(e is None or e.status == "optimal" for e in earlier)
        # No stage minimises power limits here: keep a limit only where the checker needs it.
        build = relax_limits(extract_build(s, self.bm, "layer"), self.bm.inst)
        return Point(build, self.costof(r), self.val(r), proven, solved=r)


def _set(m: Any, ct: int, lo: int, hi: int) -> None:
    """Move the bounds of a one-variable linear constraint (by index: the proto of a constraint moves
    in memory as constraints are added, so a Constraint object must not be kept)."""
    domain = m.Proto().constraints[ct].linear.domain
    domain[0], domain[1] = lo, hi
