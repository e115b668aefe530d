"""The search in one part of an instance (GPU builds or CPU-only builds, one split): its best build, then
on demand the next best that differs from every build already taken."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from planner.instance.decompose import Part
from planner.model import BuildModel, build_model
from planner.schema.build import Build
from planner.solver.engine import Budget
from planner.solver.extract import extract_build
from planner.solver.objectives import EXPR, at_least_as_good, objective_expr, values_of


@dataclass
class Found:
    """A build with its objective values and how sure the search is of it."""

    build: Build
    values: dict[str, int]
    status: str  # optimal (proven best of its part, given the builds taken before) or feasible
    gap: float | None
    split: str
    model: BuildModel


@dataclass
class PartSearch:
    """Searches one part with one split; remembers what it found and why it stopped."""

    part: Part
    split: str
    objectives: tuple[str, ...]
    budget: Budget
    status: str = ""  # of the first solve: optimal | feasible | infeasible | unknown
    gap: float | None = None
    stop: str = ""  # why `next` found nothing: infeasible | limit
    hint: list[int] = field(default_factory=list)
    # The first objective's value of the best build another part found: this part's first search looks
    # only at builds at least as good (exact for the best build; none found means none as good here).
    bound: int | None = None

    def model(self) -> BuildModel:
        bm = build_model(self.part.inst, self.split)
        if self.part.min_gpus:
            bm.m.Add(bm.gpu_count >= self.part.min_gpus)
        return bm

    def first(self) -> Found | None:
        """The part's best build (warm-started), or None when it has none."""
        from planner.solver.warm import warm_start

        bm = self.model()
        first = self.objectives[0]
        if self.bound is not None and EXPR[first] in bm.exprs:
            bm.m.Add(at_least_as_good(objective_expr(bm, first), first, self.bound))
        warm = warm_start(bm, first, self.budget)
        found = self._lex(bm)
        if found is None and warm is not None:
            # Stopped before the full search found a build: the warm start's is valid here too.
            found = Found(
                extract_build(warm.solver, bm, self.split), values_of(warm.solver, bm), "feasible", None,
                self.split, bm,
            )
        self.status = found.status if found else ("infeasible" if self.stop == "infeasible" else "unknown")
        self.gap = found.gap if found else None
        return found

    def next(self, taken: list[Build]) -> Found | None:
        """The best build of this part that differs from every build in `taken`."""
        bm = self.model()
        if not differ_from(bm, taken):
            return None
        if self.hint:
            from planner.solver.solve import hint_values

            hint_values(bm.m, self.hint)
        return self._lex(bm)

    def _lex(self, bm: BuildModel) -> Found | None:
        from planner.solver.solve import lexicographic

        lex = lexicographic(bm, self.objectives, self.budget)
        if lex.best is None:
            self.stop = "infeasible" if lex.status == "infeasible" else "limit"
            return None
        if not self.hint:
            self.hint = lex.best.solution()
        solver = lex.best.solver
        return Found(
            extract_build(solver, bm, self.split), values_of(solver, bm), lex.status, lex.gap, self.split, bm
        )


def differ_from(bm: BuildModel, builds: list[Build]) -> bool:
    """Exclude each earlier build: a new one has another GPU multiset or another board. False when the
    model has nothing left to differ by (the CPU-only part repeats its one platform choice)."""
    m, g, inst = bm.m, bm.gpus, bm.inst
    ids = {o.id for o in inst.gpus}
    for k, b in enumerate(builds):
        chosen = Counter(u.id for u in b.gpus)
        if b.system or not set(chosen) <= ids:
            continue  # a whole system, or cards this part cannot have: differs already
        lits = []
        for gid in sorted(ids):
            # Options of one card at other power limits are the same card: count them together.
            total = sum(g.n[i] for i, o in enumerate(inst.gpus) if o.id == gid)
            d = m.NewBoolVar(f"differs[{gid}#{k}]")
            m.Add(total != chosen.get(gid, 0)).OnlyEnforceIf(d)
            lits.append(d)
        board = b.board or b.server
        lits += [sel.Not() for e, sel in zip(inst.boards, bm.board_sel, strict=True) if e.id == board]
        if not lits:
            return False
        m.AddBoolOr(lits)
    return True
