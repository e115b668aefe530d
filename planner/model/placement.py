"""Rules that put cards somewhere real: one platform, a chassis that takes it, slots, risers, lanes."""

from __future__ import annotations

from typing import Any

from planner.model.core import BuildModel
from planner.model.money import riser_for, riser_options
from planner.schema import Board, Server


def one_platform(bm: BuildModel) -> None:
    """Exactly one board+CPU (or server+CPU), and a chassis unless the server is its own."""
    m = bm.m
    m.AddExactlyOne(bm.plat)
    m.Add(sum(bm.chassis) == 1 - bm.server_sel)
    min_ram = bm.inst.rules.memory.min_ram_gb
    for p, v in enumerate(bm.plat):
        if bm.inst.memory.get(p):
            m.Add(sum(bm.mem[p]) == v)
            # Enough system RAM (memory.min_ram_gb): DIMM sets below it are not options.
            for o, mv in zip(bm.inst.memory[p], bm.mem[p], strict=True):
                if o.gb < min_ram:
                    m.Add(mv == 0)
        else:
            m.Add(v == 0)
    for b, bv in zip(bm.inst.boards, bm.board_sel, strict=True):
        if isinstance(b.entry, Board):
            fitting = [
                c
                for c, h in zip(bm.chassis, bm.inst.chassis, strict=True)
                if b.entry.form_factor in h.entry.form_factors
            ]
            m.Add(bv <= sum(fitting))


