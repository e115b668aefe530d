"""Builders for tiny hand-made devices, models and quants, so perf tests need no catalogue."""

from __future__ import annotations

from typing import Any

from planner.perf import Device
from planner.schema import Llm, Quant


def gpu(name: str, bandwidth: float, fp16: float, memory: float = 24, **kw: Any) -> Device:
    """An NVIDIA-style card; architecture and segment default to a consumer Ampere."""
    fields: dict[str, Any] = {
        "id": name.lower().replace(" ", "-"),
        "name": name,
        "kind": "gpu",
        "vendor": "NVIDIA",
        "architecture": "ampere",
        "memory_gb": memory,
        "bandwidth_gbs": bandwidth,
        "fp16_tflops": fp16,
        "fp16_basis": "tensor-fp32-acc",
        "fp32_tflops": fp16 / 2,
    }
    fields.update(kw)
    return Device(**fields)


def llm(**kw: Any) -> Llm:
    """A Llama-2-7B-shaped dense model unless overridden."""
    fields: dict[str, Any] = {
        "kind": "llm",
        "id": "test-llm",
        "name": "Test LLM",
        "vendor": "test",
        "source": "test fixture",
        "family": "test",
        "year": 2024,
        "params_b": 6.74,
        "active_params_b": 6.74,
        "embedding_params_b": 0.131,
        "layers": 32,
        "hidden_size": 4096,
        "attention_heads": 32,
        "kv_heads": 32,
        "head_dim": 128,
        "vocab_size": 32000,
        "max_context": 4096,
        "attention": "mha",
    }
    fields.update(kw)
    return Llm(**fields)


def quant(id: str, bits: float, backends: tuple[str, ...] = ("llama.cpp",), family: str = "gguf") -> Quant:
    return Quant(
        kind="quant",
        id=id,
        name=id.upper(),
        vendor="test",
        source="test fixture",
        family=family,  # type: ignore[arg-type]
        bits_per_weight=bits,
        bits_basis="test fixture",
        backends=backends,  # type: ignore[arg-type]
    )
