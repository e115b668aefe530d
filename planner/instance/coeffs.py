"""Per-part workload coefficients for the solver, taken from the throughput model by exploiting linearity.

Layer split is linear in the layers each device holds: memory = fixed + k x per-layer, time = k x
per-layer. We evaluate the throughput model at one and two layers and read both terms off, so the
solver optimises the very physics the report later shows.

This is the one place that decides which edge of the throughput band the solver sees: the request's
`workload.estimate` (conservative by default, carried as the perf workload's `edge`) scales each
device's time by the inverse low edge of its own evidence tier's band, exactly as perf's conservative
value does, so the checker (which recomputes the estimate at the same edge) and the solver agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, NamedTuple

from planner import perf
from planner.perf.decode import decode_context, share_step
from planner.perf.evidence import Kind, band, conservative_seconds, device_tier
from planner.perf.placement import Placement, Share, memory_rows
from planner.perf.power_limit import limited
from planner.perf.prefill import share_prefill_terms
from planner.perf.runtime import LLAMA_LIKE, choose_runtime
from planner.perf.terms import Term, total
from planner.schema import Cpu, Gpu
from planner.schema.request import Workload as RequestWorkload

GB = 1e9
NS = 1e9
Edge = Literal["likely", "conservative"]


@dataclass(frozen=True)
class LayerCoeff:
    """What one card (all its chips) or one CPU platform does per transformer layer it holds; hop_ns is
    one layer-split boundary per decoded token at the card's own link (the model's hop terms are
    HopCoeff's, over the link the card gets)."""

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
        edge=req.estimate,
    )


def edge_of(wl: perf.Workload) -> Edge:
    """The edge of the throughput band the request's objectives and targets use."""
    return "likely" if wl.edge == "likely" else "conservative"


def edge_factor(device: perf.Device, runtime_key: str, kind: Kind, edge: Edge) -> float:
    """Multiplier on a device's seconds at this edge: 1 for likely, 1 / band low for conservative."""
    if edge == "likely":
        return 1.0
    return 1 / float(band(kind, device_tier(device, runtime_key))["low"])


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
    s = _share(device, wl, 1, role).shares[0]
    edge = edge_of(wl)
    dctx = decode_context(wl)
    k_dec = edge_factor(device, rc.key, "decode", edge)
    dec = total(share_step(s, 0, wl, dctx, 1, "single")[0]) * k_dec
    bat = total(share_step(s, 0, wl, dctx, batch, "single")[0]) * k_dec
    pre = 0.0
    if wl.prompt > 0:
        _, ubatches, _ = perf.prefill.batching(wl)
        terms = share_prefill_terms(s, 0, wl, "single", s, ubatches, s.layers_share)
        pre = total(terms) * edge_factor(device, rc.key, "prompt", edge)
    return cap, dec, pre, bat, ""


def gpu_chips(gpu: Gpu, power_share: float = 1.0) -> list[perf.Device]:
    """The card's GPU chips as the throughput model sees them, at a power limit (share of default)."""
    return [limited(d, power_share) for d in perf.device_from_gpu(gpu)]


def gpu_coeff(gpu: Gpu, wl: perf.Workload, power_share: float = 1.0, memo: Memo | None = None) -> LayerCoeff:
    """Coefficients of one card: its chips' layers add up, each chip runs its own layers."""
    chips = gpu_chips(gpu, power_share)
    cap, dec, pre, bat, problem = _per_layer(chips[0], wl)
    hop = 0
    if not problem:
        h = hop_coeff(gpu, wl, power_share, memo)
        hop = h.decode + h.decode_per_inv * inv_bandwidth(perf.pcie_gbs(chips[0])) // INV_SCALE
    return LayerCoeff(cap * len(chips), round(dec * NS), round(pre * NS), round(bat * NS), hop, problem)


def cpu_coeff(
    cpu: Cpu,
    sockets: int,
    ram_gb: float,
    wl: perf.Workload,
    channels: int | None = None,
    speed_mts: int | None = None,
) -> LayerCoeff:
    """Coefficients of a CPU with its RAM (the channels it fills, at its speed), for layers kept in it."""
    device = perf.device_from_cpu(cpu, ram_gb, sockets, channels, speed_mts)
    cap, dec, pre, bat, problem = _per_layer(device, wl, role="host-layers")
    return LayerCoeff(cap, round(dec * NS), round(pre * NS), round(bat * NS), 0, problem)


# Inverse link bandwidth: femtoseconds per byte (1e6 / GB/s) for layer-split hops, attoseconds per byte
# (1e9 / GB/s) for tensor-parallel all-reduces, whose hundreds of MB per prompt make a femtosecond per
# byte worth 100 ns. Tensor time coefficients per attosecond/byte are kept x1e12 (INV_SCALE) as integers;
# the model picks its own scale for each constraint (planner/model/links.py).
FS_PER_BYTE = 1e6
AS_PER_BYTE = 1e9
INV_SCALE = 10**12
NO_BRIDGE = 10**15


