"""Shared fixtures for the throughput model tests, built by hand (no catalogue needed)."""

from __future__ import annotations

import pytest
from perf_fixtures import gpu, llm, quant

from planner.perf import Device
from planner.schema import Llm, Quant


@pytest.fixture
def llama70() -> Llm:
    """Llama 3 70B: 80 layers, GQA with 8 KV heads."""
    return llm(
        id="llama-3-70b",
        params_b=70.55,
        active_params_b=70.55,
        embedding_params_b=1.051,
        layers=80,
        hidden_size=8192,
        attention_heads=64,
        kv_heads=8,
        head_dim=128,
        vocab_size=128256,
        max_context=8192,
        attention="gqa",
    )


@pytest.fixture
def q4km() -> Quant:
    return quant("q4-k-m", 4.84)


@pytest.fixture
def f16() -> Quant:
    return quant("f16", 16.0, ("llama.cpp", "vllm", "exllamav2", "mlx"), "float")


@pytest.fixture
def rtx3090() -> Device:
    return gpu("RTX 3090", 936.2, 71.2, fp32_tflops=35.6)