def cards_in_slots(bm: BuildModel) -> None:
    """Each card sits in a slot, a server bay, on a riser from a slot, a bifurcated slot or a port.

    A card directly in a slot covers its width (plus a gap under open-air coolers) of back-plate
    positions; no two occupants share a position, and the card must end within the chassis slots.
    """
    inst, m, s = bm.inst, bm.m, bm.slots
    min_lanes = inst.min_lanes
    classes = sorted({bm.gpu_class(i) for i in range(len(inst.gpus))})
    outputs = inst.bifurcation.entry.outputs if inst.bifurcation else 0
    room_for: dict[int, object] = {}
    for b, (board, bv) in enumerate(zip(inst.boards, bm.board_sel, strict=True)):
        entry = board.entry
        if isinstance(entry, Server):
            for cls in classes:
                # Dual-GPU cards without a switch need a bifurcating slot, which server bays do not promise.
                s.bay[(b, cls)] = m.NewIntVar(
                    0, 0 if cls[2] else entry.gpu_positions, f"bay[{board.id}:{cls}]"
                )
            m.Add(sum(s.bay[(b, cls)] for cls in classes) <= entry.gpu_positions * bv)
            continue
        last = max((sl.position for sl in entry.slots), default=0)
        # body: what a card's width or a riser plug takes; air: the open-air gap a rule may ask for,
        # which a riser cable may share (it does not block the cooler's intake) but a card may not.
        cover: dict[int, list] = {q: [] for q in range(1, last + 1)}
        air: dict[int, list] = {q: [] for q in range(1, last + 1)}
        bodies: dict[int, list] = {q: [] for q in range(1, last + 1)}
        for sl in entry.slots:
            if sl.lanes < min_lanes:
                continue
            q = sl.position
            if sl.size == 16:
                for cls in classes:
                    width, span, needs_split, _ = cls
                    if needs_split and not sl.splits_in_two:
                        continue
                    v = m.NewBoolVar(f"slot[{board.id}:{q}:{cls}]")
                    s.direct[(b, q, cls)] = v
                    for r in range(q, min(last, q + span - 1) + 1):
                        if r < q + width:
                            cover[r].append(v)
                            bodies[r].append(v)
                        else:
                            air[r].append(v)
                    # The card must end within the chassis' expansion slots.
                    m.Add(v <= _closed_case_with(bm, q + width - 1, room_for))
            if riser_for(bm, b, "slot", sl.gen) is None:
                continue  # no riser in the catalogue holds this slot's link
            z = m.NewBoolVar(f"riser[{board.id}:{q}]")
            s.riser[(b, q)] = z
            cover[q].append(z)
            if inst.bifurcation and sl.splits_in_two and sl.lanes // 2 >= min_lanes:
                bif = m.NewBoolVar(f"bifurcate[{board.id}:{q}]")
                s.bifurcated[(b, q)] = bif
                cover[q].append(bif)
                n = m.NewIntVar(0, outputs, f"bifurcated_cards[{board.id}:{q}]")
                m.Add(n >= bif)
                m.Add(n <= outputs * bif)
                s.bif_cards[(b, q)] = n
        for r, occupants in cover.items():
            if occupants:
                m.Add(sum(occupants) <= bv)
            for a in air[r]:
                m.Add(a + sum(bodies[r]) <= 1)
        _sandwiches(bm, b, last)
        for k, port in enumerate(entry.ports):
            if port.lanes >= min_lanes and (port.kind, port.gen) in _kits(bm):
                s.port[(b, k)] = m.NewIntVar(0, port.count, f"port[{board.id}:{port.kind}{k}]")
                m.Add(s.port[(b, k)] <= port.count * bv)
    for p in range(len(inst.platforms)):
        _cpu_lanes(bm, p)
    g = bm.gpus
    for i in range(len(inst.gpus)):
        m.Add(g.n[i] == g.direct[i] + g.on_riser[i])
    for cls in classes:
        members = [g.direct[i] for i in range(len(inst.gpus)) if bm.gpu_class(i) == cls]
        placed = [v for (_, _, c), v in s.direct.items() if c == cls]
        bays = [v for (_, c), v in s.bay.items() if c == cls]
        m.Add(sum(members) == sum(placed) + sum(bays))
    m.Add(sum(g.on_riser) == s.riser_sources())
    # Cards that need a bifurcating slot hang only on plain risers from such slots.
    needs = [g.on_riser[i] for i in range(len(inst.gpus)) if bm.gpu_class(i)[2]]
    if needs:
        able = [
            z
            for (b, q), z in s.riser.items()
            if any(sl.splits_in_two for sl in inst.boards[b].entry.slots if sl.position == q)
        ]
        m.Add(sum(needs) <= sum(able))
    riser_room = sum(c * h.entry.riser_positions for c, h in zip(bm.chassis, inst.chassis, strict=True))
    m.Add(sum(g.on_riser) <= riser_room)
    # Open frames hold every card on a riser; server bays take cards directly.
    open_frame = sum(
        c for c, h in zip(bm.chassis, inst.chassis, strict=True) if h.entry.chassis_kind == "open-frame"
    )
    m.Add(sum(s.direct.values()) <= 16 * (1 - open_frame))
    # An open frame is a GPU mining frame: a build without cards goes in a case (issue 17).
    m.Add(open_frame <= bm.gpu_count)
    # The plainer build among equals (the solver's last tie-break): cards in slots, not on risers or
    # ports, and a case rather than an open frame.
    bm.exprs["plainness"] = sum(g.on_riser) + open_frame
    _capacity_cuts(bm, outputs)
    pick_risers(bm)


