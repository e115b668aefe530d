"""estimate(): memory fit, decode and prompt speed, batching limits, and the assumptions behind them.

This is what `planner estimate` prints and what `check` recomputes for a build; the solver uses the
smaller building blocks directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.perf.constants import lookup, uncertainty
from planner.perf.decode import decode_context, decode_tokens_per_s, step_seconds
from planner.perf.device import Device
from planner.perf.links import link_gbs
from planner.perf.placement import MemoryRow, Placement, fits, memory_rows
from planner.perf.prefill import prefill_seconds
from planner.perf.serving import batch_tokens_per_s, compute_bound_batch, max_batch, max_context
from planner.perf.split import choose_layout
from planner.perf.workload import Workload, check_quant_backend


@dataclass(frozen=True)
class Estimate:
    """Everything the throughput model says about one workload on one set of devices."""

    fits: bool
    runnable: bool
    memory: tuple[MemoryRow, ...]
    shortfall_gb: float
    decode_tokens_per_s: float | None
    prefill_tokens_per_s: float | None
    ttft_s: float | None
    batch_tokens_per_s: float | None
    max_batch: int
    max_context: int
    compute_bound_batch: int | None
    bound: str
    split: str
    offload: str
    backend: str
    runtimes: tuple[str, ...]
    assumptions: tuple[str, ...]
    uncertainty: dict[str, Any]
    derivation: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())
    errors: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain data for --json output and reports."""

        def r(x: float | None, nd: int = 2) -> float | None:
            return None if x is None else round(x, nd)

        return {
            "fits": self.fits,
            "runnable": self.runnable,
            "memory": [m.to_json() for m in self.memory],
            "shortfall_gb": r(self.shortfall_gb) if not self.fits else None,
            "decode_tokens_per_s": r(self.decode_tokens_per_s, 1),
            "prefill_tokens_per_s": r(self.prefill_tokens_per_s, 1),
            "ttft_s": r(self.ttft_s, 3),
            "batch_tokens_per_s": r(self.batch_tokens_per_s, 1),
            "max_batch": self.max_batch,
            "max_context": self.max_context,
            "compute_bound_batch": self.compute_bound_batch,
            "bound": self.bound,
            "split": self.split,
            "offload": self.offload,
            "backend": self.backend,
            "runtimes": list(self.runtimes),
            "assumptions": list(self.assumptions),
            "derivation": list(self.derivation),
            "uncertainty": self.uncertainty,
            "warnings": list(self.warnings),
            "errors": list(self.errors),
        }


def _device_warnings(devices: list[Device], workload: Workload) -> list[str]:
    out: list[str] = []
    for d in devices:
        if d.kind == "cpu" and d.bandwidth_gbs >= 150 and d.vendor_key == "amd":
            # AMD server and HEDT chips reach memory through their core dies (CCDs); parts with few of them
            # cannot fill all channels, so low-core SKUs fall well short of the channel arithmetic.
            out.append(
                f"{d.name}: CPU bandwidth assumes enough core dies (CCDs) to fill {d.bandwidth_gbs:.0f} GB/s of "
                "channels; low-core EPYC/Threadripper parts reach much less (check the CCD count)"
            )
            continue
        if d.kind == "gpu" and d.fp16_basis == "shader-fp32":
            out.append(
                f"{d.name}: FP16 is crippled or absent on {d.architecture}; prompt speed uses the "
                f"FP32 rate ({d.fp32_tflops:g} TFLOP/s)"
            )
        if len(devices) > 1 and d.link_via == "chipset" and d.nvlink_gbs is None:
            out.append(f"{d.name}: on chipset lanes; card-to-card traffic shares the chipset uplink")
        if workload.quant.needs_fp8_hardware and d.family not in ("ada", "hopper", "blackwell"):
            out.append(
                f"{d.name}: {workload.quant.id} needs native FP8 for fast kernels; expect a slow fallback"
            )
    return out


def _peak_name(device: Device, peak: str) -> str:
    if peak == "fp32" or device.fp16_basis == "shader-fp32":
        return f"FP32 rate {device.fp32_tflops:g} TFLOP/s"
    return f"FP16 peak {device.fp16_tflops:g} TFLOP/s ({device.fp16_basis})"


def _role(share: Any, placement: Placement) -> str:
    """What a device is and does: a gpu / system / cpu running the model, or a CPU holding offloaded
    layers or experts beside GPUs."""
    helpers = [s for s in placement.shares if s.role == "gpu" and s.layers_share > 0]
    if share.role == "gpu" or not helpers:
        return str(share.device.kind)
    return f"{share.device.kind}, offloaded {'experts' if share.role == 'host-experts' else 'layers'}"