def inv_bandwidth(gbs: float, per_byte: float = FS_PER_BYTE) -> int:
    """A link's inverse bandwidth (fs or as per byte), rounded up: the model never overstates a link."""
    return math.ceil(per_byte / gbs)


class TensorCoeff(NamedTuple):
    """Times in ns of N cards in tensor parallel (decode, prefill, batch step) as the throughput model's
    linear function of the link: base + per_inv x the slowest link's as/byte / INV_SCALE, plus the chipset's
    extra latency, or the time over an NVLink bridge (NO_BRIDGE when none fits). Lower is better in every
    field, which is how dominance pruning compares them."""

    decode: int
    prefill: int
    batch: int
    decode_per_inv: int
    prefill_per_inv: int
    batch_per_inv: int
    decode_chipset: int
    prefill_chipset: int
    batch_chipset: int
    decode_nvlink: int
    prefill_nvlink: int
    batch_nvlink: int


def _timed(terms: list[Term], placement: Placement, kind: Kind, edge: Edge) -> float:
    if edge == "likely":
        return total(terms)
    return conservative_seconds(terms, perf.tiers_of(placement), kind)


def layout_times(
    devices: list[perf.Device], wl: perf.Workload, mode: str = "tensor"
) -> tuple[float, float, float]:
    """(decode, prefill, batch-step) seconds of these devices in a layer or tensor split, over the links
    they carry, at the request's edge of the band: the one place the solver's link terms (tensor
    all-reduces, layer-split hops) are read off the throughput model."""
    edge = edge_of(wl)
    rcs = [(d, choose_runtime(d, wl.backend, wl.runtime)) for d in devices]
    placement = perf.placement.place(rcs, wl, mode, "none", None)
    dctx = decode_context(wl)
    dec = _timed(perf.step_terms(placement, wl, dctx, 1)[0], placement, "decode", edge)
    pre = _timed(perf.prefill_terms(placement, wl), placement, "prompt", edge) if wl.prompt else 0.0
    # A batch of one is the decode step itself (most requests): not worked out twice.
    bat = dec if wl.batch == 1 else _timed(perf.step_terms(placement, wl, dctx, wl.batch)[0], placement, "decode", edge)
    return dec, pre, bat


def _over_link(
    fast: tuple[float, ...], slow: tuple[float, ...], fast_gbs: float, slow_gbs: float, unit: float
) -> tuple[list[float], list[float]]:
    """Times as base + per_inv x inverse bandwidth (in `unit` per byte), from two links: the throughput
    model is linear in the inverse bandwidth of the slowest link."""
    d_inv = unit / slow_gbs - unit / fast_gbs
    per_inv = [(b - a) / d_inv for a, b in zip(fast, slow, strict=True)]  # seconds per unit/byte
    return [a - k * unit / fast_gbs for a, k in zip(fast, per_inv, strict=True)], per_inv


class HopCoeff(NamedTuple):
    """One more chip in a layer split, ns: a fixed part (decode token, whole prompt, batch step) and a
    part per fs/byte of the slowest link's inverse bandwidth (x INV_SCALE)."""

    decode: int
    prefill: int
    batch: int
    decode_per_inv: int
    prefill_per_inv: int
    batch_per_inv: int


# Hops already worked out in one resolve, by (card, power share, runtime): a card's own coefficients and
# its dearest hop over runtimes both need them (the workload is otherwise the same within a resolve).
Memo = dict[tuple[str, float, str | None], "HopCoeff"]


def hop_coeff(gpu: Gpu, wl: perf.Workload, power_share: float = 1.0, memo: Memo | None = None) -> HopCoeff:
    """What the throughput model charges for one more chip of this kind in a layer split, at the request's
    edge: three equal shares minus two, at the card's own link and a narrow one."""
    key = (gpu.id, power_share, wl.runtime)
    if memo is not None and key in memo:
        return memo[key]
    chip = gpu_chips(gpu, power_share)[0]
    narrow = perf.with_link(chip, min(3, gpu.pcie_gen), 1, None)

    def hop(d: perf.Device) -> tuple[float, ...]:
        three, two = layout_times([d] * 3, wl, "layer"), layout_times([d] * 2, wl, "layer")
        return tuple(a - b for a, b in zip(three, two, strict=True))

    base, per_inv = _over_link(hop(chip), hop(narrow), perf.pcie_gbs(chip), perf.pcie_gbs(narrow), FS_PER_BYTE)
    out = HopCoeff(*(math.ceil(x * NS) for x in base), *(math.ceil(k * NS * INV_SCALE) for k in per_inv))
    if memo is not None:
        memo[key] = out
    return out