def pick_risers(bm: BuildModel) -> None:
    """One riser model per kind of connector (slot, MCIO, SlimSAS, OCuLink) carries every card hung from
    that kind; a slower, cheaper riser is an option beside each faster one, so a dearer riser is bought
    only where its faster link buys something. Each card's link runs at the generation its riser holds.

    One model per kind rather than one per mount keeps the search small (a choice per slot cost 1.2-1.7x
    the solver's work); it can miss a cheaper mix only where slots of different widths share a slowest link.
    """
    inst, m, s = bm.inst, bm.m, bm.slots

    def slot_gen(b: int, q: int) -> int:
        return int(next(sl.gen for sl in inst.boards[b].entry.slots if sl.position == q))

    # (mount, board, slot or port, its use, the risers it takes, its generation); a bifurcation card
    # takes a riser per card it carries.
    groups: dict[str, list[tuple[str, int, int, Any, Any, int]]] = {}
    for (b, q), v in s.riser.items():
        groups.setdefault("slot", []).append(("riser", b, q, v, v, slot_gen(b, q)))
    for (b, q), v in s.bifurcated.items():
        groups.setdefault("slot", []).append(("bifurcated", b, q, v, s.bif_cards[(b, q)], slot_gen(b, q)))
    for (b, k), v in s.port.items():
        port = inst.boards[b].entry.ports[k]
        groups.setdefault(port.kind, []).append(("port", b, k, v, v, port.gen))
    for host, group in sorted(groups.items()):
        options = riser_options(bm, host, max(gen for *_, gen in group))
        bought = sum(taken for *_, taken, _ in group)
        chosen: list[Any] = [None]
        if len(options) == 1:
            s.riser_counts.append((bought, options[0][0]))
        else:
            chosen = [m.NewBoolVar(f"riser_model[{host}:{r.id}]") for r, _ in options]
            counts = [m.NewIntVar(0, 64, f"risers[{host}:{r.id}]") for r, _ in options]
            m.AddAtMostOne(chosen)
            for c, y in zip(counts, chosen, strict=True):
                m.Add(c <= 64 * y)
            m.Add(sum(counts) == bought)
            s.riser_counts += [(c, r) for c, (r, _) in zip(counts, options, strict=True)]
        for mount, b, q, v, _taken, gen in group:
            s.picks[(mount, b, q)] = [
                (v, r, min(gen, held), y) for (r, held), y in zip(options, chosen, strict=True)
            ]


def _sandwiches(bm: BuildModel, b: int, last: int) -> None:
    """At most cooling.max_sandwiched_open_air open-air cards with another card's body starting right
    against their fans (a card directly in the slot position just past their width)."""
    m, s = bm.m, bm.slots
    starts: dict[int, list] = {}
    for (bb, q, _), v in s.direct.items():
        if bb == b:
            starts.setdefault(q, []).append(v)
    pressed = []
    for (bb, q, (width, _, _, open_air)), v in s.direct.items():
        below = starts.get(q + width, [])
        if bb != b or not open_air or not below or q + width > last:
            continue
        w = m.NewBoolVar(f"sandwiched[{b}:{q}:{width}]")
        m.Add(w >= v + sum(below) - 1)
        pressed.append(w)
    if len(pressed) > bm.inst.rules.cooling.max_sandwiched_open_air:
        m.Add(sum(pressed) <= bm.inst.rules.cooling.max_sandwiched_open_air)


def _capacity_cuts(bm: BuildModel, outputs: int) -> None:
    """Valid cuts that carry each board's and chassis' card capacity into the LP relaxation.

    They are implied by the slot-level constraints but only after branching; stated directly they let
    the bound see that more cards need a bigger (dearer) board and frame.
    """
    inst, m = bm.inst, bm.m
    per_board = []
    for b, (board, bv) in enumerate(zip(inst.boards, bm.board_sel, strict=True)):
        e = board.entry
        if isinstance(e, Server):
            per_board.append(bv * e.gpu_positions)
            continue
        usable = [sl for sl in e.slots if sl.lanes >= inst.min_lanes]
        bif = sum(1 for sl in usable if (bm.slots.bifurcated.get((b, sl.position)) is not None))
        ports = sum(pt.count for k, pt in enumerate(e.ports) if (b, k) in bm.slots.port)
        per_board.append(bv * (len(usable) + bif * max(0, outputs - 1) + ports))
    m.Add(bm.gpu_count <= sum(per_board))
    m.Add(bm.gpu_count <= sum(v * cap for v, cap, _ in bm.homes()))


def _closed_case_with(bm: BuildModel, slots: int, cache: dict[int, object]) -> object:
    """A literal: the chosen chassis is a closed case with at least this many expansion slots."""
    if slots not in cache:
        v = bm.m.NewBoolVar(f"case_slots>={slots}")
        bm.m.Add(
            v
            == sum(
                c
                for c, h in zip(bm.chassis, bm.inst.chassis, strict=True)
                if h.entry.expansion_slots >= slots and h.entry.chassis_kind != "open-frame"
            )
        )
        cache[slots] = v
    return cache[slots]


