"""Multi-GPU: layer split adds capacity, not speed; tensor parallel is faster and needs divisible heads."""

from __future__ import annotations

import pytest
from perf_fixtures import gpu, quant

from planner.perf import (
    Device,
    Workload,
    decode_seconds_per_token_layer_split,
    decode_seconds_per_token_tensor_split,
    estimate,
    weight_bytes,
)
from planner.schema import Llm, Quant


def test_layer_split_decodes_at_one_cards_bandwidth(llama70: Llm, q4km: Quant, rtx3090: Device) -> None:
    work = Workload(llama70, q4km, prompt=512, generate=128)
    two = estimate([rtx3090, rtx3090], work)
    big = gpu("RTX 3090 48GB", 936.2, 71.2, memory=48, fp32_tflops=35.6)  # one card holding it all
    one_big = estimate([big], work)
    assert two.decode_tokens_per_s and one_big.decode_tokens_per_s
    # No bandwidth gain from the second card: the cards run one after the other.
    assert two.decode_tokens_per_s == pytest.approx(one_big.decode_tokens_per_s, rel=0.03)
    # Below one card's speed of light (bandwidth share, per-layer costs and the hop), but not far below.
    speed_of_light = 936.2e9 / weight_bytes(llama70, q4km)
    assert 0.5 * speed_of_light < two.decode_tokens_per_s < 0.9 * speed_of_light


def test_layer_split_time_is_the_sum_over_cards(llama70: Llm, q4km: Quant) -> None:
    slow = gpu("slow", 300, 30, memory=24)
    fast = gpu("fast", 900, 90, memory=24)
    work = Workload(llama70, q4km)
    both = decode_seconds_per_token_layer_split([fast, slow], work)
    # Half the layers at each card's speed: between all-fast and all-slow, near their average.
    assert decode_seconds_per_token_layer_split([fast, fast], work) < both
    assert both < decode_seconds_per_token_layer_split([slow, slow], work)


def test_tensor_parallel_is_faster_than_layer_split(llama70: Llm, rtx3090: Device) -> None:
    awq = quant("awq-4bit-g128", 4.62, ("vllm",), "awq")
    work = Workload(llama70, awq, backend="vllm")
    layer = decode_seconds_per_token_layer_split([rtx3090, rtx3090], work)
    tensor = decode_seconds_per_token_tensor_split([rtx3090, rtx3090], work)
    assert tensor < 0.8 * layer
    auto = estimate([rtx3090, rtx3090], work)
    assert auto.split == "tensor" and auto.runnable


def test_slow_link_costs_tensor_parallel(llama70: Llm, rtx3090: Device) -> None:
    from dataclasses import replace

    awq = quant("awq-4bit-g128", 4.62, ("vllm",), "awq")
    work = Workload(llama70, awq, backend="vllm", split="tensor")
    x16 = decode_seconds_per_token_tensor_split([rtx3090, rtx3090], work)
    narrow = replace(rtx3090, link_gen=3, link_lanes=1, link_via="chipset")
    x1 = decode_seconds_per_token_tensor_split([rtx3090, narrow], work)
    bridged = replace(rtx3090, nvlink_gbs=56.0)  # a bridge part joins the two cards
    nv = decode_seconds_per_token_tensor_split([bridged, bridged], work)
    assert nv < x16 < x1
    got = estimate([rtx3090, narrow], work)
    assert any("chipset" in w for w in got.warnings)


def test_vllm_needs_heads_divisible_by_gpu_count(llama70: Llm, rtx3090: Device) -> None:
    awq = quant("awq-4bit-g128", 4.62, ("vllm",), "awq")
    forced = estimate([rtx3090] * 3, Workload(llama70, awq, backend="vllm", split="tensor"))
    assert not forced.runnable
    assert any("64 attention heads" in e for e in forced.errors)
    auto = estimate([rtx3090] * 3, Workload(llama70, awq, backend="vllm"))
    assert auto.split == "layer" and auto.runnable
    assert any("tensor parallel not possible" in w for w in auto.warnings)
