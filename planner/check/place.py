"""Seat the cards of a hand-written build that gives no slots: a small exhaustive search over slot positions.

Solver builds arrive placed; this only fills in what a user left out, so `planner check` can judge a
parts list. If no seating works, cards stay unplaced and the slot check says so.
"""

from __future__ import annotations

from planner.check.context import Ctx
from planner.data.facts import span_slots, width_slots
from planner.schema.build import Build, GpuUse


def auto_place(ctx: Ctx) -> Build:
    """The build with every unplaced card given a slot (direct, or on a riser where the chassis allows)."""
    build, board, chassis = ctx.build, ctx.board, ctx.chassis
    cards = build.gpu_cards()
    todo = [k for k, c in enumerate(cards) if c.mount is None and c.slot is None and c.port is None]
    if not todo or board is None:
        return build
    if ctx.server is not None:
        placed = [c if k not in todo else c.model_copy(update={"mount": "bay"}) for k, c in enumerate(cards)]
        return build.model_copy(update={"gpus": tuple(placed)})
    open_frame = chassis is not None and chassis.chassis_kind == "open-frame"
    risers_left = chassis.riser_positions if chassis else 0
    slots = sorted((s for s in board.slots if s.lanes >= ctx.min_lanes), key=lambda s: s.position)
    last = max((s.position for s in board.slots), default=0)
    taken = {q for c in cards if c.slot is not None for q in [c.slot]}
    order = sorted(todo, key=lambda k: -ctx.gpu(cards[k]).slot_width)
    seats: dict[int, tuple[int, str]] = {}

    def splits(pos: int) -> bool:
        return any(s.splits_in_two for s in board.slots if s.position == pos)

    def fits_direct(k: int, pos: int, used: set[int]) -> set[int] | None:
        gpu = ctx.gpu(cards[k])
        if gpu.requires_bifurcation and not splits(pos):
            return None
        if open_frame or (chassis is not None and pos + width_slots(gpu) - 1 > chassis.expansion_slots):
            return None
        cover = set(range(pos, min(last, pos + span_slots(gpu, chassis, ctx.rules) - 1) + 1))
        return None if cover & used else cover

    # Whether the cards from i on fit depends only on (i, positions taken, risers left): remembering the
    # states that failed keeps the search polynomial (16 unplaceable cards took seconds, issue 15).
    failed: set[tuple[int, frozenset[int], int]] = set()

    def search(i: int, used: set[int], risers: int) -> bool:
        if i == len(order):
            return True
        state = (i, frozenset(used), risers)
        if state in failed:
            return False
        k = order[i]
        for s in slots:
            if s.size == 16:
                cover = fits_direct(k, s.position, used)
                if cover is not None:
                    seats[k] = (s.position, "direct")
                    if search(i + 1, used | cover, risers):
                        return True
            if (
                risers > 0
                and s.position not in used
                and (splits(s.position) or not ctx.gpu(cards[k]).requires_bifurcation)
            ):
                seats[k] = (s.position, "riser")
                if search(i + 1, used | {s.position}, risers - 1):
                    return True
        seats.pop(k, None)
        failed.add(state)
        return False

    if not search(0, set(taken), risers_left):
        return build
    placed = [
        c if k not in seats else c.model_copy(update={"slot": seats[k][0], "mount": seats[k][1]})
        for k, c in enumerate(cards)
    ]
    return build.model_copy(update={"gpus": tuple(GpuUse(**g.model_dump()) for g in placed)})
