"""Read a solved model back into a concrete Build: parts, each card's slot and PSU, layers, circuits."""

from __future__ import annotations

from typing import Any

from planner.model.core import BuildModel
from planner.schema.build import Build, GpuUse, PartCount, PsuUse


def extract_build(solver: Any, bm: BuildModel, split: str) -> Build:
    """The build the solver chose, with a concrete placement for every card."""
    inst, val = bm.inst, solver.Value
    p = next(i for i, v in enumerate(bm.plat) if val(v))
    plat = inst.platforms[p]
    b = plat.board_index
    # Cards are tracked by GPU option index: an option is a card at one power limit.
    direct_by_class: dict[tuple[int, int, bool, bool], list[int]] = {}
    riser_cards: list[int] = []
    for i in range(len(inst.gpus)):
        direct_by_class.setdefault(bm.gpu_class(i), []).extend([i] * val(bm.gpus.direct[i]))
        riser_cards.extend([i] * val(bm.gpus.on_riser[i]))
    placed: list[dict[str, Any]] = []
    s = bm.slots
    for (pp, q, cls), v in sorted(s.direct.items(), key=lambda kv: kv[0][1]):
        if pp == b and val(v):
            placed.append({"opt": direct_by_class[cls].pop(), "slot": q, "mount": "direct"})
    for (pp, cls), v in s.bay.items():
        for _ in range(val(v) if pp == b else 0):
            placed.append({"opt": direct_by_class[cls].pop(), "mount": "bay"})
    risers: dict[str, int] = {}
    # Cards that need a bifurcating slot take the riser slots that split first; the model counted them.
    needs = {i for i in range(len(inst.gpus)) if bm.gpu_class(i)[2]}
    special = [c for c in riser_cards if c in needs]
    riser_cards = [c for c in riser_cards if c not in needs]
    used = [q for (pp, q), v in sorted(s.riser.items()) if pp == b and val(v)]
    splits = {q for q in used if _slot(plat, q).splits_in_two}
    for q in sorted(used, key=lambda q: q not in splits):
        card = (
            special.pop()
            if (q in splits and special)
            else (riser_cards.pop() if riser_cards else special.pop())
        )
        (riser,) = _picked(solver, bm, ("riser", b, q))
        placed.append({"opt": card, "slot": q, "mount": "riser", "riser": riser})
        _count(risers, riser)
    for (pp, q), v in sorted(s.bifurcated.items()):
        if pp == b and val(v):
            _count(risers, inst.bifurcation.id)  # type: ignore[union-attr]
            riser = _picked(solver, bm, ("bifurcated", b, q))[0]
            for _ in range(val(s.bif_cards[(pp, q)])):
                _count(risers, riser)
                if riser_cards:
                    placed.append({"opt": riser_cards.pop(), "slot": q, "mount": "bifurcated", "riser": riser})
    for (pp, k), _v in sorted(s.port.items()):
        for riser in _picked(solver, bm, ("port", b, k)) if pp == b else []:
            placed.append({"opt": riser_cards.pop(), "port": k, "mount": "port", "riser": riser})
            _count(risers, riser)
    _assign_psus(solver, bm, placed)
    _assign_layers(solver, bm, placed, split)
    psus = []
    for per_k in bm.psus.u:
        for k, per_i in enumerate(per_k):
            for i, u in enumerate(per_i):
                if val(u):
                    unit = inst.psus[k]
                    psus.append(
                        PsuUse(
                            id=unit.psu.id,
                            breakout=unit.breakout.id if unit.breakout else None,
                            circuit=i + 1,
                        )
                    )
    mem = next((o for o, v in zip(inst.memory[p], bm.mem[p], strict=True) if val(v)), None)
    chassis = next((c.id for c, v in zip(inst.chassis, bm.chassis, strict=True) if val(v)), None)
    return Build(
        board=None if plat.is_server else plat.board.id,
        server=plat.board.id if plat.is_server else None,
        cpu=plat.cpu.id,
        cpu_count=plat.sockets,
        memory=PartCount(id=mem.dimm.id, count=mem.count) if mem else None,
        chassis=chassis,
        gpus=tuple(_card(inst.gpus[c.pop("opt")], c) for c in placed),
        psus=tuple(psus),
        risers=tuple(PartCount(id=r, count=n) for r, n in sorted(risers.items())),
        bridges=tuple(PartCount(id=b) for b, (v, _) in sorted(bm.bridges.items()) if val(v)),
        accessories=_accessories(solver, bm),
        cpu_layers=val(bm.cpu_layers) if bm.cpu_layers is not None else 0,
        split="tensor" if split == "tensor" and len(placed) > 1 else "layer",
        offload="experts" if split == "experts" else "layers",
        runtime=next((a for a, v in bm.runtime.items() if val(v)), None) if placed else None,
    )


def _card(opt: Any, placed: dict[str, Any]) -> GpuUse:
    """One placed card: its id and, for a limited option, its power limit."""
    return GpuUse(id=opt.id, power_limit_w=opt.limit_w, **placed)


def _accessories(solver: Any, bm: BuildModel) -> tuple[PartCount, ...]:
    """Accessories the solver bought, by id (shrouds, EPS adapters, adapter boards)."""
    counts: dict[str, int] = {}
    for acc, expr in bm.accessories:
        counts[acc.id] = counts.get(acc.id, 0) + int(solver.Value(expr))
    for i, gpu in enumerate(bm.inst.gpus):
        for kind in gpu.entry.needs:
            board = bm.inst.accessory(kind, gpu.id)
            if board is not None:
                counts[board.id] = counts.get(board.id, 0) + solver.Value(bm.gpus.n[i])
    return tuple(PartCount(id=a, count=n) for a, n in sorted(counts.items()) if n > 0)


def _picked(solver: Any, bm: BuildModel, mount: tuple[str, int, int]) -> list[str]:
    """The riser ids a mount uses, one per card it carries (one per slot for a bifurcated slot)."""
    picks = bm.slots.picks[mount]
    riser = next(r.id for _, r, _, y in picks if y is None or solver.Value(y))
    return [riser] * solver.Value(picks[0][0])


def _count(d: dict[str, int], key: str) -> None:
    d[key] = d.get(key, 0) + 1


def _slot(plat: Any, q: int) -> Any:
    return next(s for s in plat.entry.slots if s.position == q)


def _assign_psus(solver: Any, bm: BuildModel, placed: list[dict[str, Any]]) -> None:
    """Give each card the PSU instance the solver's feed counts say (instances in use, in order)."""
    if not any(solver.Value(v) for per_k in bm.psus.u[0] for v in per_k):
        return  # a server feeds its own cards
    for i in range(len(bm.inst.gpus)):
        feeds = []
        for j in range(len(bm.psus.u)):
            feeds.extend([j + 1] * solver.Value(bm.psus.feeds[j][i]))  # numbered from 1
        for card in placed:
            if card["opt"] == i and "psu" not in card and feeds:
                card["psu"] = feeds.pop()


def _assign_layers(solver: Any, bm: BuildModel, placed: list[dict[str, Any]], split: str) -> None:
    """Spread each option's layers over its cards as evenly as its per-card capacity allows."""
    if bm.inst.request.workload is None or split == "tensor" or not bm.layers:
        return
    for i in range(len(bm.inst.gpus)):
        mine = [c for c in placed if c["opt"] == i]
        total = solver.Value(bm.layers[i])
        for k, card in enumerate(mine):
            card["layers"] = total // len(mine) + (1 if k < total % len(mine) else 0)