def _assumptions(
    placement: Placement, workload: Workload, multi: list[Device]
) -> tuple[list[str], list[str]]:
    """(what the figures assume, in short lines; the constants and their basis behind them)."""
    out = [
        f"backend {workload.backend}; split {placement.mode}; offload {placement.offload}",
        f"quant {workload.quant.id} at {workload.quant.bits_per_weight:g} bits/weight",
        f"KV cache {workload.kv_dtype}; context {workload.context_tokens} tokens x batch {workload.batch}",
        f"decode averaged over {workload.generate} tokens after {workload.depth + workload.prompt} in context",
    ]
    derivation = [f"quant {workload.quant.id}: {workload.quant.bits_basis}"]
    for s in placement.shares:
        dec = lookup(s.runtime.key, s.device, "decode")
        pro = lookup(s.runtime.key, s.device, "prompt")
        label = f"{s.device.name} ({_role(s, placement)}"
        out.append(f"{label}): {s.layers_share:.0%} of layers on {s.runtime.key}")
        derivation.append(
            f"{label}, {s.layers_share:.0%} of layers): {s.runtime.key}; "
            f"bandwidth x{dec['bandwidth_fraction']:.2f} and {dec['overhead_us_per_layer']:.0f} us/layer "
            f"[{dec.where}: {dec.basis}]; compute x{pro['compute_fraction']:.2f} of "
            f"{_peak_name(s.device, str(pro.values.get('peak', 'fp16')))} [{pro.where}: {pro.basis}]"
        )
    if len(multi) > 1:
        _, latency, text = link_gbs(multi)
        out.append(f"card link: {text}, {latency * 1e6:.0f} us latency")
    return out, derivation


def _band(placement: Placement) -> dict[str, Any]:
    keys = sorted({s.runtime.key for s in placement.shares if s.layers_share > 0})
    keys = keys or ["default"]
    bands = [uncertainty(k, "decode") for k in keys]
    low = min(float(b["low"]) for b in bands)
    high = max(float(b["high"]) for b in bands)
    basis = "; ".join(f"{k}: {b.get('basis', '')}" for k, b in zip(keys, bands, strict=True))
    if placement.mode != "single" or placement.offload != "none":
        # Multi-device layouts rest on few measured rows: widen the band.
        low, high = low * 0.9, high * 1.1
        basis += "; widened 10 % for multi-device layout"
    return {"low": round(low, 3), "high": round(high, 3), "basis": basis}


def estimate(devices: list[Device], workload: Workload, host: Device | None = None) -> Estimate:
    """Estimate fit and speed of `workload` on `devices` (GPUs or one CPU), with `host` RAM for spill.

    Raises QuantError when the backend cannot load the quant at all.
    """
    check_quant_backend(workload.quant, workload.backend)
    if not devices and host is None:
        raise ValueError("give at least one device, or a host to run on the CPU")
    layout = choose_layout(devices, workload, host)
    return estimate_placement(layout.placement, workload, layout.warnings, layout.errors)


def estimate_placement(
    placement: Placement,
    workload: Workload,
    warnings_in: tuple[str, ...] = (),
    errors_in: tuple[str, ...] = (),
) -> Estimate:
    """Estimate for a given layout (e.g. the solver's layer counts per card), with the layout's notes."""
    check_quant_backend(workload.quant, workload.backend)
    rows = memory_rows(placement, workload, workload.context_tokens, workload.batch)
    ok = fits(rows)
    shortfall = sum(max(0.0, -r.free_gb) for r in rows)
    decode = decode_tokens_per_s(placement, workload)
    prefill_s = prefill_seconds(placement, workload)
    prefill = workload.prompt / prefill_s if workload.prompt > 0 and prefill_s > 0 else None
    first_step, _ = step_seconds(placement, workload, workload.depth + workload.prompt + 1, 1)
    batch_tps, bound = batch_tokens_per_s(placement, workload, workload.batch)
    if workload.batch == 1:
        bound = step_seconds(placement, workload, decode_context(workload), 1)[1]
    multi = [s.device for s in placement.gpu_shares]
    hosts = [s.device for s in placement.shares if s.role != "gpu" and s.layers_share > 0]
    warnings = [*warnings_in, *_device_warnings(multi, workload), *_device_warnings(hosts, workload)]
    for s in placement.shares:
        warnings.extend(w for w in s.runtime.warnings if w not in warnings)
    errors = list(errors_in)
    for s in placement.shares:
        errors.extend(e for e in s.runtime.errors if e not in errors)
    if not ok:
        warnings.append(f"does not fit: {shortfall:.1f} GB short")
    assumptions, derivation = _assumptions(placement, workload, multi)
    return Estimate(
        fits=ok,
        runnable=not errors,
        memory=tuple(rows),
        shortfall_gb=shortfall,
        decode_tokens_per_s=decode,
        prefill_tokens_per_s=prefill,
        ttft_s=prefill_s + first_step if workload.prompt > 0 else first_step,
        batch_tokens_per_s=batch_tps,
        max_batch=max_batch(placement, workload),
        max_context=max_context(placement, workload),
        compute_bound_batch=compute_bound_batch(placement, workload),
        bound=bound,
        split=placement.mode,
        offload=placement.offload,
        backend=workload.backend,
        runtimes=tuple(s.runtime.key for s in placement.shares),
        assumptions=tuple(assumptions),
        derivation=tuple(derivation),
        uncertainty=_band(placement),
        warnings=tuple(warnings),
        errors=tuple(errors),
    )
