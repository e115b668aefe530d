"""The objectives the solver optimises: their direction, the model expression of each, how to show one."""

from __future__ import annotations

from typing import Any

from planner.model import BuildModel

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


# Stages that only order builds already equal in every objective: each rides on the stage before it in
# one weighted solve (planner/solver/solve.py, _steps).
RIDERS = ("plainness", "limit_cut")


def stages(objectives: tuple[str, ...]) -> tuple[str, ...]:
    """The request's objectives followed by the tie-breaks they do not already include."""
    return (*objectives, *(t for t in TIE_BREAKS if t not in objectives))


def with_limit_stage(inst: Any, objectives: tuple[str, ...]) -> tuple[str, ...]:
    """The objectives, then (when the solver may set power limits) the least power-limiting among equal
    builds: a limit is chosen only where it buys something."""
    if any(o.limit_w is not None for o in inst.gpus) and not inst.lowest_limits:
        return (*objectives, "limit_cut")
    return objectives


def objective_expr(bm: BuildModel, name: str) -> Any:
    return bm.exprs[EXPR[name]]


def values_of(solver: Any, bm: BuildModel) -> dict[str, int]:
    """Every objective's value in a solution, in the model's integer units."""
    return {k: int(solver.Value(bm.exprs[v])) for k, v in EXPR.items() if v in bm.exprs}


def sort_key(values: dict[str, int], objectives: tuple[str, ...]) -> list[int]:
    """Lexicographic key, smaller is better (missing values rank last)."""
    return [(-values.get(o, 0) if SENSE[o] == "max" else values.get(o, 10**18)) for o in objectives]


def at_least_as_good(expr: Any, name: str, value: int) -> Any:
    """The constraint `expr` is no worse than `value` for objective `name`."""
    return expr >= value if SENSE[name] == "max" else expr <= value


def strictly_better(expr: Any, name: str, value: int) -> Any:
    return expr >= value + 1 if SENSE[name] == "max" else expr <= value - 1


def set_objective(m: Any, expr: Any, name: str) -> None:
    if SENSE[name] == "max":
        m.Maximize(expr)
    else:
        m.Minimize(expr)


def shown(name: str, value: float, scale: int = 1) -> str:
    """An objective value in the user's unit (progress lines, alternatives' trade-off notes)."""
    if name == "vram":
        return f"{value / 1024:.0f} GB"
    if name == "bandwidth":
        return f"{value:,.0f} GB/s"
    if name in ("decode", "prefill", "batch_throughput"):
        return f"{scale * 1e9 / value:.1f} tok/s" if value > 0 else "-"
    if name == "cost_of_ownership":
        return f"${value / 1e6:,.0f}"
    return f"${value:,.0f}"


def expr_bounds(m: Any, expr: Any) -> tuple[int, int]:
    """The least and greatest value a linear expression can take over its variables' domains."""
    from ortools.sat.python.cp_model_helper import FlatIntExpr

    if isinstance(expr, int):
        return expr, expr
    flat = FlatIntExpr(expr)
    low = high = int(flat.offset)
    for v, c in zip(flat.vars, flat.coeffs, strict=True):
        d = m.Proto().variables[v.index].domain
        ends = (c * d[0], c * d[len(d) - 1])
        low, high = low + min(ends), high + max(ends)
    return low, high
