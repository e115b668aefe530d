"""Decode over a growing context, prompt processing, old cards, CPU-only and spill to system RAM."""

from __future__ import annotations

import pytest
from perf_fixtures import gpu, llm, quant

from planner.perf import (
    Device,
    QuantError,
    Workload,
    device_from_cpu,
    device_from_gpu,
    effective_bandwidth_gbs,
    effective_tflops,
    estimate,
    per_token_overhead_s,
    prompt_flops,
)
from planner.schema import Cpu, Gpu
from planner.schema.compute import PowerConnectors, Software
from planner.schema.llm import Moe


def test_decode_slows_as_the_kv_cache_grows(rtx3090: Device) -> None:
    model, q = llm(max_context=32768), quant("q4-0", 4.54)
    empty = estimate([rtx3090], Workload(model, q, prompt=0, generate=128)).decode_tokens_per_s
    deep = estimate([rtx3090], Workload(model, q, prompt=16000, generate=128)).decode_tokens_per_s
    assert empty and deep and deep < 0.8 * empty


def test_prompt_is_compute_bound_and_grows_with_length(rtx3090: Device) -> None:
    model, q = llm(), quant("q4-0", 4.54)
    short = estimate([rtx3090], Workload(model, q, prompt=512))
    assert short.prefill_tokens_per_s and short.decode_tokens_per_s
    assert short.prefill_tokens_per_s > 10 * short.decode_tokens_per_s
    assert short.ttft_s == pytest.approx(
        512 / short.prefill_tokens_per_s + 1 / short.decode_tokens_per_s, rel=0.05
    )
    assert prompt_flops(model, 4096) > 8 * prompt_flops(model, 512)  # the attention term grows
    assert estimate([rtx3090], Workload(model, q, prompt=0)).prefill_tokens_per_s is None


def test_building_blocks_are_positive_and_consistent(rtx3090: Device) -> None:
    model = llm()
    assert 0.3 * 936 < effective_bandwidth_gbs(rtx3090, "llama.cpp") <= 936.2
    assert 0 < per_token_overhead_s(rtx3090, "llama.cpp", model) < 0.01
    assert effective_tflops(rtx3090, "llama.cpp") > 0


def _card(id: str, arch: str, basis: str, fp16: float, fp32: float, cuda: bool, chips: int = 1) -> Gpu:
    return Gpu(
        kind="gpu",
        id=id,
        name=id,
        vendor="NVIDIA",
        source="test fixture",
        segment="datacentre",
        architecture=arch,
        year=2016,
        memory_gb=12 if chips == 2 else 24,
        memory_type="GDDR5",
        bandwidth_gbs=240 if chips == 2 else 347,
        fp16_tflops=fp16,
        fp16_basis=basis,
        fp32_tflops=fp32,
        tdp_w=300,
        power=PowerConnectors(eps_8pin=1),  # type: ignore[arg-type]
        slot_width=2,
        length_mm=267,
        cooling="passive",
        pcie_gen=3,
        pcie_lanes=16,
        gpus_per_card=chips,  # type: ignore[arg-type]
        software=Software(cuda_supported=cuda),
    )


def test_k80_is_two_devices_flagged_unsupported_and_p40_uses_fp32() -> None:
    k80 = device_from_gpu(_card("tesla-k80", "kepler", "shader-fp32", 4.37, 4.37, cuda=False, chips=2))
    assert len(k80) == 2 and k80[0].memory_gb == 12
    got = estimate(k80, Workload(llm(), quant("q4-0", 4.54)))
    assert set(got.runtimes) == {"llama.cpp/vulkan"}
    assert any("no longer supports kepler" in w for w in got.warnings)
    p40 = device_from_gpu(_card("tesla-p40", "pascal", "shader-fp32", 11.8, 11.8, cuda=True))[0]
    got = estimate([p40], Workload(llm(), quant("q4-0", 4.54)))
    assert any("FP32 rate" in w for w in got.warnings)
    assert any("FP32 rate 11.8" in a for a in got.assumptions + got.derivation)


def test_quant_the_backend_cannot_load_is_an_error(rtx3090: Device) -> None:
    with pytest.raises(QuantError, match="exllamav2"):
        estimate([rtx3090], Workload(llm(), quant("exl2-4bpw", 4.0, ("exllamav2",), "exl2")))


def _epyc() -> Cpu:
    return Cpu(
        kind="cpu",
        id="epyc-7532",
        name="AMD EPYC 7532",
        vendor="AMD",
        source="test fixture",
        socket="sp3",
        series="epyc-7002",
        architecture="zen2",
        year=2020,
        cores=32,
        threads=64,
        pcie_lanes=128,
        pcie_gen=4,
        memory_channels=8,
        memory_type="ddr4",
        memory_speed_mts=3200,
        max_memory_gb=4096,
        memory_bandwidth_gbs=204.8,
        tdp_w=200,
        fp32_tflops=2.4,
        simd=("avx2",),
    )


def test_cpu_only_and_partial_offload() -> None:
    host = device_from_cpu(_epyc(), ram_gb=256)
    model = llm(
        params_b=70.0,
        active_params_b=70.0,
        layers=80,
        hidden_size=8192,
        attention_heads=64,
        kv_heads=8,
        attention="gqa",
    )
    q = quant("q4-k-m", 4.84)
    cpu_only = estimate([], Workload(model, q), host=host)
    assert cpu_only.fits and cpu_only.runtimes[0] == "llama.cpp/cpu"
    card = gpu("RTX 3090", 936.2, 71.2, fp32_tflops=35.6)
    partial = estimate([card], Workload(model, q), host=host)
    assert partial.fits and partial.offload == "layers"
    assert cpu_only.decode_tokens_per_s and partial.decode_tokens_per_s
    assert cpu_only.decode_tokens_per_s < partial.decode_tokens_per_s < 936 / 42
    assert cpu_only.decode_tokens_per_s < 204.8e9 / (70e9 * 4.84 / 8)


def test_moe_experts_go_to_system_ram() -> None:
    host = device_from_cpu(_epyc(), ram_gb=256)
    moe = llm(
        params_b=30.5,
        active_params_b=3.3,
        embedding_params_b=0.311,
        layers=48,
        hidden_size=2048,
        attention_heads=32,
        kv_heads=4,
        attention="gqa",
        moe=Moe(experts=128, experts_per_token=8),
    )
    q = quant("q8-0", 8.5)
    card = gpu("RTX 3060", 360, 25.5, memory=12, fp32_tflops=12.7)
    got = estimate([card], Workload(moe, q), host=host)
    assert got.fits and got.offload == "experts"
    assert got.memory[0].weights_gb < 5  # attention and router only on the card
    layered = estimate([card], Workload(moe, q, offload="layers"), host=host)
    assert got.decode_tokens_per_s and layered.decode_tokens_per_s
    # Experts in RAM read the same active bytes on the CPU as a layer split would, but pay a GPU <-> CPU
    # round trip per MoE layer: the two stay close for a small MoE.
    assert 0.75 * layered.decode_tokens_per_s < got.decode_tokens_per_s < 1.33 * layered.decode_tokens_per_s
