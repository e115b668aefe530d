"""Which matrix peak a runtime's prompt kernels can use on a device: its tensor (matrix) units or its
shader ALUs, and the rate of that peak.

A card's tensor units only count when the runtime has kernels that drive them. llama.cpp's CUDA and
HIP backends do on every card with matrix units; its Vulkan backend only where it enables cooperative
matrices; Metal has no matrix units to use (Apple GPUs before M5 multiply on their shader ALUs). On
the shader path the quantised kernels run at about the FP32 rate: int8 dot products (dp4a) and packed
FP16 do not deliver their paper advantage, as unpacking the blocks dominates (calibration: Pascal,
RDNA2, Apple and Intel Arc all reach 0.6-1.3 of their FP32 rate in pp512).
"""

from __future__ import annotations

from planner.perf.device import CPU_INT8_RATE, Device

# llama.cpp's Vulkan backend (ggml-vulkan.cpp) enables VK_KHR_cooperative_matrix per vendor: on AMD
# only where the GPU has WMMA (RDNA3 and later), on NVIDIA from Turing (and NV_cooperative_matrix2 on
# recent drivers), on Intel only for Xe2, where the scoreboard shows it no faster than the shader
# kernels (Arc B580 8 TFLOP/s in pp512, A770 14: both at or below their FP32 rates, a tenth of XMX);
# MoltenVK (Apple) exposes none.
_VULKAN_MATRIX_FAMILIES = ("rdna3", "rdna3.5", "rdna4", "turing", "ampere", "ada", "hopper", "blackwell")
PATH_BASIS = {
    "tensor": "the runtime drives the card's matrix units",
    "shader": "the runtime's prompt kernels run on the shader ALUs (no matrix units it can drive)",
}


def api_of(runtime_key: str) -> str:
    """The GPU API of a runtime key ("llama.cpp/vulkan" -> "vulkan")."""
    return runtime_key.rsplit("/", 1)[-1]


def matrix_path(device: Device, runtime_key: str) -> str:
    """tensor or shader for a GPU or system; a CPU's widest integer-dot ISA (its units)."""
    if device.kind == "cpu" or device.units != "tensor":
        return device.units
    if api_of(runtime_key) == "vulkan" and device.family not in _VULKAN_MATRIX_FAMILIES:
        return "shader"
    if api_of(runtime_key) == "metal":
        return "shader"
    return "tensor"


def shader_tflops(device: Device) -> float:
    """The FP32 rate of the shader ALUs (a CPU's vector FP32 rate): where quantised blocks are unpacked
    and scaled before (or instead of) the matrix units multiply them."""
    return device.fp32_tflops or device.fp16_tflops


# Architectures whose published FP32 rate counts a second FP32 datapath that integer work cannot use:
# NVIDIA GA10x, AD10x and GH100 SMs have 128 FP32 lanes but 64 INT32 lanes (Ampere GA102, Ada and
# Hopper whitepapers); AMD RDNA3 and later count dual-issued FP32 (VOPD), which integer ops do not get.
# GA100 (A100, A30: HBM parts) keeps 64 + 64 lanes; consumer Blackwell made all 128 lanes INT32-capable.
_DUAL_FP32 = ("ampere", "ada", "hopper", "rdna3", "rdna3.5", "rdna4")


def integer_tops(device: Device) -> float:
    """The shader ALUs' 32-bit integer rate in the FP32 figure's units: where quantised weight blocks
    are unpacked (shifts, masks, scale multiplies)."""
    rate = shader_tflops(device)
    if device.family in _DUAL_FP32 and not (device.family == "ampere" and device.memory_kind == "hbm"):
        return rate / 2
    return rate


def matrix_peak_tflops(device: Device, runtime_key: str) -> float:
    """Dense matrix peak the runtime's prompt kernels scale with, TFLOP/s (0 when unpublished).

    Tensor path: the card's FP16 matrix rate at FP16 accumulate (device.matrix_tflops). Shader path:
    the FP32 rate. A CPU: its int8 dot-product rate.
    """
    if device.kind == "cpu":
        return device.fp32_tflops * CPU_INT8_RATE[device.units]
    if matrix_path(device, runtime_key) == "tensor":
        return device.matrix_tflops
    return shader_tflops(device)
