"""BuildModel: CP-SAT variables for one Instance in small containers, plus the registry of rules."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from planner.data.facts import card_peak_w, hpwr_as_8pin, span_slots, width_slots
from planner.instance.resolve import Instance, Priced, PsuOpt
from planner.schema import Gpu, Server

LinearExpr = Any  # cp_model.LinearExprT
HARD_MAX_GPUS = 16


@dataclass
class Gpus:
    """How many of each GPU option, and how they are mounted."""

    options: list[Priced]
    n: list[cp_model.IntVar]
    direct: list[cp_model.IntVar]
    on_riser: list[cp_model.IntVar]

    def count(self, gpu_id: str | None = None) -> LinearExpr:
        """Cards of one id, or all cards."""
        return sum(v for o, v in zip(self.options, self.n, strict=True) if gpu_id in (None, o.id))

    def weighted(self, fn: Any) -> LinearExpr:
        """Sum over chosen cards of an integer per-card figure fn(gpu)."""
        return sum(v * int(fn(o.entry)) for o, v in zip(self.options, self.n, strict=True))

    def per_option(self, fn: Any) -> LinearExpr:
        """Sum over chosen cards of an integer per-option figure fn(option) (options carry power limits)."""
        return sum(v * int(fn(o)) for o, v in zip(self.options, self.n, strict=True))

    def entry(self, i: int) -> Gpu:
        return self.options[i].entry  # type: ignore[no-any-return]


@dataclass
class Slots:
    """Where cards sit on the chosen platform: direct in a slot, on a riser, on a bifurcated slot, via a port."""

    direct: dict[tuple[int, int, tuple[int, int, bool, bool]], cp_model.IntVar] = field(default_factory=dict)
    riser: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    bifurcated: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # Cards on each bifurcation card: one up to its outputs (an output may stay free, as the checker allows).
    bif_cards: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    port: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    bay: dict[tuple[int, tuple[int, int, bool, bool]], cp_model.IntVar] = field(default_factory=dict)
    # The risers a riser mount may use ("riser" | "bifurcated" | "port", board, position or port index):
    # (mount variable, riser, PCIe generation the link runs at with it, literal: that riser is the one
    # chosen, None when it is the only one). And how many of each riser are bought. Set by pick_risers.
    picks: dict[tuple[str, int, int], list[tuple[Any, Priced, int, Any]]] = field(default_factory=dict)
    riser_counts: list[tuple[Any, Priced]] = field(default_factory=list)

    def riser_sources(self) -> LinearExpr:
        """Cards that hang on risers: riser slots, cards on bifurcation cards and ports."""
        return sum(self.riser.values()) + sum(self.bif_cards.values()) + sum(self.port.values())


@dataclass
class Psus:
    """PSU instances: u[j][k][i] says instance j is option k plugged into circuit i."""

    options: list[PsuOpt]
    u: list[list[list[cp_model.IntVar]]]
    feeds: list[list[cp_model.IntVar]]
    load_w: list[cp_model.IntVar]
    wall_mw: list[list[cp_model.IntVar]]

    def used(self, j: int) -> LinearExpr:
        return sum(v for per_k in self.u[j] for v in per_k)

    def count(self, psu_id: str | None = None) -> LinearExpr:
        return sum(
            v
            for per_j in self.u
            for k, per_k in enumerate(per_j)
            for v in per_k
            if psu_id in (None, self.options[k].psu.id)
        )

    def capacity_w(self, j: int, fn: Any) -> LinearExpr:
        """Sum over option/circuit choices of fn(option, circuit) for instance j."""
        return sum(
            v * int(fn(self.options[k], i)) for k, per_k in enumerate(self.u[j]) for i, v in enumerate(per_k)
        )


@dataclass
class BuildModel:
    """The CP-SAT model of one request: containers of variables and the enforcement literals of rules."""

    inst: Instance
    m: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    guards: dict[str, cp_model.IntVar] = field(default_factory=dict)
    guard_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    exprs: dict[str, LinearExpr] = field(default_factory=dict)
    # Set by the workload rules when the request has a workload.
    workload: Any = None
    coeff: dict[str, Any] = field(default_factory=dict)
    layers: list[Any] = field(default_factory=list)
    cpu_layers: Any = None
    tensor: dict[tuple[int, int], Any] = field(default_factory=dict)
    # Set by the link rules (planner/model/links.py): the split this model is for, the slowest link's
    # variables, NVLink bridges that may be bought {id: (var, priced)}, tensor choices per option.
    split: str = "layer"
    link: Any = None
    bridges: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    tensor_pairs: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)
    # Set by the stack rule: one literal per runtime that may serve the build.
    runtime: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inst, m = self.inst, self.m
        # Card counts range up to the schema's hard cap, not max_gpus: max_gpus is a guarded rule
        # that explanations may relax ("allow 5 GPUs").
        big = HARD_MAX_GPUS
        self.max_gpus = big
        self.gpus = Gpus(
            inst.gpus,
            [m.NewIntVar(0, big, f"n[{g.id}]") for g in inst.gpus],
            [m.NewIntVar(0, big, f"direct[{g.id}]") for g in inst.gpus],
            [m.NewIntVar(0, big, f"riser[{g.id}]") for g in inst.gpus],
        )
        self.plat = [m.NewBoolVar(f"platform[{p.label}]") for p in inst.platforms]
        self.chassis = [m.NewBoolVar(f"chassis[{c.id}]") for c in inst.chassis]
        self.mem = {
            p: [m.NewBoolVar(f"mem[{p}:{o.dimm.id}x{o.count}]") for o in opts]
            for p, opts in inst.memory.items()
        }
        self.slots = Slots()
        # Accessories bought for the cards: (accessory option, count expression), filled by the rules.
        self.accessories: list[tuple[Priced, LinearExpr]] = []
        self._aggregates()
        self._psus()

    def _aggregates(self) -> None:
        """Sums used by many rules, as variables so that each big sum is written once."""
        inst, m, g = self.inst, self.m, self.gpus
        rules = inst.rules
        self.server_sel = m.NewBoolVar("server")
        m.Add(
            self.server_sel == sum(v for p, v in zip(inst.platforms, self.plat, strict=True) if p.is_server)
        )
        self.board_sel = [m.NewBoolVar(f"board[{b.id}]") for b in inst.boards]
        for b, bv in enumerate(self.board_sel):
            m.Add(bv == sum(v for p, v in zip(inst.platforms, self.plat, strict=True) if p.board_index == b))
        self.gpu_count = m.NewIntVar(0, self.max_gpus, "gpu_count")
        m.Add(self.gpu_count == g.count())
        self.cards_w = m.NewIntVar(0, 100_000, "cards_w")
        m.Add(self.cards_w == g.per_option(lambda o: math.ceil(o.watts)))
        self.cards_peak_w = m.NewIntVar(0, 200_000, "cards_peak_w")
        m.Add(self.cards_peak_w == g.per_option(lambda o: math.ceil(card_peak_w(o.entry, rules, o.limit_w))))
        # Percent of default power given up to limits, summed over cards: the solver's last tie-break.
        self.exprs["limit_cut"] = g.per_option(lambda o: round(100 * (1 - o.watts / o.entry.tdp_w)))
        self.cpu_w = m.NewIntVar(0, 10_000, "cpu_w")
        m.Add(
            self.cpu_w
            == sum(
                v * math.ceil(p.cpu_entry.tdp_w * p.sockets)
                for p, v in zip(inst.platforms, self.plat, strict=True)
            )
        )
        dimms = sum(
            v * o.count * math.ceil(rules.power.per_dimm_w)
            for p, opts in inst.memory.items()
            for o, v in zip(opts, self.mem[p], strict=True)
        )
        self.platform_w = m.NewIntVar(0, 20_000, "platform_w")
        m.Add(self.platform_w == self.cpu_w + math.ceil(rules.power.platform_base_w) + dimms)

    def _psus(self) -> None:
        inst, m = self.inst, self.m
        n_j = inst.rules.power.max_psus
        u = [
            [[m.NewBoolVar(f"psu[{j}]={o.label}@c{i}") for i in range(len(inst.circuits))] for o in inst.psus]
            for j in range(n_j)
        ]
        feeds = [[m.NewIntVar(0, self.max_gpus, f"feed[{j},{g.id}]") for g in inst.gpus] for j in range(n_j)]
        load = [m.NewIntVar(0, 100_000, f"load_w[{j}]") for j in range(n_j)]
        wall = [
            [m.NewIntVar(0, 200_000_000, f"wall_mw[{j},c{i}]") for i in range(len(inst.circuits))]
            for j in range(n_j)
        ]
        self.psus = Psus(inst.psus, u, feeds, load, wall)

    # ---- guarded rules -------------------------------------------------------------------------

    def guard(self, name: str, **info: Any) -> cp_model.IntVar:
        """The enforcement literal of a user-facing rule (created once, named after its source)."""
        if name not in self.guards:
            self.guards[name] = self.m.NewBoolVar(name)
            self.guard_info[name] = info
        return self.guards[name]

    def enforce(self, name: str, constraints: Iterable[cp_model.Constraint], **info: Any) -> None:
        lit = self.guard(name, **info)
        for c in constraints:
            c.OnlyEnforceIf(lit)

    # ---- derived expressions ------------------------------------------------------------------

    def gpu_class(self, i: int) -> tuple[int, int, bool, bool]:
        """(width, span, needs a bifurcating slot, open-air cooler) of a GPU option mounted directly in a
        closed case: cards of one class are interchangeable in the slots."""
        gpu = self.gpus.entry(i)
        return (
            width_slots(gpu),
            span_slots(gpu, None, self.inst.rules),
            gpu.requires_bifurcation,
            gpu.cooling == "open-air",
        )

    def hpwr_leads(self, i: int) -> int:
        return hpwr_as_8pin(self.gpus.entry(i), self.inst.rules)

    def watts(self, i: int) -> int:
        """Sustained watts of one card of GPU option i (its power limit, or its default)."""
        return math.ceil(self.gpus.options[i].watts)

    def peak_watts(self, i: int) -> int:
        o = self.gpus.options[i]
        return math.ceil(card_peak_w(o.entry, self.inst.rules, o.limit_w))

    def chassis_where(self, pred: Any) -> LinearExpr:
        """Sum of the chassis choice literals whose entry satisfies pred (0 or 1 in any build)."""
        return sum(c for c, h in zip(self.chassis, self.inst.chassis, strict=True) if pred(h.entry))

    def fan_wall(self) -> LinearExpr:
        """1 when the enclosure pushes air through passive cards: a server, or a chassis with a fan wall."""
        return self.chassis_where(lambda e: e.passive_airflow) + self.server_sel

    def homes(self) -> list[tuple[cp_model.IntVar, int, Any]]:
        """Where cards can live: (chosen literal, most cards it holds, entry) for every chassis and
        server barebone. Rules bound cards by these capacities rather than by a big constant, so the
        LP relaxation cannot park eight cards in a tenth of a server."""
        inst = self.inst
        out = [
            (
                c,
                h.entry.riser_positions + (0 if h.entry.chassis_kind == "open-frame" else h.entry.expansion_slots),
                h.entry,
            )
            for c, h in zip(self.chassis, inst.chassis, strict=True)
        ]
        out += [
            (v, b.entry.gpu_positions, b.entry)
            for b, v in zip(inst.boards, self.board_sel, strict=True)
            if isinstance(b.entry, Server)
        ]
        return out
