"""Token generation: bytes per token over the achieved bandwidth, attention over the cached context,
fixed per-layer and per-token costs, and the hops between devices.

Layer split runs the cards one after another (times add, plus a hop per boundary); tensor split runs
them side by side (the slowest card counts) and pays two all-reduces per layer over the real link.
"""

from __future__ import annotations

from planner.perf.cpu import stream_bandwidth_gbs, sync_width
from planner.perf.device import Device
from planner.perf.links import link_gbs
from planner.perf.memory import kv_cache_bytes, touched_expert_share, weight_params, weight_split
from planner.perf.peaks import api_of, matrix_path, matrix_peak_tflops, shader_tflops
from planner.perf.placement import Placement, Share, place
from planner.perf.prefill import attention_flops_per_token, matmul_flops_per_token
from planner.perf.runtime import choose_runtime
from planner.perf.terms import Term, bandwidth_factors, make_ctx, quant_class, share_ctx, total
from planner.perf.workload import Workload
from planner.schema.llm import Llm

# llama.cpp multiplies quantised weights by a vector with mat-vec kernels (MMVQ) for up to 8 columns;
# beyond that its matrix kernels take over (the compute term).
MATVEC_MAX_TOKENS = 8
# Extra ALU instructions per weight where a GPU has no four-way int8 dot product and llama.cpp's
# ggml_cuda_dp4a emulates it: on NVIDIA sm < 6.1 the byte products compile to about 16 instructions
# (eight sign-extending byte extracts, four 16-bit multiplies, four adds) in place of one dp4a, +15
# per 4 weights; on AMD gfx900 / RDNA1 ggml's SDWA sequence is 6 (four byte multiplies, two 3-way
# adds), +5 per 4. Counted from the kernel source, not fitted: no calibration run covers two such cards.
# The NVIDIA count is an estimate of the compiled code (uncertain); its one check is the Tesla P100's
# held-out decode error (+69 % -> +11 % leave-one-source-out, benchmarks/accuracy.py).
DP4A_EMULATION_OPS = {"nvidia": 15 / 4, "amd": 5 / 4}
DOT_RUNTIMES = ("llama.cpp", "ik_llama.cpp")
DOT_APIS = ("cuda", "rocm")
DOT_QUANTS = ("legacy", "k", "iq", "q8", "mxfp4")  # formats whose mat-vec is an int8 dot product


def emulated_dot_ops(device: Device, runtime_key: str, quant_kind: str) -> float:
    """Extra instructions per weight this device spends emulating dp4a under this runtime (0: none)."""
    if device.int8_dot or device.kind != "gpu" or quant_kind not in DOT_QUANTS:
        return 0.0
    if runtime_key.split("/")[0] not in DOT_RUNTIMES or api_of(runtime_key) not in DOT_APIS:
        return 0.0
    return DP4A_EMULATION_OPS.get(device.vendor_key, 0.0)


# Rows of a GPU matrix tile llama.cpp's decode attention fills with the query heads that share one
# cached key and value (its FA kernels pack the GQA group into the tile; an absorbed MLA model is one
# KV head for all query heads). A 16-row MMA tile is the unit on NVIDIA and AMD matrix units.
ATTENTION_TILE_ROWS = 16


