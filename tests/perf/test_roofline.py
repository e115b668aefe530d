"""The seed's roofline arithmetic: FLOP/byte ratios, bandwidth-bound batch-1 decode, the compute-bound batch."""

from __future__ import annotations

import pytest
from perf_fixtures import gpu, llm, quant

from planner.perf import Device, Workload, estimate, roofline_batch

SEED_TABLE = [  # (name, TFLOP/s, GB/s, FLOP/B from the seed table)
    ("RTX 4090", 165, 1008, 163),
    ("RTX 3090", 71, 936, 75),
    ("RTX 3060", 25, 360, 70),
    ("Tesla P40", 12, 347, 34),
    ("M1 Ultra", 21, 819, 27),
]


@pytest.mark.parametrize(("name", "tflops", "gbs", "ratio"), SEED_TABLE)
def test_flop_per_byte_matches_seed_table(name: str, tflops: float, gbs: float, ratio: float) -> None:
    device = gpu(name, gbs, tflops)
    assert device.flop_per_byte == pytest.approx(ratio, rel=0.1)


def a100() -> Device:
    return gpu("A100", 1935, 312, memory=80, segment="datacentre", fp32_tflops=19.5)


def m2() -> Device:
    return Device(
        id="m2",
        name="Apple M2",
        kind="system",
        vendor="Apple",
        architecture="apple-m2",
        memory_gb=18,
        bandwidth_gbs=100,
        fp16_tflops=3.6,
        fp16_basis="shader-fp16",
        fp32_tflops=3.6,
        segment="system",
        runtime="metal",
        link_via="unified",
    )


def test_batch1_decode_follows_bandwidth_not_compute() -> None:
    work = Workload(llm(), quant("f16", 16.0, ("llama.cpp",), "float"))
    fast = estimate([a100()], work).decode_tokens_per_s
    slow = estimate([m2()], work).decode_tokens_per_s
    assert fast and slow
    ratio = fast / slow
    bandwidth_ratio = 1935 / 100
    compute_ratio = 312 / 3.6
    assert 0.6 * bandwidth_ratio < ratio < 1.3 * bandwidth_ratio
    assert ratio < compute_ratio / 3


def test_a100_turns_compute_bound_near_160_tokens_with_fp16_weights() -> None:
    model = llm()
    assert roofline_batch(a100(), model, quant("f16", 16.0)) == pytest.approx(161, rel=0.05)
    # With 4-bit weights each byte feeds four times the FLOPs: the crossover batch drops ~4x.
    assert roofline_batch(a100(), model, quant("q4", 4.0)) == pytest.approx(161 / 4, rel=0.05)


def test_batching_scales_until_compute_bound() -> None:
    model = llm(attention="gqa", kv_heads=8)  # small KV, so weights dominate the bytes
    f16 = quant("f16", 16.0, ("vllm",), "float")
    one = estimate([a100()], Workload(model, f16, backend="vllm", batch=1))
    many = estimate([a100()], Workload(model, f16, backend="vllm", batch=32))
    huge = estimate([a100()], Workload(model, f16, backend="vllm", batch=2048, prompt=64, generate=64))
    assert one.bound == "memory" and many.bound == "memory" and huge.bound == "compute"
    assert many.batch_tokens_per_s and one.batch_tokens_per_s and huge.batch_tokens_per_s
    assert many.batch_tokens_per_s > 20 * one.batch_tokens_per_s
    assert huge.batch_tokens_per_s < 2048 * one.batch_tokens_per_s / 4
    assert one.compute_bound_batch is not None and 32 < one.compute_bound_batch < 2048
