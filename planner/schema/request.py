"""What a user asks for: budget, owned parts, workload, objective, requirements and site."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat, PositiveInt, StringConstraints, model_validator

from planner.schema.common import Condition, Ref, Strict
from planner.schema.llm import Backend
from planner.schema.software import Api

Objective = Literal["vram", "bandwidth", "decode", "prefill", "batch_throughput", "cost", "cost_of_ownership"]
ChassisKind = Literal["tower", "rack", "open-frame"]
Noise = Literal["quiet", "normal", "loud"]
Objectives = Annotated[tuple[Objective, ...], Field(min_length=1, max_length=len(typing.get_args(Objective)))]
Vendor = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# Throughput targets are 0 (none) or at least this: a smaller one is a typo, and its inverse (the time
# per token the model bounds) would not fit a 64-bit integer.
MIN_TOKENS_PER_S = 0.01


class Owned(Strict):
    """A part the user already has: it costs nothing."""

    id: Ref = Field(description="Catalogue id.")
    count: PositiveInt = Field(default=1, le=64, description="How many the user has.")


def _owned_as_written(schema: dict[str, Any]) -> None:
    """What a request file may hold for `owned` (planner/data/owned.py turns the strings into items
    before validation): items or hardware strings, or "detect"."""
    items, limit = schema.pop("items"), schema.pop("maxItems", 64)
    schema.pop("type", None)
    schema["anyOf"] = [
        {"type": "array", "maxItems": limit, "items": {"anyOf": [items, {"type": "string"}]}},
        {"const": "detect"},
    ]


class Workload(Strict):
    """The model and how it will be run."""

    model: Ref = Field(description="LLM id from the catalogue (planner catalog list --kind llm).")
    quant: str = Field(
        default="q4-k-m", min_length=1, max_length=100, description="Quantisation id, e.g. q4-k-m, q8_0."
    )
    context: PositiveInt | None = Field(
        default=None, le=10_000_000, description="Context to fit, tokens (default prompt + generate)."
    )
    prompt: int = Field(default=512, ge=0, le=10_000_000, description="Prompt length, tokens.")
    generate: PositiveInt = Field(default=128, le=1_000_000, description="Generated tokens.")
    batch: PositiveInt = Field(default=1, le=4096, description="Concurrent streams.")
    backend: Backend = Field(default="llama.cpp", description="Inference runtime.")
    split: Literal["layer", "tensor", "auto"] = Field(default="auto", description="Multi-GPU split.")
    offload: bool = Field(
        default=False, description="Allow layers in system RAM on the CPU when VRAM runs out."
    )
    raised_wired_limit: bool = Field(
        default=False,
        description="On unified-memory systems, count the raised GPU memory limit (macOS "
        "sysctl iogpu.wired_limit_mb) instead of the default.",
    )
    estimate: Literal["conservative", "likely"] = Field(
        default="conservative",
        description="Which throughput figure objectives and speed targets use: conservative (the low "
        "edge of the error band of the evidence behind each part, so unmeasured hardware must win by a "
        "margin) or likely (the model's central value).",
    )

    @property
    def context_tokens(self) -> int:
        """The context that must fit."""
        return self.context if self.context is not None else self.prompt + self.generate

    def splits(self) -> tuple[str, ...]:
        """The multi-GPU splits a build may run: llama.cpp's "auto" is layer split (its row split is
        far from tensor parallelism on PCIe cards); other runtimes' "auto" is either."""
        if self.split == "layer" or (self.split == "auto" and self.backend == "llama.cpp"):
            return ("layer",)
        return ("tensor",) if self.split == "tensor" else ("layer", "tensor")


