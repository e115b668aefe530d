"""What an alternative (`--top K`) trades against the best build, in one line."""

from __future__ import annotations

from collections import Counter

from planner.instance.resolve import Instance
from planner.schema.build import Build
from planner.solver.objectives import SENSE, shown


def trade_off(
    best: tuple[Build, dict[str, int]],
    alt: tuple[Build, dict[str, int]],
    objectives: tuple[str, ...],
    inst: Instance,
) -> str:
    """One line on what an alternative trades against the best: cost, the first objective, platform."""
    (b0, v0), (b1, v1) = best, alt
    parts = []
    dc = v1.get("cost", 0) - v0.get("cost", 0)
    if dc:
        parts.append(f"${abs(dc):,.0f} {'cheaper' if dc < 0 else 'dearer'}")
    first = next((o for o in objectives if o not in ("cost", "cost_of_ownership")), None)
    if first and first in v0 and first in v1 and v0[first] != v1[first]:
        parts.append(_compare(first, v0[first], v1[first], inst))
    if Counter(u.id for u in b0.gpus) != Counter(u.id for u in b1.gpus):
        parts.append("other GPUs")
    platform0, platform1 = b0.board or b0.server or b0.system, b1.board or b1.server or b1.system
    if platform1 != platform0:
        room = _room(inst, b1) - _room(inst, b0)
        text = f"other platform ({platform1})"
        if room > 0:
            text += f": room for {room} more card{'s' if room > 1 else ''}"
        parts.append(text)
    return ", ".join(parts) or "same figures"


def _compare(name: str, before: int, after: int, inst: Instance) -> str:
    """'2.0 tok/s slower', '24 GB more VRAM' ... in the user's unit."""
    better = after > before if SENSE[name] == "max" else after < before
    if name in ("decode", "prefill", "batch_throughput"):
        wl = inst.request.workload
        scale = 1 if wl is None else (wl.prompt if name == "prefill" else wl.batch if name != "decode" else 1)
        diff = abs(scale * 1e9 / max(1, after) - scale * 1e9 / max(1, before))
        return f"{diff:.1f} tok/s {'faster' if better else 'slower'}"
    if name == "vram":
        return f"{abs(after - before) / 1024:g} GB {'more' if better else 'less'} VRAM"
    return f"{shown(name, abs(after - before))} {'more' if better else 'less'} {name}"


def _room(inst: Instance, build: Build) -> int:
    """Cards the build's board could still take (usable slots and ports), 0 for whole systems."""
    board = build.board or build.server
    entry = next((b.entry for b in inst.boards if b.id == board), None)
    if entry is None:
        return 0
    capacity = getattr(entry, "gpu_positions", 0) or (
        sum(1 for s in entry.slots if s.lanes >= inst.min_lanes)
        + sum(p.count for p in entry.ports if p.lanes >= inst.min_lanes)
    )
    return max(0, capacity - len(build.gpus))
