"""Prompt processing: FLOPs per token (weights plus an attention term that grows with context) over the
achieved share of peak compute, with the weights streamed once per physical batch as a floor.
"""

from __future__ import annotations

import math

from planner.perf.constants import lookup
from planner.perf.device import Device
from planner.perf.links import allreduce_s, hop_s, pcie_gbs
from planner.perf.memory import touched_expert_share, weight_split
from planner.perf.placement import Placement, Share
from planner.perf.runtime import choose_runtime
from planner.perf.workload import Workload
from planner.schema.llm import Llm


def matmul_flops_per_token(model: Llm) -> float:
    """2 FLOPs (one multiply-add) per active parameter, the embedding look-up excluded."""
    return 2 * (model.active_params_b - model.embedding_params_b) * 1e9


def attention_flops_per_token(model: Llm, context: int) -> float:
    """FLOPs of QK^T and AV for one token attending to `context` cached tokens, all layers."""
    if model.mla is not None:
        # Absorbed MLA attends in the latent space: keys kv_lora_rank + rope wide, values kv_lora_rank.
        width = model.attention_heads * (2 * model.mla.kv_lora_rank + model.mla.rope_head_dim) / 2
    else:
        width = model.attention_heads * model.head_dim
    full = model.layers - model.sliding_layers
    window = model.sliding_window or context
    return 4 * width * (full * context + model.sliding_layers * min(context, window))


def prompt_flops(model: Llm, prompt: int, depth: int = 0) -> float:
    """FLOPs to process `prompt` tokens after `depth` cached ones (causal: token i sees depth + i)."""
    if prompt <= 0:
        return 0.0
    # Attention cost is piecewise linear in the position; the midpoint is exact without windows.
    middle = depth + (prompt + 1) / 2
    return prompt * (matmul_flops_per_token(model) + attention_flops_per_token(model, int(middle)))


def peak_tflops(device: Device) -> float:
    """The peak the runtime can use: FP32 rate when FP16 is crippled or absent (P40, K80, CPUs)."""
    if device.fp16_basis == "shader-fp32":
        return device.fp32_tflops
    return device.fp16_tflops


def basis_tflops(device: Device, peak: str) -> float:
    """The peak a fitted fraction applies to: "fp16" (basis respected) or "fp32" (the SM issue rate).

    llama.cpp's quantised matmuls (MMQ, dp4a) scale with SM count x clock, which the FP32 figure
    tracks, rather than with the tensor peak; the fit picks whichever predicts held-out devices better.
    """
    if peak == "fp32" and device.fp32_tflops > 0:
        return device.fp32_tflops
    return peak_tflops(device)


def effective_tflops_for(device: Device, runtime_key: str) -> float:
    """Achieved TFLOP/s for prompt-sized matrix work under a runtime key such as "llama.cpp/cuda"."""
    got = lookup(runtime_key, device, "prompt")
    return basis_tflops(device, str(got.values.get("peak", "fp16"))) * got["compute_fraction"]


def effective_tflops(device: Device, backend: str, runtime: str | None = None) -> float:
    """Achieved TFLOP/s for prompt processing with this backend on this device."""
    return effective_tflops_for(device, choose_runtime(device, backend, runtime).key)


def _resident_bytes(share: Share, workload: Workload, touched: int | None = None) -> float:
    """Weight bytes a share holds (or, with `touched`, the part a batch of that many tokens reads)."""
    model = workload.model
    routed = touched_expert_share(model, touched) if touched else 1.0
    return weight_split(model, workload.quant).read(share.dense, share.experts, routed)


def _share_seconds(share: Share, workload: Workload, flops: float, ubatches: int, layers_run: float) -> float:
    d = share.device
    model = workload.model
    compute = flops * share.layers_share / (effective_tflops_for(d, share.runtime.key) * 1e12)
    dec = lookup(share.runtime.key, d, "decode")
    weights = _resident_bytes(share, workload, touched=workload.ubatch)
    stream = ubatches * weights / (d.bandwidth_gbs * dec["bandwidth_fraction"] * 1e9)
    fixed = ubatches * dec["overhead_us_per_layer"] * 1e-6 * model.layers * layers_run
    return max(compute, stream) + fixed


def prefill_seconds(placement: Placement, workload: Workload) -> float:
    """Seconds to process the prompt (after `depth` cached tokens) under this placement."""
    model = workload.model
    if workload.prompt <= 0:
        return 0.0
    flops = prompt_flops(model, workload.prompt, workload.depth)
    ubatches = math.ceil(workload.prompt / max(1, workload.ubatch))
    gpus = [s for s in placement.shares if s.role == "gpu" and s.layers_share > 0]
    host = [s for s in placement.shares if s.role != "gpu" and s.layers_share > 0]
    if placement.mode == "tensor":
        total = max(_share_seconds(s, workload, flops, ubatches, 1.0) for s in gpus)
        total += (
            2
            * model.layers
            * ubatches
            * allreduce_s([s.device for s in gpus], model.hidden_size, min(workload.prompt, workload.ubatch))
        )
    else:
        total = sum(_share_seconds(s, workload, flops, ubatches, s.layers_share) for s in gpus)
        total += (
            ubatches
            * max(0, len(gpus) - 1)
            * hop_s([s.device for s in gpus], model.hidden_size, workload.ubatch)
        )
    for s in host:
        if gpus and workload.backend == "llama.cpp" and workload.ubatch >= 32:
            # llama.cpp copies host-resident weights to the GPU for each large batch and computes there.
            g = gpus[0]
            moved = _resident_bytes(s, workload, touched=workload.ubatch)
            compute = flops * s.layers_share / (effective_tflops_for(g.device, g.runtime.key) * 1e12)
            total += compute + ubatches * moved / (pcie_gbs(g.device) * 1e9)
        else:
            total += _share_seconds(s, workload, flops, ubatches, s.layers_share)
    return total
