"""Priors for constants the calibration data cannot fit: memory overheads, links, and runtimes with no rows.

Each carries its reason as `basis`, and fit_constants.py writes them into constants.yaml unchanged.
"""

from __future__ import annotations

import copy
import statistics
from typing import Any


def base_constants() -> dict[str, Any]:
    """The constants before any fit: a global default and the sections the data says nothing about."""
    return {
        "global": {
            "decode": {
                "bandwidth_fraction": 0.7,
                "overhead_us_per_layer": 40.0,
                "basis": "prior: replaced by the median of fitted runtime defaults",
            },
            "prompt": {
                "compute_fraction": 0.4,
                "basis": "prior: replaced by the median of fitted runtime defaults",
            },
        },
        "runtimes": {
            "llama.cpp/cpu": {
                "default": {
                    "decode": {
                        "bandwidth_fraction": 0.6,
                        "overhead_us_per_layer": 15.0,
                        "basis": "prior, no CPU rows in the calibration set: llama.cpp CPU decode reaches ~50-70 % "
                        "of theoretical DRAM bandwidth in community reports; thread sync per layer ~15 us",
                    },
                    "prompt": {
                        "compute_fraction": 0.5,
                        "basis": "prior, no CPU rows: int8 dot-product kernels reach about half the FP32 vector "
                        "peak on AVX2/AVX-512 parts (community llama-bench); uncertain",
                    },
                }
            },
        },
        "weights": {
            "moe_dense_bits_min": 8.5,
            "basis": (
                "prior from file sizes: MoE files quantise the experts and keep attention, router, shared experts "
                "and embeddings at >= 8 bits (ggml-org gpt-oss-120b GGUF: 59.02 GiB = MXFP4 experts at 4.25 bpw + "
                "~2.5 GB of Q8_0 for the other ~2.2 B parameters)"
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
            "backend_extra_gb": {"llama.cpp": 0.0, "vllm": 1.0, "exllamav2": 0.2, "exllama": 0.2, "mlx": 0.1},
            "os_reserve_gb": 4.0,
            "activation_width_factor": 12.0,
            "exllamav2_chunk_tokens": 2048,
            "vllm_gpu_memory_utilization": 0.9,
            "margin_gb": 0.3,
            "margin_fraction": 0.02,
            "basis": (
                "prior: CUDA/ROCm context 0.3-0.5 GB per GPU (nvidia-smi on an idle process); Metal's share is "
                "already gpu_memory_gb; vLLM adds CUDA graphs (~0.3-0.5 GB) and its activation "
                "peak (~0.5 GB) inside gpu_memory_utilization 0.9, which is its margin; llama.cpp compute buffer = f32 logits (vocab x ubatch) + ~12 x hidden "
                "f32 per token of scratch (matches its logged CUDA compute buffers within ~30 %); 4 GB of RAM kept "
                "for the OS on a CPU host; margin 0.3 GB + 2 % for allocator slack"
            ),
        },
        "multi_gpu": {
            "pcie_efficiency": 0.8,
            "pcie_latency_us": 15.0,
            "chipset_extra_latency_us": 5.0,
            "nvlink_bridge_gbs": 56.0,
            "nvlink_latency_us": 5.0,
            "hop_latency_us": 40.0,
            "basis": (
                "prior: PCIe payload ~80 % of the line rate; NCCL small all-reduce ~10-20 us over PCIe, ~5 us over "
                "NVLink; the consumer NVLink bridge (RTX 3090) is 112.5 GB/s both ways = 56 GB/s per direction; a "
                "layer-split hop (copy + sync of one hidden state) ~40 us; chipset slots add a DMI hop. Not fitted: "
                "the only multi-GPU rows (4090 + 3090 Ti, exllama) are held out to test the layer-split sum"
            ),
        },
    }


def _copy_runtime(constants: dict[str, Any], target: str, source: str, why: str) -> None:
    if source not in constants["runtimes"]:
        return
    table = copy.deepcopy(constants["runtimes"][source])

    def rebase(node: dict[str, Any]) -> None:
        for group in ("decode", "prompt"):
            if group in node:
                node[group]["basis"] = f"prior: {why}; copied from {source} ({node[group]['basis']})"

    for section in ("default",):
        if section in table:
            rebase(table[section])
    for sub in ("vendor", "family"):
        for node in table.get(sub, {}).values():
            rebase(node)
    constants["runtimes"][target] = table


def fill_prior_runtimes(constants: dict[str, Any]) -> None:
    """Runtimes without rows borrow from the nearest fitted one, saying so; the global default is the median."""
    rt = constants["runtimes"]
    _copy_runtime(
        constants,
        "vllm/cuda",
        "exllamav2/cuda",
        "no vLLM rows; vLLM's batch-1 path (fused GEMV / Marlin kernels, CUDA graphs) is closest to exllamav2",
    )
    if "vllm/cuda" in rt:
        for node in [rt["vllm/cuda"].get("default", {}), *rt["vllm/cuda"].get("family", {}).values()]:
            node.pop("prompt", None)
        rt["vllm/cuda"].setdefault("default", {})["prompt"] = {
            "compute_fraction": 0.55,
            "peak": "fp16",
            "basis": "prior, no vLLM prompt rows: cuBLAS / FlashAttention GEMMs reach ~50-70 % of the dense "
            "FP16 tensor peak at prompt sizes",
        }
    _copy_runtime(constants, "vllm/rocm", "llama.cpp/rocm", "no vLLM ROCm rows; same GPUs and HIP stack")
    _copy_runtime(
        constants, "exllamav2/rocm", "llama.cpp/rocm", "no exllamav2 ROCm rows; same GPUs and HIP stack"
    )
    _copy_runtime(
        constants,
        "mlx/metal",
        "llama.cpp/metal",
        "no MLX rows; MLX and llama.cpp Metal reach similar shares of Apple bandwidth",
    )
    _copy_runtime(
        constants, "llama.cpp/sycl", "llama.cpp/vulkan", "no SYCL rows; Intel GPUs are measured on Vulkan"
    )
    if "exllamav2/cuda" in rt and "prompt" not in rt["exllamav2/cuda"].get("default", {}):
        src = rt.get("exllama/cuda", {}).get("default", {}).get("prompt")
        if src:
            rt["exllamav2/cuda"]["default"]["prompt"] = dict(
                src, basis=f"prior: no exllamav2 prompt rows; ExLlama v1 fit ({src['basis']})"
            )
    fitted = [t["default"] for k, t in rt.items() if "default" in t and "fitted" in str(t["default"])]
    for group, field in (
        ("decode", "bandwidth_fraction"),
        ("decode", "overhead_us_per_layer"),
        ("prompt", "compute_fraction"),
    ):
        values = [float(d[group][field]) for d in fitted if group in d and "fitted" in d[group]["basis"]]
        if values:
            constants["global"][group][field] = round(statistics.median(values), 4)
    for group in ("decode", "prompt"):
        constants["global"][group]["basis"] = "median of the fitted runtime defaults"


def copy_bands(constants: dict[str, Any]) -> None:
    """Uncertainty for prior-only runtimes: the source's band widened by a quarter each way."""
    unc = constants.setdefault("uncertainty", {})
    pairs = {
        "vllm/cuda": "exllamav2/cuda",
        "vllm/rocm": "llama.cpp/rocm",
        "exllamav2/rocm": "llama.cpp/rocm",
        "mlx/metal": "llama.cpp/metal",
        "llama.cpp/sycl": "llama.cpp/vulkan",
        "llama.cpp/cpu": "llama.cpp/vulkan",
    }
    for target, source in pairs.items():
        if source in unc and target not in unc:
            unc[target] = {
                kind: {
                    "low": round(b["low"] * 0.8, 3),
                    "high": round(b["high"] * 1.25, 3),
                    "basis": f"prior: no rows; {source} band widened 25 %",
                }
                for kind, b in unc[source].items()
            }
    unc["default"] = {
        kind: {"low": 0.5, "high": 1.5, "basis": "prior: no calibration for this runtime"}
        for kind in ("decode", "prompt")
    }
