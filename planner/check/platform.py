"""Checks of the physical build: parts fit together, cards sit in real slots, lanes, length, cooling."""

from __future__ import annotations

import math

from planner.check.context import Ctx, Violation
from planner.data.facts import case_heat_share, cooling_capacity_w, riser_ok, span_slots, width_slots
from planner.schema import Board, Server

V = Violation


def check_parts_exist(ctx: Ctx) -> list[Violation]:
    """Every id names a catalogue part of the right kind."""
    b = ctx.build
    want: dict[str, list[str | None]] = {
        "system": [b.system],
        "board": [b.board],
        "server": [b.server],
        "cpu": [b.cpu],
        "chassis": [b.chassis],
        "memory": [b.memory.id if b.memory else None],
        "gpu": [c.id for c in ctx.cards],
        "psu": [p.id for p in b.psus],
        "breakout": [p.breakout for p in b.psus],
        "riser": [*(r.id for r in b.risers), *(c.riser for c in ctx.cards)],
        "bridge": [r.id for r in b.bridges],
        "accessory": [a.id for a in b.accessories],
    }
    out = []
    for kind, ids in want.items():
        for pid in ids:
            if pid is None:
                continue
            e = ctx.part(pid)
            if e is None or e.kind != kind:
                out.append(V("parts exist", f"{pid!r} is not a {kind} in the catalogue"))
    return out


def check_cpu_fits_board(ctx: Ctx) -> list[Violation]:
    """The CPU's socket and series are the board's; one CPU per socket."""
    board, cpu = ctx.board, ctx.cpu
    if board is None or cpu is None:
        return []
    out = []
    if cpu.socket != board.socket or cpu.series not in board.cpu_series:
        out.append(
            V(
                "CPU fits board",
                f"{cpu.id} ({cpu.socket}, {cpu.series}) does not fit {board.id} "
                f"({board.socket}, {', '.join(board.cpu_series)})",
            )
        )
    if ctx.build.cpu_count != board.sockets:
        out.append(
            V(
                "CPU fits board",
                f"{board.id} has {board.sockets} socket(s), build has {ctx.build.cpu_count} CPU(s)",
            )
        )
    if cpu.max_sockets < board.sockets:
        out.append(V("CPU fits board", f"{cpu.id} cannot run in a {board.sockets}-socket system"))
    return out


def check_memory(ctx: Ctx) -> list[Violation]:
    """DIMMs match the board, fill the channels, and give at least the minimum RAM."""
    board, dimm, cpu = ctx.board, ctx.dimm, ctx.cpu
    if board is None:
        return []
    if dimm is None or ctx.build.memory is None:
        return [V("memory", "a board build needs DIMMs")]
    out = []
    count = ctx.build.memory.count
    form_ok = dimm.form == board.memory_form or (board.memory_form == "rdimm" and dimm.form == "lrdimm")
    if dimm.memory_type != board.memory_type or not form_ok:
        out.append(
            V(
                "memory",
                f"{dimm.id} ({dimm.memory_type} {dimm.form}) does not fit {board.id} "
                f"({board.memory_type} {board.memory_form})",
            )
        )
    if count > board.memory_slots:
        out.append(V("memory", f"{count} DIMMs but {board.id} has {board.memory_slots} slots"))
    channels = min(board.memory_channels, (cpu.memory_channels if cpu else 1) * ctx.build.cpu_count)
    if ctx.rules.memory.populate_all_channels and count % channels:
        out.append(V("memory channels populated", f"{count} DIMMs do not fill {channels} channels evenly"))
    if ctx.ram_gb < ctx.rules.memory.min_ram_gb:
        out.append(
            V("memory", f"{ctx.ram_gb:g} GB RAM is below the {ctx.rules.memory.min_ram_gb:g} GB minimum")
        )
    if ctx.ram_gb > board.max_memory_gb:
        out.append(V("memory", f"{ctx.ram_gb:g} GB exceeds {board.id}'s {board.max_memory_gb} GB"))
    return out


