"""Checks of what the user asked: cost within budget, owned parts used, requirements and user rules."""

from __future__ import annotations

import math
from typing import Any

from planner.check.context import Ctx, Violation
from planner.check.power import circuit_loads, psu_loads, server_loads
from planner.instance.resolve import matches

V = Violation


def unit_prices(ctx: Ctx) -> dict[str, tuple[float | None, str | None]]:
    """Cheapest price of each part in the allowed markets (None when it cannot be bought there)."""
    out: dict[str, tuple[float | None, str | None]] = {}
    allowed = ctx.request.require.condition
    for pid in ctx.part_counts():
        e = ctx.part(pid)
        prices = [p for p in getattr(e, "prices", ()) if p.condition in allowed]
        best = min(prices, key=lambda p: p.usd) if prices else None
        out[pid] = (math.ceil(best.usd), best.condition) if best else (None, None)
    return out


def to_buy(ctx: Ctx) -> dict[str, int]:
    """How many of each part must be bought: owned parts and parts that come with another are free."""
    owned = {o.id: o.count for o in ctx.request.owned}
    included = ctx.included()
    return {
        pid: max(0, n - owned.get(pid, 0) - included.get(pid, 0)) for pid, n in ctx.part_counts().items()
    }


def total_cost(ctx: Ctx) -> float:
    """What the build costs to buy, owned parts free."""
    prices = unit_prices(ctx)
    return sum(n * (prices[pid][0] or 0) for pid, n in to_buy(ctx).items())


def check_budget(ctx: Ctx) -> list[Violation]:
    """Cost within budget; every bought part has a price in an allowed market; owned parts used."""
    out = []
    owned = {o.id: o.count for o in ctx.request.owned}
    prices = unit_prices(ctx)
    for pid, n in to_buy(ctx).items():
        if n > 0 and prices[pid][0] is None:
            out.append(
                V("condition", f"{pid} has no price in {', '.join(ctx.request.require.condition)} markets")
            )
    cost = total_cost(ctx)
    if cost > ctx.request.budget_usd:
        out.append(V("budget", f"costs ${cost:,.0f}; budget ${ctx.request.budget_usd:,.0f}"))
    if not ctx.request.allow_unused_owned:
        counts = ctx.part_counts()
        for pid, n in owned.items():
            if counts.get(pid, 0) < n:
                out.append(V("owned parts used", f"{n} x {pid} owned but {counts.get(pid, 0)} used"))
    return out


def vram_gb(ctx: Ctx) -> float:
    if ctx.system is not None:
        return ctx.system_gpu_memory_gb
    return sum(ctx.gpu(c).memory_gb * ctx.gpu(c).gpus_per_card for c in ctx.cards)


def check_requirements(ctx: Ctx) -> list[Violation]:
    """GPU count range, VRAM, vendors, NVLink."""
    req = ctx.request.require
    n = len(ctx.cards)
    out = []
    if n > req.max_gpus:
        out.append(V("max_gpus", f"{n} GPUs; at most {req.max_gpus}"))
    if n < req.min_gpus and ctx.system is None:
        out.append(V("min_gpus", f"{n} GPUs; at least {req.min_gpus}"))
    if vram_gb(ctx) + 1e-9 < req.min_vram_gb:
        out.append(V("min_vram", f"{vram_gb(ctx):g} GB; at least {req.min_vram_gb:g} GB"))
    vendors = {v.lower() for v in req.vendors}
    for c in ctx.cards:
        gpu = ctx.gpu(c)
        if vendors and gpu.vendor.lower() not in vendors:
            out.append(V("vendors", f"{gpu.id} is {gpu.vendor}; allowed {', '.join(req.vendors)}"))
        if req.nvlink and gpu.nvlink == "none":
            out.append(V("nvlink", f"{gpu.id} has no NVLink"))
    return out


def attribute(ctx: Ctx, name: str) -> float:
    """A whole-build attribute that limit rules bound."""
    if name == "gpu_count":
        return len(ctx.cards)
    if name == "psu_count":
        return len(ctx.build.psus)
    if name == "total_cost_usd":
        return total_cost(ctx)
    if name == "wall_w":
        return sum(circuit_loads(ctx))
    if name == "gpu_length_mm":
        return max((ctx.gpu(c).length_mm for c in ctx.cards), default=0.0)
    if ctx.server is not None:
        return server_loads(ctx)[0 if name == "sustained_w" else 1]
    if name == "sustained_w":
        return sum(p.load_w for p in psu_loads(ctx)) if ctx.build.psus else ctx.platform_w() + ctx.cards_w()
    return ctx.platform_w() + sum(ctx.card_peak_w(c) for c in ctx.cards)


def check_user_rules(ctx: Ctx) -> list[Violation]:
    """Every rule of the constraint files."""
    counts = ctx.part_counts()
    out = []

    def chosen(select: Any) -> int:
        return sum(n for pid, n in counts.items() if matches(select, ctx.part(pid)))

    for source, rule in ctx.rules.rules:
        name = f"{rule.name} [{source}]"
        if rule.kind == "forbid" and chosen(rule.select):
            out.append(V(name, "uses a forbidden part"))
        elif rule.kind == "require" and not chosen(rule.select):
            out.append(V(name, "uses none of the required parts"))
        elif rule.kind == "at_most" and chosen(rule.select) > rule.count:
            out.append(V(name, f"{chosen(rule.select)} used; at most {rule.count}"))
        elif rule.kind == "at_least" and chosen(rule.select) < rule.count:
            out.append(V(name, f"{chosen(rule.select)} used; at least {rule.count}"))
        elif rule.kind == "if_then" and chosen(rule.if_) and not chosen(rule.then):
            out.append(V(name, "the condition holds but none of the required parts is used"))
        elif rule.kind == "limit" and attribute(ctx, rule.attribute) > rule.max + 1e-6:
            out.append(
                V(name, f"{rule.attribute} is {attribute(ctx, rule.attribute):.0f}; at most {rule.max:g}")
            )
    return out
