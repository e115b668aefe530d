"""Every card option's workload coefficients for one request: per layer and per runtime, the layer-split
hop under each runtime (and the dearest, for pruning), tensor-parallel times where the request may split
that way, and the runtime the throughput model picks for the card by itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from planner.instance.coeffs import (
    HopCoeff,
    LayerCoeff,
    Memo,
    TensorCoeff,
    gpu_coeff,
    hop_coeff,
    perf_workload,
    tensor_coeffs,
)
from planner.perf import device_from_gpu
from planner.perf.runtime import choose_runtime
from planner.schema import Gpu
from planner.schema.request import Request


@dataclass
class CardCoeffs:
    """Coefficients by option key (a card at a power limit is an option of its own)."""

    workload: Any  # perf.Workload
    coeff: dict[str, LayerCoeff] = field(default_factory=dict)  # on the card's own runtime
    rt_coeff: dict[str, dict[str, LayerCoeff]] = field(default_factory=dict)  # runtime -> coefficients
    hops: dict[str, HopCoeff] = field(default_factory=dict)  # the dearest over the card's runtimes
    rt_hops: dict[str, dict[str, HopCoeff]] = field(default_factory=dict)  # runtime -> hop
    tensor: dict[str, dict[int, TensorCoeff]] = field(default_factory=dict)
    native: dict[str, str] = field(default_factory=dict)  # card id -> its own runtime


def card_coeffs(
    request: Request,
    catalog: Any,
    gpus: list[Any],
    serves: dict[str, dict[str, Any]],
    bridge_gbs: Callable[[Gpu], float | None],
) -> CardCoeffs:
    """The coefficients of every priced card option for the request's workload."""
    assert request.workload is not None
    workload = perf_workload(request.workload, catalog)
    out = CardCoeffs(workload)
    memo: Memo = {}
    tensor = "tensor" in request.workload.splits()
    for g in gpus:
        share = g.watts / g.entry.tdp_w
        apis = serves.get(g.id, {})
        coeff = out.coeff[g.key] = gpu_coeff(g.entry, workload, share, memo)
        native = out.native[g.id] = _native(g.entry, workload)
        out.rt_coeff[g.key] = {
            api: coeff if api == native else gpu_coeff(g.entry, replace(workload, runtime=api), share, memo)
            for api in apis
        }
        per = {api: hop_coeff(g.entry, replace(workload, runtime=api), share, memo) for api in apis}
        out.rt_hops[g.key] = per
        # A build picks one runtime; where the model does not know which (pruning, no runtime facts), it
        # takes the dearest hop, so it never charges less than the checker.
        options = [hop_coeff(g.entry, workload, share, memo), *per.values()]
        out.hops[g.key] = HopCoeff(*(max(o[k] for o in options) for k in range(6)))
        if tensor:
            out.tensor[g.key] = tensor_coeffs(
                g.entry, workload, request.require.max_gpus, bridge_gbs(g.entry), share
            )
    return out


def _native(gpu: Gpu, workload: Any) -> str:
    """The runtime the throughput model picks for the card by itself (its tensor coefficients assume it)."""
    return choose_runtime(device_from_gpu(gpu)[0], workload.backend, workload.runtime).runtime
