"""The PCIe link each card actually gets (from the slot map, never the card's own maximum), NVLink only
where a bridge in the build joins two cards, and the throughput model's devices carrying those links."""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner import perf
from planner.check.context import Ctx, Violation
from planner.data.facts import riser_gen
from planner.perf.power_limit import limited
from planner.schema import Riser
from planner.schema.bridge import Bridge


@dataclass(frozen=True)
class SlotLink:
    """What the slot, riser, bifurcated half, port or server bay under one card offers."""

    gen: int | None
    lanes: int | None
    via: str | None
    port: str | None = None


def slot_links(ctx: Ctx) -> list[SlotLink]:
    """Per card, in build order: the link its mount offers (lanes halved on a bifurcated slot), at no
    faster a generation than the riser it names holds."""
    board = ctx.board
    out = []
    for k, c in enumerate(ctx.cards):
        link = SlotLink(None, None, None)
        if ctx.server is not None and ctx.server.slots:
            # Server bays are wired to the barebone's slots in order.
            bay = ctx.server.slots[min(k, len(ctx.server.slots) - 1)]
            link = SlotLink(bay.gen, bay.lanes, bay.link)
        elif board is not None and c.mount in ("direct", "riser", "bifurcated"):
            sl = next((s for s in board.slots if s.position == c.slot), None)
            if sl is not None:
                gen = sl.gen if c.mount == "direct" else _through_riser(ctx, c.riser, sl.gen)
                link = SlotLink(gen, sl.lanes // (2 if c.mount == "bifurcated" else 1), sl.link)
        elif board is not None and c.mount == "port" and c.port is not None and c.port < len(board.ports):
            port = board.ports[c.port]
            gen = _through_riser(ctx, c.riser, port.gen)
            link = SlotLink(gen, port.lanes, port.link, f"{port.kind}#{c.port}")
        out.append(link)
    return out


def _through_riser(ctx: Ctx, riser_id: str | None, gen: int) -> int:
    """A connector's generation as a card on this riser gets it (the riser's own limit, when named)."""
    riser = ctx.part(riser_id) if riser_id else None
    held = riser_gen(riser, ctx.rules) if isinstance(riser, Riser) else None
    return min(gen, held) if held else gen


def card_devices(ctx: Ctx) -> list[list[perf.Device]]:
    """Per card, the throughput model's device(s) with the link the card really gets.

    A card in a narrower or older slot gets that slot's link; a dual-GPU card's chips share it
    through the card's switch; two cards joined by a bridge in the build talk over NVLink. Cards
    placed nowhere known keep their own maximum.
    """
    bridged = {k: bridge.bandwidth_gbs for pair, bridge in bridged_pairs(ctx)[0] for k in pair}
    out = []
    for k, (c, link) in enumerate(zip(ctx.cards, slot_links(ctx), strict=True)):
        gpu = ctx.gpu(c)
        # At the card's power limit (perf/power_limit.py scales clocks and achieved bandwidth).
        chips = [limited(d, ctx.card_w(c) / gpu.tdp_w) for d in perf.device_from_gpu(gpu)]
        lanes = link.lanes
        if gpu.requires_bifurcation and lanes is not None:
            # No switch on the card: the slot is split and each chip has its share of the lanes.
            chips = [replace(d, link_via="cpu") for d in chips]
            lanes //= gpu.gpus_per_card
        if link.gen is not None or k in bridged:
            chips = [perf.with_link(d, link.gen, lanes, link.via, bridged.get(k)) for d in chips]
        out.append(chips)
    return out


def bridged_pairs(ctx: Ctx) -> tuple[list[tuple[tuple[int, int], Bridge]], list[Violation]]:
    """Which cards each NVLink bridge in the build joins, and the bridges that join none.

    A bridge joins two cards of the same model whose `nvlink` it fits, sitting directly in slots its
    spacing apart; each card takes one bridge.
    """
    pairs: list[tuple[tuple[int, int], Bridge]] = []
    problems = []
    taken: set[int] = set()
    direct = {c.slot: k for k, c in enumerate(ctx.cards) if c.mount == "direct" and c.slot is not None}
    for use in ctx.build.bridges:
        bridge = ctx.part(use.id)
        if not isinstance(bridge, Bridge):
            continue  # check_parts_exist names it
        for _ in range(use.count):
            pair = next(
                (
                    (k, direct[q + bridge.slot_spacing])
                    for q, k in sorted(direct.items())
                    if q + bridge.slot_spacing in direct
                    and {k, direct[q + bridge.slot_spacing]}.isdisjoint(taken)
                    and ctx.cards[k].id == ctx.cards[direct[q + bridge.slot_spacing]].id
                    and ctx.gpu(ctx.cards[k]).nvlink in bridge.fits
                ),
                None,
            )
            if pair is None:
                problems.append(
                    Violation(
                        "NVLink bridge",
                        f"{bridge.id} joins no pair of cards: it needs two identical cards with nvlink "
                        f"{' or '.join(bridge.fits)} directly in slots {bridge.slot_spacing} positions apart",
                    )
                )
                continue
            taken.update(pair)
            pairs.append((pair, bridge))
    return pairs, problems


def check_bridges(ctx: Ctx) -> list[Violation]:
    """Every NVLink bridge in the build joins two cards that take it."""
    return bridged_pairs(ctx)[1]