def query_group(model: Llm) -> int:
    """Query heads reading each cached key and value: the GQA ratio, or every head under MLA."""
    if model.mla is not None:
        return model.attention_heads
    return max(1, model.attention_heads // max(1, model.kv_heads))


def tile_use(model: Llm, device: Device, runtime_key: str | None = None) -> float:
    """Share of the matrix tile decode attention fills where the runtime drives matrix units (1 on a
    CPU or a shader path, which have no tiles to leave idle): one token's attention is a (group x
    head_dim) by (head_dim x context) product, so a small GQA group leaves most of the tile's rows
    idle and MLA's 128 heads fill it."""
    if device.kind == "cpu" or (runtime_key is not None and matrix_path(device, runtime_key) != "tensor"):
        return 1.0
    return min(query_group(model), ATTENTION_TILE_ROWS) / ATTENTION_TILE_ROWS


def emulation_terms(share: Share, index: int, workload: Workload, tokens: int) -> list[Term]:
    """ALU time a GPU without an int8 dot-product instruction spends emulating it in llama.cpp's
    quantised mat-vec: the extra instructions of every weight read, at the FP32 issue rate (FMA
    slots/s), not hidden behind the weight stream (P100, sm_60: 30 % of its HBM bandwidth in tg128
    where dp4a Pascal cards reach 50-60 %). Batches beyond the mat-vec kernels run on the matrix path."""
    d = share.device
    extra = emulated_dot_ops(d, share.runtime.key, quant_class(workload.quant))
    rate = shader_tflops(d) * 1e12 / 2
    if not extra or tokens > MATVEC_MAX_TOKENS or rate <= 0:
        return []
    routed = touched_expert_share(workload.model, tokens)
    count = tokens * weight_params(workload.model).read(share.dense, share.experts, routed)
    return [Term(count * extra / rate, (), None, index, "dp4a emulation")]


def share_terms(
    share: Share, index: int, workload: Workload, context: int, tokens: int, layers_run: float, mode: str
) -> tuple[list[Term], list[Term], list[Term]]:
    """(memory, compute, always-paid) terms of one device's part of a step of `tokens` streams at `context`."""
    model, d = workload.model, share.device
    ctx = share_ctx(share, workload, mode)
    bw = stream_bandwidth_gbs(d) * 1e9
    factors = bandwidth_factors(d)
    weights = weight_split(model, workload.quant).read(
        share.dense, share.experts, touched_expert_share(model, tokens)
    )
    kv = kv_cache_bytes(model, workload.kv_dtype, context) * share.kv * tokens
    memory = [Term(weights / bw, factors, ctx, index, "weights")]
    peak = matrix_peak_tflops(d, share.runtime.key) * 1e12 or float("inf")  # unpublished peak: decode stays memory-bound
    compute = [
        Term(
            tokens * matmul_flops_per_token(model) * share.layers_share / peak, (("compute", -1),), ctx, index
        )
    ]
    # Attention runs after the weight kernels, not beside them: it adds its cache read (at the
    # attention kernels' own efficiency) and its arithmetic, which dominates on CPUs at long context.
    fixed = [
        Term(kv / bw, (*factors, ("kv_attention", 1)), ctx, index, "kv cache"),
        Term(
            tokens * attention_flops_per_token(model, context) * share.kv / peak / tile_use(model, d, share.runtime.key),
            (("decode_attention", -1),),
            ctx,
            index,
            "attention",
        ),
        Term(1e-6 * model.layers * layers_run * sync_width(d), (("layer_us", 1),), ctx, index, "per layer"),
        # The per-token cost (graph launch, sampling, host sync) is paid by each device in proportion
        # to the layers it runs: the whole of it on one device or on each card of a tensor split.
        Term(1e-6 * layers_run, (("token_us", 1),), ctx, index, "per token"),
        *emulation_terms(share, index, workload, tokens),
    ]
    return memory, compute, fixed


def share_step(
    share: Share, index: int, workload: Workload, context: int, tokens: int, mode: str
) -> tuple[list[Term], bool]:
    """One device's terms of a decode step (the larger of memory and compute, plus what is always
    paid), and whether memory bounds it."""
    run = 1.0 if (mode == "tensor" and share.role == "gpu") else share.layers_share
    mem, comp, fixed = share_terms(share, index, workload, context, tokens, run, mode)
    part, was_memory = _branch(mem, comp)
    return [*part, *fixed], was_memory


def _branch(memory: list[Term], compute: list[Term]) -> tuple[list[Term], bool]:
    """The larger of the memory and compute parts (a step waits for both), and whether memory won."""
    return (memory, True) if total(memory) >= total(compute) else (compute, False)


def layout_terms(placement: Placement, workload: Workload, tokens: int) -> list[Term]:
    """Terms of the layout itself: hops between cards, all-reduces, host round trips."""
    model = workload.model
    active = [(i, s) for i, s in enumerate(placement.shares) if s.layers_share > 0]
    if not active:
        return []
    gpus = [s for _, s in active if s.role == "gpu"]
    lead = gpus[0] if gpus else active[0][1]
    ctx = share_ctx(lead, workload, placement.mode)
    out: list[Term] = []
    devices = [s.device for s in gpus]
    if len(gpus) > 1:
        bw, latency, _ = link_gbs(devices)
        if placement.mode == "tensor":
            n = len(gpus)
            ring = 2 * (n - 1) / n * model.hidden_size * tokens * 2 / (bw * 1e9)
            out.append(Term(2 * model.layers * 1e-6, (("allreduce_us", 1),), ctx, -1, "all-reduce"))
            out.append(Term(2 * model.layers * latency, (), None, -1, "all-reduce latency"))
            out.append(Term(2 * model.layers * ring, (("link", -1),), ctx, -1, "all-reduce bytes"))
        else:
            hops = len(gpus) - 1
            out.append(Term(hops * 1e-6, (("hop_us", 1),), ctx, -1, "hops"))
            hop_bytes = hops * model.hidden_size * tokens * 2 / (bw * 1e9)
            out.append(Term(hop_bytes, (("link", -1),), ctx, -1, "hop bytes"))
    if gpus and len(gpus) < len(active):
        if placement.offload == "experts":
            # -ot exps=CPU bounces the hidden state GPU -> CPU -> GPU in every MoE layer.
            moe_layers = model.layers - (model.moe.dense_layers if model.moe else 0)
            out.append(Term(2 * moe_layers * 1e-6, (("sync_us", 1),), ctx, -1, "expert round trips"))
        else:
            out.append(Term(2e-6, (("hop_us", 1),), ctx, -1, "host hop"))
    return out


def step_terms(
    placement: Placement, workload: Workload, context: int, tokens: int = 1
) -> tuple[list[Term], str]:
    """Terms of one decode step of `tokens` concurrent streams at `context`, and what bounds it."""
    mode = placement.mode
    terms: list[Term] = []
    memory_bound = True
    gpu_parts: list[list[Term]] = []
    for i, s in enumerate(placement.shares):
        if s.layers_share <= 0:
            continue
        part, was_memory = share_step(s, i, workload, context, tokens, mode)
        if s.role == "gpu" and mode == "tensor":
            gpu_parts.append(part)
            continue
        memory_bound &= was_memory
        terms += part
    if gpu_parts:
        # Tensor parallel: every card runs every layer on its slice; the slowest card sets the pace.
        terms += max(gpu_parts, key=total)
    terms += layout_terms(placement, workload, tokens)
    return terms, "memory" if memory_bound else "compute"


def step_seconds(
    placement: Placement, workload: Workload, context: int, tokens: int = 1
) -> tuple[float, str]:
    """Seconds for one decode step of `tokens` concurrent streams at `context`, and what bounds it."""
    terms, bound = step_terms(placement, workload, context, tokens)
    return total(terms), bound


def decode_context(workload: Workload) -> int:
    """Context length at the middle of generation: the average KV read of the answer's tokens."""
    return workload.depth + workload.prompt + max(1, workload.generate) // 2


def decode_tokens_per_s(placement: Placement, workload: Workload) -> float:
    """Batch-1 tokens/s averaged over `generate` tokens after depth + prompt (the KV read grows)."""
    seconds, _ = step_seconds(placement, workload, decode_context(workload), 1)
    return 1 / seconds


def effective_bandwidth_gbs(device: Device, backend: str, runtime: str | None = None) -> float:
    """Memory bandwidth the backend achieves on this device when streaming weights, GB/s (any quant)."""
    ctx = make_ctx(choose_runtime(device, backend, runtime).key, device, None, True)
    return stream_bandwidth_gbs(device) / Term(1.0, bandwidth_factors(device), ctx).coefficient()


def per_token_overhead_s(device: Device, backend: str, model: Llm, runtime: str | None = None) -> float:
    """Fixed time per generated token that no bandwidth removes (kernel launches, syncs), seconds."""
    ctx = make_ctx(choose_runtime(device, backend, runtime).key, device, None, True)
    layers = Term(1e-6 * model.layers * sync_width(device), (("layer_us", 1),), ctx)
    return total([layers, Term(1e-6, (("token_us", 1),), ctx)])


def _split_seconds(devices: list[Device], workload: Workload, mode: str) -> float:
    gpus = [(d, choose_runtime(d, workload.backend, workload.runtime)) for d in devices]
    placement = place(gpus, workload, mode, "none", None)
    return step_seconds(placement, workload, decode_context(workload), 1)[0]


def decode_seconds_per_token_layer_split(devices: list[Device], workload: Workload) -> float:
    """Seconds per batch-1 token with the model split by layers over `devices` in proportion to memory.

    Layers run in sequence, so the time is the sum over cards of their bytes / their bandwidth:
    more cards add capacity, not speed.
    """
    return _split_seconds(devices, workload, "layer")


def decode_seconds_per_token_tensor_split(devices: list[Device], workload: Workload) -> float:
    """Seconds per batch-1 token with every layer split across `devices` (tensor parallel)."""
    return _split_seconds(devices, workload, "tensor")
