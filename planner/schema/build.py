"""A concrete build: which parts, where each GPU sits, which PSU feeds it, which circuit each PSU uses.

A build file may also carry the workload it runs and the site it stands in (what `planner check` judges
it against when no request is given), and a power limit per card. PSUs and circuits are numbered from 1.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, PositiveInt, field_validator, model_validator

from planner.schema.common import Condition, Ref, Strict
from planner.schema.platform import PartCount
from planner.schema.request import Owned, Site, Workload
from planner.schema.software import Api

MAX_CARDS = 16  # the most GPUs any request may ask for (Require.max_gpus)
Mount = Literal["direct", "riser", "bifurcated", "port", "bay"]


class GpuUse(Strict):
    """One GPU card (or `count` identical ones when the placement is left to the checker)."""

    id: Ref = Field(description="GPU id.")
    count: PositiveInt = Field(default=1, le=16, description="Identical cards (hand-written builds).")
    slot: int | None = Field(
        default=None, ge=1, le=20, description="Back-plate position of the slot it uses."
    )
    mount: Mount | None = Field(default=None, description="How it connects: in the slot, on a riser ...")
    port: int | None = Field(default=None, ge=0, le=16, description="Index of the board port (mount: port).")
    riser: Ref | None = Field(
        default=None,
        description="The riser or cable kit it hangs on (mount: riser, bifurcated, port); the link runs at the "
        "fastest generation that riser holds. Left out: the slot's own generation.",
    )
    psu: int | None = Field(
        default=None,
        ge=1,
        le=8,
        description="Number of the PSU feeding it: its place in psus, from 1 (as reports).",
    )
    layers: NonNegativeInt | None = Field(default=None, le=1000, description="Model layers placed on it.")
    power_limit_w: PositiveFloat | None = Field(
        default=None,
        le=1_500,
        description="Board power limit set on the card (nvidia-smi -pl / rocm-smi), W; none = the card's default.",
    )

    @model_validator(mode="after")
    def check_placed_cards_single(self) -> GpuUse:
        if self.count > 1 and (self.slot is not None or self.psu is not None or self.layers is not None):
            raise ValueError("give slot, psu or layers per card, not for a count > 1")
        return self


class PsuUse(Strict):
    """One PSU, with the breakout board it needs and the circuit it is plugged into."""

    id: Ref = Field(description="PSU id.")
    breakout: Ref | None = Field(default=None, description="Breakout board id, for server PSUs.")
    circuit: PositiveInt = Field(
        default=1, le=16, description="Number of the wall circuit it is plugged into, from 1 (as reports)."
    )


class Build(Strict):
    """A build file for `planner check`, and the shape of every solver result."""

    system: Ref | None = Field(default=None, description="A whole unified-memory system.")
    board: Ref | None = Field(default=None, description="Motherboard id.")
    server: Ref | None = Field(default=None, description="GPU server barebone id.")
    cpu: Ref | None = Field(default=None, description="CPU id.")
    cpu_count: PositiveInt = Field(default=1, le=2, description="CPUs (2 on dual-socket boards).")
    memory: PartCount | None = Field(default=None, description="DIMMs.")
    chassis: Ref | None = Field(default=None, description="Chassis id (none for servers).")
    gpus: tuple[GpuUse, ...] = Field(default=(), max_length=16, description="GPU cards.")
    psus: tuple[PsuUse, ...] = Field(
        default=(), max_length=8, description="PSUs (none for servers and systems)."
    )
    risers: tuple[PartCount, ...] = Field(
        default=(), max_length=32, description="Risers, cable kits, bifurcation cards."
    )
    bridges: tuple[PartCount, ...] = Field(
        default=(),
        max_length=16,
        description="NVLink bridges, each joining two identical cards in slots its spacing apart.",
    )
    accessories: tuple[PartCount, ...] = Field(
        default=(),
        max_length=32,
        description="Accessories the cards need: fan shrouds, power adapters, adapter boards.",
    )
    cpu_layers: NonNegativeInt = Field(default=0, le=1000, description="Model layers kept in system RAM.")
    split: Literal["layer", "tensor"] = Field(default="layer", description="Multi-GPU split mode.")
    offload: Literal["layers", "experts"] = Field(
        default="layers",
        description="What system RAM holds: whole layers (cpu_layers), or every routed expert of an MoE model "
        "while the cards hold each layer's dense part and the KV cache (llama.cpp -ot exps=CPU).",
    )
    runtime: Api | None = Field(
        default=None, description="Runtime every card runs on (default: the software stack's own choice)."
    )
    workload: Workload | None = Field(
        default=None, description="The model it runs (used by `planner check` when no --request is given)."
    )
    site: Site | None = Field(
        default=None, description="Its wall circuits (used by `planner check` when no --request is given)."
    )
    owned: tuple[Owned, ...] = Field(
        default=(),
        max_length=64,
        description="Parts of it already owned: they cost nothing (used by `planner check` when no --request "
        "is given; `planner solve --save-build` writes the request's owned parts the build uses).",
    )
    condition: tuple[Condition, ...] | None = Field(
        default=None,
        min_length=1,
        description="Markets its parts are priced in, as a request's require.condition (default new and "
        "used; used by `planner check` when no --request is given).",
    )

    @field_validator("gpus")
    @classmethod
    def check_card_count(cls, gpus: tuple[GpuUse, ...]) -> tuple[GpuUse, ...]:
        cards = sum(g.count for g in gpus)
        if cards > MAX_CARDS:
            raise ValueError(f"{cards} GPU cards; a build holds at most {MAX_CARDS}")
        return gpus

    @model_validator(mode="after")
    def check_one_platform(self) -> Build:
        platforms = [p for p in (self.system, self.board, self.server) if p]
        if len(platforms) != 1:
            raise ValueError("give exactly one of system, board or server")
        if self.system and (self.gpus or self.psus or self.cpu):
            raise ValueError("a whole system takes no extra GPUs, PSUs or CPU")
        if not self.system and not self.cpu:
            raise ValueError("a board or server build needs a cpu")
        return self

    def part_counts(self) -> dict[str, int]:
        """Every part id in the build and how many."""
        out: dict[str, int] = {}

        def add(pid: str | None, n: int = 1) -> None:
            if pid:
                out[pid] = out.get(pid, 0) + n

        for pid in (self.system, self.board, self.server, self.chassis):
            add(pid)
        add(self.cpu, self.cpu_count)
        if self.memory:
            add(self.memory.id, self.memory.count)
        for c in self.gpu_cards():
            add(c.id)
        for p in self.psus:
            add(p.id)
            add(p.breakout)
        for r in (*self.risers, *self.bridges, *self.accessories):
            add(r.id, r.count)
        return out

    def gpu_cards(self) -> list[GpuUse]:
        """Every card on its own (counts expanded)."""
        return [g.model_copy(update={"count": 1}) for g in self.gpus for _ in range(g.count)]
