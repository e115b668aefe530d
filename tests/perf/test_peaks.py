"""Which matrix peak a runtime's prompt kernels use: tensor units only where the runtime drives them."""

from __future__ import annotations

from perf_fixtures import gpu, llm, quant

from planner.perf import Workload, estimate
from planner.perf.peaks import matrix_path, matrix_peak_tflops

# Arc A770-like: XMX matrix rate eight times the FP32 shader rate.
ARC = gpu(
    "Arc", 560, 137.6, memory=16, vendor="Intel", architecture="xe-hpg", fp16_basis="tensor", fp32_tflops=17.2
)
RDNA3 = gpu("RDNA3", 960, 122.8, vendor="AMD", architecture="rdna3", fp16_basis="tensor", fp32_tflops=61.4)
RDNA2 = gpu("RDNA2", 512, 46.1, vendor="AMD", architecture="rdna2", fp16_basis="shader-fp16", fp32_tflops=23.0)


def test_vulkan_without_cooperative_matrices_runs_on_the_shaders() -> None:
    assert matrix_path(ARC, "llama.cpp/vulkan") == "shader"
    assert matrix_peak_tflops(ARC, "llama.cpp/vulkan") == 17.2
    assert matrix_path(RDNA3, "llama.cpp/vulkan") == "tensor"
    assert matrix_peak_tflops(RDNA3, "llama.cpp/vulkan") == 122.8


def test_cuda_drives_tensor_cores_and_shader_cards_use_fp32() -> None:
    ampere = gpu("A", 936, 142)
    assert matrix_path(ampere, "llama.cpp/cuda") == "tensor"
    assert matrix_peak_tflops(ampere, "llama.cpp/cuda") == ampere.matrix_tflops
    # Packed FP16 on the shaders does not speed quantised kernels: the FP32 rate is the basis.
    assert matrix_peak_tflops(RDNA2, "llama.cpp/rocm") == 23.0


def test_prompt_estimate_follows_the_path() -> None:
    # The same card is far slower at prompt under a runtime that cannot drive its matrix units.
    def prompt_tps(runtime: str) -> float:
        w = Workload(model=llm(), quant=quant("q4-0", 4.5), prompt=512, generate=16, runtime=runtime)
        got = estimate([ARC], w).prefill_tokens_per_s
        assert got is not None
        return got

    assert prompt_tps("vulkan") < prompt_tps("sycl") / 2
