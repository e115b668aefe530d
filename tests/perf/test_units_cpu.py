"""Bytes from binary marketed sizes, CPU bandwidth through core dies and sockets, FP8 on Ampere."""

from __future__ import annotations

from dataclasses import replace

import pytest
from perf_fixtures import gpu, quant

from planner.perf import Device, Workload, device_from_cpu, estimate, populated_channels
from planner.perf.cpu import socket_bandwidth_gbs
from planner.schema import Cpu, Llm, Quant


def test_two_24gb_cards_hold_llama3_70b_q4_k_m_at_8k(llama70: Llm, q4km: Quant, rtx3090: Device) -> None:
    # A "24 GB" card holds 24 GiB = 25.8e9 bytes; the weights (42.7e9 bytes) are decimal.
    assert rtx3090.memory_bytes == 24 * 1024**3
    work = Workload(llama70, q4km, context=8192)
    two = estimate([rtx3090, rtx3090], work)
    assert two.fits and two.split == "layer"
    assert all(m.capacity_gb == pytest.approx(25.77, abs=0.01) for m in two.memory)
    # 70B at Q8_0 (75 GB of weights) is far beyond 2 x 25.8 GB.
    q8 = estimate([rtx3090, rtx3090], Workload(llama70, quant("q8-0", 8.5), context=8192))
    assert not q8.fits and q8.shortfall_gb > 15


def _cpu(
    id: str, arch: str, cores: int, channels: int, mts: int, ccds: int | None, vendor: str = "AMD"
) -> Cpu:
    return Cpu(
        kind="cpu",
        id=id,
        name=id,
        vendor=vendor,
        source="test fixture",
        socket="sp3",
        series="test",
        architecture=arch,
        year=2020,
        cores=cores,
        threads=2 * cores,
        max_sockets=2,
        pcie_lanes=128,
        pcie_gen=4,
        memory_channels=channels,
        memory_type="ddr4",
        memory_speed_mts=mts,
        max_memory_gb=4096,
        memory_bandwidth_gbs=channels * mts * 8 / 1000,
        tdp_w=200,
        fp32_tflops=2.0,
        simd=("avx2",),
        ccds=ccds,
    )


def test_few_core_dies_cap_cpu_bandwidth_and_say_so() -> None:
    # EPYC 7502 and 7532: 32 cores and 8 DDR4-3200 channels each, on 4 and on 8 core dies.
    four = device_from_cpu(_cpu("epyc-7502", "zen2", 32, 8, 3200, ccds=4), 256)
    eight = device_from_cpu(_cpu("epyc-7532", "zen2", 32, 8, 3200, ccds=8), 256)
    assert socket_bandwidth_gbs(four) < 0.85 * four.bandwidth_gbs  # 4 CCD links cannot fill 8 channels
    assert socket_bandwidth_gbs(eight) == pytest.approx(eight.bandwidth_gbs)
    model = _model_7b()
    slow = estimate([], Workload(model, quant("q4-0", 4.54)), host=four)
    fast = estimate([], Workload(model, quant("q4-0", 4.54)), host=eight)
    assert slow.decode_tokens_per_s and fast.decode_tokens_per_s
    assert slow.decode_tokens_per_s < 0.9 * fast.decode_tokens_per_s
    assert any("core dies (CCDs)" in w for w in slow.warnings)
    assert not any("CCD" in w for w in fast.warnings)


def test_xeons_get_no_ccd_warning_but_a_second_socket_is_not_double() -> None:
    xeon = _cpu("xeon-mesh", "icelake-sp", 28, 8, 3200, ccds=None, vendor="Intel")
    one = device_from_cpu(xeon, 256)
    two = device_from_cpu(xeon, 512, sockets=2)
    model = _model_7b()
    e1 = estimate([], Workload(model, quant("q4-0", 4.54)), host=one)
    e2 = estimate([], Workload(model, quant("q4-0", 4.54)), host=two)
    assert not any("CCD" in w for w in e1.warnings + e2.warnings)
    assert e1.decode_tokens_per_s and e2.decode_tokens_per_s
    assert e1.decode_tokens_per_s < e2.decode_tokens_per_s < 2 * e1.decode_tokens_per_s
    assert any("NUMA" in w for w in e2.warnings)


def test_fp8_runs_weight_only_on_ampere_and_not_on_turing(rtx3090: Device) -> None:
    fp8 = Quant(
        kind="quant",
        id="fp8",
        name="FP8",
        vendor="test",
        source="test fixture",
        family="fp8",
        bits_per_weight=8.31,
        bits_basis="test fixture",
        backends=("vllm",),
        needs_fp8_hardware=True,
    )
    work = Workload(_model_7b(), fp8, backend="vllm")
    ampere = estimate([rtx3090], work)
    assert ampere.runnable and any("W8A16" in w and "Marlin" in w for w in ampere.warnings)
    assert not any("slow fallback" in w for w in ampere.warnings)
    turing = estimate([replace(rtx3090, architecture="turing", name="RTX 2080 Ti")], work)
    assert not turing.runnable and any("FP8" in e for e in turing.errors)
    ada = estimate([gpu("RTX 4090", 1008, 165, architecture="ada")], work)
    assert ada.runnable and not any("FP8" in w for w in ada.warnings)


def _model_7b() -> Llm:
    from perf_fixtures import llm

    return llm()


def test_a_host_reads_through_the_channels_its_board_wires_and_its_dimms_fill() -> None:
    # A 12-channel DDR5-6000 EPYC (Turin class, 12 CCDs so the dies do not cap it) on an 8-channel board,
    # or with 4 DIMMs, or with DDR5-4800 DIMMs: the bandwidth follows the channels filled and their speed.
    turin = _cpu("turin-12", "zen5", 32, 12, 6000, ccds=12).model_copy(update={"memory_type": "ddr5"})
    full = device_from_cpu(turin, 384)
    assert populated_channels(8, turin, 1, 8) == 8 and populated_channels(12, turin, 1, 4) == 4
    assert populated_channels(24, turin, 2, 24) == 24 and populated_channels(12, turin, 1, 24) == 12
    eight = device_from_cpu(turin, 256, channels=populated_channels(8, turin, 1, 8), speed_mts=6000)
    four = device_from_cpu(turin, 128, channels=populated_channels(12, turin, 1, 4), speed_mts=6000)
    slow = device_from_cpu(turin, 384, channels=12, speed_mts=4800)
    assert full.bandwidth_gbs == pytest.approx(576)
    assert eight.bandwidth_gbs == pytest.approx(576 * 8 / 12)
    assert four.bandwidth_gbs == pytest.approx(576 * 4 / 12)
    assert slow.bandwidth_gbs == pytest.approx(576 * 4800 / 6000)
    model = _model_7b()
    tps = [estimate([], Workload(model, quant("q4-0", 4.54)), host=h).decode_tokens_per_s for h in (full, eight)]
    assert tps[0] and tps[1] and tps[1] < tps[0]  # slower (a 7B on 32 cores is partly bound by its threads)
