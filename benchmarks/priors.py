"""Priors: the value of every physical parameter before the fit, with its reason, and the sections the
calibration data cannot fit (memory overheads, links, core-die bandwidth).

The fitter starts from these, pulls each parameter toward its prior in proportion to how little the
data says about it, and writes them unchanged where nothing was measured.
"""

from __future__ import annotations

from typing import Any

# Parameters: (prior value, its uncertainty as a standard deviation of log(value), basis). A wide
# sigma lets the data move the value freely; the narrow ones hold where few rows speak.
PARAMS: dict[str, tuple[float, float, str]] = {
    "bandwidth": (
        0.75,
        0.3,
        "prior: batch-1 decode streams weights at 60-90 % of spec bandwidth across runtimes",
    ),
    "kv_attention": (
        2.0,
        1.0,
        "prior: decode attention reads the KV cache in small, poorly parallel kernels (one query), "
        "2-10x slower per byte than the weight stream (issue 9's measured slow-down with context)",
    ),
    "layer_us": (15.0, 1.5, "prior: ~5 kernels per layer at 2-5 us launch and sync each"),
    "token_us": (
        300.0,
        1.5,
        "prior: per generated token, graph build / launch, sampling and host sync, a few hundred us",
    ),
    "hop_us": (
        200.0,
        1.5,
        "prior: layer-split boundary: copy the hidden state, synchronise the two devices' streams "
        "(a few hundred us, issue 9)",
    ),
    "allreduce_us": (20.0, 1.5, "prior: NCCL / runtime small all-reduce software cost over PCIe, 10-30 us"),
    "sync_us": (30.0, 1.5, "prior: a GPU -> CPU -> GPU round trip of the hidden state, ~2 x 15 us"),
    "numa": (
        1.3,
        0.3,
        "prior: a second socket adds ~30 % to what one socket's threads see, as llama.cpp does not "
        "keep each thread's weights on its own node",
    ),
    "decode_attention": (
        0.05,
        1.5,
        "prior: one query per head makes decode attention a matrix-vector product at a few % of the peak",
    ),
    "compute": (0.4, 0.7, "prior: quantised prompt kernels reach ~30-60 % of the dense FP16 matrix peak"),
    "dequant": (
        3.0,
        1.0,
        "prior: GPU prompt kernels unpack each quantised weight tile on the shader ALUs once per tile of "
        "64-128 tokens, a few integer ops per weight: about a third of the matmul FLOPs at the integer rate",
    ),
    "attention": (0.15, 1.0, "prior: attention kernels reach well below matmul speed (softmax, masking)"),
    "link": (
        0.5,
        1.0,
        "prior: card-to-card copies reach about half the PCIe payload rate; GeForce cards without P2P "
        "stage them through host memory",
    ),
    "pcie": (0.8, 0.05, "prior: PCIe payload ~80 % of the line rate (not fitted)"),
}

# Runtimes that borrow every parameter they have no data for from another runtime, and why.
FALLBACKS: dict[str, tuple[str, str]] = {
    "ik_llama.cpp/cuda": ("llama.cpp/cuda", "same CUDA kernels; the fork differs mostly on the CPU"),
    "ik_llama.cpp/rocm": ("llama.cpp/rocm", "same HIP kernels"),
    "ik_llama.cpp/vulkan": ("llama.cpp/vulkan", "same Vulkan kernels"),
    "ik_llama.cpp/cpu": ("llama.cpp/cpu", "the fork's CPU kernels, where not fitted on their own"),
    "ik_llama.cpp/metal": ("llama.cpp/metal", "same Metal kernels"),
    "exllama/cuda": ("exllamav2/cuda", "ExLlama v1 and v2 share their GPTQ kernels' design"),
    "vllm/cuda": (
        "exllamav2/cuda",
        "vLLM's batch-1 path (fused GEMV / Marlin kernels, CUDA graphs) is closest to exllamav2",
    ),
    "vllm/rocm": ("llama.cpp/rocm", "same GPUs and HIP stack"),
    "exllamav2/cuda": ("llama.cpp/cuda", "same GPUs; fitted where exllamav2 rows exist"),
    "exllamav2/rocm": ("llama.cpp/rocm", "same GPUs and HIP stack"),
    "mlx/metal": ("llama.cpp/metal", "MLX and llama.cpp Metal reach similar shares of Apple bandwidth"),
    "llama.cpp/sycl": ("llama.cpp/vulkan", "Intel GPUs are measured on Vulkan"),
    "llama.cpp/rocm": ("llama.cpp/cuda", "shared ggml GPU kernels (HIP is compiled from the CUDA code)"),
    "llama.cpp/vulkan": ("llama.cpp/cuda", "shared ggml graph; Vulkan kernels are fitted where rows exist"),
    "llama.cpp/metal": ("llama.cpp/cuda", "shared ggml graph; Metal kernels are fitted where rows exist"),
    "llama.cpp/cpu": ("llama.cpp/cuda", "only the layout costs are shared"),
}


