"""Checks of the power plan: which PSU feeds what, sustained load against the rating with its margin,
transients by PSU class, leads, where the PSUs sit, and the wall circuits. Every broken rule is reported
with its figure and its limit, none hidden behind another."""

from __future__ import annotations

from dataclasses import dataclass

from planner.check.context import Ctx, Violation
from planner.data.facts import (
    breakout_fits,
    efficiency,
    eps_as_8pin,
    hpwr_as_8pin,
    psu_class,
    psu_peak_w,
    psu_places,
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
    for k, c in sorted(enumerate(ctx.cards), key=lambda kc: -ctx.card_w(kc[1])):
        f = out[k]
        if f is not None:
            if f < len(room):
                room[f] -= ctx.card_w(c)
            continue
        j = max(range(len(room)), key=lambda j: room[j])
        out[k] = j
        room[j] -= ctx.card_w(c)
    return out


def psu_loads(ctx: Ctx) -> list[PsuLoad]:
    """Sustained, peak and wall power of every PSU under the feed assignment (cards fed by a PSU the
    build does not have count nowhere; the feed check names them)."""
    feeds = assign_feeds(ctx)
    out = []
    for j, use in enumerate(ctx.build.psus):
        psu = ctx.psu(j)
        mine = tuple(k for k, f in enumerate(feeds) if f == j)
        base = ctx.platform_w() if j == 0 else 0.0
        load = base + sum(ctx.card_w(ctx.cards[k]) for k in mine)
        peak = base + sum(ctx.card_peak_w(ctx.cards[k]) for k in mine)
        out.append(
            PsuLoad(
                j,
                use.id,
                use.circuit - 1,
                mine,
                load,
                peak,
                psu_rating_w(psu, circuit_volts(ctx, use.circuit)),
                load / efficiency(psu, ctx.rules),
            )
        )
    return out


def _bundled(ctx: Ctx, j: int) -> bool:
    """Whether PSU j is one the chassis ships with."""
    bundle = ctx.chassis.bundled_psus if ctx.chassis is not None else None
    return bundle is not None and ctx.build.psus[j].id == bundle.id


def check_psus(ctx: Ctx) -> list[Violation]:
    """Every card fed by a PSU of the build; the first PSU powers the board; PSUs have a place; each PSU's
    sustained load, transients and leads within what it gives. All problems at once."""
    if ctx.system is not None:
        return []
    if ctx.server is not None:
        return _check_server(ctx)
    if not ctx.build.psus:
        return [V("power", "a board build needs a PSU")]
    out = []
    if ctx.psu(0).form != "atx" and not _bundled(ctx, 0):
        out.append(V("power", "the first PSU must be an ATX unit: it powers the board (24-pin)"))
    most = ctx.rules.power.max_psus
    if len(ctx.build.psus) > most:
        out.append(V("power", f"{len(ctx.build.psus)} PSUs; the rules allow {most} (power.max_psus)"))
    out.extend(_check_places(ctx))
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
                out.append(V("power", f"PSU {j + 1} ({psu.id}) needs a breakout board for {psu.family!r}"))
    for k, f in enumerate(assign_feeds(ctx)):
        if f is None or f >= len(ctx.build.psus):
            out.append(V("power", f"card {k + 1} ({ctx.cards[k].id}) is fed by no PSU of the build"))
    for pl in psu_loads(ctx):
        out.extend(_check_load(ctx, pl))
        out.extend(_check_leads(ctx, pl))
    return out


def _check_places(ctx: Ctx) -> list[Violation]:
    """PSUs sit somewhere: ATX bays of a case, shelves of an open frame, or the chassis' own bundle."""
    chassis = ctx.chassis
    if chassis is None:
        return []
    ids = [use.id for use in ctx.build.psus]
    bundle = chassis.bundled_psus
    if bundle is not None:
        out = []
        others = sorted({i for i in ids if i != bundle.id})
        if others:
            out.append(
                V(
                    "power",
                    f"{chassis.id} comes with {bundle.count} x {bundle.id} and takes no other PSU "
                    f"({', '.join(others)})",
                )
            )
        active = bundle.count - chassis.bundled_redundant
        listed = ids.count(bundle.id)
        if listed > active:
            spare = f" plus {chassis.bundled_redundant} redundant spare" if chassis.bundled_redundant else ""
            out.append(
                V("power", f"{listed} x {bundle.id} listed; {chassis.id} runs {active}{spare}: list {active}")
            )
        return out
    places, any_form = psu_places(chassis)
    n = len(ids) if any_form else sum(1 for j in range(len(ids)) if ctx.psu(j).form == "atx")
    if n <= places:
        return []
    where = "shelf/bracket place(s) for PSUs" if any_form else "ATX PSU bay(s)"
    return [V("power", f"{n} {'PSUs' if any_form else 'ATX PSUs'} but {chassis.id} has {places} {where}")]


def _check_load(ctx: Ctx, pl: PsuLoad) -> list[Violation]:
    """Sustained load against the rating less the margin; ~100 us peaks against what the PSU class rides."""
    psu = ctx.psu(pl.index)
    volts = circuit_volts(ctx, pl.circuit + 1)
    p = ctx.rules.power
    out = []
    allowed = psu_sustained_w(psu, volts, ctx.rules)
    at = f" at {volts:g} V" if psu.watts_low_line != psu.watts else ""
    if pl.load_w > allowed + 1e-6:
        out.append(
            V(
                "power within PSU capacity",
                f"PSU {pl.index + 1} ({psu.id}) sustained {pl.load_w:,.0f} W > {allowed:,.0f} W "
                f"({pl.rating_w:,.0f} W{at} x {1 - p.psu_load_headroom:.0%})",
            )
        )
    peak_ok = psu_peak_w(psu, volts, ctx.rules)
    if pl.peak_w > peak_ok + 1e-6:
        klass = psu_class(psu)
        out.append(
            V(
                "power transients",
                f"PSU {pl.index + 1} ({psu.id}) peaks {pl.peak_w:,.0f} W > {peak_ok:,.0f} W "
                f"({pl.rating_w:,.0f} W{at} x {p.psu_transient_tolerance[klass]:.0%}, {klass} class)",
            )
        )
    return out


def lead_needs(ctx: Ctx, pl: PsuLoad) -> tuple[dict[str, int], int, int]:
    """(leads the PSU and its breakout give, PCIe 8-pin leads its cards need, EPS inputs fed by adapters).

    Native 16-pin and EPS leads go first (EPS for the CPUs on PSU 1), 8-pin adapters for the rest."""
    use = ctx.build.psus[pl.index]
    psu = ctx.psu(pl.index)
    brk = ctx.part(use.breakout) if psu.needs_breakout else None
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
    adapted = eps - max(0, min(eps, have["eps_8pin"]))
    need8 += adapted * eps_as_8pin()
    return have, need8, adapted


def _check_leads(ctx: Ctx, pl: PsuLoad) -> list[Violation]:
    psu = ctx.psu(pl.index)
    have, need8, _ = lead_needs(ctx, pl)
    out = []
    if have["eps_8pin"] < 0:
        out.append(V("enough connectors", f"PSU 1 ({psu.id}) lacks the EPS lead(s) the CPU needs"))
    supply = have["pcie_8pin"] + have["pcie_6pin"]
    if need8 > supply:
        out.append(
            V(
                "enough connectors",
                f"PSU {pl.index + 1} ({psu.id}) feeds cards needing {need8} PCIe 8-pin lead(s) > {supply} "
                "it has (after native 16-pin/EPS leads and adapters)",
            )
        )
    return out


def eps_adapters_needed(ctx: Ctx) -> int:
    """EPS inputs of datacentre cards fed from PCIe 8-pin leads: each needs an adapter part."""
    if ctx.system is not None or ctx.server is not None or not ctx.build.psus:
        return 0
    return sum(lead_needs(ctx, pl)[2] for pl in psu_loads(ctx))


def server_loads(ctx: Ctx) -> tuple[float, float, float, float]:
    """(sustained W, peak W, usable sustained W, usable peak W) of a server barebone at the site."""
    srv = ctx.server
    assert srv is not None
    volts = min(c.volts for c in ctx.circuits)
    each = srv.psu_w_low_line if volts <= 150 else srv.psu_w
    active = srv.psu_count - srv.psu_redundant
    load = ctx.cards_w() + ctx.platform_w()
    peak = sum(ctx.card_peak_w(c) for c in ctx.cards) + ctx.platform_w()
    p = ctx.rules.power
    return (
        load,
        peak,
        active * each * (1 - p.psu_load_headroom),
        active * each * p.psu_transient_tolerance["server"],
    )


def _check_server(ctx: Ctx) -> list[Violation]:
    load, peak, ok, ok_peak = server_loads(ctx)
    srv = ctx.server
    assert srv is not None
    active = srv.psu_count - srv.psu_redundant
    out = []
    if load > ok + 1e-6:
        out.append(
            V(
                "power within PSU capacity",
                f"{load:,.0f} W sustained on {srv.id}'s {active} working PSU(s) > {ok:,.0f} W allowed",
            )
        )
    if peak > ok_peak + 1e-6:
        out.append(V("power transients", f"{peak:,.0f} W peaks > {ok_peak:,.0f} W {srv.id}'s PSUs ride"))
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
        out.append(V("enough connectors", f"cards need {need} GPU power lead(s) > {have} the server has"))
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
    derate = ctx.request.site.continuous_derating or ctx.rules.power.continuous_derating
    for c, w in zip(ctx.circuits, circuit_loads(ctx), strict=True):
        if w > c.limit_w + 1e-3:
            out.append(
                V(
                    "within wall circuit",
                    f"circuit {c.index + 1} ({c.volts:g} V / {c.amps:g} A) {w:,.0f} W at the wall > "
                    f"{c.limit_w:,.0f} W ({c.volts:g} V x {c.amps:g} A x {derate:.0%})",
                )
            )
    return out
