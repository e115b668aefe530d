"""Turn catalogue x request x rules into an Instance: priced, filtered, integer-scaled options, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from planner.data.catalog import Catalog
from planner.data.facts import CircuitSlot, breakout_fits, card_w, circuits, limit_levels, riser_ok
from planner.data.stack import card_serves, runtimes
from planner.instance.prune import (
    at_least_as_good,
    chassis_key,
    cpu_key,
    gpu_key,
    keep_undominated,
    measures,
    memory_key,
    psu_key,
    relies_on_owned_accessory,
    stack_key,
)
from planner.schema import Board, Cpu, Gpu, Memory, Part, Psu, Server
from planner.schema.request import Request
from planner.schema.rules import Rules, Select

HOST_KINDS = {
    "slot": ("ribbon", "redriver", "retimer"),
    "mcio": ("mcio-kit",),
    "slimsas": ("slimsas-kit",),
    "oculink": ("oculink-kit",),
}


@dataclass(frozen=True)
class Priced:
    """A part as the request can buy it: unit price in allowed markets, and how many are owned.

    A GPU option may carry a power limit: (card, limit level) is an option of its own."""

    entry: Any
    price_usd: int | None
    condition: str | None
    owned: int = 0
    limit_w: float | None = None

    @property
    def id(self) -> str:
        return str(self.entry.id)

    @property
    def key(self) -> str:
        """Unique name of the option: the id, with the power limit when one is set."""
        return self.id if self.limit_w is None else f"{self.id}@{self.limit_w:g}w"

    @property
    def watts(self) -> float:
        """Sustained draw of a GPU option: its limit, or the card's default board power."""
        return card_w(self.entry, self.limit_w)


@dataclass(frozen=True)
class PlatformOpt:
    """A board (or server barebone) with a CPU that fits it."""

    board: Priced
    cpu: Priced
    board_index: int

    @property
    def entry(self) -> Board | Server:
        return self.board.entry  # type: ignore[no-any-return]

    @property
    def is_server(self) -> bool:
        return isinstance(self.board.entry, Server)

    @property
    def sockets(self) -> int:
        return int(self.entry.sockets)

    @property
    def cpu_entry(self) -> Cpu:
        return self.cpu.entry  # type: ignore[no-any-return]

    @property
    def channels(self) -> int:
        """Memory channels both the board wires and the CPUs drive."""
        return min(self.entry.memory_channels, self.cpu_entry.memory_channels * self.sockets)

    @property
    def label(self) -> str:
        cpu = self.cpu.id if self.sockets == 1 else f"{self.sockets}x {self.cpu.id}"
        return f"{self.board.id} + {cpu}"


@dataclass(frozen=True)
class MemoryOpt:
    """A DIMM and how many of them on one platform."""

    dimm: Priced
    count: int

    @property
    def gb(self) -> int:
        return int(self.dimm.entry.size_gb) * self.count


@dataclass(frozen=True)
class PsuOpt:
    """A PSU, with the breakout board it needs; or a PSU a chassis ships with (free, only in that chassis)."""

    psu: Priced
    breakout: Priced | None
    bundled_with: str | None = None

    @property
    def entry(self) -> Psu:
        return self.psu.entry  # type: ignore[no-any-return]

    @property
    def label(self) -> str:
        return self.psu.id + (f" + {self.breakout.id}" if self.breakout else "")


@dataclass
class Instance:
    """Everything the model needs, already filtered and priced."""

    catalog: Catalog
    request: Request
    rules: Rules
    circuits: list[CircuitSlot]
    gpus: list[Priced]
    boards: list[Priced]
    platforms: list[PlatformOpt]
    memory: dict[int, list[MemoryOpt]]
    chassis: list[Priced]
    psus: list[PsuOpt]
    risers: dict[tuple[str, int], Priced]
    bifurcation: Priced | None
    systems: list[Priced]
    bridges: list[Priced] = field(default_factory=list)
    hops: dict[str, Any] = field(default_factory=dict)  # option key -> coeffs.HopCoeff (layer split)
    # option key -> runtime -> what a layer-split hop costs the card under that runtime (the model charges
    # the build's runtime's; `hops` holds the dearest, for pruning and when runtimes are not modelled)
    rt_hops: dict[str, dict[str, Any]] = field(default_factory=dict)
    accessories: dict[tuple[str, str], Priced] = field(default_factory=dict)
    # Cards come at their lowest power limit only (no workload): limits are raised after the solve.
    lowest_limits: bool = False
    workload: Any = None
    coeff: dict[str, Any] = field(default_factory=dict)
    tensor: dict[str, dict[int, Any]] = field(default_factory=dict)  # n -> coeffs.TensorCoeff
    notes: list[str] = field(default_factory=list)
    # Software stack: the runtimes that may serve each card, the card's coefficients on each, and the
    # runtime its tensor-parallel coefficients assume (planner/data/stack.py decides which may combine).
    serves: dict[str, dict[str, Any]] = field(default_factory=dict)
    rt_coeff: dict[str, dict[str, Any]] = field(default_factory=dict)
    native: dict[str, str] = field(default_factory=dict)
    # Coefficients of CPUs holding layers, by (cpu id, sockets, GB of RAM): pruning and the model share them.
    host: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    pruned: bool = True  # dominated options removed (planner.instance.prune)

    @property
    def min_lanes(self) -> int:
        return self.request.require.min_lanes_per_gpu or self.rules.pcie.min_lanes_per_gpu

    def accessory(self, kind: str, gpu_id: str) -> Priced | None:
        """The cheapest accessory of a kind that fits a card, if the catalogue has one at a price."""
        return self.accessories.get((kind, gpu_id))


