"""Exact dominance pruning: drop options that another option beats or equals in every figure the model uses.

A dominated part can always be swapped 1:1 for its dominator in any build without breaking a rule or
worsening an objective, so the optimum is unchanged. Owned parts and parts a user rule selects are kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from planner.data.facts import (
    card_peak_w,
    cooling_capacity_w,
    efficiency,
    hpwr_as_8pin,
    psu_peak_w,
    psu_places,
    psu_rating_w,
    span_slots,
    width_slots,
)
from planner.schema.rules import Rules

T = TypeVar("T")


def keep_undominated(
    options: Sequence[T],
    key: Callable[[T], tuple[Any, ...]],
    better: Callable[[tuple[Any, ...], tuple[Any, ...]], bool],
    protected: Callable[[T], bool],
) -> list[T]:
    """Options not dominated by another; on exact ties the first in order is kept.

    Protected options (owned, or selected by a user rule) are kept and dominate nothing: a rule may
    forbid or limit them, so they cannot always stand in for another part.
    """
    keys = [key(o) for o in options]
    guarded = [protected(o) for o in options]
    out = []
    for i, o in enumerate(options):
        if guarded[i]:
            out.append(o)
            continue
        dominated = False
        for j, _other in enumerate(options):
            if i == j or guarded[j]:
                continue
            ge = better(keys[j], keys[i])
            if ge and (not better(keys[i], keys[j]) or j < i):
                dominated = True
                break
        if not dominated:
            out.append(o)
    return out


def at_least_as_good(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Keys are tuples of (value, sense): sense +1 higher is better, -1 lower is better, 0 must be equal."""
    for (va, sense), (vb, _) in zip(a, b, strict=True):
        if sense == 0 and va != vb:
            return False
        if sense > 0 and va < vb:
            return False
        if sense < 0 and va > vb:
            return False
    return True


ALL_MEASURES = frozenset({"vram", "bandwidth", "decode", "prefill", "batch"})


def measures(request: Any) -> frozenset[str]:
    """The card figures a request optimises or bounds: a card may stand in for another that beats it
    only in figures the request never reads (prompt speed, when it asks for decode speed alone)."""
    r, objectives = request.require, set(request.objectives())
    used = {
        "vram": "vram" in objectives or bool(r.min_vram_gb),
        "bandwidth": "bandwidth" in objectives,
        "decode": "decode" in objectives or bool(r.min_decode_tokens_per_s),
        "prefill": "prefill" in objectives or bool(r.min_prefill_tokens_per_s),
        "batch": "batch_throughput" in objectives or bool(r.min_batch_tokens_per_s),
    }
    return frozenset(k for k, v in used.items() if v)


def gpu_key(
    opt: Any,
    rules: Rules,
    coeff: Any = None,
    tensor: dict[int, Any] | None = None,
    by_vendor: bool = False,
    stack: Any = None,
    used: frozenset[str] = ALL_MEASURES,
    fitted: dict[tuple[str, str], Any] | None = None,
) -> tuple:
    g = opt.entry
    p = g.power
    always, extras = accessory_figures(g, rules, fitted) if fitted is not None else (0, [])
    key: list[tuple[Any, int]] = [
        # The card's price with the accessories bought with every one of it (an SXM2 module's adapter).
        ((opt.price_usd or 0) + always, -1),
        *extras,
        (g.gpus_per_card, 0),
        (g.memory_gb if "vram" in used else 0, 1),
        (g.bandwidth_gbs if "bandwidth" in used else 0, 1),
        # Compute speed enters through the workload coefficients below; without a workload it is moot.
        (opt.watts, -1),
        (card_peak_w(g, rules, opt.limit_w), -1),
        # A power limit costs speed even where no workload measures it: levels of one card never stand
        # in for one another on power alone (the solver prefers the default when a limit buys nothing).
        (opt.watts / g.tdp_w, 1),
        (p.pcie_6pin + p.pcie_8pin, -1),
        (p.hpwr_12v, -1),
        (p.eps_8pin, -1),
        (hpwr_as_8pin(g, rules) if p.hpwr_12v else 0, -1),
        (width_slots(g), -1),
        (span_slots(g, None, rules), -1),
        (g.slot_width, -1),
        (g.length_mm, -1),
        (g.cooling, 0),
        # With a vendor rule, a card may only stand in for one of its own vendor.
        (g.vendor.lower() if by_vendor else "", 0),
        (g.requires_bifurcation, -1),
        # Which NVLink bridge fits, and the card's own PCIe link: both bound the link between cards.
        (g.nvlink, 0),
        (g.pcie_gen, 1),
        (g.pcie_lanes, 1),
    ]
    if coeff is not None:
        key += [
            (coeff.problem == "", 1),
            (coeff.cap_layers, 1),
            (coeff.decode_ns if "decode" in used else 0, -1),
            (coeff.prefill_ns if "prefill" in used else 0, -1),
            (coeff.batch_ns if "batch" in used else 0, -1),
            (coeff.hop_ns, -1),
        ]
    if tensor is not None:
        key.append((_TensorSet(tensor), 1))
    if stack is not None:
        key.append((stack, 1))
    return tuple(key)


