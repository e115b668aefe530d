"""Batched serving and limits: aggregate tokens/s for B streams, and the largest batch and context that fit.

B streams share one read of the weights per step, so throughput grows with B until the step's FLOPs
outrun the bandwidth (the device's FLOP/byte ratio), after which it is compute-bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from planner.perf.decode import decode_context, step_seconds
from planner.perf.device import Device
from planner.perf.memory import decode_weight_bytes
from planner.perf.placement import Placement, fits, memory_rows
from planner.perf.prefill import matmul_flops_per_token, peak_tflops
from planner.perf.workload import Workload
from planner.schema.llm import Llm, Quant

MAX_BATCH = 4096


def batch_tokens_per_s(placement: Placement, workload: Workload, batch: int) -> tuple[float, str]:
    """Aggregate generated tokens/s of `batch` concurrent streams, and whether memory or compute bounds it."""
    seconds, bound = step_seconds(placement, workload, decode_context(workload), batch)
    return batch / seconds, bound


def roofline_batch(device: Device, model: Llm, quant: Quant) -> float:
    """Concurrent tokens at which peak compute and peak bandwidth take equal time (speed of light).

    FLOPs per step = 2 x active params x B; bytes per step = the weights once. With FP16 weights
    (2 bytes and 2 FLOPs per parameter) this is the device's FLOP/byte ratio.
    """
    flops_per_token = matmul_flops_per_token(model)
    return (
        peak_tflops(device)
        * 1e12
        * decode_weight_bytes(model, quant)
        / (flops_per_token * device.bandwidth_gbs * 1e9)
    )


def compute_bound_batch(placement: Placement, workload: Workload) -> int | None:
    """Smallest batch at which a decode step is compute-bound with the fitted constants (None if > MAX_BATCH)."""
    context = decode_context(workload)
    if step_seconds(placement, workload, context, MAX_BATCH)[1] == "memory":
        return None
    lo, hi = 1, MAX_BATCH
    while lo < hi:
        mid = (lo + hi) // 2
        if step_seconds(placement, workload, context, mid)[1] == "compute":
            hi = mid
        else:
            lo = mid + 1
    return lo


def _largest(ok: Callable[[int], bool], lo: int, hi: int) -> int:
    """Largest n in [lo, hi] with ok(n) true (ok true up to some n, false after), or lo - 1 when none."""
    if not ok(lo):
        return lo - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def max_batch(placement: Placement, workload: Workload) -> int:
    """Most concurrent streams of `context_tokens` each whose KV cache and buffers fit (0 if none)."""
    context = workload.context_tokens

    def ok(b: int) -> bool:
        return fits(memory_rows(placement, workload, context, b))

    return _largest(ok, 1, MAX_BATCH)


def max_context(placement: Placement, workload: Workload) -> int:
    """Longest context (tokens per stream, at the workload's batch) that fits, up to the model's trained limit."""

    def ok(c: int) -> bool:
        return fits(memory_rows(placement, workload, c, workload.batch))

    return max(0, _largest(ok, 1, workload.model.max_context))


def with_batch(workload: Workload, batch: int) -> Workload:
    """The same workload with another concurrency."""
    return replace(workload, batch=batch)