class Require(Strict):
    """Hard requirements on the build."""

    min_vram_gb: float = Field(default=0, ge=0, le=100_000, description="Minimum total GPU memory.")
    min_decode_tokens_per_s: float = Field(default=0, ge=0, le=1e6, description="Minimum decode speed.")
    min_prefill_tokens_per_s: float = Field(default=0, ge=0, le=1e7, description="Minimum prompt speed.")
    min_batch_tokens_per_s: float = Field(default=0, ge=0, le=1e7, description="Minimum batched throughput.")
    model_fits: bool = Field(default=True, description="The workload must fit (when one is given).")
    min_gpus: int = Field(default=0, ge=0, le=16, description="Minimum GPU count.")
    max_gpus: int = Field(default=8, ge=0, le=16, description="Maximum GPU count.")
    vendors: tuple[Vendor, ...] = Field(
        default=(),
        max_length=20,
        description="Allowed GPU vendors (empty = any), as the catalogue names them.",
    )
    condition: tuple[Condition, ...] = Field(
        default=("new", "used"), min_length=1, description="Markets to buy from."
    )
    chassis_kinds: tuple[ChassisKind, ...] = Field(
        default=("tower", "rack", "open-frame"),
        min_length=1,
        description="Allowed enclosures; rack covers rack chassis and GPU server barebones. Listed: "
        "exactly these. Left out, they follow site.noise: a closed tower when quiet, tower or open frame "
        "when normal, anything when loud (rack gear is loud and needs a rack, so a request that wants one "
        "says so).",
    )
    min_lanes_per_gpu: int | None = Field(
        default=None, ge=1, le=16, description="Minimum PCIe lanes per GPU (default from constraints)."
    )
    nvlink: bool = Field(default=False, description="Require GPUs with an NVLink bridge.")
    systems: bool = Field(default=True, description="Consider whole unified-memory systems.")

    @model_validator(mode="after")
    def check_gpu_range(self) -> Require:
        if self.min_gpus > self.max_gpus:
            raise ValueError(
                f"min_gpus {self.min_gpus} exceeds max_gpus {self.max_gpus}; lower one or raise the other"
            )
        for name in ("min_decode_tokens_per_s", "min_prefill_tokens_per_s", "min_batch_tokens_per_s"):
            value = getattr(self, name)
            if 0 < value < MIN_TOKENS_PER_S:
                raise ValueError(f"{name} {value:g} is below {MIN_TOKENS_PER_S:g}; give 0 for no minimum")
        return self


class Software(Strict):
    """Which software stacks the build may rely on (one runtime serves every card)."""

    runtimes: tuple[Api, ...] = Field(
        default=(),
        description="Runtimes allowed (cuda, rocm, vulkan, sycl, metal, cpu); empty: each vendor's own "
        "(CUDA, ROCm, Metal; Vulkan for Intel and where nothing else serves every card).",
    )
    mixed_vendors: bool = Field(
        default=False,
        description="Allow cards of different vendors in one build; they then run through one runtime that "
        "drives all of them (llama.cpp on Vulkan), at that runtime's speed.",
    )
    legacy: bool = Field(
        default=False,
        description="Allow cards that no maintained runtime supports (Kepler on driver R470 / CUDA 11, "
        "gfx906 on ROCm 5.7 ...).",
    )


MAX_CIRCUITS = 16


class Circuit(Strict):
    """Wall circuits of one kind."""

    volts: float = Field(ge=90, le=480, description="Nominal voltage, V.")
    amps: float = Field(gt=0, le=100, description="Breaker rating, A.")
    count: PositiveInt = Field(default=1, le=8, description="How many such circuits.")


class Site(Strict):
    """Where the machine will run."""

    circuits: tuple[Circuit, ...] = Field(
        default=(Circuit(volts=120, amps=15),),
        min_length=1,
        max_length=MAX_CIRCUITS,
        description="Wall circuits available.",
    )
    continuous_derating: float | None = Field(
        default=None, gt=0, le=1, description="Fraction of a breaker usable continuously (default 0.8)."
    )
    electricity_usd_per_kwh: PositiveFloat | None = Field(
        default=None, le=10, description="Energy price, USD/kWh."
    )
    duty_cycle: float = Field(
        default=1.0, gt=0, le=1, description="Share of the day the machine works at load."
    )
    amortise_years: float = Field(default=3.0, gt=0, le=20, description="Years to spread the purchase over.")
    cloud_usd_per_hour: PositiveFloat | None = Field(
        default=None, le=1000, description="Hourly price of a comparable cloud GPU machine, for break-even."
    )
    noise: Noise = Field(
        default="normal",
        description="How loud the machine may be. quiet (a room you live in): ATX PSUs only (no server "
        "PSUs on breakout boards), no rack chassis or GPU servers (40 mm fans), no passive datacentre "
        "cards (they need server airflow or blower shrouds), and by default a closed tower. normal "
        "(default; a home office or garage): server PSUs and passive cards allowed, a tower or an open "
        "frame unless require.chassis_kinds lists rack too. loud (a server room): anything. Normal is the "
        "default because most home builds tolerate a breakout-board PSU but not a 1U/4U server's fans.",
    )

    @model_validator(mode="after")
    def check_circuit_count(self) -> Site:
        total = sum(c.count for c in self.circuits)
        if total > MAX_CIRCUITS:
            raise ValueError(f"{total} circuits in all; at most {MAX_CIRCUITS} (each PSU picks one)")
        return self


