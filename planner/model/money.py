"""Part counts by id, the cost of the build (owned parts free), the budget and owned-part rules."""

from __future__ import annotations

from typing import Any

from planner.data.facts import riser_gen
from planner.model.core import BuildModel, LinearExpr


def part_counts(bm: BuildModel) -> dict[str, list[tuple[Any, Any]]]:
    """For every part id: (count expression, unit price) terms; an id may appear in several roles."""
    inst = bm.inst
    out: dict[str, list[tuple[Any, Any]]] = {}

    def add(part_id: str, count: LinearExpr, price: int | None) -> None:
        out.setdefault(part_id, []).append((count, price or 0))

    for gpu, v in zip(inst.gpus, bm.gpus.n, strict=True):
        add(gpu.id, v, gpu.price_usd)
    for plat, v in zip(inst.platforms, bm.plat, strict=True):
        add(plat.board.id, v, plat.board.price_usd)
        add(plat.cpu.id, v * plat.sockets, plat.cpu.price_usd)
    for case, v in zip(inst.chassis, bm.chassis, strict=True):
        add(case.id, v, case.price_usd)
    for p, opts in inst.memory.items():
        for mem, v in zip(opts, bm.mem[p], strict=True):
            add(mem.dimm.id, v * mem.count, mem.dimm.price_usd)
    for k, opt in enumerate(inst.psus):
        used = sum(bm.psus.u[j][k][i] for j in range(len(bm.psus.u)) for i in range(len(inst.circuits)))
        # A chassis' own PSUs come with it: counted, not paid for.
        add(opt.psu.id, used, 0 if opt.bundled_with else opt.psu.price_usd)
        if opt.breakout:
            add(opt.breakout.id, used, opt.breakout.price_usd)
    # Risers as placement picked them (a bifurcated slot takes one per card it carries), and the card.
    for count, r in bm.slots.riser_counts:
        add(r.id, count, r.price_usd)
    for v in bm.slots.bifurcated.values():
        card = inst.bifurcation
        if card:
            add(card.id, v, card.price_usd)
    for beta, bridge in bm.bridges.values():
        add(bridge.id, beta, bridge.price_usd)
    for acc, count in bm.accessories:
        add(acc.id, count, acc.price_usd)
    for i, gpu in enumerate(inst.gpus):
        for kind in gpu.entry.needs:
            board = inst.accessory(kind, gpu.id)
            if board is not None:
                add(board.id, bm.gpus.n[i], board.price_usd)
    return out


def riser_for(bm: BuildModel, p: int, host: str, gen: int) -> Any:
    """The fastest riser option from a host connector of a generation (None: no riser serves it)."""
    options = riser_options(bm, host, gen)
    return options[0][0] if options else None


def riser_options(bm: BuildModel, host: str, gen: int) -> list[tuple[Any, int]]:
    """Risers that may carry a card from a host connector of this generation, fastest first, each with
    the fastest generation it holds; a riser no cheaper than a faster one is left out. A slower, cheaper
    riser stays an option: a dearer faster one in the catalogue must not make a build dearer where the
    link speed buys nothing."""
    out: list[tuple[Any, int]] = []
    for g in range(min(gen, 5), 2, -1):
        r = bm.inst.risers.get((host, g))
        if r is None or any(r.id == o.id or (r.price_usd or 0) >= (o.price_usd or 0) for o, _ in out):
            continue
        out.append((r, riser_gen(r.entry, bm.inst.rules) or g))
    return out


def energy_hours(request: Any) -> float:
    """Hours at load over the amortisation period."""
    return request.site.amortise_years * 8766 * request.site.duty_cycle


def fits_budget(bm: BuildModel) -> None:
    """Total cost, owned parts free, within the budget; owned parts used unless allowed otherwise."""
    m, inst = bm.m, bm.inst
    owned = {o.id: o.count for o in inst.request.owned}
    terms = []
    counts = part_counts(bm)
    bm.exprs["counts"] = {pid: sum(c for c, _ in roles) for pid, roles in counts.items()}
    for pid, roles in counts.items():
        count = bm.exprs["counts"][pid]
        price = max(pr for _, pr in roles)
        if pid in owned:
            paid = m.NewIntVar(0, 64, f"paid[{pid}]")
            m.Add(paid >= count - owned[pid])
            terms.append(paid * price)
            markets = inst.request.require.condition
            if not any(pr.condition in markets for pr in getattr(inst.catalog.entries[pid], "prices", ())):
                # Owned but not sold in the allowed markets: no more than the owned ones (more are not free).
                m.Add(paid == 0)
        else:
            terms.extend(c * pr for c, pr in roles)
    cost = m.NewIntVar(0, 10_000_000, "cost_usd")
    m.Add(cost == sum(terms))
    bm.exprs["cost"] = cost
    site = inst.request.site
    if site.electricity_usd_per_kwh is not None and "wall_mw" in bm.exprs:
        # Purchase plus energy over the amortisation period, in micro-dollars: wall mW x hours x $/kWh
        # / 1e6 gives dollars, so each mW costs hours x $/kWh micro-dollars.
        per_mw = round(energy_hours(inst.request) * site.electricity_usd_per_kwh)
        bm.exprs["cost_of_ownership"] = cost * 1_000_000 + bm.exprs["wall_mw"] * per_mw
    budget = int(inst.request.budget_usd)
    bm.enforce("budget", [m.Add(cost <= budget)], measure="cost", limit=budget)
    if not inst.request.allow_unused_owned:
        for pid, n in owned.items():
            if pid in bm.exprs["counts"]:
                bm.enforce(f"owned[{pid}]", [m.Add(bm.exprs["counts"][pid] >= n)], measure="owned", part=pid)
            else:
                # The owned part cannot be used at all here (filtered out): the guard alone fails.
                bm.enforce(f"owned[{pid}]", [m.Add(bm.m.NewConstant(0) >= 1)], measure="owned", part=pid)
