"""Choosing the layout: layer or tensor split over the cards, and what spills to system RAM.

`auto` takes tensor parallel when the backend does it and the heads divide by the card count
(vLLM's rule), else layer split; llama.cpp's auto follows its own default, layer split.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.perf.device import Device
from planner.perf.placement import Placement, fits, largest_gpu_layer_share, memory_rows, place
from planner.perf.runtime import LLAMA_LIKE, RuntimeChoice, choose_runtime
from planner.perf.workload import Workload

TENSOR_BACKENDS = ("vllm", "exllamav2", "llama.cpp", "ik_llama.cpp")  # llama.cpp: -sm row / tensor
OFFLOAD_BACKENDS = ("llama.cpp", "ik_llama.cpp")


@dataclass(frozen=True)
class Layout:
    """The chosen placement with the reasons it was chosen and what blocks it."""

    placement: Placement
    warnings: tuple[str, ...] = field(default=())
    errors: tuple[str, ...] = field(default=())


def tensor_split_problem(workload: Workload, n: int) -> str | None:
    """Why `n`-way tensor parallelism cannot run this model, or None when it can."""
    model = workload.model
    if n < 2:
        return None
    if model.attention_heads % n:
        return f"{model.attention_heads} attention heads do not divide over {n} GPUs"
    if model.kv_heads % n and n % model.kv_heads:
        return f"{model.kv_heads} KV heads neither divide over nor replicate onto {n} GPUs"
    return None


def _mode(devices: list[Device], workload: Workload) -> tuple[str, list[str], list[str]]:
    n = len(devices)
    warnings: list[str] = []
    errors: list[str] = []
    if n < 2:
        return "single", warnings, errors
    problem = tensor_split_problem(workload, n)
    if workload.split == "tensor":
        if workload.backend not in TENSOR_BACKENDS:
            errors.append(f"{workload.backend} has no tensor parallelism")
        elif problem:
            errors.append(f"tensor parallel not runnable: {problem}")
        return "tensor", warnings, errors
    if workload.split == "layer" or workload.backend in LLAMA_LIKE:
        return "layer", warnings, errors
    if problem:
        warnings.append(f"tensor parallel not possible ({problem}); using layer split")
        return "layer", warnings, errors
    return "tensor", warnings, errors


def choose_layout(devices: list[Device], workload: Workload, host: Device | None) -> Layout:
    """Pick split and offload for the workload; CPU-only when no GPU is given."""
    if not devices and host is not None:
        devices, host = [host], None
    gpus: list[tuple[Device, RuntimeChoice]] = [
        (d, choose_runtime(d, workload.backend, workload.runtime)) for d in devices
    ]
    # The host runs llama.cpp's CPU backend (or the fork's, when that is the backend being scored).
    host_backend = workload.backend if workload.backend in LLAMA_LIKE else "llama.cpp"
    hosted = (host, choose_runtime(host, host_backend)) if host is not None else None
    mode, warnings, errors = _mode(devices, workload)
    base_mode = "tensor" if mode == "tensor" else "layer"
    plain = place(gpus, workload, base_mode, "none", hosted)
    context, batch = workload.context_tokens, workload.batch
    wanted = workload.offload
    if wanted == "none" or hosted is None or workload.backend not in OFFLOAD_BACKENDS:
        if wanted in ("layers", "experts") and hosted is None:
            errors.append(f"offload {wanted} needs a host (CPU and system RAM)")
        elif wanted in ("layers", "experts") and workload.backend not in OFFLOAD_BACKENDS:
            errors.append(f"{workload.backend} cannot run layers from system RAM")
        return Layout(plain, tuple(warnings), tuple(errors))
    if wanted == "auto" and fits(memory_rows(plain, workload, context, batch)):
        return Layout(plain, tuple(warnings), tuple(errors))
    moe = workload.model.moe is not None
    if wanted == "experts" and not moe:
        errors.append("offload experts needs a mixture-of-experts model")
    if moe and wanted in ("auto", "experts"):
        experts = place(gpus, workload, "layer", "experts", hosted)
        if wanted == "experts" or fits(memory_rows(experts, workload, context, batch)):
            return Layout(experts, (*warnings, "MoE experts in system RAM (-ot exps=CPU)"), tuple(errors))
    share = largest_gpu_layer_share(gpus, workload, hosted, context, batch)
    layered = place(gpus, workload, "layer", "layers", hosted, gpu_layer_share=share)
    note = f"{share:.0%} of layers on GPU, the rest in system RAM (llama.cpp -ngl)"
    return Layout(layered, (*warnings, note), tuple(errors))