def matches(select: Select, entry: Any) -> bool:
    """Whether a user rule's selection covers a catalogue entry."""
    if select.ids and entry.id not in select.ids:
        return False
    if select.kind is not None and entry.kind != select.kind:
        return False
    for key, want in select.where.items():
        have = getattr(entry, key, None)
        options = want if isinstance(want, tuple) else (want,)
        if isinstance(have, str):
            if have.lower() not in {str(o).lower() for o in options}:
                return False
        elif have not in options:
            return False
    return True


def _forbidden(entry: Any, rules: Rules) -> bool:
    return any(r.kind == "forbid" and matches(r.select, entry) for _, r in rules.rules)


def price_of(part: Part, request: Request, owned: dict[str, int]) -> Priced | None:
    """The part at its cheapest price in the allowed markets, or None if it cannot be had."""
    allowed = [p for p in part.prices if p.condition in request.require.condition]
    best = min(allowed, key=lambda p: p.usd) if allowed else None
    have = owned.get(part.id, 0)
    if best is None and have == 0:
        return None
    return Priced(part, math.ceil(best.usd) if best else None, best.condition if best else None, have)


def _gpu_allowed(gpu: Gpu, request: Request) -> bool:
    # Vendors are a guarded rule in the model (so explanations can say "allow AMD GPUs"); NVLink filters.
    return not (request.require.nvlink and gpu.nvlink == "none")


def protected(rules: Rules, owned: dict[str, int]) -> Any:
    """Parts pruning must keep: owned ones and any a user rule (other than forbid) selects."""
    selects = []
    for _, r in rules.rules:
        if r.kind == "if_then":
            selects += [r.if_, r.then]
        elif r.kind != "forbid" and hasattr(r, "select"):
            selects.append(r.select)
    return lambda entry: entry.id in owned or any(matches(s, entry) for s in selects)