def stack_key(
    serves: dict[str, Any] | None, coeffs: dict[str, Any] | None, used: frozenset[str] = ALL_MEASURES
) -> _StackSet | None:
    """The runtimes a card may run on, with its coefficients on each (those the request reads), as one
    dominance figure."""
    if serves is None:
        return None
    options = {}
    for api, s in serves.items():
        c = (coeffs or {}).get(api)
        figures = (
            (0, 0, 0, 0, 0)
            if c is None
            else (
                c.problem != "",
                -c.cap_layers,
                c.decode_ns if "decode" in used else 0,
                c.prefill_ns if "prefill" in used else 0,
                c.batch_ns if "batch" in used else 0,
            )
        )
        options[api] = (not s.maintained, *figures)
    fallback_only = not any(s.maintained for api, s in serves.items() if api != "vulkan")
    return _StackSet(options, fallback_only)


class _TensorSet:
    """Tensor-parallel options compare as: every card count the other runs, this runs at least as fast."""

    def __init__(self, options: dict[Any, Any]) -> None:
        self.options = options

    def __lt__(self, other: _TensorSet) -> bool:
        return not self._covers(other)

    def __gt__(self, other: _TensorSet) -> bool:
        return not other._covers(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TensorSet) and self.options == other.options

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.options)))

    def _covers(self, other: _TensorSet) -> bool:
        return all(
            n in self.options and all(a <= b for a, b in zip(self.options[n], t, strict=True))
            for n, t in other.options.items()
        )


class _StackSet(_TensorSet):
    """Runtimes compare as: every runtime the other runs on, this runs on too, maintained where the
    other is and at least as fast; and Vulkan stays allowed wherever the other allows it."""

    def __init__(self, options: dict[Any, tuple[Any, ...]], fallback_only: bool) -> None:
        super().__init__(options)
        self.fallback_only = fallback_only

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _StackSet) and (self.options, self.fallback_only) == (
            other.options,
            other.fallback_only,
        )

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.options)))

    def _covers(self, other: _TensorSet) -> bool:
        if isinstance(other, _StackSet) and other.fallback_only and not self.fallback_only:
            return False
        return super()._covers(other)


def accessory_figures(g: Any, rules: Rules, fitted: dict[tuple[str, str], Any]) -> tuple[float, list]:
    """What a card's accessories add: the price of those it always needs, and key figures for those a
    build may need (a shroud's price and length for a passive card, an EPS adapter's price for an EPS
    input). A card with no accessory of a kind to hand counts it at infinite price: it goes without."""

    def price(kind: str) -> float:
        a = fitted.get((kind, g.id))
        return math.inf if a is None else (a.price_usd or 0)

    shrouded = g.cooling == "passive" and rules.cooling.passive_needs_airflow
    shroud = fitted.get(("fan-shroud", g.id)) if shrouded else None
    extras = [
        (price("fan-shroud") if shrouded else 0, -1),
        (shroud.entry.added_length_mm if shroud is not None else 0, -1),
        (price("eps-adapter") if g.power.eps_8pin else 0, -1),
    ]
    return sum(price(k) for k in g.needs), extras


