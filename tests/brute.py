"""Exhaustive search over tiny catalogues, judged only by the solver-free checker.

Part selections are enumerated best objective first; for each, every placement of cards in slots or on
risers and every PSU feed is tried. The first selection with a valid placement is the optimum.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from typing import Any

from planner.check import check_build
from planner.check.context import Ctx
from planner.check.money import total_cost
from planner.data.catalog import Catalog
from planner.data.facts import fits_shroud, limit_levels
from planner.schema.build import Build, GpuUse, PartCount, PsuUse
from planner.schema.request import Request
from planner.schema.rules import Rules


def gpu_options(cat: Catalog, req: Request, rules: Rules) -> list[tuple[Any, float | None]]:
    """Every (card, power limit) the request allows: the default, and each level within the card's range."""
    if req.power_limit_levels:
        rules = rules.model_copy(
            update={"power_limits": rules.power_limits.model_copy(update={"levels": req.power_limit_levels})}
        )
    out = []
    for g in cat.of_kind("gpu"):
        levels = limit_levels(g, rules) if req.allow_power_limits else [None]
        out.extend((g, w) for w in levels)
    return out


def _shrouds(sel: dict[str, Any], cat: Catalog, rules: Rules) -> list[tuple[str, int]]:
    """Shrouds a selection needs: one per passive card when the chassis has no fan wall (cheapest fitting)."""
    if sel["chassis"].passive_airflow or not rules.cooling.passive_needs_airflow:
        return []
    need: dict[str, int] = {}
    for g, _ in sel["cards"]:
        if g.cooling != "passive":
            continue
        fitting = [a for a in cat.of_kind("accessory") if fits_shroud(a, g)]
        if fitting:
            best = min(fitting, key=lambda a: min(p.usd for p in a.prices))
            need[best.id] = need.get(best.id, 0) + 1
    return sorted(need.items())


def _selections(cat: Catalog, req: Request, rules: Rules) -> Iterator[dict[str, Any]]:
    gpus = gpu_options(cat, req, rules)
    psus = cat.of_kind("psu")
    for board in cat.of_kind("board"):
        for cpu in cat.of_kind("cpu"):
            for dimm in cat.of_kind("memory"):
                channels = min(board.memory_channels, cpu.memory_channels)
                for per in (1, 2):
                    if channels * per > board.memory_slots:
                        continue
                    for chassis in cat.of_kind("chassis"):
                        for n in range(req.require.max_gpus + 1):
                            for cards in itertools.combinations_with_replacement(gpus, n):
                                for k in range(1, rules.power.max_psus + 1):
                                    for units in itertools.product(psus, repeat=k):
                                        yield {
                                            "board": board,
                                            "cpu": cpu,
                                            "dimm": dimm,
                                            "dimms": channels * per,
                                            "chassis": chassis,
                                            "cards": cards,
                                            "psus": units,
                                        }


def _build(sel: dict[str, Any], gpus: tuple[GpuUse, ...], riser: str | None, risers: int) -> Build:
    return Build(
        accessories=tuple(PartCount(id=a, count=n) for a, n in sel.get("shrouds", ())),
        board=sel["board"].id,
        cpu=sel["cpu"].id,
        memory=PartCount(id=sel["dimm"].id, count=sel["dimms"]),
        chassis=sel["chassis"].id,
        gpus=gpus,
        psus=tuple(PsuUse(id=p.id) for p in sel["psus"]),
        risers=(PartCount(id=riser, count=risers),) if riser and risers else (),
    )


def _placements(sel: dict[str, Any], cat: Catalog) -> Iterator[Build]:
    """Every way to seat the chosen cards (slot x mount) and feed them (card -> PSU)."""
    positions = [s.position for s in sel["board"].slots]
    risers = cat.of_kind("riser")
    riser = risers[0].id if risers else None
    homes = [(q, "direct") for q in positions] + ([(q, "riser") for q in positions] if riser else [])
    cards = [(g.id, w or 0.0) for g, w in sel["cards"]]
    seen = set()
    for seats in itertools.permutations(homes, len(cards)):
        if len({q for q, _ in seats}) < len(seats):
            continue
        key = tuple(sorted(zip(cards, seats, strict=True)))
        if key in seen:
            continue
        seen.add(key)
        for feeds in itertools.product(range(len(sel["psus"])), repeat=len(cards)):
            gpus = tuple(
                GpuUse(id=c, slot=q, mount=mount, psu=f + 1, power_limit_w=w or None)
                for (c, w), (q, mount), f in zip(cards, seats, feeds, strict=True)
            )
            yield _build(sel, gpus, riser, sum(1 for _, mount in seats if mount == "riser"))


def brute_force(cat: Catalog, req: Request, rules: Rules) -> tuple[Build, dict[str, float]] | None:
    """The optimum by exhaustive search for objectives over vram and cost, or None if nothing is valid.

    Catalogues here have no risers, so a selection's price is the build's cost.
    """
    objectives = req.objectives()

    def order(sel: dict[str, Any]) -> tuple[float, ...]:
        values = {"vram": -_vram(sel), "cost": _cost(sel, cat)}
        return tuple(values[o] for o in objectives)

    for sel in sorted(_with_shrouds(_selections(cat, req, rules), cat, rules), key=order):
        if _cost(sel, cat) > req.budget_usd:
            continue
        for build in _placements(sel, cat):
            if not check_build(build, cat, req, rules):
                return build, {"vram": _vram(sel), "cost": total_cost(Ctx(cat, req, rules, build))}
    return None


def _with_shrouds(sels: Iterator[dict[str, Any]], cat: Catalog, rules: Rules) -> Iterator[dict[str, Any]]:
    for sel in sels:
        yield {**sel, "shrouds": _shrouds(sel, cat, rules)}


def _vram(sel: dict[str, Any]) -> float:
    return sum(g.memory_gb * g.gpus_per_card for g, _ in sel["cards"])


def _cost(sel: dict[str, Any], cat: Catalog) -> float:
    parts = Counter(
        [
            sel["board"].id,
            sel["cpu"].id,
            sel["chassis"].id,
            *(g.id for g, _ in sel["cards"]),
            *(p.id for p in sel["psus"]),
        ]
    )
    parts[sel["dimm"].id] += sel["dimms"]
    for a, n in sel.get("shrouds", ()):
        parts[a] += n
    return sum(n * min(p.usd for p in cat.entries[pid].prices) for pid, n in parts.items())


def all_valid_points(cat: Catalog, req: Request, rules: Rules) -> list[tuple[float, float]]:
    """(cost, VRAM GB) of every part selection that has a valid placement (for frontier checks)."""
    out = []
    for sel in _with_shrouds(_selections(cat, req, rules), cat, rules):
        if _cost(sel, cat) > req.budget_usd:
            continue
        if any(not check_build(b, cat, req, rules) for b in _placements(sel, cat)):
            out.append((_cost(sel, cat), _vram(sel)))
    return out
