"""Prompt processing: matrix FLOPs over the device's matrix peak (per-quant dequantisation in the fitted
share), the attention term that grows with context at attention-kernel speed, the weights streamed once
per physical batch, and llama.cpp's pipelining of micro-batches across cards in a layer split.
"""

from __future__ import annotations

import math

from planner.perf.cpu import stream_bandwidth_gbs, sync_width
from planner.perf.device import Device
from planner.perf.links import link_gbs, pcie_line_gbs
from planner.perf.memory import touched_expert_share, weight_params, weight_split
from planner.perf.peaks import integer_tops, matrix_peak_tflops, shader_tflops
from planner.perf.placement import Placement, Share
from planner.perf.runtime import choose_runtime
from planner.perf.terms import Term, bandwidth_factors, make_ctx, quant_class, share_ctx, total
from planner.perf.workload import Workload
from planner.schema.llm import Llm

PIPELINED = ("llama.cpp", "ik_llama.cpp")  # llama.cpp overlaps micro-batches across layer-split cards
HOST_TO_GPU_MIN_BATCH = 32  # llama.cpp computes host-resident layers on the GPU from this batch size
TILE_TOKENS = 64  # tokens per weight tile in llama.cpp's GPU prompt kernels (MMQ's mmq_x is 64-128)


def matmul_flops_per_token(model: Llm) -> float:
    """2 FLOPs (one multiply-add) per active parameter, the embedding look-up excluded."""
    return 2 * (model.active_params_b - model.embedding_params_b) * 1e9


def attention_flops_per_token(model: Llm, context: int) -> float:
    """FLOPs of QK^T and AV for one token attending to `context` cached tokens, all layers."""
    if model.mla is not None:
        # Absorbed MLA attends in the latent space: keys kv_lora_rank + rope wide, values kv_lora_rank.
        width = model.attention_heads * (2 * model.mla.kv_lora_rank + model.mla.rope_head_dim) / 2
    else:
        width = model.attention_heads * model.head_dim
    full = model.layers - model.sliding_layers
    window = model.sliding_window or context
    return 4 * width * (full * context + model.sliding_layers * min(context, window))


def prompt_flops(model: Llm, prompt: int, depth: int = 0) -> float:
    """FLOPs to process `prompt` tokens after `depth` cached ones (causal: token i sees depth + i)."""
    if prompt <= 0:
        return 0.0
    # Attention cost is piecewise linear in the position; the midpoint is exact without windows.
    middle = depth + (prompt + 1) / 2
    return prompt * (matmul_flops_per_token(model) + attention_flops_per_token(model, int(middle)))


def peak_tflops(device: Device, runtime: str | None = None) -> float:
    """The matrix peak prompt kernels scale with: the units the runtime drives (perf.peaks); with no
    runtime given, the device's own matrix peak."""
    return device.matrix_tflops if runtime is None else matrix_peak_tflops(device, runtime)


def effective_tflops(device: Device, backend: str, runtime: str | None = None) -> float:
    """Achieved TFLOP/s for prompt-sized matrix work with this backend on this device (any quant)."""
    key = choose_runtime(device, backend, runtime).key
    ctx = make_ctx(key, device, None, True)
    per_flop = Term(1.0, (("compute", -1),), ctx).coefficient() / matrix_peak_tflops(device, key)
    if device.kind != "cpu":  # any quant: the quantised kernels' rate
        per_flop += Term(1.0, (("dequant", -1),), ctx).coefficient() / integer_tops(device)
    return 1 / per_flop


def attention_peak(compute_on: Share, matrix_peak: float) -> float:
    """FLOP/s attention kernels scale with: the matrix peak on a GPU and under ik_llama.cpp's CPU flash
    attention (Q quantised to Q8 and multiplied with its int8 GEMM kernels); mainline llama.cpp's CPU
    path takes F16 dot products on FP32 FMA lanes, the CPU's FP32 vector rate."""
    device = compute_on.device
    if device.kind == "cpu" and not compute_on.runtime.key.startswith("ik_llama.cpp"):
        return shader_tflops(device) * 1e12
    return matrix_peak


def tile_inflation(model: Llm, ubatch: int) -> float:
    """GPU matmul work per useful FLOP relative to a dense model: the routed experts of a micro-batch
    each see ubatch x k / E tokens on average (16 for gpt-oss-120b at -ub 512), and an expert that
    sees fewer tokens than a kernel tile still unpacks and multiplies whole tiles of its weights."""
    if model.moe is None:
        return 1.0
    split = weight_params(model)
    routed = split.experts * model.moe.experts_per_token / model.moe.experts
    dense = max(model.active_params_b * 1e9 - model.embedding_params_b * 1e9 - routed, 0.0)
    touched = touched_expert_share(model, ubatch)
    per_expert = max(1e-9, ubatch * model.moe.experts_per_token / (model.moe.experts * touched))
    inflation = max(1.0, TILE_TOKENS / per_expert)
    return (dense + routed * inflation) / max(dense + routed, 1e-9)


