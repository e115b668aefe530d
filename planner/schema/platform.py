"""Catalogue kinds a build stands on: boards and their slots, memory, chassis, risers, barebones."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt, model_validator

from planner.schema.common import Part, Ref, Slug, Strict
from planner.schema.compute import MemoryType, PowerConnectors

FormFactor = Literal[
    "mini-itx",
    "micro-atx",
    "deep-micro-atx",
    "atx",
    "e-atx",
    "ssi-ceb",
    "ssi-eeb",
    "ceb",
    "eeb",
    "proprietary",
]
Lanes = Literal[1, 2, 4, 8, 16]


class PartCount(Strict):
    """A part and how many."""

    id: Ref = Field(description="Part id.")
    count: PositiveInt = Field(default=1, le=64, description="How many.")


class Slot(Strict):
    """One PCIe slot as it sits on the board, with its wiring when every slot is populated."""

    position: int = Field(ge=1, le=20, description="Slot index on the back plate, 1 = nearest CPU.")
    size: Lanes = Field(description="Physical slot size in lanes (x16 = 16).")
    lanes: Lanes = Field(description="Electrical lanes when all slots are populated.")
    gen: int = Field(ge=1, le=6, description="PCIe generation.")
    link: Literal["cpu", "chipset", "switch"] = Field(
        description="Whether the lanes come from the CPU, the chipset or a PCIe switch."
    )
    bifurcation: tuple[str, ...] = Field(
        default=(), description="Splits the BIOS supports for this slot, e.g. x8x8, x4x4x4x4."
    )
    cpu_socket: int = Field(default=1, ge=1, le=2, description="Which CPU socket feeds it.")

    @property
    def splits_in_two(self) -> bool:
        """Whether the BIOS can split the slot into two links (x8x8, x4x4): a bifurcation card or a
        dual-GPU card without a switch needs that."""
        return any(split.count("x") == 2 for split in self.bifurcation)

    @model_validator(mode="after")
    def check_lanes_fit_slot(self) -> Slot:
        if self.lanes > self.size:
            raise ValueError(f"lanes x{self.lanes} exceed the physical x{self.size} slot")
        return self


class Port(Strict):
    """A cabled PCIe connector on the board (MCIO, SlimSAS, OCuLink)."""

    kind: Literal["mcio", "slimsas", "oculink"] = Field(description="Connector type.")
    lanes: Lanes = Field(description="Lanes per connector.")
    gen: int = Field(ge=3, le=6, description="PCIe generation.")
    count: int = Field(ge=1, le=16, description="How many such connectors.")
    link: Literal["cpu", "chipset", "switch"] = Field(default="cpu", description="Lane source.")


class PlatformBase(Part):
    """Board fields shared by motherboards and barebone servers."""

    socket: str = Field(min_length=2, description="CPU socket.")
    sockets: Literal[1, 2] = Field(default=1, description="Number of CPU sockets.")
    cpu_series: tuple[str, ...] = Field(
        min_length=1, description="CPU series the board supports (same names as cpu.series)."
    )
    chipset: str = Field(default="", description="Chipset, if any.")
    year: int = Field(ge=2010, le=2030, description="Launch year.")
    memory_type: MemoryType = Field(description="Memory generation.")
    memory_form: Literal["udimm", "rdimm", "sodimm"] = Field(
        description="DIMM kind (RDIMM covers LRDIMM; sodimm for small boards that take laptop modules)."
    )
    memory_slots: int = Field(ge=1, le=48, description="DIMM slots, all sockets.")
    memory_channels: int = Field(ge=1, le=24, description="Memory channels wired, all sockets.")
    max_memory_gb: int = Field(ge=8, le=16_384, description="Largest supported memory, GB.")
    slots: tuple[Slot, ...] = Field(description="Every PCIe slot, in back-plate order.")
    ports: tuple[Port, ...] = Field(default=(), description="MCIO / SlimSAS / OCuLink ports.")

    @model_validator(mode="after")
    def check_slot_positions_unique(self) -> PlatformBase:
        positions = [s.position for s in self.slots]
        if len(positions) != len(set(positions)):
            raise ValueError("two slots share a position; give each slot its back-plate index")
        if positions != sorted(positions):
            raise ValueError("slots are not in back-plate order; list them by position")
        if self.memory_slots < self.memory_channels:
            raise ValueError("fewer memory_slots than memory_channels; check both figures")
        return self


class Board(PlatformBase):
    """A motherboard."""

    kind: Literal["board"] = Field(description="Entry kind.")
    form_factor: FormFactor = Field(description="Board form factor.")


class Server(PlatformBase):
    """A GPU server bought as a barebone: board, chassis, fans and PSUs in one box."""

    kind: Literal["server"] = Field(description="Entry kind.")
    rack_units: int = Field(ge=1, le=10, description="Height in rack units.")
    gpu_positions: int = Field(ge=1, le=20, description="Double-width GPUs it takes in its bays.")
    max_gpu_length_mm: PositiveFloat = Field(le=400, description="Longest card that fits, mm.")
    max_gpu_slot_width: float = Field(ge=1, le=4, description="Widest card per position, slots.")
    psu_count: int = Field(ge=1, le=8, description="PSUs installed.")
    psu_redundant: int = Field(default=0, ge=0, le=4, description="PSUs held back for redundancy.")
    psu_w: PositiveFloat = Field(le=5_000, description="Rating of each PSU at 200-240 V, W.")
    psu_w_low_line: PositiveFloat = Field(le=5_000, description="Each PSU at 100-120 V, W.")
    gpu_power: PowerConnectors = Field(description="GPU power connectors the chassis provides.")
    cooling_capacity_w: PositiveFloat = Field(le=20_000, description="Heat the fans move, W.")
    cooling_basis: str = Field(min_length=3, description="Where the cooling figure comes from.")
    idle_w: PositiveFloat = Field(le=2_000, description="Platform power without GPUs, W.")
    included_cpu: Slug | None = Field(
        default=None, description="CPU soldered on its board, included in its price (mining servers)."
    )


class Memory(Part):
    """One DIMM."""

    kind: Literal["memory"] = Field(description="Entry kind.")
    memory_type: MemoryType = Field(description="Memory generation.")
    form: Literal["udimm", "rdimm", "lrdimm", "sodimm"] = Field(description="DIMM kind.")
    size_gb: int = Field(ge=1, le=512, description="Capacity of one DIMM, GB.")
    speed_mts: int = Field(ge=1000, le=12_000, description="Rated speed, MT/s.")
    ecc: bool = Field(description="Error-correcting.")


class Chassis(Part):
    """A case, rack chassis or open mining frame."""

    kind: Literal["chassis"] = Field(description="Entry kind.")
    chassis_kind: Literal["tower", "rack", "open-frame"] = Field(description="Kind of enclosure.")
    form_factors: tuple[FormFactor, ...] = Field(min_length=1, description="Boards it takes.")
    expansion_slots: int = Field(ge=0, le=20, description="Back-plate expansion slots.")
    max_gpu_length_mm: PositiveFloat = Field(le=600, description="Longest card that fits, mm.")
    riser_positions: NonNegativeInt = Field(
        le=16, description="GPU positions for cards on risers (open frames, vertical mounts)."
    )
    psu_bays: int = Field(ge=1, le=8, description="ATX PSUs it holds (closed cases; server PSUs sit outside).")
    psu_mounts: int | None = Field(
        default=None,
        ge=1,
        le=12,
        description="Open frames: PSUs of any form its shelves or brackets hold, from the product "
        "(replaces psu_bays; none: psu_bays).",
    )
    bundled_psus: PartCount | None = Field(
        default=None,
        description="PSUs it ships with (psu id and count): a build on it uses those, never a second set.",
    )
    bundled_redundant: int = Field(
        default=0, ge=0, le=4, description="Bundled PSUs held back as redundant spares."
    )
    rack_units: int | None = Field(default=None, ge=1, le=10, description="Rack height, if rack.")
    cooling_capacity_w: PositiveFloat = Field(
        le=20_000,
        description="Heat its fans move at a 10 deg C case-air rise, W (open frames: room air, not used).",
    )
    cooling_basis: str = Field(min_length=3, description="Where the cooling figure comes from.")
    passive_airflow: bool = Field(description="Whether its fans push air through passive datacentre cards.")


    @model_validator(mode="after")
    def check_bundle_leaves_a_psu(self) -> Chassis:
        if self.bundled_psus is not None and self.bundled_redundant >= self.bundled_psus.count:
            raise ValueError("bundled_redundant leaves no working PSU; it must be below the bundled count")
        return self


class Riser(Part):
    """A riser, cable kit, redriver/retimer adapter or bifurcation card."""

    kind: Literal["riser"] = Field(description="Entry kind.")
    riser_kind: Literal[
        "ribbon",
        "redriver",
        "retimer",
        "mcio-kit",
        "slimsas-kit",
        "oculink-kit",
        "bifurcation-card",
        "usb-x1",
    ] = Field(description="Kind of riser.")
    pcie_gen: int = Field(ge=1, le=6, description="Highest PCIe generation it is rated for.")
    lanes: Lanes = Field(description="Lanes it carries to each card.")
    outputs: int = Field(default=1, ge=1, le=8, description="Cards it feeds (bifurcation).")
    length_mm: PositiveFloat = Field(le=3_000, description="Cable length, mm.")
    host: Literal["slot", "mcio", "slimsas", "oculink"] = Field(
        default="slot", description="What it plugs into on the board."
    )
    power: PowerConnectors = Field(
        default_factory=PowerConnectors, description="Power it needs (e.g. 6-pin on adapters)."
    )
