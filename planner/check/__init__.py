"""The solver-free checker: every rule recomputed from the build alone, plus cost, power and throughput.

It is the executable specification: tests pass every solver result through it, and `planner check`
gives it to users who assembled a build by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.check.context import Ctx, Violation
from planner.check.money import (
    check_budget,
    check_requirements,
    check_user_rules,
    total_cost,
    unit_prices,
    vram_gb,
)
from planner.check.platform import (
    check_cards_fit,
    check_chassis,
    check_cooling,
    check_cpu_fits_board,
    check_lanes,
    check_memory,
    check_parts_exist,
    check_slots,
)
from planner.check.power import assign_feeds, check_psus, check_wall, circuit_loads, psu_loads, server_loads
from planner.check.running import running_cost
from planner.check.workload import check_workload, estimate_build
from planner.data.catalog import Catalog, is_stale
from planner.schema.build import Build
from planner.schema.request import Request
from planner.schema.rules import Rules

CHECKS: tuple[Callable[[Ctx], list[Violation]], ...] = (
    check_cpu_fits_board,
    check_memory,
    check_chassis,
    check_slots,
    check_lanes,
    check_cards_fit,
    check_cooling,
    check_psus,
    check_wall,
    check_budget,
    check_requirements,
    check_user_rules,
    check_workload,
)


def check_build(build: Build, catalog: Catalog, request: Request, rules: Rules) -> list[Violation]:
    """Every rule the build breaks (empty when it holds)."""
    ctx = Ctx(catalog, request, rules, build)
    missing = check_parts_exist(ctx)
    if missing:
        return missing
    out: list[Violation] = []
    for check in CHECKS:
        out.extend(check(ctx))
    return out


def summarize(build: Build, catalog: Catalog, request: Request, rules: Rules) -> dict[str, Any]:
    """The build's figures for reports and JSON, computed by the checker, never read from the solver."""
    ctx = Ctx(catalog, request, rules, build)
    owned = {o.id: o.count for o in request.owned}
    prices = unit_prices(ctx)
    parts = []
    for pid, n in ctx.part_counts().items():
        e = ctx.part(pid)
        price, condition = prices[pid]
        parts.append(
            {
                "id": pid,
                "kind": e.kind,
                "name": e.name,
                "count": n,
                "unit_price_usd": price,
                "condition": condition,
                "owned": min(n, owned.get(pid, 0)),
                "price_date": _price_date(e, condition),
                "stale": _price_stale(e, condition),
            }
        )
    bandwidth = (
        ctx.system.bandwidth_gbs
        if ctx.system
        else sum(ctx.gpu(c).bandwidth_gbs * ctx.gpu(c).gpus_per_card for c in ctx.cards)
    )
    est = estimate_build(ctx)
    return {
        "total_cost_usd": total_cost(ctx),
        "parts": parts,
        "gpu_count": len(ctx.cards),
        "vram_gb": round(vram_gb(ctx), 1),
        "aggregate_bandwidth_gbs": round(bandwidth, 1),
        "pcie": _pcie(ctx),
        "power": _power(ctx),
        "throughput": est.to_json() if est else None,
        "running_cost": running_cost(
            request, total_cost(ctx), sum(circuit_loads(ctx)), _served_tokens_per_s(est)
        ),
        "split": build.split,
        "passive_gpus": sorted({c.id for c in ctx.cards if ctx.gpu(c).cooling == "passive"}),
        "violations": [str(v) for v in check_build(build, catalog, request, rules)],
    }


def _served_tokens_per_s(est: Any) -> float | None:
    """Tokens/s the machine serves for the workload: batched throughput (decode speed at batch 1)."""
    if est is None or not est.fits:
        return None
    return est.batch_tokens_per_s or est.decode_tokens_per_s


def _price_date(entry: Any, condition: str | None) -> str | None:
    for p in getattr(entry, "prices", ()):
        if p.condition == condition:
            return str(p.date)
    return None


def _price_stale(entry: Any, condition: str | None) -> bool:
    """Whether the part's price in this condition is older than the report's staleness limit."""
    return any(is_stale(p) for p in getattr(entry, "prices", ()) if p.condition == condition)


def _pcie(ctx: Ctx) -> list[dict[str, Any]]:
    board = ctx.board
    feeds = assign_feeds(ctx) if ctx.build.psus else [None] * len(ctx.cards)
    out = []
    for k, c in enumerate(ctx.cards):
        row: dict[str, Any] = {
            "psu": feeds[k],
            "gpu": c.id,
            "index": k,
            "mount": c.mount,
            "slot": c.slot,
            "lanes": None,
            "gen": None,
            "link": None,
            "layers": c.layers,
        }
        if board is not None and c.mount in ("direct", "riser", "bifurcated"):
            sl = next((s for s in board.slots if s.position == c.slot), None)
            if sl is not None:
                row.update(lanes=sl.lanes // (2 if c.mount == "bifurcated" else 1), gen=sl.gen, link=sl.link)
        elif board is not None and c.mount == "port" and c.port is not None:
            port = board.ports[c.port]
            row.update(lanes=port.lanes, gen=port.gen, link=port.link, port=f"{port.kind}#{c.port}")
        elif ctx.server is not None and ctx.server.slots:
            sl = ctx.server.slots[min(k, len(ctx.server.slots) - 1)]
            row.update(lanes=sl.lanes, gen=sl.gen, link=sl.link)
        out.append(row)
    return out


def _power(ctx: Ctx) -> dict[str, Any]:
    walls = circuit_loads(ctx)
    circuits = [
        {"circuit": c.label, "wall_w": round(w), "limit_w": round(c.limit_w)}
        for c, w in zip(ctx.circuits, walls, strict=True)
    ]
    if ctx.system is not None:
        return {
            "sustained_w": ctx.system.power_w,
            "peak_w": ctx.system.power_w,
            "psu_capacity_w": None,
            "wall_w": round(sum(walls)),
            "circuits": circuits,
            "psus": [],
        }
    if ctx.server is not None:
        load, peak, ok, _ = server_loads(ctx)
        return {
            "sustained_w": round(load),
            "peak_w": round(peak),
            "psu_capacity_w": round(ok),
            "wall_w": round(sum(walls)),
            "circuits": circuits,
            "psus": [],
        }
    loads = psu_loads(ctx) if ctx.build.psus else []
    psus = [
        {
            "index": p.index,
            "id": p.psu_id,
            "breakout": ctx.build.psus[p.index].breakout,
            "circuit": p.circuit,
            "feeds": [ctx.cards[k].id for k in p.cards],
            "board": p.index == 0,
            "load_w": round(p.load_w),
            "rating_w": round(p.rating_w),
        }
        for p in loads
    ]
    return {
        "sustained_w": round(sum(p.load_w for p in loads)),
        "peak_w": round(sum(p.peak_w for p in loads)),
        "psu_capacity_w": round(sum(p.rating_w for p in loads)),
        "wall_w": round(sum(walls)),
        "circuits": circuits,
        "psus": psus,
    }