def share_prefill_terms(
    share: Share, index: int, workload: Workload, mode: str, compute_on: Share, ubatches: int, run: float
) -> list[Term]:
    """Compute, weight streaming and fixed terms of one share's part of the whole prompt.

    `compute_on` is the share whose device does the arithmetic (a GPU for host-resident layers in
    mainline llama.cpp); `run` the share of layers whose kernels this device launches.
    """
    model, d = workload.model, share.device
    peak = matrix_peak_tflops(compute_on.device, compute_on.runtime.key) * 1e12
    ctx = share_ctx(share, workload, mode)
    cctx = share_ctx(compute_on, workload, mode)
    mm = workload.prompt * matmul_flops_per_token(model) * share.layers_share
    att = prompt_flops(model, workload.prompt, workload.depth) - workload.prompt * matmul_flops_per_token(
        model
    )
    routed = touched_expert_share(model, workload.ubatch)
    weights = weight_split(model, workload.quant).read(share.dense, share.experts, routed)
    gpu = compute_on.device.kind != "cpu"
    tiles = tile_inflation(model, min(batching(workload)[0], workload.prompt)) if gpu else 1.0
    out = [
        Term(mm * tiles / peak, (("compute", -1),), cctx, index, "matmul"),
        Term(att * share.kv / attention_peak(compute_on, peak), (("attention", -1),), cctx, index, "attention"),
        Term(
            ubatches * 1e-6 * model.layers * run * sync_width(d), (("layer_us", 1),), ctx, index, "per layer"
        ),
        Term(ubatches * 1e-6 * run, (("token_us", 1),), ctx, index, "per batch"),
    ]
    if gpu and quant_class(workload.quant) != "float":
        # GPU prompt kernels (llama.cpp MMQ, mul_mm) load and unpack each weight tile with integer ops
        # on the shader ALUs once per tile of tokens, then multiply it (on the matrix units where the
        # runtime drives them): work in proportion to the (tile-padded) matmul FLOPs at the integer
        # rate. Why an A100 (19.5 INT32 TOPS) runs pp512 at half a 4090's (41.3) speed although their
        # matrix peaks match. F16/BF16 weights go straight to GEMM.
        shader = integer_tops(compute_on.device) * 1e12
        out.append(Term(mm * tiles / shader, (("dequant", -1),), cctx, index, "dequantise"))
    if compute_on is share:
        stream = ubatches * weights / (stream_bandwidth_gbs(d) * 1e9)
        out.append(Term(stream, bandwidth_factors(d), ctx, index, "weights per batch"))
    else:
        # llama.cpp copies host-resident weights to the GPU for each large batch and computes there.
        copy = ubatches * weights / (pcie_line_gbs(compute_on.device) * 1e9)
        out.append(Term(copy, (("pcie", -1),), cctx, index, "weights over PCIe"))
    return out


def batching(workload: Workload) -> tuple[int, int, int]:
    """(micro-batch tokens, micro-batches in the prompt, micro-batches per logical batch)."""
    ub = max(1, min(workload.ubatch, workload.nbatch))
    return ub, math.ceil(workload.prompt / ub), math.ceil(min(workload.prompt, workload.nbatch) / ub)


def prefill_terms(placement: Placement, workload: Workload) -> list[Term]:
    """Terms of processing the prompt (after `depth` cached tokens) under this placement."""
    model = workload.model
    if workload.prompt <= 0:
        return []
    ub, ubatches, per_batch = batching(workload)
    mode = placement.mode
    active = [(i, s) for i, s in enumerate(placement.shares) if s.layers_share > 0]
    gpus = [(i, s) for i, s in active if s.role == "gpu"]
    cards: list[list[Term]] = []
    for i, s in gpus:
        run = 1.0 if mode == "tensor" else s.layers_share
        cards.append(share_prefill_terms(s, i, workload, mode, s, ubatches, run))
    terms: list[Term] = []
    lead = gpus[0][1] if gpus else active[0][1]
    lctx = share_ctx(lead, workload, mode)
    if mode == "tensor" and cards:
        terms += max(cards, key=total)
        bw, latency, _ = link_gbs([s.device for _, s in gpus])
        n = len(gpus)
        ring = 2 * (n - 1) / n * model.hidden_size * ub * 2 / (bw * 1e9)
        count = 2 * model.layers * ubatches
        terms += [
            Term(count * 1e-6, (("allreduce_us", 1),), lctx, -1, "all-reduce"),
            Term(count * latency, (), None, -1, "all-reduce latency"),
            Term(count * ring, (("link", -1),), lctx, -1, "all-reduce bytes"),
        ]
    elif len(cards) > 1 and workload.backend in PIPELINED and per_batch > 1:
        # Micro-batches flow through the cards like a pipeline: all stages once, then the slowest
        # stage for each further micro-batch.
        slowest = max(range(len(cards)), key=lambda k: total(cards[k]))
        for k, card in enumerate(cards):
            weight = 1 / per_batch + ((per_batch - 1) / per_batch if k == slowest else 0.0)
            terms += [t.scaled(weight) for t in card]
    else:
        terms += [t for card in cards for t in card]
    if len(gpus) > 1 and mode != "tensor":
        bw, _, _ = link_gbs([s.device for _, s in gpus])
        hops = ubatches * (len(gpus) - 1)
        terms += [
            Term(hops * 1e-6, (("hop_us", 1),), lctx, -1, "hops"),
            Term(hops * model.hidden_size * ub * 2 / (bw * 1e9), (("link", -1),), lctx, -1, "hop bytes"),
        ]
    for i, s in active:
        if s.role == "gpu":
            continue
        # Mainline llama.cpp copies host weights to the GPU for large batches; ik_llama.cpp computes
        # them where they are, with its repacked CPU kernels.
        on_gpu = gpus and workload.backend == "llama.cpp" and ub >= HOST_TO_GPU_MIN_BATCH
        compute_on = gpus[0][1] if on_gpu else s
        terms += share_prefill_terms(s, i, workload, mode, compute_on, ubatches, s.layers_share)
    return terms


def prefill_seconds(placement: Placement, workload: Workload) -> float:
    """Seconds to process the prompt (after `depth` cached tokens) under this placement."""
    return total(prefill_terms(placement, workload))
