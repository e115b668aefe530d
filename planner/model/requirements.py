"""The user's requirements and rules: GPU counts, VRAM, vendors, enclosures, cooling, and constraint files."""

from __future__ import annotations

import math
from typing import Any

from planner.data.facts import case_heat_share, cooling_capacity_w
from planner.instance.resolve import matches
from planner.model.core import BuildModel
from planner.schema import Server


def gpu_requirements(bm: BuildModel) -> None:
    """GPU count range, minimum VRAM, allowed vendors and enclosures, NVLink."""
    inst, m, g = bm.inst, bm.m, bm.gpus
    req = inst.request.require
    count = bm.gpu_count
    bm.exprs["gpu_count"] = count
    # Objectives are variables so that copies of the model (warm start, frontier) can refer to them.
    vram = m.NewIntVar(0, 16 * 1024 * 1024, "vram_mb")
    m.Add(
        vram
        == sum(
            v * int(o.entry.memory_gb * 1024 * o.entry.gpus_per_card)
            for o, v in zip(g.options, g.n, strict=True)
        )
    )
    bandwidth = m.NewIntVar(0, 16 * 20_000, "bandwidth_gbs")
    m.Add(
        bandwidth
        == sum(
            v * round(o.entry.bandwidth_gbs * o.entry.gpus_per_card)
            for o, v in zip(g.options, g.n, strict=True)
        )
    )
    bm.exprs["vram_mb"], bm.exprs["bandwidth"] = vram, bandwidth
    bm.enforce("max_gpus", [m.Add(count <= req.max_gpus)], measure="gpu_count", limit=req.max_gpus)
    if req.min_gpus:
        bm.enforce("min_gpus", [m.Add(count >= req.min_gpus)], measure="neg_gpu_count", limit=req.min_gpus)
    if req.min_vram_gb:
        bm.enforce(
            "min_vram",
            [m.Add(bm.exprs["vram_mb"] >= int(req.min_vram_gb * 1024))],
            measure="neg_vram",
            limit=req.min_vram_gb,
        )
    kinds = inst.request.chassis_kinds()
    if set(kinds) != {"tower", "rack", "open-frame"}:
        banned = [
            c for c, h in zip(bm.chassis, inst.chassis, strict=True) if h.entry.chassis_kind not in kinds
        ]
        if "rack" not in kinds:
            banned.append(bm.server_sel)  # GPU server barebones are rack machines
        bm.enforce("chassis_kinds", [m.Add(sum(banned) == 0)], measure="chassis_kinds")
    if req.vendors:
        allowed = {v.lower() for v in req.vendors}
        others = [v for o, v in zip(g.options, g.n, strict=True) if o.entry.vendor.lower() not in allowed]
        if others:
            bm.enforce("vendors", [m.Add(sum(others) == 0)], measure="vendors")


def cooling_sufficient(bm: BuildModel) -> None:
    """Heat within what a closed case (at the allowed case-air rise) or a server moves; open frames are
    cooled by room air. Passive cards' airflow is a fan wall or a shroud (see cards_fit_chassis)."""
    inst, m = bm.inst, bm.m
    share = {o.key: case_heat_share(o.entry, inst.rules) for o in inst.gpus}
    heat = bm.gpus.per_option(lambda o: math.ceil(o.watts * share[o.key])) + bm.cpu_w
    big = 1_000_000
    capacity = sum(
        c * int(cap if cap is not None else big)
        for c, h in zip(bm.chassis, inst.chassis, strict=True)
        for cap in [cooling_capacity_w(h.entry, inst.rules)]
    )
    capacity += sum(
        v * int(b.entry.cooling_capacity_w)
        for b, v in zip(inst.boards, bm.board_sel, strict=True)
        if isinstance(b.entry, Server)
    )
    m.Add(heat <= capacity)


def user_rules(bm: BuildModel) -> None:
    """Rules from constraint files, each guarded by a literal named after its file and position."""
    m = bm.m
    counts: dict[str, Any] = bm.exprs["counts"]
    for source, rule in bm.inst.rules.rules:
        name = f"{rule.name} [{source}]"
        if rule.kind == "forbid":
            continue  # applied when the instance was resolved
        if rule.kind in ("require", "at_most", "at_least"):
            chosen = _selected(bm, rule.select, counts)
            if rule.kind == "at_most":
                bm.enforce(name, [m.Add(chosen <= rule.count)], measure="rule")
            else:
                need = 1 if rule.kind == "require" else rule.count
                bm.enforce(name, [m.Add(chosen >= need)], measure="rule")
        elif rule.kind == "if_then":
            when = _selected(bm, rule.if_, counts)
            then = _selected(bm, rule.then, counts)
            bm.enforce(name, [m.Add(when <= 64 * then)], measure="rule")
        elif rule.kind == "limit":
            expr = _attribute(bm, rule.attribute, rule.max)
            if expr is not None:
                bm.enforce(name, [m.Add(expr <= int(_scale(rule.attribute) * rule.max))], measure="rule")


def _selected(bm: BuildModel, select: Any, counts: dict[str, Any]) -> Any:
    return sum(expr for pid, expr in counts.items() if matches(select, bm.inst.catalog.entries[pid]))


def _scale(attribute: str) -> int:
    return 1000 if attribute == "wall_w" else 1


def _attribute(bm: BuildModel, attribute: str, limit: float) -> Any:
    inst, g = bm.inst, bm.gpus
    if attribute == "sustained_w":
        return sum(bm.psus.load_w) + _server_load(bm)
    if attribute == "peak_w":
        return bm.cards_peak_w + bm.platform_w
    if attribute == "wall_w":
        return bm.exprs["wall_mw"]
    if attribute == "gpu_count":
        return bm.gpu_count
    if attribute == "psu_count":
        return bm.psus.count()
    if attribute == "total_cost_usd":
        return bm.exprs["cost"]
    if attribute == "gpu_length_mm":
        too_long = [g.n[i] for i in range(len(inst.gpus)) if g.entry(i).length_mm > limit]
        return sum(too_long) * 100_000 if too_long else None
    return None


def _server_load(bm: BuildModel) -> Any:
    load = bm.m.NewIntVar(0, 100_000, "server_load_w")
    bm.m.Add(load >= bm.cards_w + bm.platform_w - 100_000 * (1 - bm.server_sel))
    return load
