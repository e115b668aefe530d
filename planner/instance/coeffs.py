"""Per-part workload coefficients for the solver, taken from the throughput model by exploiting linearity.

Layer split is linear in the layers each device holds: memory = fixed + k x per-layer, time = k x
per-layer. We evaluate the throughput model at one and two layers and read both terms off, so the
solver optimises the very physics the report later shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner import perf
from planner.perf.placement import Placement, Share, memory_rows
from planner.perf.runtime import choose_runtime
from planner.schema import Cpu, Gpu
from planner.schema.request import Workload as RequestWorkload

GB = 1e9
NS = 1e9


@dataclass(frozen=True)
class LayerCoeff:
    """What one card (all its chips) or one CPU platform does per transformer layer it holds."""

    cap_layers: int
    decode_ns: int
    prefill_ns: int
    batch_ns: int
    hop_ns: int
    problem: str = ""


def perf_workload(req: RequestWorkload, catalog: object) -> perf.Workload:
    """The throughput model's workload for a request's workload block."""
    model = catalog.get(req.model, "llm")  # type: ignore[attr-defined]
    quants = {q.id: q for q in catalog.of_kind("quant")}  # type: ignore[attr-defined]
    quant = perf.resolve_quant(req.quant, quants)
    return perf.Workload(
        model=model,
        quant=quant,
        prompt=req.prompt,
        generate=req.generate,
        batch=req.batch,
        context=req.context,
        backend=req.backend,
        split=req.split,
        offload="layers" if req.offload else "none",
    )


def _share(device: perf.Device, wl: perf.Workload, layers: int, role: str = "gpu") -> Placement:
    rc = choose_runtime(
        device, wl.backend if role == "gpu" else "llama.cpp", wl.runtime if role == "gpu" else None
    )
    f = layers / wl.model.layers
    share = Share(device, rc, f, f, f, last=True, role=role)
    return Placement("single", "none", (share,))


def _per_layer(
    device: perf.Device, wl: perf.Workload, role: str = "gpu"
) -> tuple[int, float, float, float, str]:
    """(layers that fit, decode s, prefill s, batch-step s) per layer on one device, and any problem."""
    rc = choose_runtime(
        device, wl.backend if role == "gpu" else "llama.cpp", wl.runtime if role == "gpu" else None
    )
    if rc.errors:
        return 0, 0.0, 0.0, 0.0, "; ".join(rc.errors)
    ctx, batch = wl.context_tokens, wl.batch
    one = memory_rows(_share(device, wl, 1, role), wl, ctx, batch)[0]
    two = memory_rows(_share(device, wl, 2, role), wl, ctx, batch)[0]
    per_layer = two.total_gb - one.total_gb
    fixed = one.total_gb - per_layer
    room = one.capacity_gb - one.margin_gb - fixed
    cap = max(0, math.floor(room / per_layer)) if per_layer > 0 else wl.model.layers
    place = _share(device, wl, 1, role)
    s = place.shares[0]
    dctx = perf.decode.decode_context(wl)
    dec = max(perf.decode.share_step_s(s, wl, dctx, 1, s.layers_share))
    pre = perf.prefill_seconds(place, wl) if wl.prompt > 0 else 0.0
    bat = max(perf.decode.share_step_s(s, wl, dctx, batch, s.layers_share))
    return cap, dec, pre, bat, ""


def gpu_coeff(gpu: Gpu, wl: perf.Workload) -> LayerCoeff:
    """Coefficients of one card: its chips' layers add up, each chip runs its own layers."""
    chips = perf.device_from_gpu(gpu)
    cap, dec, pre, bat, problem = _per_layer(chips[0], wl)
    hop = perf.links.hop_s(chips[:1], wl.model.hidden_size, 1) if not problem else 0.0
    return LayerCoeff(
        cap * len(chips), round(dec * NS), round(pre * NS), round(bat * NS), round(hop * NS), problem
    )


def cpu_coeff(cpu: Cpu, sockets: int, ram_gb: float, wl: perf.Workload) -> LayerCoeff:
    """Coefficients of a CPU with its RAM, for layers kept in system memory."""
    device = perf.device_from_cpu(cpu, ram_gb, sockets)
    cap, dec, pre, bat, problem = _per_layer(device, wl, role="host-layers")
    return LayerCoeff(cap, round(dec * NS), round(pre * NS), round(bat * NS), 0, problem)


def tensor_coeffs(gpu: Gpu, wl: perf.Workload, max_cards: int) -> dict[int, tuple[int, int, int]]:
    """For each card count N that can run tensor parallel and fits: (decode, prefill, batch-step) ns."""
    out: dict[int, tuple[int, int, int]] = {}
    chips = perf.device_from_gpu(gpu)
    for n in range(2, max_cards + 1):
        devices = chips * n
        if perf.tensor_split_problem(wl, len(devices)):
            continue
        rcs = [(d, choose_runtime(d, wl.backend, wl.runtime)) for d in devices]
        if any(rc.errors for _, rc in rcs):
            break
        placement = perf.placement.place(rcs, wl, "tensor", "none", None)
        rows = memory_rows(placement, wl, wl.context_tokens, wl.batch)
        if not perf.placement.fits(rows):
            continue
        dctx = perf.decode.decode_context(wl)
        dec = perf.step_seconds(placement, wl, dctx, 1)[0]
        pre = perf.prefill_seconds(placement, wl) / max(1, wl.prompt) * wl.prompt if wl.prompt else 0.0
        bat = perf.step_seconds(placement, wl, dctx, wl.batch)[0]
        out[n] = (round(dec * NS), round(pre * NS), round(bat * NS))
    return out