def relies_on_owned_accessory(g: Any, fitted: dict[tuple[str, str], Any]) -> bool:
    """Whether a card's accessory is an owned one: free, but only so many, so the card stands in for no other."""
    kinds = (*g.needs, "fan-shroud", "eps-adapter")
    return any((a := fitted.get((k, g.id))) is not None and a.owned > 0 for k in kinds)


def board_signature(board: Any) -> tuple:
    """Every board figure the model and the checker read, except price and memory capacity: boards
    with equal signatures seat, wire and house cards alike (variants of one board at other prices)."""
    figures = board.model_dump(exclude={"id", "name", "vendor", "source", "prices", "uncertain", "notes"})
    for name in ("memory_slots", "max_memory_gb", "chipset", "year", "cpu_series"):
        figures.pop(name, None)
    return tuple(sorted((k, repr(v)) for k, v in figures.items()))


def cpu_key(plat: Any, layers: dict[Any, Any] | None = None) -> tuple:
    """A platform (board + CPU) by what it costs in all and what it offers; when the CPU may hold model
    layers, also its layer coefficients with each memory option (`layers`): the throughput model reads
    more of a CPU (core dies, architecture, SIMD) than any list of raw figures would keep up with.
    Platforms on equal boards compare across boards, so a board sold at several prices keeps only its
    cheapest platforms."""
    c = plat.cpu_entry
    b = plat.entry
    key = [
        (board_signature(b), 0),
        ((plat.board.price_usd or 0) + (plat.cpu.price_usd or 0) * plat.sockets, -1),
        (b.memory_slots, 1),
        (b.max_memory_gb, 1),
        (plat.channels, 0),
        (c.pcie_lanes, 1),
        (c.tdp_w, -1),
        (c.max_memory_gb, 1),
    ]
    if layers is not None:
        options = {
            m: (co.problem != "", -co.cap_layers, co.decode_ns, co.prefill_ns, co.batch_ns)
            for m, co in layers.items()
        }
        key.append((_TensorSet(options), 1))
    return tuple(key)


def psu_key(opt: Any, rules: Rules) -> tuple:
    p = opt.entry
    cost = (opt.psu.price_usd or 0) + (opt.breakout.price_usd or 0 if opt.breakout else 0)
    brk = opt.breakout.entry.connectors if opt.breakout else None
    leads = [
        getattr(p.connectors, a) + (getattr(brk, a) if brk else 0)
        for a in ("pcie_6pin", "pcie_8pin", "hpwr_12v", "eps_8pin")
    ]
    return (
        (p.form, 0),
        # A chassis' own PSUs are usable only in it: they compare only with each other.
        (opt.bundled_with or "", 0),
        (cost, -1),
        (psu_rating_w(p, 120), 1),
        (psu_rating_w(p, 230), 1),
        (psu_peak_w(p, 120, rules), 1),
        (psu_peak_w(p, 230, rules), 1),
        (efficiency(p, rules), 1),
        (leads[0] + leads[1], 1),
        (leads[2], 1),
        (leads[3], 1),
    )


def memory_key(opt: Any) -> tuple:
    return ((opt.dimm.price_usd or 0) * opt.count, -1), (opt.gb, 1), (opt.count, -1)


def chassis_key(opt: Any, rules: Rules) -> tuple:
    h = opt.entry
    return (
        (opt.price_usd or 0, -1),
        (h.chassis_kind, 0),
        (frozenset(h.form_factors), 0),
        (h.expansion_slots, 1),
        (h.max_gpu_length_mm, 1),
        (h.riser_positions, 1),
        (h.psu_bays, 1),
        (cooling_capacity_w(h, rules) if cooling_capacity_w(h, rules) is not None else float("inf"), 1),
        (h.passive_airflow, 1),
        (psu_places(h)[1], 0),
        (psu_places(h)[0], 1),
        ((h.bundled_psus.id, h.bundled_psus.count, h.bundled_redundant) if h.bundled_psus else None, 0),
    )
