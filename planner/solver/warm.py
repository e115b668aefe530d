"""Warm start: a quick solve of a copy of the model restricted to the most promising GPU options, whose
build becomes the full model's hint. Only a hint: nothing is excluded from the real search."""

from __future__ import annotations

from planner.instance.resolve import matches
from planner.model import BuildModel
from planner.solver.engine import Budget, Solved, run
from planner.solver.objectives import objective_expr, set_objective

WARM_CARDS = 20
# Deterministic seconds the warm start may spend (measured: the restricted copies of the shipped
# examples solve in 0.05-0.4).
WARM_WORK = 1.0


def _promise(bm: BuildModel, objective: str) -> list[list[float]]:
    """Per GPU option, three ways it may look promising: objective per dollar, objective per card,
    and memory per dollar (cheap capacity that fills the last layers or gigabytes)."""
    per_dollar, per_card, room = [], [], []
    for o in bm.inst.gpus:
        g = o.entry
        price = 0.1 if o.owned else max(1, o.price_usd or 1)
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
        room.append(g.memory_gb * g.gpus_per_card / price)
    return [per_dollar, per_card, room]


def _must_keep(bm: BuildModel) -> set[int]:
    """GPU options a restricted copy must keep: owned cards and cards a user rule selects."""
    selects = []
    for _, r in bm.inst.rules.rules:
        if r.kind == "if_then":
            selects += [r.if_, r.then]
        elif r.kind in ("require", "at_least", "at_most") and hasattr(r, "select"):
            selects.append(r.select)
    return {
        i
        for i, o in enumerate(bm.inst.gpus)
        if o.owned or any(matches(s, o.entry) for s in selects)
    }


def _allowed(bm: BuildModel, i: int) -> bool:
    vendors = {v.lower() for v in bm.inst.request.require.vendors}
    return not vendors or bm.inst.gpus[i].entry.vendor.lower() in vendors


def warm_start(bm: BuildModel, objective: str, budget: Budget, cards: int = WARM_CARDS) -> Solved | None:
    """Hint `bm` with the best build of a copy restricted to the `cards` best GPU options by value per
    dollar and by value per card (the full model often finds its optimum late: measured 8 s of a 10 s
    solve for examples/budget.yaml; the restricted copy finds it in a fraction of a second).

    Returns the restricted solve when it found a build: a valid build of `bm` too (the copy has the
    same variables), kept in case the full search is stopped before it finds one."""
    n = len(bm.inst.gpus)
    if objective in ("cost", "cost_of_ownership") or n <= 3 * cards:
        return None
    idx = [i for i in range(n) if _allowed(bm, i)]
    keep = _must_keep(bm)
    for score in _promise(bm, objective):
        keep |= set(sorted(idx, key=lambda i: -score[i])[:cards])
    m = bm.m.clone()
    for g in bm.guards.values():
        m.Add(m.get_int_var_from_proto_index(g.Index()) == 1)
    for i in range(n):
        if i not in keep:
            m.Add(m.get_int_var_from_proto_index(bm.gpus.n[i].Index()) == 0)
    # The objective expression refers to the original model's variables by index, valid in the clone.
    set_objective(m, objective_expr(bm, objective), objective)
    r = run(m, budget, cap=WARM_WORK, stage="warm start")
    if not r.found:
        return None
    from planner.solver.solve import hint_values

    hint_values(bm.m, r.solution())
    return r
