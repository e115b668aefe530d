"""The assumptions an estimate rests on, in words: layout, weight format, and per device the fitted
shares and costs used, where they come from and how directly the calibration runs back them.
"""

from __future__ import annotations

from collections.abc import Mapping

from planner.perf.constants import where
from planner.perf.cpu import stream_bandwidth_gbs
from planner.perf.device import Device
from planner.perf.links import link_gbs
from planner.perf.placement import Placement, Share
from planner.perf.terms import Term, bandwidth_factors, share_ctx
from planner.perf.workload import Workload


def peak_name(device: Device) -> str:
    """The matrix peak prompt speed scales with, and what it counts."""
    peak = f"{device.matrix_tflops:g} TFLOP/s"
    if device.kind == "cpu":
        return f"{device.units} int8 dot-product rate {peak}"
    if device.fp16_basis == "shader-fp32":
        return f"FP32 rate {peak}"
    if device.vendor_key == "nvidia" and device.int8_tops and device.fp16_basis == "tensor-fp32-acc":
        return f"FP16 matrix peak {peak} (half the INT8 rate)"
    return f"FP16 matrix peak {peak} ({device.fp16_basis})"


def _role(share: Share, placement: Placement) -> str:
    """What a device is and does: a gpu / system / cpu running the model, or a CPU holding offloaded
    layers or experts beside GPUs."""
    helpers = [s for s in placement.shares if s.role == "gpu" and s.layers_share > 0]
    if share.role == "gpu" or not helpers:
        return str(share.device.kind)
    return f"{share.device.kind}, offloaded {'experts' if share.role == 'host-experts' else 'layers'}"


def _value(ctx: object, factors: tuple[tuple[str, int], ...]) -> float:
    return 1 / Term(1.0, factors, ctx).coefficient()  # type: ignore[arg-type]


def assumptions(
    placement: Placement, workload: Workload, tiers: Mapping[int, str]
) -> tuple[list[str], list[str]]:
    """(what the figures assume, in short lines; the constants and their basis behind them)."""
    out = [
        f"backend {workload.backend}; split {placement.mode}; offload {placement.offload}",
        f"quant {workload.quant.id} at {workload.quant.bits_per_weight:g} bits/weight",
        f"KV cache {workload.kv_dtype}; context {workload.context_tokens} tokens x batch {workload.batch}; "
        f"flash attention {'on' if workload.flash_attention else 'off'}",
        f"decode averaged over {workload.generate} tokens after {workload.depth + workload.prompt} in context",
    ]
    derivation = [f"quant {workload.quant.id}: {workload.quant.bits_basis}"]
    for i, s in enumerate(placement.shares):
        if s.layers_share <= 0:
            continue
        ctx = share_ctx(s, workload, placement.mode)
        key = s.runtime.key
        bw = _value(ctx, bandwidth_factors(s.device))
        layer = 1 / _value(ctx, (("layer_us", 1),))
        compute = _value(ctx, (("compute", -1),))
        source, basis = where(key, "bandwidth")
        label = f"{s.device.name} ({_role(s, placement)}"
        out.append(
            f"{label}): {s.layers_share:.0%} of layers on {key}, evidence {tiers.get(i, 'prior')}"
        )
        derivation.append(
            f"{label}, {s.layers_share:.0%} of layers): {key}; {bw:.2f} of "
            f"{stream_bandwidth_gbs(s.device):.0f} GB/s, {layer:.0f} us/layer, {compute:.2f} of the "
            f"{peak_name(s.device)} [scaled by {source}: {basis}]"
        )
    gpus = [s.device for s in placement.gpu_shares if s.layers_share > 0]
    if len(gpus) > 1:
        _, latency, text = link_gbs(gpus)
        out.append(f"card link: {text}, {latency * 1e6:.0f} us latency")
    return out, derivation
