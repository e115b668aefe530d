"""Checks of the workload: the model fits each device at the layers placed, and meets the speed asked.

Speeds are compared at the edge the request asks for (workload.estimate, conservative by default),
recomputed by the throughput model exactly as planner/instance/coeffs.py hands it to the solver.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from planner import perf
from planner.check.context import Ctx, Violation
from planner.check.links import card_devices
from planner.check.stack import gpu_runtime
from planner.instance.coeffs import edge_of, perf_workload
from planner.perf.placement import Placement, Share
from planner.perf.runtime import LLAMA_LIKE, choose_runtime
from planner.schema.request import Request
from planner.schema.result import Throughput

V = Violation


def host_device(ctx: Ctx) -> perf.Device:
    """The build's CPUs with the channels its board wires and its DIMMs fill, at the DIMMs' speed."""
    assert ctx.cpu is not None
    sockets = ctx.build.cpu_count
    channels = speed = None
    if ctx.board is not None and ctx.dimm is not None and ctx.build.memory is not None:
        channels = perf.populated_channels(ctx.board.memory_channels, ctx.cpu, sockets, ctx.build.memory.count)
        speed = int(ctx.dimm.speed_mts)
    return perf.device_from_cpu(ctx.cpu, ctx.ram_gb or 1.0, sockets, channels, speed)


def placement_for(
    ctx: Ctx, wl: perf.Workload
) -> tuple[Placement | None, list[perf.Device], perf.Device | None]:
    """The explicit layer placement of a solved build, or None when the build leaves it to the runtime."""
    host = None
    if ctx.system is not None:
        return None, [perf.device_from_system(ctx.system, ctx.system_gpu_memory_gb)], None
    if ctx.cpu is not None:
        host = host_device(ctx)
    chips: list[tuple[perf.Device, float | None]] = []
    for card, devices in zip(ctx.cards, card_devices(ctx), strict=True):
        for d in devices:
            chips.append((d, None if card.layers is None else card.layers / len(devices)))
    devices = [d for d, _ in chips]
    layers = wl.model.layers
    if ctx.build.split == "tensor" or any(f is None for _, f in chips) or (not chips and host is None):
        return None, devices, host
    if ctx.build.offload == "experts":
        return _experts_placement(chips, host, wl), devices, host
    shares = []
    gpu_chips = [(d, f) for d, f in chips if f]
    for k, (d, f) in enumerate(gpu_chips):
        rc = choose_runtime(d, wl.backend, wl.runtime)
        share = f / layers  # type: ignore[operator]
        emb = k == 0 and wl.backend != "llama.cpp"
        shares.append(Share(d, rc, share, share, share, embeddings=emb, last=k == len(gpu_chips) - 1))
    if host is not None and (ctx.build.cpu_layers or not gpu_chips):
        share = ctx.build.cpu_layers / layers if gpu_chips else 1.0
        shares.append(
            Share(
                host,
                choose_runtime(host, "llama.cpp"),
                share,
                share,
                share,
                embeddings=wl.backend == "llama.cpp",
                last=not gpu_chips,
                role="host-layers",
            )
        )
    mode = "layer" if len(gpu_chips) > 1 else "single"
    return (
        Placement(mode, "layers" if gpu_chips and ctx.build.cpu_layers else "none", tuple(shares)),
        devices,
        host,
    )


def _experts_placement(
    chips: list[tuple[perf.Device, float | None]], host: perf.Device | None, wl: perf.Workload
) -> Placement | None:
    """The cards hold their layers' dense parts and KV cache, the host every routed expert (-ot exps=CPU);
    None (the runtime's own layout, which reports the missing host) when there is no CPU or card."""
    if host is None or not chips:
        return None
    on_host = wl.host_expert_share
    shares = []
    for k, (d, f) in enumerate(chips):
        part = (f or 0) / wl.model.layers
        rc = choose_runtime(d, wl.backend, wl.runtime)
        shares.append(Share(d, rc, part, part * (1 - on_host), part, last=k == len(chips) - 1))
    llama = wl.backend in LLAMA_LIKE
    hrc = choose_runtime(host, wl.backend if llama else "llama.cpp")
    shares.append(Share(host, hrc, 0.0, on_host, 0.0, embeddings=llama, role="host-experts"))
    return Placement("layer" if len(chips) > 1 else "single", "experts", tuple(shares))


def build_workload(ctx: Ctx) -> perf.Workload | None:
    """The request's workload as the throughput model takes it, split as the build is."""
    req = ctx.request.workload
    if req is None:
        return None
    wl = perf_workload(req, ctx.catalog)
    runtime = gpu_runtime(ctx)
    if runtime is not None:
        wl = replace(wl, runtime=runtime)  # the throughput of the build's one runtime
    if ctx.build.split == "tensor":
        wl = perf.Workload(**{**wl.__dict__, "split": "tensor"})
    if ctx.build.offload == "experts":
        wl = replace(wl, offload="experts")  # the runtime's own layout, where cards carry no layer counts
    return wl


def estimate_for(ctx: Ctx, wl: perf.Workload) -> perf.Estimate:
    """The throughput model's estimate of a workload at the build's own placement."""
    placement, devices, host = placement_for(ctx, wl)
    if placement is None:
        if not devices and host is not None:
            return perf.estimate([], wl, host)
        offload = ctx.request.workload is not None and ctx.request.workload.offload and host is not None
        if not offload and ctx.build.offload != "experts":
            # `offload: true` allows layers in system RAM, it does not require them: a whole system has
            # no separate host to offload to and qualifies whenever the model fits it.
            wl = replace(wl, offload="none")
        return perf.estimate(devices, wl, host if offload else None)
    return perf.estimate_placement(placement, wl)


def estimate_build(ctx: Ctx) -> perf.Estimate | None:
    """The throughput model's estimate for the build's workload, at the build's own placement."""
    wl = build_workload(ctx)
    return None if wl is None else estimate_for(ctx, wl)


def check_workload(ctx: Ctx) -> list[Violation]:
    """The model fits at the context and batch, runs on the chosen runtime, and meets the speeds asked."""
    req = ctx.request.require
    est = estimate_build(ctx)
    if est is None:
        return []
    out = []
    layers = ctx.request.workload.model if ctx.request.workload else ""
    placed = sum(c.layers or 0 for c in ctx.cards) + ctx.build.cpu_layers
    model_layers = ctx.catalog.entries[layers].layers if layers else 0  # type: ignore[union-attr]
    explicit = (
        all(c.layers is not None for c in ctx.cards) and ctx.build.split == "layer" and ctx.system is None
    )
    if ctx.request.model_must_fit() and explicit and ctx.cards and placed != model_layers:
        out.append(V("model fits memory", f"{placed} of {model_layers} layers placed"))
    if ctx.request.model_must_fit() and not est.fits:
        out.append(
            V("model fits memory", f"{est.shortfall_gb:.1f} GB short at the requested context and batch")
        )
    if est.errors:
        out.append(V("runtime", "; ".join(est.errors)))
    out += _experts_rules(ctx)
    wl = build_workload(ctx)
    edge = edge_of(wl) if wl is not None else "conservative"
    checks = (
        ("min_decode", est.speed("decode", edge), req.min_decode_tokens_per_s),
        ("min_prefill", est.speed("prefill", edge), req.min_prefill_tokens_per_s),
        ("min_batch", est.speed("batch", edge), req.min_batch_tokens_per_s),
    )
    for name, have, need in checks:
        if need and (have is None or have < need * (1 - 1e-6)):
            out.append(
                V(name, f"{have or 0:.1f} tokens/s ({edge}, {est.evidence} evidence); at least {need:g}")
            )
    return out


def _experts_rules(ctx: Ctx) -> list[Violation]:
    """Routed experts in system RAM need an MoE model, a request that allows offload, and no whole layers
    in RAM beside them."""
    wl = ctx.request.workload
    if ctx.build.offload != "experts" or wl is None:
        return []
    out = []
    if not wl.offload:
        out.append(V("offload", "the routed experts sit in system RAM; the request does not allow offload"))
    model = ctx.catalog.entries.get(wl.model)
    if model is not None and getattr(model, "moe", None) is None:
        out.append(V("offload", f"{wl.model} has no routed experts to keep in system RAM (offload: layers)"))
    if ctx.build.cpu_layers:
        out.append(V("offload", "whole layers and the routed experts both in system RAM: give one of them"))
    return out


def build_speeds(est: perf.Estimate, request: Request) -> tuple[float | None, float | None, float | None]:
    """(decode, prefill, batch) tokens/s at the edge the request's objectives use."""
    wl = request.workload
    edge: Literal["likely", "conservative"] = (
        "likely" if wl is not None and wl.estimate == "likely" else "conservative"
    )
    return est.speed("decode", edge), est.speed("prefill", edge), est.speed("batch", edge)


SPEEDS = tuple(
    f"{name}{edge}"
    for name in ("decode_tokens_per_s", "prefill_tokens_per_s", "batch_tokens_per_s", "ttft_s")
    for edge in ("", "_conservative")
)


def throughput_result(est: perf.Estimate | None) -> Throughput | None:
    """The estimate as the typed result shows it: no speeds headlined for a model that does not fit."""
    if est is None:
        return None
    data = est.to_json()
    if not est.fits:
        for key in SPEEDS:
            if key in data:
                data[key] = None
    return Throughput.model_validate(data)
