"""Per-part compatibility notes for the parts list, as a shop's build checker words them ("needs 2 x 8-pin
PCIe", "runs at x8: the slot has 8 lanes", "EPS input: a PCIe-to-EPS adapter per card"): each a fact of the
catalogue entry against the rest of this build, never advice the data cannot back."""

from __future__ import annotations

import re
from collections import Counter

from planner.check.context import Ctx
from planner.check.links import slot_links
from planner.schema import PowerConnectors

LEADS = (
    ("pcie_8pin", "8-pin PCIe"),
    ("pcie_6pin", "6-pin PCIe"),
    ("hpwr_12v", "12V-2x6 (16-pin)"),
    ("eps_8pin", "EPS 8-pin"),
)


def leads(power: PowerConnectors) -> str:
    """'2 x 8-pin PCIe + 1 x 6-pin PCIe', or '' when none."""
    return " + ".join(f"{getattr(power, key)} x {name}" for key, name in LEADS if getattr(power, key))


def _narrow_links(ctx: Ctx) -> dict[str, list[str]]:
    """Per GPU id: 'runs at gen3 x8 in slots 2, 4 (card gen4 x16)' for the cards a slot holds back."""
    slower: dict[tuple[str, str, str], list[str]] = {}
    for card, link in zip(ctx.cards, slot_links(ctx), strict=True):
        gpu = ctx.gpu(card)
        if link.gen is None or link.lanes is None:
            continue
        if link.lanes < gpu.pcie_lanes or link.gen < gpu.pcie_gen:
            got = f"gen{min(link.gen, gpu.pcie_gen)} x{min(link.lanes, gpu.pcie_lanes)}"
            where = f"slot {card.slot}" if card.slot else (link.port or "its port")
            slower.setdefault((gpu.id, got, f"gen{gpu.pcie_gen} x{gpu.pcie_lanes}"), []).append(where)
    out: dict[str, list[str]] = {}
    for (gid, got, own), places in slower.items():
        out.setdefault(gid, []).append(f"runs at {got} in {', '.join(places)} (card {own})")
    return out


def _gpu_notes(ctx: Ctx) -> dict[str, list[str]]:
    out: dict[str, list[str]] = _narrow_links(ctx)
    for card in ctx.cards:
        gpu = ctx.gpu(card)
        notes = out.setdefault(gpu.id, [])
        need = leads(gpu.power)
        if need and f"power: {need}" not in notes:
            notes.append(f"power: {need} per card")
        if gpu.power.eps_8pin and ctx.build.psus and "EPS input" not in " ".join(notes):
            notes.append(
                "EPS input: a datacentre card takes CPU-style EPS 8-pin leads (or a dual PCIe 8-pin to EPS adapter)"
            )
        if gpu.cooling == "passive" and "passive" not in " ".join(notes):
            notes.append("passive cooler: needs forced airflow through the card")
        if gpu.requires_bifurcation and "x8x8" not in " ".join(notes):
            notes.append("two GPUs without a switch: its slot must be set to x8x8 in the BIOS")
        chassis = ctx.chassis
        if chassis is not None and f"{gpu.length_mm:g} mm" not in " ".join(notes):
            notes.append(f"{gpu.length_mm:g} mm long; {chassis.id} takes {chassis.max_gpu_length_mm:g} mm")
        if gpu.slot_width > 2 and "slots wide" not in " ".join(notes):
            notes.append(f"{gpu.slot_width:g} slots wide")
    return out


