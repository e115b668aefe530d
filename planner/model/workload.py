"""The workload in the model: layers placed on cards and in system RAM (or the routed experts in RAM), fit,
and throughput times."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from planner import perf
from planner.instance.coeffs import (
    ExpertsCoeff,
    LayerCoeff,
    experts_card_coeff,
    experts_host_coeff,
    tensor_coeffs,
)
from planner.instance.resolve import bridge_gbs, host_coeff, host_memory
from planner.model.core import BuildModel
from planner.model.links import bridge_pairs, layer_hops, tensor_link

TIME_KEYS = ("decode", "prefill", "batch")


def model_fits_memory(bm: BuildModel, split: str) -> None:
    """Every layer sits on a card or (with offload, or on a CPU-only build) in system RAM.

    Layer split: a card holds as many layers as its memory takes at the context and batch; time per
    token is the sum of each holder's layers times its per-layer time. Tensor split: N identical
    cards that divide the heads, with times from the throughput model.
    """
    inst, m, g = bm.inst, bm.m, bm.gpus
    req = inst.request
    assert req.workload is not None
    wl = inst.workload
    bm.workload = wl
    layers = wl.model.layers
    times: dict[str, list[Any]] = {k: [] for k in TIME_KEYS}
    placed: list[Any] = []
    no_gpu = m.NewBoolVar("cpu_only")
    m.Add(bm.gpu_count == 0).OnlyEnforceIf(no_gpu)
    m.Add(bm.gpu_count >= 1).OnlyEnforceIf(no_gpu.Not())
    bm.coeff = {}
    if split == "tensor":
        _tensor(bm, wl, times, placed)
    elif split == "experts":
        _experts(bm, wl, times, placed)
    else:
        bm.layers = []
        for i, opt in enumerate(inst.gpus):
            c = inst.coeff[opt.key]
            bm.coeff[opt.key] = c
            v = m.NewIntVar(0, layers, f"layers[{opt.key}]")
            bm.layers.append(v)
            placed.append(v)
            per_runtime = inst.rt_coeff.get(opt.key) if bm.runtime else None
            if per_runtime:
                _runtime_layers(bm, i, v, per_runtime, times)
                continue
            m.Add(v <= c.cap_layers * g.n[i])
            if c.problem:
                m.Add(g.n[i] == 0)
            _add_times(times, v, c)
        layer_hops(bm, wl, times)
    cpu_layers = m.NewIntVar(0, layers, "layers[cpu]")
    bm.cpu_layers = cpu_layers
    placed.append(cpu_layers)
    if not req.workload.offload or split == "tensor":
        m.Add(cpu_layers <= layers * no_gpu)
    if split == "experts":
        m.Add(cpu_layers == 0)  # system RAM holds the routed experts, not whole layers
    elif req.workload.offload or req.require.min_gpus == 0:
        _cpu_layers(bm, wl, cpu_layers, times)
    else:
        m.Add(cpu_layers == 0)
    if req.model_must_fit():
        bm.enforce("model_fits", [m.Add(sum(placed) == layers)], measure="fit")
    else:
        m.Add(sum(placed) <= layers)
    for key in TIME_KEYS:
        t = m.NewIntVar(0, 10**14, f"time_{key}_ns")
        m.Add(t == sum(times[key]))
        bm.exprs[f"time_{key}"] = t
    _throughput_requirements(bm)


def _cpu_layers(bm: BuildModel, wl: object, cpu_layers: object, times: dict[str, list]) -> None:
    """Layers in system RAM, per platform and memory speed class so that time stays linear (no big-M).

    A class is the memory options that fill the same channels at the same speed (with every channel
    populated, one per DIMM speed): its time per layer follows those, not how much RAM is fitted. Its
    share is zero unless one of its options is chosen, and at most what that option's DIMMs hold.
    """
    inst, m = bm.inst, bm.m
    layers = wl.model.layers  # type: ignore[attr-defined]
    parts = []
    for p, plat in enumerate(inst.platforms):
        classes: dict[tuple[int, int], tuple[Any, list[Any]]] = {}
        for o, mv in zip(inst.memory[p], bm.mem[p], strict=True):
            c = host_coeff(inst.host, plat, o, wl)
            bm.coeff[f"cpu:{p}:{o.dimm.id}x{o.count}"] = c
            if not c.problem:
                coeff, caps = classes.setdefault(host_memory(plat, o), (c, []))
                caps.append(mv * min(layers, c.cap_layers))
        for (channels, speed), (coeff, caps) in sorted(classes.items()):
            v = m.NewIntVar(0, layers, f"layers[cpu:{plat.label}:{channels}ch@{speed}]")
            m.Add(v <= sum(caps))
            parts.append(v)
            _add_times(times, v, coeff)
    m.Add(cpu_layers == sum(parts))


def _experts(bm: BuildModel, wl: Any, times: dict[str, list[Any]], placed: list[Any]) -> None:
    """Experts in system RAM (llama.cpp -ngl 99 -ot exps=CPU): one single-chip card holds every layer's
    dense part and the KV cache, the chosen platform's RAM every routed expert.

    Decode and batch steps are separable in the card and the host, so time = the card's figure (on the
    build's runtime) + the platform's figure with its memory option, each a 0/1 choice: linear, no big-M.
    The search is kept to one card: the build builders buy, and a small model (benchmarks/solve.py).
    """
    inst, m, g = bm.inst, bm.m, bm.gpus
    layers = wl.model.layers
    m.Add(bm.gpu_count == 1)
    if not inst.gpus or not inst.platforms:
        return
    host_ref = perf.device_from_cpu(inst.platforms[0].cpu_entry, 1.0, inst.platforms[0].sockets)
    bm.layers = []
    for i, opt in enumerate(inst.gpus):
        v = m.NewIntVar(0, layers, f"layers[{opt.key}]")
        m.Add(v == layers * g.n[i])
        bm.layers.append(v)
        placed.append(v)
        share = opt.watts / opt.entry.tdp_w
        apis = sorted(inst.rt_coeff.get(opt.key) or {}) if bm.runtime else []
        for api in apis or [""]:
            c = experts_card_coeff(opt.entry, replace(wl, runtime=api) if api else wl, host_ref, share)
            on = g.n[i] if len(apis) <= 1 else _both(m, g.n[i], bm.runtime[api], f"{opt.key}@{api}")
            if c.problem:
                m.Add(on == 0)
            _add_experts_times(times, on, c)
    gpu_ref = inst.gpus[0].entry
    hosts = []
    for p, plat in enumerate(inst.platforms):
        for o, mv in zip(inst.memory[p], bm.mem[p], strict=True):
            channels, speed = host_memory(plat, o)
            key = (f"experts:{plat.cpu.id}", plat.sockets, o.gb, channels, speed)
            if key not in inst.host:
                inst.host[key] = experts_host_coeff(
                    plat.cpu_entry, plat.sockets, o.gb, wl, gpu_ref, channels, speed
                )
            c = inst.host[key]
            if c.problem:
                m.Add(mv == 0)
                continue
            hosts.append(mv)
            _add_experts_times(times, mv, c)
    bm.enforce("model_fits", [m.Add(sum(hosts) >= 1)], measure="fit")


def _both(m: Any, a: Any, b: Any, name: str) -> Any:
    """1 exactly when both 0/1 values are (the one card on one of its runtimes)."""
    y = m.NewBoolVar(f"both[{name}]")
    m.Add(y <= a)
    m.Add(y <= b)
    m.Add(y >= a + b - 1)
    return y


def _add_experts_times(times: dict[str, list[Any]], on: Any, c: ExpertsCoeff) -> None:
    times["decode"].append(on * c.decode_ns)
    times["batch"].append(on * c.batch_ns)


def _runtime_layers(
    bm: BuildModel, i: int, total: Any, per_runtime: dict[str, LayerCoeff], times: dict
) -> None:
    """A card's layers under the build's runtime: capacity and speed are those of that runtime."""
    m, g = bm.m, bm.gpus
    layers = bm.workload.model.layers
    opt = bm.inst.gpus[i]
    if len(per_runtime) == 1:
        ((api, c),) = per_runtime.items()
        m.Add(total <= c.cap_layers * g.n[i])
        if c.problem:
            m.Add(g.n[i] == 0)
        _add_times(times, total, c)
        return
    parts = []
    for api, c in sorted(per_runtime.items()):
        v = m.NewIntVar(0, layers, f"layers[{opt.id}@{api}]")
        m.Add(v <= c.cap_layers * g.n[i])
        m.Add(v <= layers * bm.runtime[api])
        if c.problem:
            m.Add(g.n[i] <= bm.max_gpus * (1 - bm.runtime[api]))
        parts.append(v)
        _add_times(times, v, c)
    m.Add(total == sum(parts))


def _add_times(times: dict[str, list[Any]], layers_var: Any, c: LayerCoeff) -> None:
    times["decode"].append(layers_var * c.decode_ns)
    times["prefill"].append(layers_var * c.prefill_ns)
    times["batch"].append(layers_var * c.batch_ns)


def _tensor(bm: BuildModel, wl: object, times: dict[str, list], placed: list) -> None:
    inst, m, g = bm.inst, bm.m, bm.gpus
    layers = wl.model.layers  # type: ignore[attr-defined]
    choice = []
    bm.tensor = {}
    for i, opt in enumerate(inst.gpus):
        options = inst.tensor.get(opt.key)
        if options is None:
            gbs = bridge_gbs(inst.bridges, opt.entry)
            share = opt.watts / opt.entry.tdp_w
            options = tensor_coeffs(opt.entry, wl, bm.max_gpus, gbs, share)  # type: ignore[arg-type]
        picks = []
        for n, c in options.items():
            y = m.NewBoolVar(f"tensor[{opt.key}x{n}]")
            bm.tensor[(i, n)] = y
            picks.append(y * n)
            choice.append(y)
            tensor_link(bm, i, n, y, c, times)
        m.Add(g.n[i] == sum(picks))
    m.Add(sum(choice) <= 1)
    bridge_pairs(bm)
    placed.append(layers * sum(choice))


def _scale(bm: BuildModel, key: str) -> int:
    """Tokens one timed unit covers: one decoded token, or the whole prompt for prefill."""
    wl = bm.inst.request.workload
    return wl.prompt if key == "prefill" and wl is not None else 1


def _throughput_requirements(bm: BuildModel) -> None:
    req = bm.inst.request.require
    m = bm.m
    for key, need in (("decode", req.min_decode_tokens_per_s), ("prefill", req.min_prefill_tokens_per_s)):
        if need:
            bm.enforce(
                f"min_{key}",
                [m.Add(bm.exprs[f"time_{key}"] <= int(1e9 * _scale(bm, key) / need))],
                measure=f"time_{key}",
                limit=need,
            )
    if req.min_batch_tokens_per_s:
        batch = bm.inst.request.workload.batch  # type: ignore[union-attr]
        need = req.min_batch_tokens_per_s
        bm.enforce(
            "min_batch",
            [m.Add(bm.exprs["time_batch"] <= int(1e9 * batch / need))],
            measure="time_batch",
            limit=need,
        )
