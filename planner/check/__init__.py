"""The solver-free checker: every rule recomputed from the build alone, plus cost, power and throughput.

It is the executable specification: tests pass every solver result through it, and `planner check`
gives it to users who assembled a build by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from planner.check.accessories import check_accessories
from planner.check.advice import check_power_limits, check_sandwiches, limit_commands, warnings
from planner.check.compat import part_notes
from planner.check.context import Ctx, Violation
from planner.check.evidence import with_evidence
from planner.check.links import bridged_pairs, card_devices, check_bridges, slot_links
from planner.check.money import (
    check_budget,
    check_requirements,
    check_user_rules,
    total_cost,
    unit_prices,
    vram_gb,
)
from planner.check.noise import check_noise
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
from planner.check.stack import check_stack, stack_result
from planner.check.workload import check_workload, estimate_build, throughput_result
from planner.data.catalog import Catalog, is_stale
from planner.data.facts import W_TO_BTU_H
from planner.perf.links import slowest_link
from planner.schema.build import Build
from planner.schema.request import Request
from planner.schema.result import (
    BuildResult,
    CardLine,
    CardLink,
    CircuitLine,
    PartLine,
    PowerLimitLine,
    PowerPlan,
    PsuLine,
    RunningCost,
)
from planner.schema.rules import Rules

CHECKS: tuple[Callable[[Ctx], list[Violation]], ...] = (
    check_cpu_fits_board,
    check_memory,
    check_chassis,
    check_slots,
    check_lanes,
    check_bridges,
    check_cards_fit,
    check_cooling,
    check_accessories,
    check_sandwiches,
    check_power_limits,
    check_psus,
    check_wall,
    check_budget,
    check_requirements,
    check_user_rules,
    check_workload,
    check_stack,
    check_noise,
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


def summarize(build: Build, catalog: Catalog, request: Request, rules: Rules) -> BuildResult:
    """The build's figures for reports and JSON, computed by the checker, never read from the solver."""
    ctx = Ctx(catalog, request, rules, build)
    owned = {o.id: o.count for o in request.owned}
    prices = unit_prices(ctx)
    notes = part_notes(ctx)
    parts = []
    for pid, n in ctx.part_counts().items():
        e = ctx.part(pid)
        price, condition = prices[pid]
        mine = min(n, owned.get(pid, 0))
        parts.append(
            PartLine(
                id=pid,
                kind=e.kind,
                name=e.name,
                count=n,
                unit_price_usd=price,
                condition=condition,
                owned=mine,
                subtotal_usd=(n - mine) * (price or 0),
                price_date=_price_date(e, condition),
                stale=_price_stale(e, condition),
                price_basis=_price_basis(e, condition),
                notes=notes.get(pid, []),
            )
        )
    bandwidth = (
        ctx.system.bandwidth_gbs
        if ctx.system
        else sum(ctx.gpu(c).bandwidth_gbs * ctx.gpu(c).gpus_per_card for c in ctx.cards)
    )
    est = estimate_build(ctx)
    return BuildResult(
        total_cost_usd=total_cost(ctx),
        parts=parts,
        gpu_count=len(ctx.cards),
        vram_gb=round(vram_gb(ctx), 1),
        aggregate_bandwidth_gbs=round(bandwidth, 1),
        cards=_cards(ctx),
        card_link=_card_link(ctx),
        power=_power(ctx),
        throughput=with_evidence(ctx, est, throughput_result(est)),
        running_cost=_running(ctx, est),
        stack=stack_result(ctx, est),
        split=build.split,
        passive_gpus=sorted({c.id for c in ctx.cards if ctx.gpu(c).cooling == "passive"}),
        power_limits=[PowerLimitLine(**row) for row in limit_commands(ctx)],
        warnings=warnings(ctx),
        violations=[str(v) for v in check_build(build, catalog, request, rules)],
        build=build,
    )