def check_chassis(ctx: Ctx) -> list[Violation]:
    """A board needs a chassis that takes its form factor and is of an allowed kind; servers are their own."""
    board, chassis = ctx.board, ctx.chassis
    if board is None:
        return []
    if isinstance(board, Server):
        return [V("chassis", "a server barebone is its own chassis")] if chassis else []
    if chassis is None:
        return [V("chassis", "a board build needs a chassis")]
    out = []
    if board.form_factor not in chassis.form_factors:
        out.append(
            V(
                "board fits chassis",
                f"{chassis.id} takes {', '.join(chassis.form_factors)}, not {board.form_factor}",
            )
        )
    if chassis.chassis_kind not in ctx.request.chassis_kinds():
        out.append(
            V(
                "chassis kinds",
                f"{chassis.chassis_kind} is not among {', '.join(ctx.request.chassis_kinds())}",
            )
        )
    if chassis.chassis_kind == "open-frame" and not ctx.cards:
        out.append(V("chassis", f"{chassis.id} is a GPU frame; a build without cards goes in a case"))
    return out


def check_slots(ctx: Ctx) -> list[Violation]:
    """Each card has a real home; no two occupy the same back-plate position; risers where needed."""
    board, chassis = ctx.board, ctx.chassis
    if board is None or not ctx.cards:
        return []
    out: list[Violation] = []
    if isinstance(board, Server):
        if len(ctx.cards) > board.gpu_positions:
            out.append(
                V(
                    "cards in slots",
                    f"{len(ctx.cards)} cards, {board.id} has {board.gpu_positions} GPU positions",
                )
            )
        wrong = [c.id for c in ctx.cards if c.mount not in (None, "bay")]
        split = sorted({c.id for c in ctx.cards if ctx.gpu(c).requires_bifurcation})
        if split:
            out.append(
                V(
                    "cards in slots",
                    f"{', '.join(split)} need a slot set to x8x8; server bays do not offer one",
                )
            )
        if wrong:
            out.append(V("cards in slots", f"in a server every card sits in a bay: {', '.join(wrong)}"))
        return out
    slots = {s.position: s for s in board.slots}
    covered: dict[int, tuple[str, str]] = {}
    bif_use: dict[int, int] = {}
    port_use: dict[int, int] = {}
    riser_mounts = 0
    open_frame = chassis is not None and chassis.chassis_kind == "open-frame"
    for c in ctx.cards:
        gpu = ctx.gpu(c)
        if c.mount == "port":
            if c.port is None or c.port >= len(board.ports):
                out.append(V("cards in slots", f"{c.id}: port {c.port} does not exist on {board.id}"))
                continue
            port = board.ports[c.port]
            port_use[c.port] = port_use.get(c.port, 0) + 1
            if port.lanes < ctx.min_lanes:
                out.append(V("PCIe lanes", f"{c.id}: {port.kind} x{port.lanes} is below x{ctx.min_lanes}"))
            riser_mounts += 1
            continue
        sl = slots.get(c.slot or 0)
        if sl is None:
            out.append(V("cards in slots", f"{c.id}: {board.id} has no slot at position {c.slot}"))
            continue
        if gpu.requires_bifurcation and (c.mount == "bifurcated" or not sl.splits_in_two):
            out.append(
                V(
                    "cards in slots",
                    f"{c.id} carries two GPUs without a switch: it needs a slot of its own "
                    f"set to x8x8, and slot {sl.position} cannot",
                )
            )
        lanes = sl.lanes // 2 if c.mount == "bifurcated" else sl.lanes
        if lanes < ctx.min_lanes:
            out.append(V("PCIe lanes", f"{c.id}: slot {sl.position} gives x{lanes}, below x{ctx.min_lanes}"))
        if c.mount == "direct":
            if open_frame:
                out.append(V("cards in slots", f"{c.id}: in an open frame cards hang on risers"))
            if sl.size != 16:
                out.append(V("cards in slots", f"{c.id}: slot {sl.position} is physically x{sl.size}"))
            span = span_slots(gpu, chassis, ctx.rules)
            if chassis is not None and sl.position + width_slots(gpu) - 1 > chassis.expansion_slots:
                out.append(
                    V(
                        "cards fit chassis",
                        f"{c.id} in slot {sl.position} needs {width_slots(gpu)} slots; "
                        f"{chassis.id} has {chassis.expansion_slots}",
                    )
                )
            last = max(slots)
            width = width_slots(gpu)
            for q in range(sl.position, min(last, sl.position + span - 1) + 1):
                # Positions past the card's body are the open-air gap: risers may use them.
                _occupy(covered, q, c.id, out, "card" if q < sl.position + width else "air")
        elif c.mount == "bifurcated":
            bif_use[sl.position] = bif_use.get(sl.position, 0) + 1
            if bif_use[sl.position] == 1:
                _occupy(covered, sl.position, f"bifurcation card ({c.id})", out, "riser")
            if not sl.splits_in_two:
                out.append(V("cards in slots", f"slot {sl.position} of {board.id} does not bifurcate x8x8"))
            riser_mounts += 1
        else:
            _occupy(covered, sl.position, f"riser ({c.id})", out, "riser")
            riser_mounts += 1
    for k, n in port_use.items():
        if n > board.ports[k].count:
            out.append(
                V("cards in slots", f"{n} cards on {board.ports[k].count} {board.ports[k].kind} port(s)")
            )
    out.extend(_check_risers(ctx, riser_mounts, bif_use, port_use))
    return out


