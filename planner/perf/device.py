"""Device: the hardware figures the throughput model needs, built from catalogue GPUs, systems and CPUs.

One Device is one place weights can live and be read from: a GPU chip, a unified-memory system's GPU
share, or the CPU sockets with their system RAM. Marketed memory sizes are binary (GiB); they become
bytes here, once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Literal

from planner.schema.compute import Cpu, Gpu, System

DeviceKind = Literal["gpu", "system", "cpu"]
GIB = 1024**3  # a "24 GB" card, DIMM or unified memory holds 24 GiB
# int8 multiply-adds per cycle over FP32 FMA lanes: AVX2 / AVX-512 need vpmaddubsw + vpmaddwd (about
# twice the FP32 rate); VNNI's vpdpbusd does four int8 MACs per 32-bit lane in one instruction. AMX
# tiles are faster still, but llama.cpp uses them for few types: counted as VNNI.
CPU_INT8_RATE = {"avx2": 2.0, "avx512": 2.0, "avx512-vnni": 4.0, "amx": 4.0}
LinkVia = Literal["cpu", "chipset", "switch", "unified"]

# Architecture names as catalogue authors write them, mapped to the families the fitted constants
# are keyed on. Several spellings exist for one silicon generation; the fit cannot tell them apart.
_FAMILY_ALIASES: tuple[tuple[str, str], ...] = (
    (r"kepler", "kepler"),
    (r"maxwell", "maxwell"),
    (r"pascal", "pascal"),
    (r"volta", "volta"),
    (r"turing", "turing"),
    (r"ampere|orin", "ampere"),
    (r"ada|lovelace", "ada"),
    (r"hopper", "hopper"),
    (r"blackwell|gb10|gb20", "blackwell"),
    (r"rdna ?4", "rdna4"),
    (r"rdna ?3\.5|strix", "rdna3.5"),
    (r"rdna ?3", "rdna3"),
    (r"rdna ?2", "rdna2"),
    (r"rdna ?1|rdna$", "rdna1"),
    (r"cdna ?3", "cdna3"),
    (r"cdna ?2", "cdna2"),
    (r"cdna", "cdna1"),
    (r"gcn|vega|polaris", "gcn"),
    (r"battlemage|xe2", "xe2"),
    (r"alchemist|xe-?hpg", "xe-hpg"),
    (r"xe-?lpg|meteor", "xe-lpg"),
    (r"(apple-)?m(\d)\b.*", r"apple-m\2"),
)


@functools.lru_cache(maxsize=1024)
def arch_family(architecture: str) -> str:
    """The constants family of an architecture name ("ada-lovelace" -> "ada", "apple-m2-ultra" -> "apple-m2")."""
    name = architecture.strip().lower().replace("_", "-")
    for pattern, family in _FAMILY_ALIASES:
        match = re.search(pattern, name)
        if match:
            return match.expand(family) if "\\" in family else family
    return name


@dataclass(frozen=True)
class Device:
    """Figures for one GPU chip, one unified-memory system, or the CPU side of a host (per device)."""

    id: str
    name: str
    kind: DeviceKind
    vendor: str
    architecture: str
    memory_gb: float
    bandwidth_gbs: float
    fp16_tflops: float
    fp16_basis: str
    fp32_tflops: float
    pcie_gen: int = 4
    pcie_lanes: int = 16
    nvlink: str = "none"
    segment: str = "consumer"
    cuda_supported: bool = True
    rocm: str = "none"
    vulkan: bool = True
    runtime: str | None = None  # the main runtime of a whole system (metal, cuda, rocm, vulkan)
    # The link the card actually gets in the build; the solver replaces these per slot.
    link_gen: int | None = None
    link_lanes: int | None = None
    link_via: LinkVia = "cpu"
    # One way GB/s of the NVLink bridge joining this card to the next, when the build has one; a card's
    # own `nvlink` only says which bridge fits it.
    nvlink_gbs: float | None = None
    notes: tuple[str, ...] = field(default=())
    memory_type: str = ""  # GDDR6X, HBM2e, LPDDR5X, ddr5 ...: HBM reaches a lower share in batch-1 decode
    int8_tops: float | None = None  # dense INT8 tensor rate where published
    # CPU hosts: what limits memory bandwidth and thread synchronisation.
    cores: int = 0
    ccds: int | None = None  # core dies (AMD); each reads memory through its own link to the I/O die
    sockets: int = 1
    memory_channels: int = 0
    simd: tuple[str, ...] = ()  # CPU vector / matrix extensions (avx2, avx512, avx512-bf16, amx ...)
    # A GPU instruction for four int8 products at once (NVIDIA dp4a from sm_61, AMD sdot4/sudot4 on
    # gfx906, CDNA, RDNA2 and later); without it llama.cpp's quantised kernels emulate it
    # (perf.decode.emulation_terms).
    int8_dot: bool = True

    @property
    def memory_bytes(self) -> float:
        """Capacity in bytes: the marketed figure is binary (a 24 GB card holds 24 GiB = 25.8e9 bytes)."""
        return self.memory_gb * GIB

    @property
    def memory_kind(self) -> str:
        """hbm, gddr, lpddr (unified SoCs) or ddr (CPU hosts): the fitted bandwidth share differs by kind."""
        kind = self.memory_type.lower()
        if "hbm" in kind:
            return "hbm"
        if "lpddr" in kind or self.kind == "system":
            return "lpddr"
        if self.kind == "cpu" or kind.startswith("ddr"):
            return "ddr"
        return "gddr"

    @property
    def units(self) -> str:
        """What runs the matrix work: GPU tensor units or shaders; on a CPU its widest integer-dot ISA.

        llama.cpp's quantised kernels are int8 dot products: AVX-512 with VNNI (Zen 4 and later, Ice
        Lake and later, shown by BF16 support) runs them at several times the plain AVX-512 or AVX2 rate.
        """
        if self.kind == "cpu":
            simd = set(self.simd)
            if "amx" in simd:
                return "amx"
            if "avx512" in simd and ("avx512-bf16" in simd or self.architecture.lower() in ("zen4", "zen5")):
                return "avx512-vnni"
            return "avx512" if "avx512" in simd else "avx2"
        return "tensor" if self.fp16_basis.startswith("tensor") else "shader"

    @property
    def matrix_tflops(self) -> float:
        """Dense matrix peak at FP16 inputs, the rate prompt kernels scale with.

        GeForce cards halve the FP32-accumulate tensor rate the catalogue quotes, not the FP16-accumulate
        rate llama.cpp's MMA kernels use; NVIDIA's INT8 rate is twice the latter on every tensor-core
        card, so half of it gives one basis for GeForce, workstation and datacentre parts alike. Cards
        without fast FP16 (P40, K80) use the FP32 rate; CPUs their int8 dot-product rate (quantised
        activations times quantised weights), a multiple of the FP32 FMA rate set by the ISA.
        """
        if self.kind == "cpu":
            return self.fp32_tflops * CPU_INT8_RATE[self.units]
        if self.fp16_basis == "shader-fp32":
            return self.fp32_tflops
        if self.vendor_key == "nvidia" and self.int8_tops and self.fp16_basis == "tensor-fp32-acc":
            return self.int8_tops / 2
        return self.fp16_tflops
    # Power limit as a share of default board power; perf/power_limit.py scales the figures above by it.
    power_share: float = 1.0

    @property
    def family(self) -> str:
        """Architecture family used to look up fitted constants."""
        return arch_family(self.architecture)

    @property
    def vendor_key(self) -> str:
        """Lower-case vendor for constant look-ups ("nvidia", "amd", "intel", "apple")."""
        return self.vendor.strip().lower().split()[0]

    @property
    def unified(self) -> bool:
        """Whether weights here share memory with the CPU (no PCIe copy between them)."""
        return self.kind in ("system", "cpu")

    @property
    def flop_per_byte(self) -> float:
        """Peak FP16 FLOPs per byte of memory traffic: the batch at which decode turns compute-bound."""
        return self.fp16_tflops * 1e12 / (self.bandwidth_gbs * 1e9)


_ARCH_VENDORS = (
    ("apple", "apple"),
    ("rdna", "amd"),
    ("cdna", "amd"),
    ("gcn", "amd"),
    ("xe", "intel"),
)


def _vendor_of(vendor: str, architecture: str) -> str:
    """The GPU's vendor, by architecture where the product's vendor is a system builder (Framework, HP)."""
    family = arch_family(architecture)
    for prefix, chip_vendor in _ARCH_VENDORS:
        if family.startswith(prefix):
            return chip_vendor
    if family in ("ampere", "ada", "hopper", "blackwell", "volta", "turing", "pascal"):
        return "nvidia"
    return vendor


# AMD targets llama.cpp's HIP build gives no dot-product instruction: ggml_cuda_dp4a emulates it on
# gfx900 (Vega 10) and RDNA1 (gfx101x) with byte multiplies, and on older GCN in plain C.
_NO_DOT_GFX = re.compile(r"^gfx(8\d\d|900|90[24c]|101\d)$")


def has_int8_dot(architecture: str, cuda_cc: str | None = None, gfx_target: str | None = None) -> bool:
    """Whether the GPU has a four-way int8 dot-product instruction llama.cpp's kernels use.

    NVIDIA: dp4a from compute capability 6.1 (Pascal GP10x; GP100 is 6.0 and lacks it; Maxwell and
    Kepler lack it). AMD: v_dot4 on gfx906/CDNA/RDNA2+; none on gfx900, RDNA1 or older GCN. With no
    capability given, Kepler and Maxwell are taken as lacking it and everything else as having it.
    """
    if cuda_cc is not None:
        major, minor = (int(x) for x in cuda_cc.split("."))
        return (major, minor) >= (6, 1)
    if gfx_target is not None:
        return not _NO_DOT_GFX.match(gfx_target)
    return arch_family(architecture) not in ("kepler", "maxwell")


def device_from_gpu(gpu: Gpu) -> list[Device]:
    """One Device per GPU chip on the card (a dual-GPU card such as the K80 gives two)."""
    sw = gpu.software
    notes = tuple(n for n in (sw.notes, gpu.notes) if n)
    base = Device(
        id=gpu.id,
        name=gpu.name,
        kind="gpu",
        vendor=_vendor_of(gpu.vendor, gpu.architecture),
        architecture=gpu.architecture,
        memory_gb=gpu.memory_gb,
        bandwidth_gbs=gpu.bandwidth_gbs,
        fp16_tflops=gpu.fp16_tflops,
        fp16_basis=gpu.fp16_basis,
        fp32_tflops=gpu.fp32_tflops,
        pcie_gen=gpu.pcie_gen,
        pcie_lanes=gpu.pcie_lanes,
        nvlink=gpu.nvlink,
        segment=gpu.segment,
        cuda_supported=sw.cuda_supported,
        rocm=sw.rocm,
        vulkan=sw.vulkan,
        notes=notes,
        memory_type=gpu.memory_type,
        int8_tops=gpu.int8_tops,
        int8_dot=has_int8_dot(gpu.architecture, sw.cuda_cc, sw.gfx_target),
    )
    if gpu.gpus_per_card == 1:
        return [base]
    # Both chips share the card's PCIe link through an on-board switch.
    return [
        _replace(base, id=f"{gpu.id}#{i}", name=f"{gpu.name} (GPU {i})", link_via="switch")
        for i in range(gpu.gpus_per_card)
    ]


def device_from_system(system: System, memory_gb: float | None = None) -> Device:
    """The GPU share of a unified-memory machine: memory is what the GPU may use (by default, or the
    raised limit a caller passes)."""
    return Device(
        id=system.id,
        name=system.name,
        kind="system",
        vendor=_vendor_of(system.vendor, system.architecture),
        architecture=system.architecture,
        memory_gb=memory_gb or system.gpu_memory_gb,
        bandwidth_gbs=system.bandwidth_gbs,
        fp16_tflops=system.fp16_tflops,
        fp16_basis=system.fp16_basis,
        fp32_tflops=system.fp32_tflops,
        pcie_gen=4,
        pcie_lanes=4,
        segment="system",
        cuda_supported=system.runtime == "cuda",
        rocm="supported" if system.runtime == "rocm" else "none",
        runtime=system.runtime,
        link_via="unified",
        notes=(system.notes,) if system.notes else (),
        memory_type=system.memory_type,
    )


def populated_channels(board_channels: int, cpu: Cpu, sockets: int, dimms: int) -> int:
    """Channels a host reads through: those the board wires, the CPUs drive and the DIMMs fill."""
    return max(1, min(board_channels, cpu.memory_channels * sockets, dimms))


def populated_share(cpu: Cpu, sockets: int, channels: int | None, speed_mts: int | None) -> float:
    """The share of the CPUs' rated memory bandwidth a board and its DIMMs give them: the channels both
    wire and populate (a 12-channel EPYC on an 8-channel board, or with 4 DIMMs, reads through those),
    at the slower of the CPU's and the DIMMs' speeds."""
    share = 1.0
    if channels is not None:
        share *= min(1.0, max(1, channels) / (cpu.memory_channels * sockets))
    if speed_mts is not None:
        share *= min(1.0, speed_mts / cpu.memory_speed_mts)
    return share


def device_from_cpu(
    cpu: Cpu, ram_gb: float, sockets: int = 1, channels: int | None = None, speed_mts: int | None = None
) -> Device:
    """The CPU side of a host: the memory bandwidth its populated channels give (all of the CPUs' rated
    bandwidth when the board and DIMMs are not given) and vector FP32 compute.

    What the cores can actually pull through their dies and across sockets is decided in perf.cpu.
    """
    if sockets < 1 or sockets > cpu.max_sockets:
        raise ValueError(f"{cpu.id} runs in 1..{cpu.max_sockets} sockets, not {sockets}")
    flops = cpu.fp32_tflops * sockets
    per_socket = min(cpu.memory_channels, -(-channels // sockets)) if channels else cpu.memory_channels
    return Device(
        id=cpu.id if sockets == 1 else f"{cpu.id}x{sockets}",
        name=cpu.name if sockets == 1 else f"{sockets}x {cpu.name}",
        kind="cpu",
        vendor=cpu.vendor,
        architecture=cpu.architecture,
        memory_gb=ram_gb,
        bandwidth_gbs=cpu.memory_bandwidth_gbs * sockets * populated_share(cpu, sockets, channels, speed_mts),
        # CPUs run matrix work at their vector FP32 rate (llama.cpp dequantises to F32 / int8 dot).
        fp16_tflops=flops,
        fp16_basis="shader-fp32",
        fp32_tflops=flops,
        pcie_gen=cpu.pcie_gen,
        pcie_lanes=cpu.pcie_lanes * sockets,
        segment="cpu",
        cuda_supported=False,
        vulkan=False,
        runtime="cpu",
        link_via="unified",
        notes=("dual socket: NUMA limits what a single-node run sees of the second socket",)
        if sockets > 1
        else (),
        memory_type=cpu.memory_type,
        cores=cpu.cores * sockets,
        ccds=cpu.ccds,
        sockets=sockets,
        memory_channels=per_socket,
        simd=tuple(cpu.simd),
    )


def with_link(
    device: Device, gen: int | None, lanes: int | None, via: str | None, nvlink_gbs: float | None = None
) -> Device:
    """The device as placed: the slot's PCIe link (the card negotiates the lower of both), the lane
    source (a dual-GPU card's chips stay behind their switch), and any NVLink bridge it carries."""
    keep_switch = device.link_via == "switch"
    return _replace(
        device,
        link_gen=gen,
        link_lanes=lanes,
        link_via=device.link_via if keep_switch or via is None else via,
        nvlink_gbs=nvlink_gbs,
    )


def _replace(device: Device, **changes: object) -> Device:
    from dataclasses import replace

    return replace(device, **changes)  # type: ignore[arg-type]
