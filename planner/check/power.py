"""Checks of the power plan: which PSU feeds what, capacity with headroom, transients, leads, circuits."""

from __future__ import annotations

from dataclasses import dataclass

from planner.check.context import Ctx, Violation
from planner.data.facts import (
    breakout_fits,
    card_peak_w,
    efficiency,
    eps_as_8pin,
    hpwr_as_8pin,
    psu_peak_w,
    psu_rating_w,
    psu_sustained_w,
)
from planner.schema import Gpu

V = Violation


@dataclass(frozen=True)
class PsuLoad:
    """What one PSU carries in the build."""

    index: int
    psu_id: str
    circuit: int
    cards: tuple[int, ...]
    load_w: float
    peak_w: float
    rating_w: float
    wall_w: float


def circuit_volts(ctx: Ctx, number: int) -> float:
    """Voltage of a circuit by its number from 1 (120 V for a circuit the site does not have)."""
    return ctx.circuits[number - 1].volts if number <= len(ctx.circuits) else 120.0


def assign_feeds(ctx: Ctx) -> list[int | None]:
    """PSU index per card: as given, or first-fit by sustained capacity for hand-written builds."""
    # Build files number PSUs from 1 (as reports do); internally feeds are indices into psus.
    out: list[int | None] = [None if c.psu is None else c.psu - 1 for c in ctx.cards]
    if not ctx.build.psus or all(p is not None for p in out):
        return out
    room = []
    for j, use in enumerate(ctx.build.psus):
        volts = circuit_volts(ctx, use.circuit)
        room.append(psu_sustained_w(ctx.psu(j), volts, ctx.rules) - (ctx.platform_w() if j == 0 else 0))
    for k, c in sorted(enumerate(ctx.cards), key=lambda kc: -ctx.gpu(kc[1]).tdp_w):
        if out[k] is not None:
            room[out[k]] -= ctx.gpu(c).tdp_w  # type: ignore[index]
            continue
        j = max(range(len(room)), key=lambda j: room[j])
        out[k] = j
        room[j] -= ctx.gpu(c).tdp_w
    return out


def psu_loads(ctx: Ctx) -> list[PsuLoad]:
    """Sustained, peak and wall power of every PSU under the feed assignment."""
    feeds = assign_feeds(ctx)
    out = []
    for j, use in enumerate(ctx.build.psus):
        psu = ctx.psu(j)
        volts = circuit_volts(ctx, use.circuit)
        mine = tuple(k for k, f in enumerate(feeds) if f == j)
        base = ctx.platform_w() if j == 0 else 0.0
        load = base + sum(ctx.gpu(ctx.cards[k]).tdp_w for k in mine)
        peak = base + sum(card_peak_w(ctx.gpu(ctx.cards[k]), ctx.rules) for k in mine)
        out.append(
            PsuLoad(
                j,
                use.id,
                use.circuit - 1,
                mine,
                load,
                peak,
                psu_rating_w(psu, volts),
                load / efficiency(psu, ctx.rules),
            )
        )
    return out


def check_psus(ctx: Ctx) -> list[Violation]:
    """Every card fed by a PSU of the build; the first PSU is ATX; loads within ratings and transients."""
    if ctx.system is not None:
        return []
    if ctx.server is not None:
        return _check_server(ctx)
    out = []
    if not ctx.build.psus:
        return [V("power", "a board build needs a PSU")]
    if ctx.psu(0).form != "atx":
        out.append(V("power", "the first PSU must be an ATX unit: it powers the board (24-pin)"))
    atx = sum(1 for j in range(len(ctx.build.psus)) if ctx.psu(j).form == "atx")
    bays = ctx.chassis.psu_bays if ctx.chassis else 0
    if atx > bays:
        out.append(
            V(
                "power",
                f"{atx} ATX PSUs but {ctx.chassis.id if ctx.chassis else 'no chassis'} has {bays} PSU bay(s)",
            )
        )
    for j, use in enumerate(ctx.build.psus):
        psu = ctx.psu(j)
        if use.circuit > len(ctx.circuits):
            out.append(
                V(
                    "wall circuits",
                    f"PSU {j + 1} ({psu.id}) is on circuit {use.circuit}; the site has {len(ctx.circuits)}",
                )
            )
        if psu.needs_breakout:
            brk = ctx.part(use.breakout)
            if brk is None or brk.kind != "breakout" or not breakout_fits(brk, psu):
                out.append(V("power", f"{psu.id} needs a breakout board for family {psu.family!r}"))
    feeds = assign_feeds(ctx)
    for k, f in enumerate(feeds):
        if f is None or f >= len(ctx.build.psus):
            out.append(V("power", f"card {k + 1} ({ctx.cards[k].id}) is fed by no PSU of the build"))
    if out:
        return out
    for pl in psu_loads(ctx):
        psu = ctx.psu(pl.index)
        volts = ctx.circuits[pl.circuit].volts
        allowed = psu_sustained_w(psu, volts, ctx.rules)
        if pl.load_w > allowed + 1e-6:
            out.append(
                V(
                    "power within PSU capacity",
                    f"PSU {pl.index + 1} ({psu.id}) carries {pl.load_w:.0f} W; "
                    f"{allowed:.0f} W allowed at {volts:g} V with headroom",
                )
            )
        peak_ok = psu_peak_w(psu, volts, ctx.rules)
        if pl.peak_w > peak_ok + 1e-6:
            out.append(
                V(
                    "power transients",
                    f"PSU {pl.index + 1} ({psu.id}) sees {pl.peak_w:.0f} W peaks; rides {peak_ok:.0f} W",
                )
            )
        out.extend(_check_leads(ctx, pl))
    return out


