"""Kernel physics of decode: emulated dp4a on cards without an int8 dot product, and how much of a
matrix tile decode attention fills with the query heads sharing a KV head."""

from __future__ import annotations

from dataclasses import replace

import pytest
from perf_fixtures import gpu, llm, quant

from planner.perf import Workload, estimate
from planner.perf.decode import emulated_dot_ops
from planner.perf.device import has_int8_dot

# Tesla M40-like (Maxwell, sm_52): FP32 shaders only, 288 GB/s, no dp4a.
M40 = gpu(
    "M40", 288, 6.84, architecture="maxwell", fp16_basis="shader-fp32", fp32_tflops=6.84, int8_dot=False
)


@pytest.mark.parametrize(
    ("arch", "cc", "gfx", "has"),
    [
        ("maxwell", "5.2", None, False),
        ("pascal", "6.0", None, False),  # GP100 (Tesla P100) lacks dp4a
        ("pascal", "6.1", None, True),
        ("ampere", "8.6", None, True),
        ("maxwell", None, None, False),  # no capability given: decided by the family
        ("vega", None, "gfx900", False),
        ("vega", None, "gfx906", True),
        ("rdna1", None, "gfx1010", False),
        ("rdna2", None, "gfx1030", True),
        ("rdna3", None, "gfx1100", True),
    ],
)
def test_which_cards_have_an_int8_dot_instruction(arch: str, cc: str | None, gfx: str | None, has: bool) -> None:
    assert has_int8_dot(arch, cc, gfx) is has


def _decode(device: object, quant_id: str, bits: float, runtime: str, batch: int = 1) -> float:
    w = Workload(model=llm(), quant=quant(quant_id, bits), prompt=0, generate=128, runtime=runtime, batch=batch)
    got = estimate([device], w)  # type: ignore[list-item]
    assert got.decode_tokens_per_s is not None
    return got.decode_tokens_per_s


def test_emulated_dp4a_slows_quantised_decode_on_cuda() -> None:
    with_dot = replace(M40, int8_dot=True)
    slow, fast = _decode(M40, "q4-k-m", 4.85, "cuda"), _decode(with_dot, "q4-k-m", 4.85, "cuda")
    # 3.75 extra instructions per weight at 3.4 T instructions/s: ~7 ms on a 6.7 B model, against
    # ~25 ms of weight streaming at 288 GB/s.
    assert 0.6 * fast < slow < 0.9 * fast


def test_no_emulation_where_no_int8_dot_product_runs() -> None:
    with_dot = replace(M40, int8_dot=True)
    # F16 weights multiply in floating point; Vulkan's mat-vec dequantises to float.
    assert _decode(M40, "f16", 16, "cuda") == pytest.approx(_decode(with_dot, "f16", 16, "cuda"))
    assert _decode(M40, "q4-k-m", 4.85, "vulkan") == pytest.approx(_decode(with_dot, "q4-k-m", 4.85, "vulkan"))
    assert emulated_dot_ops(M40, "llama.cpp/cuda", "k") > emulated_dot_ops(
        gpu("MI25", 484, 24.6, vendor="AMD", architecture="vega", int8_dot=False), "llama.cpp/rocm", "k"
    )
    assert emulated_dot_ops(M40, "exllamav2/cuda", "gptq") == 0


def test_decode_attention_fills_the_tile_with_the_query_group() -> None:
    from planner.perf.decode import query_group, tile_use

    card = gpu("A", 936, 142)
    mha, gqa8 = llm(kv_heads=32), llm(kv_heads=4)
    assert (query_group(mha), query_group(gqa8)) == (1, 8)
    assert tile_use(mha, card) < tile_use(gqa8, card) == 0.5
    assert tile_use(llm(attention_heads=128, kv_heads=128), card) == 1 / 16

    # At long context the attention of an 8-way GQA model costs less per FLOP than MHA's.
    def attention_share(model: object) -> float:
        from planner.perf import choose_layout
        from planner.perf.decode import step_terms

        w = Workload(model=model, quant=quant("q4-0", 4.5), prompt=4000, generate=64)  # type: ignore[arg-type]
        terms, _ = step_terms(choose_layout([card], w, None).placement, w, 4000)
        return sum(t.value() for t in terms if t.label == "attention") / sum(t.value() for t in terms)

    assert attention_share(gqa8) < attention_share(mha)


def test_an_unmeasured_family_borrows_its_kin_effects() -> None:
    from planner.perf.constants import param, use_constants

    data = {
        "params": {"bandwidth": {"value": 0.8, "basis": "test"}},
        "runtimes": {"llama.cpp/cuda": {"effects": {"bandwidth": {"family": {"pascal": 0.5, "ada": 1.1}}}}},
        "family_kin": {"families": {"maxwell": "pascal", "kepler": "maxwell"}, "basis": "test"},
    }
    with use_constants(data):
        got = {f: param("llama.cpp/cuda", "bandwidth", {"family": f}) for f in ("maxwell", "kepler", "ada", "rdna9")}
    assert got["maxwell"] == got["kepler"] == pytest.approx(0.4)  # through Maxwell to Pascal
    assert got["ada"] == pytest.approx(0.88)  # a measured family keeps its own
    assert got["rdna9"] == pytest.approx(0.8)  # no kin: the runtime's base value
