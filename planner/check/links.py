"""The PCIe link each card actually gets (from the slot map, never the card's own maximum), and the
throughput model's devices carrying those links."""

from __future__ import annotations

from dataclasses import dataclass

from planner import perf
from planner.check.context import Ctx


@dataclass(frozen=True)
class SlotLink:
    """What the slot, riser, bifurcated half, port or server bay under one card offers."""

    gen: int | None
    lanes: int | None
    via: str | None
    port: str | None = None


def slot_links(ctx: Ctx) -> list[SlotLink]:
    """Per card, in build order: the link its mount offers (lanes halved on a bifurcated slot)."""
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
                link = SlotLink(sl.gen, sl.lanes // (2 if c.mount == "bifurcated" else 1), sl.link)
        elif board is not None and c.mount == "port" and c.port is not None and c.port < len(board.ports):
            port = board.ports[c.port]
            link = SlotLink(port.gen, port.lanes, port.link, f"{port.kind}#{c.port}")
        out.append(link)
    return out


def card_devices(ctx: Ctx) -> list[list[perf.Device]]:
    """Per card, the throughput model's device(s) with the link the card really gets.

    A card in a narrower or older slot gets that slot's link; a dual-GPU card's chips share it
    through the card's switch. Cards placed nowhere known keep their own maximum.
    """
    out = []
    for c, link in zip(ctx.cards, slot_links(ctx), strict=True):
        chips = perf.device_from_gpu(ctx.gpu(c))
        if link.gen is not None:
            chips = [perf.with_link(d, link.gen, link.lanes, link.via) for d in chips]
        out.append(chips)
    return out