def tensor_coeffs(
    gpu: Gpu, wl: perf.Workload, max_cards: int, nvlink_gbs: float | None = None, power_share: float = 1.0
) -> dict[int, TensorCoeff]:
    """For each card count N that can run tensor parallel and fits, its times as a function of the link.

    The link terms are read off the throughput model (two bandwidths, a chipset slot, a bridge) rather than
    re-derived, so the solver optimises the same physics the checker recomputes.
    """
    out: dict[int, TensorCoeff] = {}
    chips = gpu_chips(gpu, power_share)
    own = perf.pcie_gbs(chips[0])
    narrow_gen = min(3, gpu.pcie_gen)
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
        fast = layout_times(devices, wl)
        narrow = [perf.with_link(d, narrow_gen, 1, None) for d in devices]
        base, per_inv = _over_link(fast, layout_times(narrow, wl), own, perf.pcie_gbs(narrow[0]), AS_PER_BYTE)
        chipset = layout_times([perf.with_link(d, None, None, "chipset") for d in devices], wl)
        bridged = (
            layout_times([perf.with_link(d, None, None, None, nvlink_gbs) for d in devices], wl)
            if nvlink_gbs and n * len(chips) == 2
            else None
        )
        out[n] = TensorCoeff(
            *(round(x * NS) for x in base),
            *(math.ceil(k * NS * INV_SCALE) for k in per_inv),
            *(math.ceil((c - a) * NS) for a, c in zip(fast, chipset, strict=True)),
            *((math.ceil(x * NS) for x in bridged) if bridged else (NO_BRIDGE,) * 3),
        )
    return out


class ExpertsCoeff(NamedTuple):
    """One side of an experts-in-RAM build (llama.cpp -ot exps=CPU), in ns per decoded token and per batch
    step: a card holding every layer's dense part (attention, shared experts, router, norms) and the KV
    cache, with the round trips to the host charged to it, or a host holding every routed expert.
    `problem` says why this side cannot take part (it does not fit, or runs no runtime)."""

    decode_ns: int
    batch_ns: int
    problem: str = ""


def experts_placement(gpu: perf.Device, host: perf.Device, wl: perf.Workload) -> Placement:
    """One card with every layer's dense part and the KV cache, the routed experts in the host's RAM: the
    placement the throughput model makes of `-ngl 99 -ot exps=CPU`."""
    host_backend = wl.backend if wl.backend in LLAMA_LIKE else "llama.cpp"
    rcs = [(gpu, choose_runtime(gpu, wl.backend, wl.runtime))]
    return perf.placement.place(rcs, wl, "layer", "experts", (host, choose_runtime(host, host_backend)))


def _experts_side(gpu: perf.Device, host: perf.Device, wl: perf.Workload, side: str) -> ExpertsCoeff:
    """The card's side (its share and the layout's round trips) or the host's side of the placement:
    decode is separable in the two, so the solver adds one card's figure and one platform's."""
    placement = experts_placement(gpu, host, wl)
    rows = memory_rows(placement, wl, wl.context_tokens, wl.batch)
    index = 0 if side == "gpu" else 1
    errors = placement.shares[index].runtime.errors
    if errors:
        return ExpertsCoeff(0, 0, "; ".join(errors))
    if rows[index].free_gb < 0:
        return ExpertsCoeff(0, 0, f"{rows[index].device}: {-rows[index].free_gb:.1f} GB short")
    keep = {0, -1} if side == "gpu" else {1}
    edge = edge_of(wl)
    dctx = decode_context(wl)

    def seconds(tokens: int) -> float:
        terms = [t for t in perf.step_terms(placement, wl, dctx, tokens)[0] if t.share in keep]
        return _timed(terms, placement, "decode", edge)

    return ExpertsCoeff(math.ceil(seconds(1) * NS), math.ceil(seconds(wl.batch) * NS))


def experts_card_coeff(
    gpu: Gpu, wl: perf.Workload, host: perf.Device, power_share: float = 1.0
) -> ExpertsCoeff:
    """A single-chip card holding the dense part of every layer beside any host (`host` only completes the
    placement: the card's figures do not depend on it)."""
    chips = gpu_chips(gpu, power_share)
    if len(chips) > 1:
        return ExpertsCoeff(0, 0, "a dual-GPU card splits the dense layers over its chips")
    return _experts_side(chips[0], host, replace(wl, offload="experts"), "gpu")


def experts_host_coeff(
    cpu: Cpu,
    sockets: int,
    ram_gb: float,
    wl: perf.Workload,
    gpu: Gpu,
    channels: int | None = None,
    speed_mts: int | None = None,
) -> ExpertsCoeff:
    """A CPU with `ram_gb` of RAM (the channels it fills, at its speed) holding every routed expert
    (`gpu` only completes the placement)."""
    host = perf.device_from_cpu(cpu, ram_gb, sockets, channels, speed_mts)
    return _experts_side(gpu_chips(gpu)[0], host, replace(wl, offload="experts"), "host")
