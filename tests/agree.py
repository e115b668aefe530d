"""Ask the CP-SAT model whether one given build is feasible: every part, slot, feed and circuit fixed.

The model and the checker must then agree exactly: a build the checker passes is feasible in the model,
and a build the model accepts passes the checker. A build the model cannot express at all (a part it
was not offered, a riser it would not buy, a DIMM count it does not consider) counts as infeasible.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ortools.sat.python import cp_model

from planner.model import BuildModel, build_model
from planner.model.money import riser_for
from planner.schema.build import Build, PartCount


def model_risers(bm: BuildModel, build: Build) -> Counter[str] | None:
    """The risers the model buys for this build's mounts (None when it has no riser for one of them)."""
    inst = bm.inst
    plat = next((p for p in inst.platforms if p.board.id == build.board and p.cpu.id == build.cpu), None)
    if plat is None or build.board is None:
        return Counter()
    b = plat.board_index
    slots = {s.position: s for s in plat.entry.slots}
    out: Counter[str] = Counter()
    bif_slots: set[int] = set()
    for card in build.gpu_cards():
        if card.mount in ("riser", "bifurcated"):
            sl = slots.get(card.slot or 0)
            if sl is None:
                return None
            r = riser_for(bm, b, "slot", sl.gen)
            if r is None:
                return None
            out[r.id] += 1
            if card.mount == "bifurcated" and card.slot not in bif_slots:
                if inst.bifurcation is None:
                    return None
                bif_slots.add(card.slot)  # type: ignore[arg-type]
                out[inst.bifurcation.id] += 1
        elif card.mount == "port":
            ports = plat.entry.ports
            if card.port is None or card.port >= len(ports):
                return None
            r = riser_for(bm, b, ports[card.port].kind, ports[card.port].gen)
            if r is None:
                return None
            out[r.id] += 1
    return out


def with_model_risers(bm: BuildModel, build: Build) -> Build:
    """The build with the risers list the model would buy for its mounts (mutations keep builds whole)."""
    risers = model_risers(bm, build)
    if risers is None:
        return build
    return build.model_copy(
        update={"risers": tuple(PartCount(id=r, count=n) for r, n in sorted(risers.items()))}
    )


def fix_build(bm: BuildModel, build: Build) -> bool:
    """Constrain the model to exactly this build; False when the model cannot express it."""
    inst, m, g = bm.inst, bm.m, bm.gpus
    p = next(
        (k for k, pl in enumerate(inst.platforms) if pl.board.id == build.board and pl.cpu.id == build.cpu),
        None,
    )
    if p is None or build.board is None or inst.platforms[p].sockets != build.cpu_count:
        return False
    m.Add(bm.plat[p] == 1)
    opts = inst.memory.get(p, [])
    mem = next(
        (
            k
            for k, o in enumerate(opts)
            if build.memory and (o.dimm.id, o.count) == (build.memory.id, build.memory.count)
        ),
        None,
    )
    case = next((k for k, c in enumerate(inst.chassis) if c.id == build.chassis), None)
    if mem is None or case is None:
        return False
    m.Add(bm.mem[p][mem] == 1)
    m.Add(bm.chassis[case] == 1)
    cards = build.gpu_cards()
    which = [option_of(inst, c) for c in cards]
    bought = Counter({r.id: r.count for r in build.risers})
    if None in which or bought != model_risers(bm, build):
        return False
    # The runtime every card runs on (none to name without cards: the model then runs the CPU).
    if bm.runtime and build.runtime is not None and build.gpus:
        if build.runtime not in bm.runtime:
            return False
        m.Add(bm.runtime[build.runtime] == 1)
    b = inst.platforms[p].board_index
    for i in range(len(inst.gpus)):
        mine = [c for c, w in zip(cards, which, strict=True) if w == i]
        m.Add(g.n[i] == len(mine))
        m.Add(g.direct[i] == sum(1 for c in mine if c.mount == "direct"))
    if not _fix_mounts(bm, b, cards, which):
        return False
    return _fix_psus(bm, build, which)


