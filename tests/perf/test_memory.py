"""Memory fit: weights by format, GQA / MLA / sliding-window KV cache, overheads and the limits that fit."""

from __future__ import annotations

import pytest
from perf_fixtures import llm, quant

from planner.perf import Device, Workload, estimate, kv_bytes_per_token, kv_cache_bytes, weight_bytes
from planner.schema import Llm, Quant
from planner.schema.llm import Mla


def test_70b_q4_k_m_needs_two_24gb_cards(llama70: Llm, q4km: Quant, rtx3090: Device) -> None:
    assert weight_bytes(llama70, q4km) / 1e9 == pytest.approx(42.7, rel=0.02)
    one = estimate([rtx3090], Workload(llama70, q4km, prompt=512, generate=128))
    two = estimate([rtx3090, rtx3090], Workload(llama70, q4km, prompt=512, generate=128))
    assert not one.fits and one.shortfall_gb > 15
    assert one.max_context == 0 and one.max_batch == 0
    assert two.fits and two.split == "layer"
    assert all(m.total_gb <= m.capacity_gb for m in two.memory)
    assert two.max_context > 4096


def test_llama3_70b_kv_cache_at_8k_is_about_2_5_gb(llama70: Llm) -> None:
    # 2 (K and V) x 80 layers x 8 KV heads x 128 x 2 bytes = 320 KiB per token.
    assert kv_bytes_per_token(llama70, "f16") == 2 * 80 * 8 * 128 * 2
    assert kv_cache_bytes(llama70, "f16", 8192) / 1e9 == pytest.approx(2.68, rel=0.02)
    assert kv_cache_bytes(llama70, "q8_0", 8192) < 0.6 * kv_cache_bytes(llama70, "f16", 8192)


def test_mla_cache_is_far_smaller_than_mha_equivalent() -> None:
    shape = dict(
        params_b=671,
        embedding_params_b=0.926,
        layers=61,
        hidden_size=7168,
        attention_heads=128,
        kv_heads=128,
        head_dim=128,
        vocab_size=129280,
        max_context=131072,
    )
    mla = llm(
        id="deepseek-v3",
        active_params_b=671,
        attention="mla",
        mla=Mla(kv_lora_rank=512, rope_head_dim=64),
        **shape,
    )
    mha = llm(id="mha-twin", active_params_b=671, attention="mha", **shape)
    assert kv_bytes_per_token(mla, "f16") == 61 * (512 + 64) * 2
    assert kv_bytes_per_token(mla, "f16") < kv_bytes_per_token(mha, "f16") / 50


def test_sliding_window_layers_cache_only_the_window() -> None:
    model = llm(attention="gqa", kv_heads=8, sliding_window=1024, sliding_layers=24, max_context=32768)
    per_layer = 2 * 8 * 128 * 2
    assert kv_cache_bytes(model, "f16", 16384) == per_layer * (8 * 16384 + 24 * 1024)
    assert kv_cache_bytes(model, "f16", 512) == per_layer * 32 * 512


def test_longer_context_and_bigger_batch_use_more_memory(rtx3090: Device) -> None:
    model, q = llm(), quant("q4-0", 4.54)
    short = estimate([rtx3090], Workload(model, q, context=1024))
    long = estimate([rtx3090], Workload(model, q, context=4096, batch=4))
    assert long.memory[0].kv_gb > 15 * short.memory[0].kv_gb
    assert short.max_batch > long.max_batch >= 1
    assert short.max_context == model.max_context  # a 7B Q4 fits its whole trained context on 24 GB


def test_vllm_reserves_its_utilisation_share(rtx3090: Device, f16: Quant) -> None:
    got = estimate([rtx3090], Workload(llm(), f16, backend="vllm"))
    assert got.memory[0].capacity_gb == pytest.approx(24 * 1024**3 / 1e9 * 0.9)  # 24 GiB, decimal GB
    assert got.memory[0].overhead_gb > 0.9  # CUDA context + graphs and activation peak


def test_unified_system_uses_its_gpu_share() -> None:
    from planner.perf import device_from_system
    from planner.schema import System

    mac = System(
        kind="system",
        id="mac-studio-m2-ultra-192",
        name="Mac Studio M2 Ultra 192 GB",
        vendor="Apple",
        source="test fixture",
        architecture="apple-m2-ultra",
        year=2023,
        memory_gb=192,
        gpu_memory_gb=144,
        memory_type="LPDDR5",
        bandwidth_gbs=800,
        fp16_tflops=27.2,
        fp16_basis="shader-fp16",
        fp32_tflops=27.2,
        cpu_cores=24,
        power_w=295,
        runtime="metal",
    )
    device = device_from_system(mac)
    assert device.memory_gb == 144 and device.family == "apple-m2" and device.unified
    got = estimate(
        [device], Workload(llm(params_b=70.0, active_params_b=70.0, layers=80), quant("q4-0", 4.54))
    )
    assert got.fits and got.runtimes == ("llama.cpp/metal",)


def test_moe_dense_part_width_follows_the_format() -> None:
    """MXFP4 keeps everything but the experts at Q8_0; a K-quant MoE file keeps them at 4-6 bits."""
    from planner.perf.memory import expert_params_b, weight_split
    from planner.schema.llm import Moe

    moe = llm(params_b=30.5, active_params_b=3.3, embedding_params_b=0.311, layers=48, hidden_size=2048,
              moe=Moe(experts=128, experts_per_token=8))
    dense = moe.params_b - expert_params_b(moe) - moe.embedding_params_b
    k4 = weight_split(moe, quant("q4-k-m", 4.8))
    mx = weight_split(moe, quant("mxfp4", 4.25))
    # Both files hold every byte of the model; only how the bytes divide between the parts differs.
    for split, bits in ((k4, 4.8), (mx, 4.25)):
        assert split.dense + split.experts + split.embedding == pytest.approx(moe.params_b * bits / 8 * 1e9)
    assert k4.dense == pytest.approx(dense * 5.0 / 8 * 1e9)
    assert mx.dense == pytest.approx(dense * 8.5 / 8 * 1e9)
    # A file at or above the floor is read at its own average width.
    q8 = weight_split(moe, quant("q8-0", 8.5))
    assert q8.dense == pytest.approx(dense * 8.5 / 8 * 1e9)