def _check_leads(ctx: Ctx, pl: PsuLoad) -> list[Violation]:
    """Native 12VHPWR and EPS leads first (EPS for the CPU on PSU 1), 8-pin adapters for the rest."""
    use = ctx.build.psus[pl.index]
    psu = ctx.psu(pl.index)
    brk = ctx.part(use.breakout)
    have = {
        a: getattr(psu.connectors, a) + (getattr(brk.connectors, a) if brk else 0)
        for a in ("pcie_6pin", "pcie_8pin", "hpwr_12v", "eps_8pin")
    }
    if pl.index == 0 and ctx.cpu is not None:
        have["eps_8pin"] -= ctx.rules.power.eps_per_socket * ctx.build.cpu_count
    gpus: list[Gpu] = [ctx.gpu(ctx.cards[k]) for k in pl.cards]
    need8 = sum(g.power.pcie_8pin + g.power.pcie_6pin for g in gpus)
    # Native 16-pin leads go to the cards whose adapters would take the most 8-pins.
    hpwr = sorted((hpwr_as_8pin(g, ctx.rules) for g in gpus for _ in range(g.power.hpwr_12v)), reverse=True)
    native_h = max(0, min(len(hpwr), have["hpwr_12v"]))
    need8 += sum(hpwr[native_h:])
    eps = sum(g.power.eps_8pin for g in gpus)
    native_e = max(0, min(eps, have["eps_8pin"]))
    need8 += (eps - native_e) * eps_as_8pin()
    out = []
    if have["eps_8pin"] < 0:
        out.append(V("enough connectors", f"PSU 1 ({psu.id}) lacks the EPS lead(s) the CPU needs"))
    supply = have["pcie_8pin"] + have["pcie_6pin"]
    if need8 > supply:
        out.append(
            V(
                "enough connectors",
                f"PSU {pl.index + 1} ({psu.id}) feeds cards needing {need8} PCIe 8-pin "
                f"lead(s) (after native 16-pin/EPS and adapters); it has {supply}",
            )
        )
    return out


def server_loads(ctx: Ctx) -> tuple[float, float, float, float]:
    """(sustained W, peak W, usable sustained W, usable peak W) of a server barebone at the site."""
    srv = ctx.server
    assert srv is not None
    volts = min(c.volts for c in ctx.circuits)
    each = srv.psu_w_low_line if volts <= 150 else srv.psu_w
    active = srv.psu_count - srv.psu_redundant
    load = ctx.cards_w() + ctx.platform_w()
    peak = sum(card_peak_w(ctx.gpu(c), ctx.rules) for c in ctx.cards) + ctx.platform_w()
    p = ctx.rules.power
    return (
        load,
        peak,
        active * each * (1 - p.psu_load_headroom),
        active * each * p.psu_transient_tolerance["server"],
    )


def _check_server(ctx: Ctx) -> list[Violation]:
    load, peak, ok, ok_peak = server_loads(ctx)
    out = []
    if load > ok + 1e-6:
        out.append(V("power within PSU capacity", f"{load:.0f} W on the server's PSUs; {ok:.0f} W allowed"))
    if peak > ok_peak + 1e-6:
        out.append(V("power transients", f"{peak:.0f} W peaks; the server's PSUs ride {ok_peak:.0f} W"))
    srv = ctx.server
    assert srv is not None
    need = sum(
        ctx.gpu(c).power.pcie_8pin
        + ctx.gpu(c).power.pcie_6pin
        + ctx.gpu(c).power.eps_8pin
        + ctx.gpu(c).power.hpwr_12v * hpwr_as_8pin(ctx.gpu(c), ctx.rules)
        for c in ctx.cards
    )
    have = (
        srv.gpu_power.pcie_8pin
        + srv.gpu_power.eps_8pin
        + srv.gpu_power.pcie_6pin
        + 4 * srv.gpu_power.hpwr_12v
    )
    if need > have:
        out.append(V("enough connectors", f"cards need {need} GPU power lead(s); the server has {have}"))
    return out


def circuit_loads(ctx: Ctx) -> list[float]:
    """Wall watts on each circuit."""
    walls = [0.0] * len(ctx.circuits)
    if ctx.server is not None:
        load = server_loads(ctx)[0] / ctx.rules.power.efficiency.get("platinum", 0.92)
        n = len(walls)
        cords = [ctx.server.psu_count // n + (1 if i < ctx.server.psu_count % n else 0) for i in range(n)]
        return [load * c / ctx.server.psu_count for c in cords]
    if ctx.system is not None:
        walls[0] = ctx.system.power_w
        return walls
    for pl in psu_loads(ctx):
        if pl.circuit < len(walls):
            walls[pl.circuit] += pl.wall_w
    return walls


def check_wall(ctx: Ctx) -> list[Violation]:
    """Wall draw on each circuit within its continuous limit."""
    out = []
    for c, w in zip(ctx.circuits, circuit_loads(ctx), strict=True):
        if w > c.limit_w + 1e-3:
            out.append(
                V(
                    "within wall circuit",
                    f"{c.label} carries {w:.0f} W from the wall; limit {c.limit_w:.0f} W",
                )
            )
    return out