def _occupy(covered: dict[int, tuple[str, str]], q: int, who: str, out: list[Violation], what: str) -> None:
    """Claim a back-plate position for a card's body, its air gap or a riser. A riser (or another gap)
    may share a gap position: a ribbon cable does not block the air a cooler draws."""
    if q not in covered:
        covered[q] = (who, what)
        return
    other, kind = covered[q]
    if {what, kind} <= {"air", "riser"} and not what == kind == "riser":
        if kind == "air":
            covered[q] = (who, what)
        return
    out.append(V("cards in slots", f"{who} and {other} both need back-plate position {q}"))


def _check_risers(
    ctx: Ctx, mounts: int, bif_use: dict[int, int], port_use: dict[int, int]
) -> list[Violation]:
    """Enough risers bought, rated for the link, and room to mount the cards they carry."""
    chassis = ctx.chassis
    out = []
    room = chassis.riser_positions if chassis else 0
    if mounts > room:
        out.append(
            V(
                "cards fit chassis",
                f"{mounts} cards on risers but {chassis.id if chassis else 'no chassis'} "
                f"has {room} riser position(s)",
            )
        )
    bought = {r.id: (ctx.part(r.id), r.count) for r in ctx.build.risers}
    slot_risers = sum(
        n
        for e, n in bought.values()
        if e is not None and e.host == "slot" and e.riser_kind != "bifurcation-card"
    )
    cards = sum(n for e, n in bought.values() if e is not None and e.riser_kind == "bifurcation-card")
    kits = sum(n for e, n in bought.values() if e is not None and e.host != "slot")
    slot_mounts = mounts - sum(port_use.values())
    if slot_risers < slot_mounts:
        out.append(V("risers", f"{slot_mounts} cards on slot risers but {slot_risers} riser(s) in the build"))
    if cards < len(bif_use):
        out.append(V("risers", f"{len(bif_use)} bifurcated slot(s) but {cards} bifurcation card(s)"))
    if kits < sum(port_use.values()):
        out.append(V("risers", f"{sum(port_use.values())} cards on ports but {kits} cable kit(s)"))
    named: dict[str, int] = {}
    for c in ctx.cards:
        if c.riser:
            named[c.riser] = named.get(c.riser, 0) + 1
    for rid, n in sorted(named.items()):
        have = bought[rid][1] if rid in bought else 0
        if n > have:
            out.append(V("risers", f"{n} card(s) hang on {rid} but the build has {have}"))
    for e, _ in bought.values():
        # A link may run at a lower generation (a BIOS setting); Gen3 is the floor for GPU work.
        if (
            e is not None
            and e.riser_kind != "bifurcation-card"
            and not any(riser_ok(e, gen, ctx.rules) for gen in range(3, min(e.pcie_gen, 5) + 1))
        ):
            out.append(
                V(
                    "riser rules",
                    f"{e.id} ({e.riser_kind}, x{e.lanes}, {e.length_mm:g} mm) is not fit for GPUs",
                )
            )
    return out


