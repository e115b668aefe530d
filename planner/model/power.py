"""Electrical rules: PSU capacity with headroom, transients, connectors, and the wall circuits."""

from __future__ import annotations

import math
from typing import Any

from planner.data.facts import efficiency, eps_as_8pin, psu_peak_w, psu_places, psu_sustained_w
from planner.model.core import BuildModel
from planner.schema import Server


def psus_feed_cards(bm: BuildModel) -> None:
    """Every card is fed by one PSU instance; the first instance is an ATX unit that also feeds the board.

    Server barebones feed cards from their own PSUs instead.
    """
    inst, m, ps, g = bm.inst, bm.m, bm.psus, bm.gpus
    n_j = len(ps.u)
    for j in range(n_j):
        m.Add(ps.used(j) <= 1 - bm.server_sel)
        if j + 1 < n_j:
            m.Add(ps.used(j) >= ps.used(j + 1))  # symmetry: fill instances in order
            if j >= 1:
                # Instances after the first (which also feeds the board) are interchangeable: order
                # them by (option, circuit) so that each set of PSUs is searched once.
                n_c = len(inst.circuits)
                idx = [
                    sum((k * n_c + i) * v for k, per_k in enumerate(ps.u[t]) for i, v in enumerate(per_k))
                    for t in (j, j + 1)
                ]
                m.Add(idx[0] <= idx[1] + len(ps.options) * n_c * (1 - ps.used(j + 1)))
        for i in range(len(inst.gpus)):
            m.Add(ps.feeds[j][i] <= bm.max_gpus * ps.used(j))
    # The first PSU powers the board: an ATX unit, or the chassis' own PSUs (its power distribution board).
    first = sum(
        v
        for k, per_k in enumerate(ps.u[0])
        for v in per_k
        if ps.options[k].entry.form == "atx" or ps.options[k].bundled_with
    )
    m.Add(first == 1 - bm.server_sel)
    _psu_places(bm)
    for i in range(len(inst.gpus)):
        fed = sum(ps.feeds[j][i] for j in range(n_j))
        m.Add(fed <= g.n[i])
        m.Add(fed >= g.n[i] - bm.max_gpus * bm.server_sel)


def _psu_places(bm: BuildModel) -> None:
    """PSUs have a place: ATX units in a closed case's bays (server PSUs sit outside), PSUs of any form on
    an open frame's shelves or brackets, and a chassis that ships with PSUs takes those and no others."""
    inst, m, ps = bm.inst, bm.m, bm.psus
    big = len(ps.u)

    def count(pred: object) -> object:
        return sum(
            v
            for per_j in ps.u
            for k, per_k in enumerate(per_j)
            for v in per_k
            if pred(ps.options[k])  # type: ignore[operator]
        )

    bought_atx = count(lambda o: o.entry.form == "atx" and not o.bundled_with)
    bought = count(lambda o: not o.bundled_with)
    closed = [(c, h.entry) for c, h in zip(bm.chassis, inst.chassis, strict=True)]
    m.Add(
        bought_atx
        <= sum(c * (psu_places(e)[0] if not psu_places(e)[1] else big) for c, e in closed)
    )
    m.Add(bought <= sum(c * (psu_places(e)[0] if psu_places(e)[1] else big) for c, e in closed))
    m.Add(bought <= big * (1 - bm.chassis_where(lambda e: e.bundled_psus is not None)))
    for c, h in zip(bm.chassis, inst.chassis, strict=True):
        bundle = h.entry.bundled_psus
        if bundle is None:
            continue
        mine = count(lambda o, cid=h.id: o.bundled_with == cid)
        m.Add(mine <= (bundle.count - h.entry.bundled_redundant) * c)
    for k, o in enumerate(ps.options):
        if o.bundled_with and o.bundled_with not in {h.id for h in inst.chassis}:
            m.Add(sum(v for per_j in ps.u for v in per_j[k]) == 0)


