"""Which runtime a backend uses on a device (llama.cpp on an AMD card is ROCm or Vulkan, ...), and whether it can.

Constants are keyed on "backend/runtime" (e.g. "llama.cpp/cuda"), because the same backend reaches very
different fractions of the hardware through different GPU APIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.perf.device import Device

# "exllama" (ExLlama v1) and "ik_llama.cpp" (a llama.cpp fork with its own CPU kernels) are kept to
# score their published benchmark rows; ik_llama.cpp borrows llama.cpp's constants where not fitted.
BACKENDS = ("llama.cpp", "vllm", "exllamav2", "mlx", "exllama", "ik_llama.cpp")
LLAMA_LIKE = ("llama.cpp", "ik_llama.cpp")
RUNTIMES = ("cuda", "rocm", "vulkan", "metal", "cpu", "sycl")
# Kepler and older lost CUDA 12 support; llama.cpp still runs them through Vulkan.
_ROCM_OK = ("supported", "unofficial")


@dataclass(frozen=True)
class RuntimeChoice:
    """The runtime picked for one device, with why, and what stops it."""

    runtime: str
    key: str
    warnings: tuple[str, ...] = field(default=())
    errors: tuple[str, ...] = field(default=())


def _llama_cpp(device: Device, wanted: str | None) -> tuple[str, list[str], list[str]]:
    warnings: list[str] = []
    errors: list[str] = []
    vendor = device.vendor_key
    if device.kind == "cpu":
        return "cpu", warnings, errors
    if wanted:
        # A forced runtime whose support ended (Kepler on CUDA 11, gfx906 on ROCm 5.7) still runs on
        # that old release: the software stack decides whether legacy support is allowed.
        if wanted == "cuda" and vendor != "nvidia":
            errors.append(f"{device.name}: CUDA runtime not available on this device")
        elif wanted == "cuda" and not device.cuda_supported:
            warnings.append(f"{device.name}: only an old CUDA release supports it (legacy)")
        if wanted == "rocm" and not (vendor == "amd" and device.rocm != "none"):
            errors.append(f"{device.name}: ROCm does not support this device")
        elif wanted == "rocm" and device.rocm == "dropped":
            warnings.append(f"{device.name}: only an old ROCm release supports it (legacy)")
        if wanted == "metal" and vendor != "apple":
            errors.append(f"{device.name}: Metal runs on Apple silicon only")
        return wanted, warnings, errors
    if device.runtime and device.kind == "system":
        return device.runtime, warnings, errors
    if vendor == "nvidia":
        if device.cuda_supported:
            return "cuda", warnings, errors
        warnings.append(
            f"{device.name}: current CUDA no longer supports {device.architecture}; "
            "assumed llama.cpp's Vulkan backend (or an old CUDA 11 build)"
        )
        if not device.vulkan:
            errors.append(f"{device.name}: neither current CUDA nor Vulkan runs it")
        return "vulkan", warnings, errors
    if vendor == "amd":
        if device.rocm in _ROCM_OK:
            if device.rocm == "unofficial":
                warnings.append(f"{device.name}: ROCm support is unofficial (HSA override needed)")
            return "rocm", warnings, errors
        return "vulkan", warnings, errors
    if vendor == "apple":
        return "metal", warnings, errors
    if not device.vulkan:
        errors.append(f"{device.name}: no llama.cpp GPU backend known for it")
    return "vulkan", warnings, errors


def choose_runtime(device: Device, backend: str, wanted: str | None = None) -> RuntimeChoice:
    """The runtime `backend` uses on `device` (optionally forced, e.g. Vulkan on an NVIDIA card)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    warnings: list[str] = []
    errors: list[str] = []
    vendor = device.vendor_key
    if backend in LLAMA_LIKE:
        runtime, warnings, errors = _llama_cpp(device, wanted)
    elif backend == "mlx":
        runtime = "metal"
        if vendor != "apple":
            errors.append(f"{device.name}: MLX runs on Apple silicon only")
    else:
        if vendor == "nvidia" and device.cuda_supported and device.kind != "cpu":
            runtime = "cuda"
        elif vendor == "amd" and device.rocm in _ROCM_OK and device.kind != "cpu":
            runtime = "rocm"
        else:
            runtime = "cuda"
            errors.append(f"{device.name}: {backend} needs a CUDA or ROCm GPU")
        if backend.startswith("exllama") and device.family in ("pascal", "maxwell", "kepler"):
            warnings.append(f"{device.name}: exllamav2 FP16 kernels crawl on {device.family} (no fast FP16)")
    return RuntimeChoice(runtime, f"{backend}/{runtime}", tuple(warnings), tuple(errors))
