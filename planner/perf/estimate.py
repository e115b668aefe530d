"""estimate(): memory fit, decode and prompt speed, batching limits, and the assumptions behind them.

This is what `planner estimate` prints and what `check` recomputes for a build; the solver uses the
smaller building blocks directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from planner.perf.cpu import ccd_cap_gbs, limited_by_ccds
from planner.perf.decode import decode_context, step_terms
from planner.perf.device import Device
from planner.perf.evidence import Tier, band, conservative_seconds, device_tier, weakest
from planner.perf.placement import MemoryRow, Placement, fits, memory_rows
from planner.perf.prefill import prefill_terms
from planner.perf.report import assumptions
from planner.perf.serving import compute_bound_batch, max_batch, max_context
from planner.perf.split import choose_layout
from planner.perf.terms import total
from planner.perf.workload import Workload, check_quant_backend

Edge = Literal["likely", "conservative"]


@dataclass(frozen=True)
class Estimate:
    """Everything the throughput model says about one workload on one set of devices.

    Speeds come twice: likely (the model's central value) and conservative (the low edge of the error
    band of the evidence behind each device); `evidence` is the weakest tier among the devices used.
    """

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
    decode_conservative: float | None = None
    prefill_conservative: float | None = None
    batch_conservative: float | None = None
    ttft_conservative_s: float | None = None
    evidence: Tier = "prior"
    evidence_by_device: tuple[tuple[str, str, Tier], ...] = field(default=())

    def speed(self, kind: str, edge: Edge = "likely") -> float | None:
        """decode, prefill or batch tokens/s at the likely value or the conservative edge."""
        likely = {
            "decode": self.decode_tokens_per_s,
            "prefill": self.prefill_tokens_per_s,
            "batch": self.batch_tokens_per_s,
        }
        low = {
            "decode": self.decode_conservative,
            "prefill": self.prefill_conservative,
            "batch": self.batch_conservative,
        }
        return (likely if edge == "likely" else low)[kind]

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
            "decode_tokens_per_s_conservative": r(self.decode_conservative, 1),
            "prefill_tokens_per_s_conservative": r(self.prefill_conservative, 1),
            "batch_tokens_per_s_conservative": r(self.batch_conservative, 1),
            "ttft_s_conservative": r(self.ttft_conservative_s, 3),
            "evidence": self.evidence,
            "evidence_by_device": [
                {"device": name, "runtime": rt, "tier": tier} for name, rt, tier in self.evidence_by_device
            ],
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


_FP8_NATIVE = ("ada", "hopper", "blackwell", "cdna3", "rdna4")


def _fp8_notes(d: Device, workload: Workload) -> tuple[list[str], list[str]]:
    """FP8 checkpoints: native on Ada/Hopper/Blackwell; vLLM runs them weight-only (W8A16 Marlin) on Ampere."""
    if not workload.quant.needs_fp8_hardware or d.family in _FP8_NATIVE or d.kind == "cpu":
        return [], []
    if d.vendor_key == "nvidia" and d.family == "ampere" and workload.backend == "vllm":
        return [
            f"{d.name}: no FP8 tensor cores; vLLM runs {workload.quant.id} weight-only (W8A16, Marlin "
            "kernels): decode reads the 8-bit weights at full speed, prompt runs at the FP16 tensor rate"
        ], []
    return [], [
        f"{d.name}: {workload.quant.id} needs FP8 kernels ({d.family} has neither FP8 nor Marlin W8A16)"
    ]


def _device_warnings(devices: list[Device], workload: Workload) -> tuple[list[str], list[str]]:
    out: list[str] = []
    errors: list[str] = []
    for d in devices:
        if d.kind == "cpu":
            out.extend(_cpu_warnings(d))
            continue
        if d.kind == "gpu" and d.fp16_basis == "shader-fp32":
            out.append(
                f"{d.name}: FP16 is crippled or absent on {d.architecture}; prompt speed uses the "
                f"FP32 rate ({d.fp32_tflops:g} TFLOP/s)"
            )
        if len(devices) > 1 and d.link_via == "chipset" and d.nvlink_gbs is None:
            out.append(f"{d.name}: on chipset lanes; card-to-card traffic shares the chipset uplink")
        warn, err = _fp8_notes(d, workload)
        out += warn
        errors += err
    return out, errors


def _cpu_warnings(d: Device) -> list[str]:
    out = []
    cap = ccd_cap_gbs(d)
    if limited_by_ccds(d) and cap is not None:
        # Few core dies cannot fill every channel: the channel arithmetic overstates this part.
        out.append(
            f"{d.name}: {d.ccds} core dies (CCDs) read at most {cap:.0f} GB/s per socket, below the "
            f"{d.bandwidth_gbs / d.sockets:.0f} GB/s its channels offer; estimates use the lower figure"
        )
    elif d.vendor_key == "amd" and d.ccds is None and d.bandwidth_gbs / d.sockets >= 150:
        out.append(
            f"{d.name}: CCD count not in the catalogue; bandwidth assumes enough core dies to fill "
            f"{d.bandwidth_gbs / d.sockets:.0f} GB/s of channels (low-core EPYC/Threadripper parts reach less)"
        )
    if d.sockets > 1:
        out.append(
            f"{d.name}: {d.sockets} sockets; a second socket adds only part of its bandwidth (NUMA), as fitted"
        )
    return out


def estimate(devices: list[Device], workload: Workload, host: Device | None = None) -> Estimate:
    """Estimate fit and speed of `workload` on `devices` (GPUs or one CPU), with `host` RAM for spill.

    Raises QuantError when the backend cannot load the quant at all.
    """
    check_quant_backend(workload.quant, workload.backend)
    if not devices and host is None:
        raise ValueError("give at least one device, or a host to run on the CPU")
    layout = choose_layout(devices, workload, host)
    return estimate_placement(layout.placement, workload, layout.warnings, layout.errors)


def _timed(
    terms: list[Any], tiers: dict[int, Tier], kind: Literal["decode", "prompt"]
) -> tuple[float, float]:
    """(likely seconds, conservative seconds) of a set of terms."""
    return total(terms), conservative_seconds(terms, tiers, kind)


def tiers_of(placement: Placement) -> dict[int, Tier]:
    """Evidence tier of each active share, by its device and runtime."""
    return {
        i: device_tier(s.device, s.runtime.key) for i, s in enumerate(placement.shares) if s.layers_share > 0
    }


def _uncertainty(tier: Tier) -> dict[str, Any]:
    dec, pro = band("decode", tier), band("prompt", tier)
    return {
        "tier": tier,
        "low": dec["low"],
        "high": dec["high"],
        "prompt_low": pro["low"],
        "prompt_high": pro["high"],
        "basis": f"{tier} tier: decode {dec.get('basis', '')}; prompt {pro.get('basis', '')}",
    }


def _notes(
    placement: Placement, workload: Workload, warnings_in: tuple[str, ...], errors_in: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    gpus = [s.device for s in placement.gpu_shares]
    hosts = [s.device for s in placement.shares if s.role != "gpu" and s.layers_share > 0]
    w1, e1 = _device_warnings(gpus, workload)
    w2, e2 = _device_warnings(hosts, workload)
    warnings = [*warnings_in, *w1, *w2]
    errors = [*errors_in, *e1, *e2]
    for s in placement.shares:
        warnings.extend(w for w in s.runtime.warnings if w not in warnings)
        errors.extend(e for e in s.runtime.errors if e not in errors)
    return warnings, errors


def estimate_placement(
    placement: Placement,
    workload: Workload,
    warnings_in: tuple[str, ...] = (),
    errors_in: tuple[str, ...] = (),
    limits: bool = True,
) -> Estimate:
    """Estimate for a given layout (e.g. the solver's layer counts per card), with the layout's notes.

    limits=False skips the batching limits (max_batch 0, compute_bound_batch None): they are half the work,
    and `planner fit`, which makes thousands of estimates, does not show them.
    """
    check_quant_backend(workload.quant, workload.backend)
    rows = memory_rows(placement, workload, workload.context_tokens, workload.batch)
    ok = fits(rows)
    shortfall = sum(max(0.0, -r.free_gb) for r in rows)
    tiers = tiers_of(placement)
    tier = weakest(tiers.values())
    context = decode_context(workload)
    dec_terms, bound = step_terms(placement, workload, context, 1)
    dec, dec_low = _timed(dec_terms, tiers, "decode")
    first, first_low = _timed(
        step_terms(placement, workload, workload.depth + workload.prompt + 1)[0], tiers, "decode"
    )
    pre, pre_low = _timed(prefill_terms(placement, workload), tiers, "prompt")
    batch_terms, batch_bound = step_terms(placement, workload, context, workload.batch)
    bat, bat_low = _timed(batch_terms, tiers, "decode")
    if workload.batch > 1:
        bound = batch_bound
    prompt = workload.prompt if workload.prompt > 0 and pre > 0 else 0
    warnings, errors = _notes(placement, workload, warnings_in, errors_in)
    short, derivation = assumptions(placement, workload, tiers)
    if not ok:
        warnings.append(f"does not fit: {shortfall:.1f} GB short")
    if tier == "prior":
        warnings.append(
            "no measured run backs this hardware and runtime: the figures rest on priors "
            f"(conservative = {band('decode', 'prior')['low']:.0%} of likely for decode)"
        )
    return Estimate(
        fits=ok,
        runnable=not errors,
        memory=tuple(rows),
        shortfall_gb=shortfall,
        decode_tokens_per_s=1 / dec,
        prefill_tokens_per_s=prompt / pre if prompt else None,
        ttft_s=pre + first,
        batch_tokens_per_s=workload.batch / bat,
        max_batch=max_batch(placement, workload) if limits else 0,
        max_context=max_context(placement, workload),
        compute_bound_batch=compute_bound_batch(placement, workload) if limits else None,
        bound=bound,
        split=placement.mode,
        offload=placement.offload,
        backend=workload.backend,
        runtimes=tuple(s.runtime.key for s in placement.shares),
        assumptions=tuple(short),
        derivation=tuple(derivation),
        uncertainty=_uncertainty(tier),
        warnings=tuple(warnings),
        errors=tuple(errors),
        decode_conservative=1 / dec_low,
        prefill_conservative=prompt / pre_low if prompt else None,
        batch_conservative=workload.batch / bat_low,
        ttft_conservative_s=pre_low + first_low,
        evidence=tier,
        evidence_by_device=tuple(
            (placement.shares[i].device.name, placement.shares[i].runtime.key, t) for i, t in tiers.items()
        ),
    )