def power_within_psu_capacity(bm: BuildModel) -> None:
    """Sustained load within each PSU's rating less headroom; millisecond peaks within its transient rating."""
    inst, m, ps = bm.inst, bm.m, bm.psus
    rules = inst.rules
    platform = bm.platform_w
    volts = [c.volts for c in inst.circuits]
    for j in range(len(ps.u)):
        cards = sum(ps.feeds[j][i] * bm.watts(i) for i in range(len(inst.gpus)))
        peaks = sum(ps.feeds[j][i] * bm.peak_watts(i) for i in range(len(inst.gpus)))
        base = platform if j == 0 else 0
        m.Add(ps.load_w[j] == cards + base)
        m.Add(ps.load_w[j] <= ps.capacity_w(j, lambda o, i: psu_sustained_w(o.entry, volts[i], rules)))
        m.Add(peaks + base <= ps.capacity_w(j, lambda o, i: psu_peak_w(o.entry, volts[i], rules)))
    servers = []
    for p, (plat, v) in enumerate(zip(inst.platforms, bm.plat, strict=True)):
        if isinstance(plat.entry, Server):
            sustained, peak = _server_capacity(bm, p)
            servers.append((v, int(sustained), int(peak)))
            m.Add(bm.cards_w + platform <= int(sustained)).OnlyEnforceIf(v)
            m.Add(bm.cards_peak_w + platform <= int(peak)).OnlyEnforceIf(v)
    # Valid cuts without big-M: all load within all capacity on offer (the PSU instances', or the
    # server's). Implied by the rules above, they carry power into the LP relaxation, which the
    # enforced per-server rows cannot.
    volts_of = [c.volts for c in inst.circuits]
    for load, rating in ((bm.cards_w, psu_sustained_w), (bm.cards_peak_w, psu_peak_w)):
        supply = [
            ps.capacity_w(j, lambda o, i, rating=rating: rating(o.entry, volts_of[i], rules))
            for j in range(len(ps.u))
        ]
        server = [v * (cap if rating is psu_sustained_w else peak) for v, cap, peak in servers]
        m.Add(load + platform <= sum(supply) + sum(server))


def _server_capacity(bm: BuildModel, p: int) -> tuple[float, float]:
    """A server's usable sustained and peak watts: non-redundant PSUs at the site's lowest voltage."""
    srv = bm.inst.platforms[p].entry
    volts = min(c.volts for c in bm.inst.circuits)
    each = srv.psu_w_low_line if volts <= 150 else srv.psu_w  # type: ignore[union-attr]
    active = srv.psu_count - srv.psu_redundant  # type: ignore[union-attr]
    rules = bm.inst.rules.power
    return active * each * (1 - rules.psu_load_headroom), active * each * rules.psu_transient_tolerance[
        "server"
    ]


def enough_connectors(bm: BuildModel) -> None:
    """Each PSU's leads cover its cards: native 12VHPWR and EPS first, 8-pin adapters for the rest."""
    inst, m, ps, g = bm.inst, bm.m, bm.psus, bm.gpus
    eps_cpu = sum(
        v * p.sockets * inst.rules.power.eps_per_socket
        for p, v in zip(inst.platforms, bm.plat, strict=True)
        if not p.is_server
    )
    for j in range(len(ps.u)):

        def supply(attr: str, j: int = j) -> Any:
            return ps.capacity_w(j, lambda o, i: _leads(o, attr))

        native_h, native_e, need8 = [], [], []
        adapted: dict[str, tuple[object, list]] = {}
        for i in range(len(inst.gpus)):
            gpu = g.entry(i)
            f = ps.feeds[j][i]
            need8.append(f * (gpu.power.pcie_8pin + gpu.power.pcie_6pin))
            if gpu.power.hpwr_12v:
                s = m.NewIntVar(0, bm.max_gpus * gpu.power.hpwr_12v, f"hpwr_native[{j},{gpu.id}]")
                m.Add(s <= f * gpu.power.hpwr_12v)
                native_h.append(s)
                need8.append((f * gpu.power.hpwr_12v - s) * bm.hpwr_leads(i))
            if gpu.power.eps_8pin:
                e = m.NewIntVar(0, bm.max_gpus * gpu.power.eps_8pin, f"eps_native[{j},{gpu.id}]")
                m.Add(e <= f * gpu.power.eps_8pin)
                native_e.append(e)
                need8.append((f * gpu.power.eps_8pin - e) * eps_as_8pin())
                # An EPS input fed from PCIe leads needs an adapter part; without one, native leads only.
                adapter = inst.accessory("eps-adapter", gpu.id)
                if adapter is None:
                    m.Add(e == f * gpu.power.eps_8pin)
                else:
                    adapted.setdefault(adapter.id, (adapter, []))[1].append(f * gpu.power.eps_8pin - e)
        for part, counts in adapted.values():
            bm.accessories.append((part, sum(counts)))  # type: ignore[arg-type]
        m.Add(sum(native_h) <= supply("hpwr_12v"))
        m.Add(sum(native_e) + (eps_cpu if j == 0 else 0) <= supply("eps_8pin"))
        m.Add(sum(need8) <= supply("pcie_8pin") + supply("pcie_6pin"))
    for _p, (plat, v) in enumerate(zip(inst.platforms, bm.plat, strict=True)):
        if plat.is_server:
            gp = plat.entry.gpu_power  # type: ignore[union-attr]
            need = sum(
                g.n[i]
                * (
                    g.entry(i).power.pcie_8pin
                    + g.entry(i).power.pcie_6pin
                    + g.entry(i).power.hpwr_12v * bm.hpwr_leads(i)
                    + g.entry(i).power.eps_8pin
                )
                for i in range(len(inst.gpus))
            )
            m.Add(need <= gp.pcie_8pin + gp.eps_8pin + gp.pcie_6pin + gp.hpwr_12v * 4).OnlyEnforceIf(v)


