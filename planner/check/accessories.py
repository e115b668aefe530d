"""Checks of the accessories cards need: a fan shroud per passive card outside a fan wall, an adapter per
EPS input fed from PCIe leads, an adapter board per SXM2 module; shrouded cards still fit the chassis."""

from __future__ import annotations

from planner.check.context import Ctx, Violation
from planner.check.power import eps_adapters_needed
from planner.schema import Accessory, Gpu
from planner.schema.build import GpuUse

V = Violation


def has_fan_wall(ctx: Ctx) -> bool:
    """Whether the enclosure pushes air through passive cards (a server, or a chassis with a fan wall)."""
    return ctx.server is not None or (ctx.chassis is not None and ctx.chassis.passive_airflow)


def shrouded_cards(ctx: Ctx) -> list[GpuUse]:
    """Passive cards that need a shroud of their own: no fan wall, and the rules ask for airflow."""
    if ctx.board is None or not ctx.rules.cooling.passive_needs_airflow or has_fan_wall(ctx):
        return []
    return [c for c in ctx.cards if ctx.gpu(c).cooling == "passive"]


def _bought(ctx: Ctx, kind: str) -> list[tuple[Accessory, int]]:
    out = []
    for use in ctx.build.accessories:
        e = ctx.part(use.id)
        if isinstance(e, Accessory) and e.accessory_kind == kind:
            out.append((e, use.count))
    # Specific parts first, so a universal one is kept for the cards nothing else fits.
    return sorted(out, key=lambda ec: (not ec[0].fits_gpus, ec[0].id))


def assign(ctx: Ctx, kind: str, gpus: list[Gpu]) -> tuple[list[Accessory | None], int]:
    """Give each card an accessory of this kind from those bought: (per card, or None), and how many
    bought ones are left over."""
    left = {e.id: n for e, n in _bought(ctx, kind)}
    options = [e for e, _ in _bought(ctx, kind)]
    out: list[Accessory | None] = []
    for g in gpus:
        pick = next((e for e in options if left[e.id] > 0 and e.fits(g.id)), None)
        if pick is not None:
            left[pick.id] -= 1
        out.append(pick)
    return out, sum(left.values())


def check_accessories(ctx: Ctx) -> list[Violation]:
    """Each card that needs an accessory has one that fits it, bought in the build."""
    out = []
    shrouded = shrouded_cards(ctx)
    if shrouded:
        gpus = [ctx.gpu(c) for c in shrouded]
        got, _ = assign(ctx, "fan-shroud", gpus)
        missing = sorted({g.id for g, a in zip(gpus, got, strict=True) if a is None})
        if missing:
            n = sum(1 for a in got if a is None)
            out.append(
                V(
                    "cooling sufficient",
                    f"passive card(s) {', '.join(missing)} need a chassis that pushes air through them or a "
                    f"fan shroud each: {n} shroud(s) missing",
                )
            )
        limit = ctx.chassis.max_gpu_length_mm if ctx.chassis is not None else None
        for g, a in zip(gpus, got, strict=True):
            if a is not None and limit is not None and g.length_mm + a.added_length_mm > limit:
                out.append(
                    V(
                        "cards fit chassis",
                        f"{g.id} with {a.id} is {g.length_mm + a.added_length_mm:g} mm > {limit:g} mm",
                    )
                )
    need_eps = eps_adapters_needed(ctx)
    if need_eps:
        eps_gpus = [ctx.gpu(c) for c in ctx.cards if ctx.gpu(c).power.eps_8pin]
        per_input = [g for g in eps_gpus for _ in range(g.power.eps_8pin)][:need_eps]
        got, _ = assign(ctx, "eps-adapter", per_input)
        n = sum(1 for a in got if a is None)
        if n:
            out.append(
                V(
                    "enough connectors",
                    f"{need_eps} EPS input(s) fed from PCIe 8-pin leads need a PCIe-to-EPS adapter each: "
                    f"{n} missing",
                )
            )
    for kind in ("sxm2-adapter",):
        gpus = [ctx.gpu(c) for c in ctx.cards if kind in ctx.gpu(c).needs]
        got, _ = assign(ctx, kind, gpus)
        missing = sorted({g.id for g, a in zip(gpus, got, strict=True) if a is None})
        if missing:
            out.append(V("cards in slots", f"{', '.join(missing)} need(s) an {kind} each"))
    return out