def _kits(bm: BuildModel) -> set[tuple[str, int]]:
    return {(host, gen) for host, gen in bm.inst.risers if host != "slot"}


def _cpu_lanes(bm: BuildModel, p: int) -> None:
    """Lanes of the CPU-fed slots in use stay within what the CPU(s) give."""
    inst, s = bm.inst, bm.slots
    plat = inst.platforms[p]
    b = plat.board_index
    budget = plat.cpu_entry.pcie_lanes * plat.sockets
    total_possible = sum(sl.lanes for sl in plat.entry.slots if sl.link == "cpu") + sum(
        pt.lanes * pt.count for pt in plat.entry.ports if pt.link == "cpu"
    )
    if total_possible <= budget:
        return
    used: list[Any] = []
    for sl in plat.entry.slots:
        if sl.link != "cpu":
            continue
        vars_here = [v for (bb, q, _), v in s.direct.items() if bb == b and q == sl.position]
        vars_here += [
            v
            for (bb, q), v in list(s.riser.items()) + list(s.bifurcated.items())
            if bb == b and q == sl.position
        ]
        used.extend(v * sl.lanes for v in vars_here)
    for k, port in enumerate(plat.entry.ports):
        if (b, k) in s.port and port.link == "cpu":
            used.append(s.port[(b, k)] * port.lanes)
    if used:
        bm.m.Add(sum(used) <= budget + total_possible * (1 - bm.plat[p]))


def cards_fit_chassis(bm: BuildModel) -> None:
    """Cards no longer than the chassis (or server) takes; servers take cards no wider than their bays.

    A passive card outside a fan wall wears a fan shroud (bought here, one per card) that makes it longer;
    without a shroud that fits it, it can only go where a fan wall cools it."""
    inst, m, g = bm.inst, bm.m, bm.gpus
    wall = bm.fan_wall()
    capacity = {v.Index(): cap for v, cap, _ in bm.homes()}
    airflow = [v for v, _, h in bm.homes() if isinstance(h, Server) or h.passive_airflow]
    need_air = inst.rules.cooling.passive_needs_airflow
    shrouds: dict[str, tuple[object, list]] = {}
    for i in range(len(inst.gpus)):
        gpu = g.entry(i)
        shroud = inst.accessory("fan-shroud", gpu.id) if need_air and gpu.cooling == "passive" else None
        extra = shroud.entry.added_length_mm if shroud is not None else 0.0
        homes = []
        for c, h in zip(bm.chassis, inst.chassis, strict=True):
            shrouded = need_air and gpu.cooling == "passive" and not h.entry.passive_airflow
            if gpu.length_mm + (extra if shrouded else 0) <= h.entry.max_gpu_length_mm:
                homes.append(c)
        homes += [
            v
            for b, v in zip(inst.boards, bm.board_sel, strict=True)
            if isinstance(b.entry, Server)
            and gpu.length_mm <= b.entry.max_gpu_length_mm
            and gpu.slot_width <= b.entry.max_gpu_slot_width
        ]
        # Bounded by the capacity of the homes that take the card (not a big constant): the same rule,
        # and a tighter LP relaxation.
        m.Add(g.n[i] <= sum(capacity[c.Index()] * c for c in homes))
        if not need_air or gpu.cooling != "passive":
            continue
        if shroud is None:
            m.Add(g.n[i] <= sum(capacity[c.Index()] * c for c in airflow))
            continue
        k = m.NewIntVar(0, bm.max_gpus, f"shrouds[{inst.gpus[i].key}]")
        m.Add(k >= g.n[i] - bm.max_gpus * wall)
        m.Add(k <= g.n[i])
        shrouds.setdefault(shroud.id, (shroud, []))[1].append(k)
    for part, counts in shrouds.values():
        bm.accessories.append((part, sum(counts)))  # type: ignore[arg-type]
