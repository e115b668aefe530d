"""The throughput model: pure functions of hardware and workload (memory fit, decode, prompt, batching).

Constants come from constants.yaml beside this file, fitted by benchmarks/fit_constants.py.
"""

from planner.perf.constants import load_constants, use_constants
from planner.perf.decode import (
    decode_seconds_per_token_layer_split,
    decode_seconds_per_token_tensor_split,
    effective_bandwidth_gbs,
    per_token_overhead_s,
    step_seconds,
    step_terms,
)
from planner.perf.device import (
    Device,
    arch_family,
    device_from_cpu,
    device_from_gpu,
    device_from_system,
    populated_channels,
    with_link,
)
from planner.perf.estimate import Estimate, estimate, estimate_placement, tiers_of
from planner.perf.evidence import band, conservative_seconds, device_tier
from planner.perf.links import Link, allreduce_s, link_gbs, pcie_gbs, slowest_link
from planner.perf.memory import (
    decode_weight_bytes,
    expert_params_b,
    kv_bytes_per_token,
    kv_cache_bytes,
    weight_bytes,
)
from planner.perf.prefill import (
    attention_flops_per_token,
    effective_tflops,
    matmul_flops_per_token,
    peak_tflops,
    prefill_seconds,
    prefill_terms,
    prompt_flops,
)
from planner.perf.runtime import choose_runtime
from planner.perf.serving import roofline_batch
from planner.perf.split import choose_layout, tensor_split_problem
from planner.perf.workload import (
    QuantError,
    Workload,
    check_quant_backend,
    exl2_quant,
    normalise_quant_name,
    resolve_quant,
)

__all__ = [
    "Device",
    "Estimate",
    "Link",
    "QuantError",
    "Workload",
    "allreduce_s",
    "arch_family",
    "attention_flops_per_token",
    "band",
    "check_quant_backend",
    "choose_layout",
    "choose_runtime",
    "conservative_seconds",
    "decode_seconds_per_token_layer_split",
    "decode_seconds_per_token_tensor_split",
    "decode_weight_bytes",
    "device_from_cpu",
    "device_from_gpu",
    "device_from_system",
    "device_tier",
    "effective_bandwidth_gbs",
    "effective_tflops",
    "estimate",
    "estimate_placement",
    "exl2_quant",
    "expert_params_b",
    "kv_bytes_per_token",
    "kv_cache_bytes",
    "link_gbs",
    "load_constants",
    "matmul_flops_per_token",
    "normalise_quant_name",
    "pcie_gbs",
    "peak_tflops",
    "per_token_overhead_s",
    "populated_channels",
    "prefill_seconds",
    "prefill_terms",
    "prompt_flops",
    "resolve_quant",
    "roofline_batch",
    "slowest_link",
    "step_seconds",
    "step_terms",
    "tensor_split_problem",
    "tiers_of",
    "use_constants",
    "weight_bytes",
    "with_link",
]
