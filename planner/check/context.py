"""What the checker knows: the catalogue, request and rules, and the build with every card placed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.data.catalog import Catalog
from planner.data.facts import CircuitSlot, card_peak_w, card_w, circuits
from planner.schema import Board, Chassis, Cpu, Gpu, Memory, Psu, Server, System
from planner.schema.build import Build, GpuUse
from planner.schema.request import Request
from planner.schema.rules import Rules


@dataclass(frozen=True)
class Violation:
    """One rule a build breaks, in the user's words."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


@dataclass
class Ctx:
    """A build resolved against the catalogue, with shortcuts the checks share."""

    catalog: Catalog
    request: Request
    rules: Rules
    build: Build
    cards: list[GpuUse] = field(default_factory=list)
    circuits: list[CircuitSlot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cards = self.build.gpu_cards()
        self.circuits = circuits(self.request.site, self.rules)

    def part(self, part_id: str | None) -> Any:
        return self.catalog.entries.get(part_id) if part_id else None

    @property
    def system(self) -> System | None:
        return self.part(self.build.system)

    @property
    def system_gpu_memory_gb(self) -> float:
        """GPU-usable memory of the system, raised when the workload asks for the raised wired limit."""
        wl = self.request.workload
        return self.system.gpu_memory(wl is not None and wl.raised_wired_limit) if self.system else 0.0

    @property
    def board(self) -> Board | Server | None:
        return self.part(self.build.board or self.build.server)

    @property
    def server(self) -> Server | None:
        b = self.board
        return b if isinstance(b, Server) else None

    @property
    def cpu(self) -> Cpu | None:
        return self.part(self.build.cpu)

    @property
    def chassis(self) -> Chassis | None:
        return self.part(self.build.chassis)

    @property
    def dimm(self) -> Memory | None:
        return self.part(self.build.memory.id) if self.build.memory else None

    def gpu(self, card: GpuUse) -> Gpu:
        return self.catalog.entries[card.id]  # type: ignore[return-value]

    def psu(self, index: int) -> Psu:
        return self.catalog.entries[self.build.psus[index].id]  # type: ignore[return-value]

    @property
    def ram_gb(self) -> float:
        return self.dimm.size_gb * self.build.memory.count if self.dimm and self.build.memory else 0.0

    @property
    def min_lanes(self) -> int:
        return self.request.require.min_lanes_per_gpu or self.rules.pcie.min_lanes_per_gpu

    def platform_w(self) -> float:
        """Board, CPUs and DIMMs at load."""
        if self.system is not None or self.cpu is None:
            return 0.0
        dimms = self.build.memory.count if self.build.memory else 0
        return (
            self.cpu.tdp_w * self.build.cpu_count
            + self.rules.power.platform_base_w
            + (self.rules.power.per_dimm_w * dimms)
        )

    def card_w(self, card: GpuUse) -> float:
        """Sustained draw of a card at its power limit (its default board power when none is set)."""
        return card_w(self.gpu(card), card.power_limit_w)

    def card_peak_w(self, card: GpuUse) -> float:
        return card_peak_w(self.gpu(card), self.rules, card.power_limit_w)

    def cards_w(self, cards: list[GpuUse] | None = None) -> float:
        return sum(self.card_w(c) for c in (self.cards if cards is None else cards))

    def included(self) -> dict[str, int]:
        """Parts that come with another part of the build and cost nothing: a chassis' bundled PSUs, a
        mining server's soldered CPU."""
        out = {}
        bundle = self.chassis.bundled_psus if self.chassis is not None else None
        if bundle is not None:
            out[bundle.id] = bundle.count
        if self.server is not None and self.server.included_cpu:
            out[self.server.included_cpu] = 1
        return out

    def part_counts(self) -> dict[str, int]:
        """Every part id in the build and how many."""
        return self.build.part_counts()