def _running(ctx: Ctx, est: Any) -> RunningCost | None:
    rc = running_cost(ctx.request, total_cost(ctx), sum(circuit_loads(ctx)), _served_tokens_per_s(est))
    return None if rc is None else RunningCost(**rc)


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


def _price_basis(entry: Any, condition: str | None) -> str | None:
    """Where the part's price in this condition comes from (the price's basis: shop, survey, listing)."""
    return next((p.basis for p in getattr(entry, "prices", ()) if p.condition == condition), None)


def _price_stale(entry: Any, condition: str | None) -> bool:
    """Whether the part's price in this condition is older than the report's staleness limit."""
    return any(is_stale(p) for p in getattr(entry, "prices", ()) if p.condition == condition)


def _cards(ctx: Ctx) -> list[CardLine]:
    feeds = assign_feeds(ctx) if ctx.build.psus else [None] * len(ctx.cards)
    out = []
    for k, (c, link) in enumerate(zip(ctx.cards, slot_links(ctx), strict=True)):
        gpu = ctx.gpu(c)
        links = gpu.gpus_per_card if gpu.requires_bifurcation else 1
        out.append(
            CardLine(
                number=k + 1,
                gpu=c.id,
                mount=c.mount or ("bay" if ctx.server is not None else None),
                slot=c.slot,
                port=link.port,
                gen=None if link.gen is None else min(link.gen, gpu.pcie_gen),
                lanes=None if link.lanes is None else min(link.lanes // links, gpu.pcie_lanes),
                slot_gen=link.gen,
                slot_lanes=link.lanes,
                via=link.via,
                links=links,
                psu=None if feeds[k] is None else feeds[k] + 1,  # type: ignore[operator]
                layers=c.layers,
            )
        )
    return out


def _card_link(ctx: Ctx) -> CardLink | None:
    """The link between cards the throughput model used, from the same devices."""
    chips = [d for per_card in card_devices(ctx) for d in per_card]
    if len(chips) < 2:
        return None
    link = slowest_link(chips)
    kind: Any = link.kind
    pairs = bridged_pairs(ctx)[0]
    return CardLink(
        kind=kind,
        bridge=pairs[0][1].id if link.kind == "nvlink" and pairs else None,
        gen=link.gen,
        lanes=link.lanes,
        via=link.via,
        gbs=round(link.gbs, 2),
        latency_us=round(link.latency_s * 1e6, 1),
        text=link.text,
    )


def _power(ctx: Ctx) -> PowerPlan:
    walls = circuit_loads(ctx)
    circuits = [
        CircuitLine(number=i + 1, label=c.label, wall_w=round(w), limit_w=round(c.limit_w))
        for i, (c, w) in enumerate(zip(ctx.circuits, walls, strict=True))
    ]
    if ctx.system is not None or ctx.server is not None:
        load, peak, ok = (ctx.system.power_w,) * 3 if ctx.system else server_loads(ctx)[:3]
        return PowerPlan(
            sustained_w=round(load),
            peak_w=round(peak),
            psu_capacity_w=None if ctx.system else round(ok),
            wall_w=round(sum(walls)),
            heat_btu_h=round(sum(walls) * W_TO_BTU_H),
            circuits=circuits,
            psus=[],
        )
    loads = psu_loads(ctx) if ctx.build.psus else []
    psus = [
        PsuLine(
            number=p.index + 1,
            id=p.psu_id,
            breakout=ctx.build.psus[p.index].breakout,
            circuit=p.circuit + 1,
            feeds=[k + 1 for k in p.cards],
            board=p.index == 0,
            load_w=round(p.load_w),
            rating_w=round(p.rating_w),
        )
        for p in loads
    ]
    return PowerPlan(
        sustained_w=round(sum(p.load_w for p in loads)),
        peak_w=round(sum(p.peak_w for p in loads)),
        psu_capacity_w=round(sum(p.rating_w for p in loads)),
        wall_w=round(sum(walls)),
        heat_btu_h=round(sum(walls) * W_TO_BTU_H),
        circuits=circuits,
        psus=psus,
    )
