"""Where the weights and KV cache go: one device, layer split, tensor split, or spill to system RAM.

A Placement says, per device, what share of the dense weights, the routed experts and the KV cache it
holds; memory use and decode time are both computed from those shares.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from planner.perf.device import Device
from planner.perf.memory import (
    GB,
    compute_buffer_gb,
    kv_cache_bytes,
    margin_gb,
    runtime_overhead_gb,
    usable_capacity_gb,
    weight_split,
)
from planner.perf.runtime import RuntimeChoice
from planner.perf.workload import Workload


@dataclass(frozen=True)
class Share:
    """What one device holds: fractions of dense weights, experts, layers and KV cache."""

    device: Device
    runtime: RuntimeChoice
    dense: float
    experts: float
    kv: float
    embeddings: bool = False
    last: bool = False
    role: str = "gpu"  # gpu, host-layers, host-experts

    @property
    def layers_share(self) -> float:
        """Share of transformer blocks whose kernels this device launches."""
        return max(self.dense, self.experts)


@dataclass(frozen=True)
class MemoryRow:
    """Memory on one device for a given context and batch, GB."""

    device: str
    weights_gb: float
    kv_gb: float
    overhead_gb: float
    margin_gb: float
    capacity_gb: float

    @property
    def total_gb(self) -> float:
        return self.weights_gb + self.kv_gb + self.overhead_gb

    @property
    def free_gb(self) -> float:
        return self.capacity_gb - self.margin_gb - self.total_gb

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.device,
            "weights_gb": round(self.weights_gb, 2),
            "kv_gb": round(self.kv_gb, 2),
            "overhead_gb": round(self.overhead_gb, 2),
            "margin_gb": round(self.margin_gb, 2),
            "total_gb": round(self.total_gb, 2),
            "capacity_gb": round(self.capacity_gb, 2),
        }


@dataclass(frozen=True)
class Placement:
    """How a model is laid out over devices."""

    mode: str  # single, layer, tensor
    offload: str  # none, layers, experts
    shares: tuple[Share, ...]

    @property
    def gpu_shares(self) -> tuple[Share, ...]:
        return tuple(s for s in self.shares if s.role == "gpu")


def memory_rows(placement: Placement, workload: Workload, context: int, batch: int) -> list[MemoryRow]:
    """Per-device memory for `batch` streams of `context` tokens under this placement."""
    model, quant = workload.model, workload.quant
    split = weight_split(model, quant)
    kv_total = kv_cache_bytes(model, workload.kv_dtype, context) * batch
    sized = replace(workload, context=context, batch=batch)
    rows = []
    for s in placement.shares:
        weights = split.read(s.dense, s.experts)
        # A tied head already sits in the dense part on the cards; llama.cpp keeps a host copy too.
        if s.embeddings and (not split.tied or s.role != "gpu"):
            weights += split.embedding
        overhead = runtime_overhead_gb(s.device, s.runtime.runtime, workload.backend)
        if s.role == "gpu" or s.device.kind != "cpu":
            overhead += compute_buffer_gb(model, sized, s.last, s.kv)
        capacity = usable_capacity_gb(s.device, workload.backend)
        rows.append(
            MemoryRow(
                s.device.name,
                weights / GB,
                kv_total * s.kv / GB,
                overhead,
                margin_gb(capacity, workload.backend),
                capacity,
            )
        )
    return rows


def fits(rows: list[MemoryRow]) -> bool:
    """Whether every device keeps its margin free."""
    return all(r.free_gb >= 0 for r in rows)


def _proportional(weights: list[float]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights] if total > 0 else [1 / len(weights)] * len(weights)


def spread(gpus: list[tuple[Device, RuntimeChoice]], layers: int, share: float = 1.0) -> list[float]:
    """Layer shares proportional to each card's memory, rounded to whole layers as llama.cpp does."""
    fractions = _proportional([usable for usable in (d.memory_gb for d, _ in gpus)])
    whole = max(1, round(layers * share))
    bounds, acc = [0], 0.0
    for f in fractions:
        acc += f
        bounds.append(min(whole, round(acc * whole)))
    return [(b - a) / layers for a, b in itertools.pairwise(bounds)]


def place(
    gpus: list[tuple[Device, RuntimeChoice]],
    workload: Workload,
    mode: str,
    offload: str,
    host: tuple[Device, RuntimeChoice] | None,
    gpu_layer_share: float = 1.0,
) -> Placement:
    """Lay the model out: `mode` over the GPUs, `offload` of layers or experts to the host."""
    model = workload.model
    # llama.cpp keeps the token-embedding table in system RAM; others put it on the first card.
    llama = workload.backend in ("llama.cpp", "ik_llama.cpp") and host is not None
    shares: list[Share] = []
    n = len(gpus)
    on_host = workload.host_expert_share if offload == "experts" else 0.0
    if offload == "experts":
        dense_parts = spread(gpus, model.layers)
        for i, (d, rc) in enumerate(gpus):
            experts = dense_parts[i] * (1 - on_host)
            shares.append(Share(d, rc, dense_parts[i], experts, dense_parts[i], last=i == n - 1))
    elif mode == "tensor":
        kv_share = 1 / n if model.kv_heads % n == 0 else 1 / min(n, model.kv_heads)
        for i, (d, rc) in enumerate(gpus):
            shares.append(Share(d, rc, 1 / n, 1 / n, kv_share, embeddings=i == 0 and not llama, last=True))
    else:
        parts = spread(gpus, model.layers, gpu_layer_share)
        for i, (d, rc) in enumerate(gpus):
            last = i == n - 1 and gpu_layer_share >= 1
            emb = i == 0 and not llama
            shares.append(Share(d, rc, parts[i], parts[i], parts[i], embeddings=emb, last=last))
    if host is not None and (offload != "none" or llama):
        on_gpu = sum(s.dense for s in shares)
        role = "host-experts" if offload == "experts" else "host-layers"
        rest_dense = max(0.0, 1 - on_gpu) if offload != "experts" else 0.0
        rest_experts = on_host if offload == "experts" else rest_dense
        shares.append(
            Share(host[0], host[1], rest_dense, rest_experts, rest_dense, embeddings=llama, role=role)
        )
    return Placement(mode if n > 1 else "single", offload, tuple(shares))


def largest_gpu_layer_share(
    gpus: list[tuple[Device, RuntimeChoice]],
    workload: Workload,
    host: tuple[Device, RuntimeChoice],
    context: int,
    batch: int,
) -> float:
    """The largest share of layers the GPUs hold (llama.cpp -ngl) with the rest in system RAM."""
    best = 0.0
    for layers in range(workload.model.layers, -1, -1):
        share = layers / workload.model.layers
        trial = place(gpus, workload, "layer", "layers", host, gpu_layer_share=share)
        gpu_rows = memory_rows(trial, workload, context, batch)[: len(gpus)]
        if fits(gpu_rows):
            best = share
            break
    return best