def resolve(catalog: Catalog, request: Request, rules: Rules, prune: bool = True) -> Instance:
    """Price, filter and pair the catalogue for one request (dominated options pruned unless asked not to)."""
    owned = {o.id: o.count for o in request.owned}

    def priced(kind: str) -> list[Priced]:
        out = []
        for e in catalog.of_kind(kind):
            if _forbidden(e, rules):
                continue
            p = price_of(e, request, owned)
            if p is not None:
                out.append(p)
        return out

    accessories = _cheapest_accessories(priced("accessory"), catalog)
    gpus = [
        g
        for g in priced("gpu")
        if _gpu_allowed(g.entry, request) and all((k, g.id) in accessories for k in g.entry.needs)
    ]
    gpus = _with_limit_levels(gpus, request, rules)
    cpus = priced("cpu")
    platforms: list[PlatformOpt] = []
    boards: list[Priced] = []
    for b in priced("board") + priced("server"):
        fitting = [
            c
            for c in cpus
            if c.entry.socket == b.entry.socket
            and c.entry.series in b.entry.cpu_series
            and c.entry.max_sockets >= b.entry.sockets
        ]
        soldered = getattr(b.entry, "included_cpu", None)
        if soldered and soldered in catalog:
            # A CPU soldered on the board comes with it: the only one it takes, at no cost.
            fitting = [Priced(catalog.entries[soldered], 0, None, owned.get(soldered, 0))]
        if fitting:
            boards.append(b)
            platforms.extend(PlatformOpt(b, c, len(boards) - 1) for c in fitting)
    dimms = priced("memory")
    memory = {i: _memory_options(p, dimms, rules) for i, p in enumerate(platforms)}
    all_platforms = list(platforms)
    # Every enclosure stays in: the allowed kinds are a guarded rule, so an explanation can say
    # "allow open frames" when that is what it takes.
    chassis = priced("chassis")
    breakouts = priced("breakout")
    psus: list[PsuOpt] = []
    psus.extend(_bundled_psus(chassis, catalog, owned))
    for p in priced("psu"):
        if not p.entry.needs_breakout:
            psus.append(PsuOpt(p, None))
            continue
        # Every breakout that takes it is an option: the cheapest may have too few leads (dominance
        # pruning drops the pairs that are dearer without more leads).
        psus.extend(PsuOpt(p, b) for b in breakouts if breakout_fits(b.entry, p.entry))
    risers = _cheapest_risers(priced("riser"), rules)
    bif = [r for r in priced("riser") if r.entry.riser_kind == "bifurcation-card" and r.entry.outputs >= 2]
    systems = priced("system") if request.require.systems else []
    links = {g.entry.nvlink for g in gpus}
    bridges = [b for b in priced("bridge") if links.intersection(b.entry.fits)]
    serves = {g.id: card_serves(catalog, request, g.entry) for g in gpus} if runtimes(catalog) else {}
    cards = None
    if request.workload is not None:
        from planner.instance.card_coeffs import card_coeffs

        cards = card_coeffs(request, catalog, gpus, serves, lambda gpu: bridge_gbs(bridges, gpu))
    workload = cards.workload if cards else None
    coeff, tensor = (cards.coeff, cards.tensor) if cards else ({}, {})
    rt_coeff, native = (cards.rt_coeff, cards.native) if cards else ({}, {})
    hops, rt_hops = (cards.hops, cards.rt_hops) if cards else ({}, {})
    host: dict[tuple[Any, ...], Any] = {}
    if prune:
        keep = protected(rules, owned)
        used = measures(request)
        gpus = keep_undominated(
            gpus,
            lambda o: gpu_key(
                o,
                rules,
                coeff.get(o.key),
                tensor.get(o.key),
                True,
                stack_key(serves.get(o.id), rt_coeff.get(o.key), used),
                used,
                accessories,
            ),
            at_least_as_good,
            lambda o: keep(o.entry) or relies_on_owned_accessory(o.entry, accessories),
        )
        wl = request.workload
        runs_layers = wl is not None and (wl.offload or request.require.min_gpus == 0)
        layers = {
            id(p): {(o.dimm.id, o.count): host_coeff(host, p, o, workload) for o in memory[i]}
            for i, p in enumerate(platforms)
            if runs_layers
        }
        platforms = keep_undominated(
            platforms,
            lambda p: cpu_key(p, layers.get(id(p))),
            at_least_as_good,
            lambda p: keep(p.cpu.entry) or keep(p.board.entry),
        )
        psus = keep_undominated(
            psus,
            lambda o: psu_key(o, rules),
            at_least_as_good,
            lambda o: keep(o.psu.entry) or bool(o.breakout and keep(o.breakout.entry)),
        )
        chassis = keep_undominated(
            chassis, lambda o: chassis_key(o, rules), at_least_as_good, lambda o: keep(o.entry)
        )
        memory = {
            i: keep_undominated(opts, memory_key, at_least_as_good, lambda o: keep(o.dimm.entry))
            for i, opts in memory.items()
        }
    # Platforms were pruned: renumber the memory options to follow them.
    index = {id(p): i for i, p in enumerate(platforms)}
    memory = {index[id(p)]: memory[i] for i, p in enumerate(all_platforms) if id(p) in index}
    inst = Instance(
        catalog=catalog,
        request=request,
        rules=rules,
        circuits=circuits(request.site, rules),
        gpus=gpus,
        boards=boards,
        platforms=platforms,
        memory=memory,
        chassis=chassis,
        psus=psus,
        risers=risers,
        bifurcation=min(bif, key=lambda r: r.price_usd or 0) if bif else None,
        systems=systems,
        bridges=bridges,
        hops=hops,
        rt_hops=rt_hops,
        accessories=accessories,
        lowest_limits=request.workload is None and request.allow_power_limits,
        workload=workload,
        coeff=coeff,
        tensor=tensor,
        serves=serves,
        rt_coeff=rt_coeff,
        native=native,
        host=host,
        pruned=prune,
    )
    return with_platforms(inst, platforms)


def with_platforms(inst: Instance, platforms: list[PlatformOpt]) -> Instance:
    """A copy of the instance with only these of its platforms, and only the boards they use (memory
    options and board indexes renumbered to follow)."""
    index = {id(p): i for i, p in enumerate(inst.platforms)}
    used = sorted({p.board_index for p in platforms})
    new_index = {b: k for k, b in enumerate(used)}
    return replace(
        inst,
        boards=[inst.boards[b] for b in used],
        platforms=[replace(p, board_index=new_index[p.board_index]) for p in platforms],
        memory={k: inst.memory[index[id(p)]] for k, p in enumerate(platforms)},
    )