def option_of(inst: Any, card: Any) -> int | None:
    """The GPU option of a card: its id at its power limit (None: at default power)."""
    for i, o in enumerate(inst.gpus):
        same = o.limit_w == card.power_limit_w or (
            o.limit_w is not None
            and card.power_limit_w is not None
            and abs(o.limit_w - card.power_limit_w) < 1e-6
        )
        if o.id == card.id and same:
            return i
    return None


def _fix_mounts(bm: BuildModel, b: int, cards: list[Any], which: list[Any]) -> bool:
    m, s = bm.m, bm.slots
    direct: Counter[Any] = Counter()
    riser: Counter[Any] = Counter()
    bif: set[Any] = set()
    port: Counter[Any] = Counter()
    for c, i in zip(cards, which, strict=True):
        if c.mount == "direct":
            direct[(b, c.slot, bm.gpu_class(i))] += 1
        elif c.mount == "riser":
            riser[(b, c.slot)] += 1
        elif c.mount == "bifurcated":
            bif.add((b, c.slot))
        elif c.mount == "port":
            port[(b, c.port)] += 1
        else:
            return False
    if any(k not in s.direct or n > 1 for k, n in direct.items()) or any(
        k not in s.riser or n > 1 for k, n in riser.items()
    ):
        return False
    if any(k not in s.bifurcated for k in bif) or any(k not in s.port for k in port):
        return False
    for k, v in s.direct.items():
        m.Add(v == direct.get(k, 0))
    for k, v in s.riser.items():
        m.Add(v == riser.get(k, 0))
    for k, v in s.bifurcated.items():
        m.Add(v == (1 if k in bif else 0))
        m.Add(s.bif_cards[k] == sum(1 for c in cards if c.mount == "bifurcated" and (b, c.slot) == k))
    for k, v in s.port.items():
        m.Add(v == port.get(k, 0))
    return True


def _fix_psus(bm: BuildModel, build: Build, which: list[Any]) -> bool:
    """PSU instances in the model's order (the first feeds the board; the others sorted), and the feeds."""
    inst, m, ps = bm.inst, bm.m, bm.psus
    n_c = len(inst.circuits)
    keys = []
    for use in build.psus:
        k = next(
            (
                k
                for k, o in enumerate(inst.psus)
                if o.psu.id == use.id and (o.breakout.id if o.breakout else None) == use.breakout
            ),
            None,
        )
        if k is None or use.circuit > n_c:
            return False
        keys.append((k, use.circuit - 1))  # build files number circuits from 1
    if len(keys) > len(ps.u):
        return False
    order = [0, *sorted(range(1, len(keys)), key=lambda j: keys[j][0] * n_c + keys[j][1])] if keys else []
    new_index = {old: new for new, old in enumerate(order)}
    for j in range(len(ps.u)):
        for k, per_k in enumerate(ps.u[j]):
            for i, v in enumerate(per_k):
                chosen = j < len(order) and keys[order[j]] == (k, i)
                m.Add(v == (1 if chosen else 0))
    feeds: Counter[tuple[int, int]] = Counter()
    for c, i in zip(build.gpu_cards(), which, strict=True):
        if c.psu is None or c.psu > len(keys):
            return False
        feeds[(new_index[c.psu - 1], i)] += 1  # and PSUs from 1
    for j in range(len(ps.u)):
        for i in range(len(inst.gpus)):
            m.Add(ps.feeds[j][i] == feeds.get((j, i), 0))
    return True


def comparable(inst: Any, build: Build) -> bool:
    """Whether the model states this build's power limits at all: it offers each card at the levels of
    the rules (only the lowest without a workload, the solver raising them afterwards), so a build at
    another limit says nothing about the model, unless the request forbids limits altogether."""
    if not inst.request.allow_power_limits:
        return True
    return all(option_of(inst, c) is not None for c in build.gpu_cards())


def model_accepts(inst: Any, build: Build, seconds: float = 20.0) -> bool | None:
    """Whether the model, every rule enforced, has this exact build (None if the solver ran out of time)."""
    bm = build_model(inst)
    if not fix_build(bm, build):
        return False
    for lit in bm.guards.values():
        bm.m.Add(lit == 1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_search_workers = 1
    status = solver.Solve(bm.m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if status == cp_model.INFEASIBLE else None
