"""Catalogue kinds that compute: GPUs, CPUs and whole unified-memory systems."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeInt, PositiveFloat, model_validator

from planner.schema.common import Part, Strict

Cooling = Literal["open-air", "blower", "passive", "liquid"]
MemoryType = Literal["ddr4", "ddr5"]
Fp16Basis = Literal["tensor-fp32-acc", "tensor", "shader-fp16", "shader-fp32"]


class PowerConnectors(Strict):
    """Counts of auxiliary power connectors a card needs or a PSU / breakout board provides."""

    pcie_6pin: NonNegativeInt = Field(default=0, le=16, description="6-pin PCIe connectors.")
    pcie_8pin: NonNegativeInt = Field(default=0, le=32, description="8-pin (6+2) PCIe connectors.")
    hpwr_12v: NonNegativeInt = Field(default=0, le=16, description="12VHPWR / 12V-2x6 (16-pin) connectors.")
    eps_8pin: NonNegativeInt = Field(
        default=0, le=16, description="EPS-12V 8-pin (CPU-style) connectors, as datacentre cards use."
    )


class PowerLimitRange(Strict):
    """The board power limits a card accepts (`nvidia-smi -q -d POWER` Min/Max Power Limit, rocm-smi)."""

    min_w: PositiveFloat = Field(le=1_500, description="Lowest limit the driver accepts, W.")
    max_w: PositiveFloat = Field(le=1_500, description="Highest limit the driver accepts, W.")
    basis: str = Field(min_length=3, description="Where the range comes from.")

    @model_validator(mode="after")
    def check_range_ordered(self) -> PowerLimitRange:
        if self.min_w > self.max_w:
            raise ValueError("min_w exceeds max_w; give the lowest limit first")
        return self


class Software(Strict):
    """What runtimes support a card, and the pitfalls a builder meets."""

    cuda_cc: str | None = Field(
        default=None, pattern=r"^\d+\.\d+$", description="CUDA compute capability, NVIDIA only."
    )
    cuda_supported: bool = Field(
        default=True,
        description="Whether a CUDA toolkit current runtimes build with (12.x or newer) supports the card.",
    )
    rocm: Literal["supported", "unofficial", "dropped", "none"] = Field(
        default="none", description="ROCm status for AMD cards."
    )
    gfx_target: str | None = Field(
        default=None, pattern=r"^gfx[0-9a-f]{3,4}$", description="AMD LLVM target (gfx906, gfx1100 ...), AMD only."
    )
    vulkan: bool = Field(default=True, description="Whether llama.cpp's Vulkan backend runs it.")
    notes: str = Field(default="", description="Pitfalls: crippled FP16, dropped support, BIOS.")


class Gpu(Part):
    """One add-in GPU card, figures per GPU chip (see gpus_per_card)."""

    kind: Literal["gpu"] = Field(description="Entry kind.")
    segment: Literal["consumer", "workstation", "datacentre"] = Field(description="Market.")
    architecture: str = Field(min_length=2, description="GPU architecture, e.g. ampere, rdna3.")
    year: int = Field(ge=2010, le=2030, description="Launch year.")
    memory_gb: PositiveFloat = Field(le=1024, description="Memory per GPU chip, GB.")
    memory_type: str = Field(min_length=3, description="GDDR6X, HBM2e, ...")
    bandwidth_gbs: PositiveFloat = Field(le=10_000, description="Peak memory bandwidth, GB/s.")
    fp16_tflops: PositiveFloat = Field(
        le=5_000,
        description="Dense FP16 matrix TFLOP/s with FP32 accumulate, or the rate a runtime uses.",
    )
    fp16_basis: Fp16Basis = Field(
        description="What fp16_tflops counts: tensor cores with FP32 accumulate, tensor/matrix "
        "units (no accumulate split published), FP16 shader rate, or FP32 shader rate."
    )
    fp32_tflops: PositiveFloat = Field(le=500, description="FP32 shader TFLOP/s (non-tensor).")
    int8_tops: PositiveFloat | None = Field(
        default=None, le=20_000, description="Dense INT8 TOPS where published."
    )
    tdp_w: PositiveFloat = Field(le=1_500, description="Board power, W.")
    power: PowerConnectors = Field(description="Auxiliary power connectors on the card.")
    slot_width: float = Field(ge=1, le=5, description="Slots occupied, reference design.")
    length_mm: PositiveFloat = Field(le=400, description="Card length, reference design, mm.")
    cooling: Cooling = Field(description="Cooler type of the reference design.")
    pcie_gen: int = Field(ge=1, le=6, description="PCIe generation of the card's link.")
    pcie_lanes: Literal[1, 4, 8, 16] = Field(description="PCIe lanes of the card's link.")
    nvlink: str = Field(default="none", description="NVLink / bridge type, or none.")
    gpus_per_card: Literal[1, 2, 4] = Field(
        default=1,
        description="GPU chips on one card; memory, bandwidth and TFLOP/s are per chip, tdp_w per card.",
    )
    software: Software = Field(default_factory=Software, description="Runtime support.")
    requires_bifurcation: bool = Field(
        default=False,
        description="Two GPUs on one card without a PCIe switch: its slot must be set to x8x8 bifurcation.",
    )
    power_limit_range: PowerLimitRange | None = Field(
        default=None,
        description="Power limits the driver accepts (none: the rules' conservative default range).",
    )
    needs: tuple[Literal["fan-shroud", "eps-adapter", "sxm2-adapter"], ...] = Field(
        default=(),
        description="Accessories every such card needs whatever the build (e.g. an SXM2 module's adapter "
        "board); shrouds and EPS adapters are also required by rules when the build calls for them.",
    )

    @model_validator(mode="after")
    def check_power_limit_range_holds_default(self) -> Gpu:
        r = self.power_limit_range
        if r is not None and not r.min_w <= self.tdp_w <= r.max_w:
            raise ValueError(
                f"power_limit_range {r.min_w:g}-{r.max_w:g} W does not contain tdp_w {self.tdp_w:g} W"
            )
        return self

    @model_validator(mode="after")
    def check_fp16_at_least_plausible(self) -> Gpu:
        if self.fp16_basis == "shader-fp32" and abs(self.fp16_tflops - self.fp32_tflops) > 0.05 * (
            self.fp32_tflops
        ):
            raise ValueError(
                "fp16_basis is shader-fp32 but fp16_tflops differs from fp32_tflops; "
                "give the FP32 rate or change the basis"
            )
        return self


class Cpu(Part):
    """One CPU package."""

    kind: Literal["cpu"] = Field(description="Entry kind.")
    socket: str = Field(min_length=2, description="Socket, e.g. am5, lga1700, sp3, sp5.")
    series: str = Field(min_length=2, description="Product series boards list as supported, e.g. epyc-7003.")
    architecture: str = Field(min_length=2, description="Core architecture, e.g. zen4.")
    year: int = Field(ge=2010, le=2030, description="Launch year.")
    cores: int = Field(ge=1, le=512, description="Cores.")
    threads: int = Field(ge=1, le=1024, description="Hardware threads.")
    max_sockets: Literal[1, 2, 4, 8] = Field(default=1, description="Largest socket count.")
    pcie_lanes: int = Field(ge=4, le=256, description="PCIe lanes usable by slots (per socket).")
    pcie_gen: int = Field(ge=2, le=6, description="PCIe generation of those lanes.")
    memory_channels: int = Field(ge=1, le=24, description="Memory channels per socket.")
    memory_type: MemoryType = Field(description="Memory generation.")
    memory_speed_mts: int = Field(ge=1000, le=12_000, description="Rated memory speed, MT/s.")
    max_memory_gb: int = Field(ge=8, le=16_384, description="Largest supported memory, GB.")
    memory_bandwidth_gbs: PositiveFloat = Field(
        le=2_000, description="Theoretical: channels x MT/s x 8 B, GB/s per socket."
    )
    tdp_w: PositiveFloat = Field(le=1_000, description="TDP / default power, W.")
    fp32_tflops: PositiveFloat = Field(le=100, description="FP32 vector TFLOP/s, all cores.")
    simd: tuple[Literal["avx2", "avx512", "amx", "avx512-bf16", "avx-vnni"], ...] = Field(
        description="Vector / matrix extensions that matter for inference."
    )
    ccds: int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="Core dies (AMD CCDs) on the package, each reaching memory through its own link to the "
        "I/O die, so few-CCD parts cannot fill all channels; none for monolithic or mesh dies (Intel).",
    )

    @model_validator(mode="after")
    def check_bandwidth_matches_channels(self) -> Cpu:
        theory = self.memory_channels * self.memory_speed_mts * 8 / 1000
        if abs(theory - self.memory_bandwidth_gbs) > 0.03 * theory:
            raise ValueError(
                f"memory_bandwidth_gbs {self.memory_bandwidth_gbs:g} is not channels x MT/s x 8 B "
                f"= {theory:.1f}; state the theoretical figure"
            )
        if self.threads < self.cores:
            raise ValueError("threads is below cores; give the hardware thread count")
        return self


class System(Part):
    """A machine bought whole, with unified memory shared by CPU and GPU."""

    kind: Literal["system"] = Field(description="Entry kind.")
    architecture: str = Field(min_length=2, description="Chip, e.g. apple-m2-ultra, gb10.")
    year: int = Field(ge=2015, le=2030, description="Launch year.")
    memory_gb: PositiveFloat = Field(le=2048, description="Unified memory, GB.")
    gpu_memory_gb: PositiveFloat = Field(
        description="Memory the GPU may use by default (e.g. macOS wires ~75 %), GB."
    )
    gpu_memory_raised_gb: PositiveFloat | None = Field(
        default=None,
        description="Memory the GPU may use once the documented limit is raised (macOS "
        "iogpu.wired_limit_mb), GB; used only when a request asks for the raised limit.",
    )
    gpu_memory_raised_basis: str = Field(
        default="", description="Where the raised figure comes from and what it leaves the OS."
    )
    memory_type: str = Field(min_length=3, description="LPDDR5, LPDDR5X ...")
    bandwidth_gbs: PositiveFloat = Field(le=2_000, description="Unified memory bandwidth, GB/s.")
    fp16_tflops: PositiveFloat = Field(le=2_000, description="GPU FP16 TFLOP/s (dense).")
    fp16_basis: Fp16Basis = Field(description="What fp16_tflops counts.")
    fp32_tflops: PositiveFloat = Field(le=500, description="GPU FP32 TFLOP/s.")
    cpu_cores: int = Field(ge=1, le=256, description="CPU cores.")
    gpu_cores: int | None = Field(default=None, ge=1, description="GPU cores / CUs, if given.")
    power_w: PositiveFloat = Field(le=3_000, description="Maximum wall power of the machine, W.")
    runtime: Literal["metal", "cuda", "rocm", "vulkan"] = Field(
        description="Main GPU runtime for LLM inference."
    )

    @model_validator(mode="after")
    def check_gpu_memory_within_memory(self) -> System:
        if self.gpu_memory_gb > self.memory_gb:
            raise ValueError("gpu_memory_gb exceeds memory_gb; it is a share of unified memory")
        raised = self.gpu_memory_raised_gb
        if raised is not None and not self.gpu_memory_gb <= raised <= self.memory_gb:
            raise ValueError("gpu_memory_raised_gb must lie between gpu_memory_gb and memory_gb")
        if raised is not None and not self.gpu_memory_raised_basis:
            raise ValueError("gpu_memory_raised_gb needs gpu_memory_raised_basis saying where it comes from")
        return self

    def gpu_memory(self, raised: bool = False) -> float:
        """GPU-usable memory: the default limit, or the raised one when asked for and documented."""
        if raised and self.gpu_memory_raised_gb is not None:
            return self.gpu_memory_raised_gb
        return self.gpu_memory_gb
