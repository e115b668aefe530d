"""Prompt physics of the fourth pass: weight tiles unpacked at the shader integer rate, MoE experts
that see fewer tokens than a tile, and the CPU attention basis per runtime."""

from __future__ import annotations

from perf_fixtures import gpu, llm, quant

from planner.perf import Workload, estimate
from planner.perf.peaks import integer_tops
from planner.perf.prefill import tile_inflation
from planner.schema.llm import Moe

# Same FP16-accumulate matrix peak, very different shader ALUs: a GA100 part (64 FP32 + 64 INT32
# lanes per SM, HBM) against a GA102-style card whose FP32 figure counts a second FP32 datapath.
GA100 = gpu("GA100", 1935, 312, memory=80, fp32_tflops=19.5, fp16_basis="tensor", memory_type="HBM2e")
GA102 = gpu("GA102", 1008, 312, fp32_tflops=80.0, fp16_basis="tensor", memory_type="GDDR6X")


def test_integer_rate_halves_only_where_fp32_is_dual_issued() -> None:
    assert integer_tops(GA102) == 40.0
    assert integer_tops(GA100) == 19.5


def test_quantised_prompt_is_slower_on_the_card_with_fewer_integer_lanes() -> None:
    def pp(device: object, q: object) -> float:
        w = Workload(model=llm(), quant=q, prompt=512, generate=16)  # type: ignore[arg-type]
        got = estimate([device], w).prefill_tokens_per_s  # type: ignore[list-item]
        assert got is not None
        return got

    q4 = quant("q4-0", 4.5)
    f16 = quant("f16", 16.0)
    # Quantised: the unpacking on the shaders separates them; F16 goes straight to GEMM.
    assert pp(GA102, q4) > 1.2 * pp(GA100, q4)
    assert pp(GA102, q4) / pp(GA100, q4) > pp(GA102, f16) / pp(GA100, f16)


def test_experts_seeing_fewer_tokens_than_a_tile_cost_more_per_flop() -> None:
    dense = llm()
    moe = llm(
        params_b=116.8,
        active_params_b=5.1,
        moe=Moe(experts=128, experts_per_token=4),
    )
    assert tile_inflation(dense, 512) == 1.0
    small, large = tile_inflation(moe, 512), tile_inflation(moe, 4096)
    assert small > large >= 1.0
