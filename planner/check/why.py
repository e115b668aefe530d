"""Why this build: how close it comes to each limit (budget, GPU count, slots, circuits, PSUs, model
fit, speed targets), computed from the checked figures alone, binding limits first."""

from __future__ import annotations

from typing import Any

from planner.schema.platform import Server
from planner.schema.result import BuildResult, Limit, Why

# A limit binds when less than this share of it is left: the build would change if it moved.
TIGHT = 0.05


def _limit(name: str, used: float, limit: float, unit: str, text: str, tight: float = TIGHT) -> Limit:
    binds = limit > 0 and (limit - used) <= tight * limit
    return Limit(name=name, used=used, limit=limit, unit=unit, binds=binds, text=text)


def why(build: BuildResult, problem: Any) -> Why:
    """The limits the build meets, binding ones first (a solver-free reading of the figures)."""
    req, cat = problem.request, problem.catalog
    cost, budget = build.total_cost_usd, req.budget_usd
    out = [_limit("budget", cost, budget, "USD", f"budget: ${cost:,.0f} of ${budget:,.0f}")]
    if req.require.max_gpus is not None and build.gpu_count:
        n, top = build.gpu_count, req.require.max_gpus
        out.append(_limit("max GPUs", n, top, "cards", f"GPUs: {n} of at most {top}", tight=0))
    min_lanes = req.require.min_lanes_per_gpu or problem.rules.pcie.min_lanes_per_gpu
    room = _card_positions(build, cat, min_lanes)
    if room and build.gpu_count:
        out.append(
            _limit("slots", build.gpu_count, room, "cards", f"slots: {build.gpu_count} of {room} used", 0)
        )
    for c in build.power.circuits:
        out.append(
            _limit(
                "circuit",
                c.wall_w,
                c.limit_w,
                "W",
                f"circuit {c.number}: {c.wall_w:,} W of {c.limit_w:,} W continuous",
                tight=0.1,
            )
        )
    tp = build.throughput
    if tp is not None and tp.memory:
        used = sum(m.total_gb for m in tp.memory)
        cap = sum(m.capacity_gb for m in tp.memory)
        text = f"model fit: {used:,.1f} of {cap:,.1f} GB" + ("" if tp.fits else " (does not fit)")
        out.append(_limit("model fit", used, cap, "GB", text, tight=0.1))
    if tp is not None:
        targets = (
            ("min decode", tp.decode_tokens_per_s, req.require.min_decode_tokens_per_s),
            ("min prompt", tp.prefill_tokens_per_s, req.require.min_prefill_tokens_per_s),
            ("min batch", tp.batch_tokens_per_s, req.require.min_batch_tokens_per_s),
        )
        for name, have, need in targets:
            if need and have is not None:
                binds = have <= need * (1 + TIGHT)
                text = f"{name}: {have:,.1f} tokens/s for at least {need:g}"
                out.append(Limit(name=name, used=have, limit=need, unit="tokens/s", binds=binds, text=text))
    out.sort(key=lambda lim: not lim.binds)
    return Why(limits=out)


def _card_positions(build: BuildResult, catalog: Any, min_lanes: int) -> int:
    """Cards the platform can take: server bays, or slots and ports with enough lanes."""
    b = build.build
    entry = catalog.entries.get(b.server or b.board or "")
    if entry is None:
        return 0
    if isinstance(entry, Server):
        return entry.gpu_positions
    slots = sum(1 for sl in entry.slots if sl.lanes >= min_lanes)
    # A bifurcated slot carries two cards.
    split = sum(1 for c in build.cards if c.mount == "bifurcated") // 2
    return slots + split + sum(p.count for p in entry.ports if p.lanes >= min_lanes)