def check_lanes(ctx: Ctx) -> list[Violation]:
    """CPU-fed slots and ports in use stay within the lanes the CPU(s) give."""
    board, cpu = ctx.board, ctx.cpu
    if not isinstance(board, Board) or cpu is None:
        return []
    used_slots = {c.slot for c in ctx.cards if c.mount in ("direct", "riser", "bifurcated")}
    lanes: int = sum(s.lanes for s in board.slots if s.position in used_slots and s.link == "cpu")
    lanes += sum(
        board.ports[c.port].lanes
        for c in ctx.cards
        if c.mount == "port"
        and c.port is not None
        and c.port < len(board.ports)
        and board.ports[c.port].link == "cpu"
    )
    budget = cpu.pcie_lanes * ctx.build.cpu_count
    return (
        [V("PCIe lanes", f"slots in use take {lanes} CPU lanes; {cpu.id} gives {budget}")]
        if lanes > budget
        else []
    )


def check_cards_fit(ctx: Ctx) -> list[Violation]:
    """Cards no longer than the chassis or server takes, no wider than a server bay."""
    out = []
    limit = (
        ctx.server.max_gpu_length_mm
        if ctx.server
        else (ctx.chassis.max_gpu_length_mm if ctx.chassis else math.inf)
    )
    for c in ctx.cards:
        gpu = ctx.gpu(c)
        if gpu.length_mm > limit:
            out.append(V("cards fit chassis", f"{c.id} is {gpu.length_mm:g} mm; room for {limit:g} mm"))
        if ctx.server and gpu.slot_width > ctx.server.max_gpu_slot_width:
            out.append(
                V(
                    "cards fit chassis",
                    f"{c.id} is {gpu.slot_width:g} slots wide; bays take {ctx.server.max_gpu_slot_width:g}",
                )
            )
    return out


def check_cooling(ctx: Ctx) -> list[Violation]:
    """Heat within what a closed case or server moves; open frames are cooled by room air (no cap).

    Passive cards' airflow (a fan wall or a shroud each) is checked with the accessories."""
    if ctx.board is None:
        return []
    cards = sum(ctx.card_w(c) * case_heat_share(ctx.gpu(c), ctx.rules) for c in ctx.cards)
    heat = cards + (ctx.cpu.tdp_w * ctx.build.cpu_count if ctx.cpu else 0)
    if ctx.server is not None:
        cap, basis = ctx.server.cooling_capacity_w, "its fans move"
    elif ctx.chassis is not None:
        scaled = cooling_capacity_w(ctx.chassis, ctx.rules)
        if scaled is None:
            return []
        rise = ctx.rules.cooling.case_air_rise_c
        cap = scaled
        basis = f"{ctx.chassis.cooling_capacity_w:,.0f} W at a 10 C case-air rise, x {rise:g}/10"
    else:
        cap, basis = 0.0, "no enclosure"
    if heat > cap + 1e-6:
        return [
            V("cooling sufficient", f"{heat:,.0f} W of heat in the case > {cap:,.0f} W it moves ({basis})")
        ]
    return []