def bridge_gbs(bridges: list[Priced], gpu: Any) -> float | None:
    """One-way GB/s of the fastest NVLink bridge that fits this card (the model buys only those)."""
    fits = [b.entry.bandwidth_gbs for b in bridges if gpu.nvlink in b.entry.fits]
    return max(fits) if fits else None


def host_coeff(cache: dict[tuple[Any, ...], Any], plat: PlatformOpt, mem: MemoryOpt, workload: Any) -> Any:
    """The CPU's coefficients for layers kept in system RAM on `mem` (computed once per instance): its
    size bounds the layers, the channels it fills and its speed set the bandwidth."""
    channels, speed = host_memory(plat, mem)
    key = (plat.cpu.id, plat.sockets, mem.gb, channels, speed)
    if key not in cache:
        from planner.instance.coeffs import cpu_coeff

        cache[key] = cpu_coeff(plat.cpu_entry, plat.sockets, mem.gb, workload, channels, speed)
    return cache[key]


def host_memory(plat: PlatformOpt, mem: MemoryOpt) -> tuple[int, int]:
    """The channels a memory option fills on a platform, and the speed they run at (the checker's too)."""
    from planner.perf.device import populated_channels

    return populated_channels(plat.entry.memory_channels, plat.cpu_entry, plat.sockets, mem.count), int(
        mem.dimm.entry.speed_mts
    )


def _memory_options(plat: PlatformOpt, dimms: list[Priced], rules: Rules) -> list[MemoryOpt]:
    """DIMM choices that fit the platform: matching type and form, every count the checker accepts (the
    same number on each channel when every channel must be populated, any count up to the slots if not)."""
    board = plat.entry
    out = []
    step = plat.channels if rules.memory.populate_all_channels else 1
    for d in dimms:
        dimm: Memory = d.entry
        form_ok = dimm.form == board.memory_form or (board.memory_form == "rdimm" and dimm.form == "lrdimm")
        if dimm.memory_type != board.memory_type or not form_ok:
            continue
        for count in range(step, board.memory_slots + 1, step):
            if count * dimm.size_gb <= board.max_memory_gb:
                out.append(MemoryOpt(d, count))
    return out


def _cheapest_risers(risers: list[Priced], rules: Rules) -> dict[tuple[str, int], Priced]:
    """For each host kind and PCIe generation, the cheapest riser that holds the link."""
    out: dict[tuple[str, int], Priced] = {}
    for host, kinds in HOST_KINDS.items():
        for gen in (3, 4, 5):
            ok = [
                r
                for r in risers
                if r.entry.riser_kind in kinds and r.entry.host == host and riser_ok(r.entry, gen, rules)
            ]
            if ok:
                out[(host, gen)] = min(ok, key=lambda r: r.price_usd or 0)
    return out


def _with_limit_levels(gpus: list[Priced], request: Request, rules: Rules) -> list[Priced]:
    """Each card at its default power and at every limit level within its range, unless the request
    forbids power limits (a level is an option of its own: pruning and the model treat it as a card).

    Without a workload, a limit changes no objective and only ever makes a build easier to power and
    cool: each card's lowest level is then the one option that matters (the optimum is the same), and
    the solver raises the limits back afterwards as far as the checker allows."""
    if not request.allow_power_limits:
        return gpus
    levels = request.power_limit_levels
    if levels:
        rules = rules.model_copy(
            update={"power_limits": rules.power_limits.model_copy(update={"levels": levels})}
        )
    out: list[Priced] = []
    for g in gpus:
        options = limit_levels(g.entry, rules)
        if request.workload is None:
            options = options[-1:]
        out.extend(
            g if watts is None else Priced(g.entry, g.price_usd, g.condition, g.owned, watts)
            for watts in options
        )
    return out


def _cheapest_accessories(accessories: list[Priced], catalog: Catalog) -> dict[tuple[str, str], Priced]:
    """For each (accessory kind, GPU id): the cheapest accessory of that kind that fits the card."""
    out: dict[tuple[str, str], Priced] = {}
    for gpu in catalog.of_kind("gpu"):
        for a in accessories:
            key = (a.entry.accessory_kind, gpu.id)
            if a.entry.fits(gpu.id) and (key not in out or (a.price_usd or 0) < (out[key].price_usd or 0)):
                out[key] = a
    return out


def _bundled_psus(chassis: list[Priced], catalog: Catalog, owned: dict[str, int]) -> list[PsuOpt]:
    """The PSUs chassis ship with, as options usable only in their chassis, at no extra cost."""
    out = []
    for c in chassis:
        bundle = c.entry.bundled_psus
        if bundle is not None and bundle.id in catalog:
            unit = Priced(catalog.entries[bundle.id], 0, None, owned.get(bundle.id, 0))
            out.append(PsuOpt(unit, None, bundled_with=c.id))
    return out
