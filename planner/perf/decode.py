"""Token generation time: bytes read per token over the achieved bandwidth, plus fixed per-layer costs.

Layer split runs the cards one after another (times add); tensor split runs them side by side (the
slowest card counts) and pays two all-reduces per layer over the real link.
"""

from __future__ import annotations

from planner.perf.constants import lookup, section
from planner.perf.device import Device
from planner.perf.links import allreduce_s, hop_s
from planner.perf.memory import kv_cache_bytes, touched_expert_share, weight_split
from planner.perf.placement import Placement, Share, place
from planner.perf.prefill import attention_flops_per_token, effective_tflops_for, matmul_flops_per_token
from planner.perf.runtime import choose_runtime
from planner.perf.workload import Workload
from planner.schema.llm import Llm


def effective_bandwidth_gbs(device: Device, backend: str, runtime: str | None = None) -> float:
    """Memory bandwidth the backend achieves on this device when streaming weights, GB/s."""
    key = choose_runtime(device, backend, runtime).key
    return device.bandwidth_gbs * lookup(key, device, "decode")["bandwidth_fraction"]


def per_token_overhead_s(device: Device, backend: str, model: Llm, runtime: str | None = None) -> float:
    """Fixed time per generated token that no bandwidth removes (kernel launches, syncs), seconds.

    It scales with the number of layers because each layer is a fixed number of kernel launches.
    """
    key = choose_runtime(device, backend, runtime).key
    return lookup(key, device, "decode")["overhead_us_per_layer"] * 1e-6 * model.layers


def share_step_s(
    share: Share, workload: Workload, context: int, tokens: int, layers_run: float
) -> tuple[float, float]:
    """(memory-bound s, compute-bound s) for one device's part of a step of `tokens` streams.

    Both include the fixed per-layer launch cost; the step takes the larger of the two.
    """
    model, quant = workload.model, workload.quant
    d = share.device
    weights = weight_split(model, quant).read(share.dense, share.experts, touched_expert_share(model, tokens))
    kv = kv_cache_bytes(model, workload.kv_dtype, context) * share.kv * tokens
    dec = lookup(share.runtime.key, d, "decode")
    bandwidth = d.bandwidth_gbs * dec["bandwidth_fraction"] * 1e9
    flops = tokens * (matmul_flops_per_token(model) + attention_flops_per_token(model, context))
    tflops = effective_tflops_for(d, share.runtime.key)
    compute = flops * share.layers_share / (tflops * 1e12) if tflops > 0 else 0.0
    fixed = dec["overhead_us_per_layer"] * 1e-6 * model.layers * layers_run
    return (weights + kv) / bandwidth + fixed, compute + fixed


def step_seconds(
    placement: Placement, workload: Workload, context: int, tokens: int = 1
) -> tuple[float, str]:
    """Seconds for one decode step of `tokens` concurrent streams at `context`, and what bounds it."""
    model = workload.model
    active = [s for s in placement.shares if s.layers_share > 0]
    gpus = [s for s in active if s.role == "gpu"]
    rest = [s for s in active if s.role != "gpu"]
    if placement.mode == "tensor":
        # Every card runs every layer on its slice: its launch cost counts whole.
        parts = [share_step_s(s, workload, context, tokens, 1.0) for s in gpus]
        time = max(max(p) for p in parts)
        time += 2 * model.layers * allreduce_s([s.device for s in gpus], model.hidden_size, tokens)
    else:
        parts = [share_step_s(s, workload, context, tokens, s.layers_share) for s in gpus]
        time = sum(max(p) for p in parts)
        time += max(0, len(gpus) - 1) * hop_s([s.device for s in gpus], model.hidden_size, tokens)
    host_parts = [share_step_s(s, workload, context, tokens, s.layers_share) for s in rest]
    time += sum(max(p) for p in host_parts)
    if rest and gpus:
        mg = section("multi_gpu")
        if placement.offload == "experts":
            # -ot exps=CPU bounces the hidden state GPU -> CPU -> GPU in every MoE layer: two small
            # PCIe copies with a sync each.
            time += 2 * model.layers * float(mg["pcie_latency_us"]) * 1e-6
        else:
            time += 2 * float(mg["hop_latency_us"]) * 1e-6
    parts += host_parts
    memory = sum(p[0] for p in parts)
    compute = sum(p[1] for p in parts)
    return time, "memory" if memory >= compute else "compute"


def decode_context(workload: Workload) -> int:
    """Context length at the middle of generation: the average KV read of the answer's tokens."""
    return workload.depth + workload.prompt + max(1, workload.generate) // 2


def decode_tokens_per_s(placement: Placement, workload: Workload) -> float:
    """Batch-1 tokens/s averaged over `generate` tokens after depth + prompt (the KV read grows)."""
    seconds, _ = step_seconds(placement, workload, decode_context(workload), 1)
    return 1 / seconds


def decode_seconds_per_token_layer_split(devices: list[Device], workload: Workload) -> float:
    """Seconds per batch-1 token with the model split by layers over `devices` in proportion to memory.

    Layers run in sequence, so the time is the sum over cards of their bytes / their bandwidth:
    more cards add capacity, not speed. The solver uses this as an objective coefficient.
    """
    gpus = [(d, choose_runtime(d, workload.backend, workload.runtime)) for d in devices]
    placement = place(gpus, workload, "layer", "none", None)
    return step_seconds(placement, workload, decode_context(workload), 1)[0]


def decode_seconds_per_token_tensor_split(devices: list[Device], workload: Workload) -> float:
    """Seconds per batch-1 token with every layer split across `devices` (tensor parallel)."""
    gpus = [(d, choose_runtime(d, workload.backend, workload.runtime)) for d in devices]
    placement = place(gpus, workload, "tensor", "none", None)
    return step_seconds(placement, workload, decode_context(workload), 1)[0]