class Request(Strict):
    """A request file: budget.yaml and friends."""

    budget_usd: float = Field(gt=0, le=10_000_000, description="Money to spend, USD.")
    owned: tuple[Owned, ...] = Field(
        default=(),
        max_length=64,
        description='Parts already owned (free): {id, count} items, hardware as people write it ("2x RTX 3090",'
        ' "M2 Ultra 192GB"), or "detect" for this machine\'s hardware (read before validation).',
        json_schema_extra=_owned_as_written,
    )
    allow_unused_owned: bool = Field(default=False, description="Owned parts may be left out.")
    workload: Workload | None = Field(default=None, description="Model to run, if any.")
    objective: Objective | Objectives | None = Field(
        default=None,
        description="What to optimise, or a lexicographic list (default: vram, bandwidth, cost; "
        "decode with a workload).",
    )
    require: Require = Field(default_factory=Require, description="Hard requirements.")
    site: Site = Field(default_factory=Site, description="Power available at the site.")
    software: Software = Field(default_factory=Software, description="Runtimes, mixed vendors, legacy cards.")
    allow_power_limits: bool = Field(
        default=True,
        description="The solver may set GPU power limits (nvidia-smi -pl) to fit PSUs, circuits or cooling.",
    )
    power_limit_levels: tuple[float, ...] | None = Field(
        default=None,
        description="Your own limit levels as fractions of each card's default power, e.g. [0.8, 0.7] "
        "(default: the rules' levels).",
    )

    @model_validator(mode="after")
    def check_power_limit_levels(self) -> Request:
        levels = self.power_limit_levels or ()
        if any(not 0.3 <= x <= 1 for x in levels):
            raise ValueError("power_limit_levels are fractions of default power between 0.3 and 1, e.g. [0.8, 0.7]")
        return self

    @model_validator(mode="after")
    def check_objective_needs_workload(self) -> Request:
        needs = {"decode", "prefill", "batch_throughput"}
        if self.workload is None and set(self.objectives()) & needs:
            raise ValueError("a throughput objective needs a workload: add workload.model")
        if "cost_of_ownership" in self.objectives() and self.site.electricity_usd_per_kwh is None:
            raise ValueError("cost_of_ownership needs site.electricity_usd_per_kwh")
        return self

    def chassis_kinds(self) -> tuple[ChassisKind, ...]:
        """Enclosures allowed: the listed kinds, or by default those the site's noise level takes.

        Quiet sites exclude rack gear in their own rule (site.noise), so explanations name the one to move.
        """
        req = self.require
        if "chassis_kinds" in req.model_fields_set:
            return req.chassis_kinds
        defaults: dict[str, tuple[ChassisKind, ...]] = {"quiet": ("tower",), "normal": ("tower", "open-frame")}
        return defaults.get(self.site.noise, req.chassis_kinds)

    def model_must_fit(self) -> bool:
        """Whether the workload must fit: asked for, or implied by a throughput objective or target."""
        if self.workload is None:
            return False
        r = self.require
        speed = {"decode", "prefill", "batch_throughput"} & set(self.objectives())
        targets = r.min_decode_tokens_per_s or r.min_prefill_tokens_per_s or r.min_batch_tokens_per_s
        return bool(r.model_fits or speed or targets)

    def objectives(self) -> tuple[Objective, ...]:
        """The objective as a lexicographic tuple, defaults applied."""
        if self.objective is None:
            return ("decode", "cost") if self.workload else ("vram", "bandwidth", "cost")
        if isinstance(self.objective, str):
            return (self.objective,) if self.objective == "cost" else (self.objective, "cost")
        return self.objective