def _leads(opt: object, attr: str) -> int:
    psu_leads = getattr(opt.psu.entry.connectors, attr)  # type: ignore[attr-defined]
    brk = getattr(opt.breakout.entry.connectors, attr) if opt.breakout else 0  # type: ignore[attr-defined]
    return int(psu_leads + brk)


def within_wall_circuits(bm: BuildModel) -> None:
    """Wall draw (DC load / efficiency) of the PSUs on each circuit within its continuous limit."""
    inst, m, ps = bm.inst, bm.m, bm.psus
    big = 100_000 * 2000
    for j in range(len(ps.u)):
        for k, per_k in enumerate(ps.u[j]):
            inv = math.ceil(1000 / efficiency(ps.options[k].entry, inst.rules))
            for i, u in enumerate(per_k):
                m.Add(ps.wall_mw[j][i] >= ps.load_w[j] * inv - big * (1 - u))
    # A valid cut without big-M: all DC load, at the best efficiency on offer, within all circuits.
    # It carries the site limit into the LP relaxation, which the per-PSU terms above cannot.
    best = max(
        [efficiency(o.entry, inst.rules) for o in inst.psus]
        + [inst.rules.power.efficiency.get("platinum", 0.92)]
    )
    site = sum(c.limit_w for c in inst.circuits)
    bm.enforce("wall_total", [m.Add(bm.cards_w + bm.platform_w <= int(site * best))], measure="wall")
    walls = []
    for i, c in enumerate(inst.circuits):
        on_circuit = sum(ps.wall_mw[j][i] for j in range(len(ps.u)))
        server = _server_wall_mw(bm, i)
        walls.append(on_circuit + server)
        bm.enforce(
            f"wall_circuit[{c.label}]",
            [m.Add(on_circuit + server <= int(c.limit_w * 1000))],
            measure="wall",
            circuit=i,
        )
    bm.exprs["wall_mw"] = sum(walls)


def _server_wall_mw(bm: BuildModel, circuit: int) -> object:
    """A server's wall draw on one circuit: its cords spread evenly over the circuits."""
    inst = bm.inst
    parts = []
    n_c = len(inst.circuits)
    for p, (plat, v) in enumerate(zip(inst.platforms, bm.plat, strict=True)):
        if not plat.is_server:
            continue
        srv = plat.entry
        cords = [srv.psu_count // n_c + (1 if c < srv.psu_count % n_c else 0) for c in range(n_c)]  # type: ignore[union-attr]
        share = cords[circuit] / srv.psu_count  # type: ignore[union-attr]
        inv = 1000 / inst.rules.power.efficiency.get("platinum", 0.92)
        w = bm.m.NewIntVar(0, 200_000_000, f"server_wall_mw[{p},c{circuit}]")
        load = bm.cards_w + bm.platform_w
        bm.m.Add(w >= load * math.ceil(inv * share) - 200_000_000 * (1 - v))
        parts.append(w)
    return sum(parts)