# Architecture families no calibration run measured, and the measured design each descends into: a
# prior for its effects (bandwidth share, per-layer cost ...) where the fit has none of its own.
FAMILY_KIN: dict[str, str] = {"maxwell": "pascal", "kepler": "maxwell"}
KIN_BASIS = (
    "prior by lineage: Pascal's GP10x SM is Maxwell's SM design (128 FP32 lanes in four partitions, the "
    "same scheduling and memory pipeline) on 16 nm with dp4a and FP16 added (NVIDIA Pascal GP104 "
    "whitepaper); Kepler borrows through Maxwell. No Maxwell or Kepler run is in the calibration set, and "
    "the lineage is untested by leave-one-family-out (holding out Pascal leaves no measured relative)"
)


def base_constants() -> dict[str, Any]:
    """The constants before any fit: priors for every parameter and the sections no row can fit."""
    return {
        "version": 2,
        "params": {name: {"value": v, "basis": basis} for name, (v, _, basis) in PARAMS.items()},
        "runtimes": {
            rt: {"fallback": fb, "basis": f"borrows unfitted parameters from {fb}: {why}"}
            for rt, (fb, why) in FALLBACKS.items()
        },
        "family_kin": {"families": dict(FAMILY_KIN), "basis": KIN_BASIS},
        "cpu": {
            "ccd_read_gbs": {"zen2": 40.0, "zen3": 40.0, "zen4": 64.0, "zen5": 128.0},
            "basis": (
                "prior, per core die, in the channel arithmetic's terms: Zen 2/3 four-CCD Rome/Milan parts "
                "stream ~110-120 GB/s against ~150 GB/s for 8-CCD parts on the same 8 x DDR4-3200 (community "
                "STREAM runs) -> ~40 GB/s per CCD; Zen 4: 32 B/clk at ~2 GHz FCLK = 64 GB/s (TR PRO 7965WX, "
                "4 CCDs, reads ~225 GB/s in mlc, calibration notes); Zen 5 parts with up to 8 CCDs use two "
                "links per CCD (an 8-CCD EPYC 9355 reads 598 GB/s in OCCT, calibration notes) -> 128. "
                "Uncertain; no CCD-limited decode run is in the calibration set"
            ),
        },
        "weights": {
            "moe_dense_bits_min": 8.5,
            "moe_dense_bits_min_kquant": 5.0,
            "basis": (
                "prior from file sizes: MXFP4 MoE files quantise only the experts and keep attention, router, "
                "shared experts and embeddings at >= 8 bits (ggml-org gpt-oss-120b GGUF: 59.02 GiB = MXFP4 experts "
                "at 4.25 bpw + ~2.5 GB of Q8_0 for the other ~2.2 B parameters); K-, legacy and IQ-quant MoE files "
                "keep them at 4-6 bits (the catalogue's unsloth dynamic MoE quants: 'attention, shared expert, "
                "dense layers and output at 4-6 bit'; llama.cpp's mixes raise attn_v / attn_output / ffn_down to "
                "Q5_K-Q6_K), so below 5 bits their dense part is taken at 5. Community mixes with Q8_0 attention "
                "(ik_llama.cpp threads) are under-read by this"
            ),
        },
        "memory": {
            "runtime_context_gb": {
                "cuda": 0.45,
                "rocm": 0.5,
                "vulkan": 0.35,
                "sycl": 0.4,
                "metal": 0.0,
                "cpu": 0.0,
                "default": 0.4,
            },
            "backend_extra_gb": {
                "llama.cpp": 0.0,
                "ik_llama.cpp": 0.0,
                "vllm": 1.0,
                "exllamav2": 0.2,
                "exllama": 0.2,
                "mlx": 0.1,
            },
            "os_reserve_gb": 4.0,
            "activation_width_factor": 12.0,
            "exllamav2_chunk_tokens": 2048,
            "vllm_gpu_memory_utilization": 0.9,
            "margin_gb": 0.3,
            "margin_fraction": 0.02,
            "basis": (
                "prior: CUDA/ROCm context 0.3-0.5 GB per GPU (nvidia-smi on an idle process); Metal's share is "
                "already gpu_memory_gb; vLLM adds CUDA graphs (~0.3-0.5 GB) and its activation peak (~0.5 GB) "
                "inside gpu_memory_utilization 0.9, which is its margin; llama.cpp compute buffer = f32 logits "
                "(vocab x ubatch) + ~12 x hidden f32 per token of scratch (matches its logged CUDA compute "
                "buffers within ~30 %); 4 GB of RAM kept for the OS on a CPU host; margin 0.3 GB + 2 % for "
                "allocator slack. All in decimal GB; device capacities are binary (GiB) and converted to bytes"
            ),
        },
        "multi_gpu": {
            "pcie_efficiency": 0.8,
            "pcie_latency_us": 15.0,
            "chipset_extra_latency_us": 5.0,
            "nvlink_bridge_gbs": 56.0,
            "nvlink_latency_us": 5.0,
            "basis": (
                "prior: PCIe payload ~80 % of the line rate; a small transfer over PCIe ~10-20 us, ~5 us over "
                "NVLink; the consumer NVLink bridge (RTX 3090) is 112.5 GB/s both ways = 56 GB/s per direction; "
                "chipset slots add a DMI hop. The software cost of a hop or an all-reduce is fitted (hop_us, "
                "allreduce_us)"
            ),
        },
    }


def prior_sigma(name: str) -> float:
    """Standard deviation of log(value) the prior allows a parameter's base value."""
    return PARAMS[name][1]


def prior_value(name: str) -> float:
    return PARAMS[name][0]