def _platform_notes(ctx: Ctx) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    system = ctx.system
    if system is not None:
        notes = [
            f"{system.memory_gb:g} GB unified {system.memory_type}, {system.gpu_memory_gb:g} GB of it for the GPU by default"
        ]
        if system.gpu_memory_raised_gb:
            # The basis explains the limit at length; the sheet quotes the command it names.
            command = re.search(r"sudo sysctl \S+", system.gpu_memory_raised_basis)
            how = command.group(0) if command else f"planner catalog show {system.id}"
            notes.append(f"{system.gpu_memory_raised_gb:g} GB with the raised limit ({how})")
        notes.append(f"up to {system.power_w:g} W from one wall socket")
        out[system.id] = notes
    board, cpu, dimm = ctx.board, ctx.cpu, ctx.dimm
    if board is not None and cpu is not None:
        out[cpu.id] = [
            f"socket {cpu.socket}: fits {board.id}",
            f"{cpu.pcie_lanes} PCIe gen{cpu.pcie_gen} lanes per socket",
        ]
        notes = out.setdefault(board.id, [])
        if len(ctx.cards) > 1 or ctx.server is not None:
            notes.append("BIOS: Above 4G decoding on (and Resizable BAR where offered) for the GPUs")
        bifurcated = sorted({c.slot for c in ctx.cards if c.mount == "bifurcated" and c.slot})
        if bifurcated:
            notes.append("BIOS: slot " + ", ".join(map(str, bifurcated)) + " set to x8x8")
        chipset = sorted(
            {
                c.slot
                for c, link in zip(ctx.cards, slot_links(ctx), strict=True)
                if link.via == "chipset" and c.slot
            }
        )
        if chipset:
            notes.append("slot " + ", ".join(map(str, chipset)) + " wired to the chipset (shared uplink)")
    if dimm is not None and ctx.build.memory is not None and board is not None:
        n = ctx.build.memory.count
        channels = board.memory_channels
        notes = [f"{dimm.memory_type} {dimm.form}: the board takes {board.memory_type} {board.memory_form}"]
        notes.append(
            f"{n} DIMMs on {channels} channels"
            + (
                ": every channel filled"
                if n >= channels
                else f": {channels - n} channel(s) empty, less bandwidth"
            )
        )
        out[dimm.id] = notes
    chassis = ctx.chassis
    if chassis is not None and board is not None:
        out[chassis.id] = [f"{chassis.chassis_kind}: takes {', '.join(chassis.form_factors)} boards"]
        if chassis.riser_positions:
            out[chassis.id].append(f"{chassis.riser_positions} positions for cards on risers")
    return out


def _power_notes(ctx: Ctx) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    volts = min((c.volts for c in ctx.request.site.circuits), default=120)
    for k, use in enumerate(ctx.build.psus):
        psu = ctx.psu(k)
        notes = out.setdefault(psu.id, [])
        if psu.needs_breakout and use.breakout and f"breakout {use.breakout}" not in notes:
            notes.append(f"needs a breakout board: {use.breakout} (in the parts list)")
        if psu.watts_low_line < psu.watts and volts < 180 and "low line" not in " ".join(notes):
            notes.append(f"{psu.watts_low_line:g} W at {volts:g} V (low line), {psu.watts:g} W at 200-240 V")
        if psu.atx_version in ("3.0", "3.1") and "ATX" not in " ".join(notes):
            notes.append(f"ATX {psu.atx_version}: rated for 200 % GPU power excursions")
        have = leads(psu.connectors)
        if have and "leads:" not in " ".join(notes):
            notes.append(f"leads: {have}")
        if use.breakout:
            brk = ctx.part(use.breakout)
            bnotes = out.setdefault(brk.id, [])
            if not bnotes:
                bnotes.append(
                    f"takes {', '.join(brk.fits_families)} PSUs; gives {leads(brk.connectors)}; up to {brk.max_w:g} W"
                )
    return out


def _riser_notes(ctx: Ctx) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    limits = ctx.rules.pcie.riser_max_length_mm
    for use in ctx.build.risers:
        riser = ctx.part(use.id)
        notes = [f"PCIe gen{riser.pcie_gen} x{riser.lanes}, {riser.length_mm:g} mm"]
        gens = Counter(link.gen for link in slot_links(ctx) if link.gen)
        top = max(gens) if gens else None
        if riser.riser_kind == "ribbon" and top and top in limits:
            within = riser.length_mm <= limits[top]
            notes.append(
                f"gen{top} ribbons hold up to {limits[top]:g} mm: {'within' if within else 'over'} it"
            )
        if riser.outputs > 1:
            notes.append(
                f"splits one slot into {riser.outputs} links: set the slot's bifurcation in the BIOS"
            )
        out[riser.id] = notes
    return out


def part_notes(ctx: Ctx) -> dict[str, list[str]]:
    """Compatibility notes per part id (parts without any have none)."""
    out: dict[str, list[str]] = {}
    for group in (_platform_notes(ctx), _gpu_notes(ctx), _power_notes(ctx), _riser_notes(ctx)):
        for pid, notes in group.items():
            out.setdefault(pid, []).extend(n for n in notes if n not in out.get(pid, []))
    return out
