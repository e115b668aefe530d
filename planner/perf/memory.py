"""Bytes: weights by format, KV cache (GQA, MLA and sliding-window aware), and runtime overheads per device.

These are the building blocks the solver reuses to decide whether a model fits a set of cards.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from planner.perf.constants import section
from planner.perf.device import Device
from planner.perf.terms import quant_class
from planner.perf.workload import KV_DTYPE_BYTES, Workload
from planner.schema.llm import Llm, Quant

GB = 1e9


def weight_bytes(model: Llm, quant: Quant) -> float:
    """Bytes of the whole weight file: every parameter at the format's average bits per weight."""
    return model.params_b * 1e9 * quant.bits_per_weight / 8


def expert_params_b(model: Llm) -> float:
    """Billions of parameters in routed experts (0 for a dense model).

    From total = dense + experts and active = dense + experts x k / E.
    """
    if model.moe is None:
        return 0.0
    share = model.moe.experts_per_token / model.moe.experts
    return (model.params_b - model.active_params_b) / (1 - share)


def touched_expert_share(model: Llm, tokens: int) -> float:
    """Expected share of routed experts one step reads when `tokens` tokens route independently."""
    if model.moe is None:
        return 1.0
    share = model.moe.experts_per_token / model.moe.experts
    return 1 - (1 - share) ** max(1, tokens)


@functools.lru_cache(maxsize=256)
def tied_embeddings(model: Llm) -> bool:
    """Whether the output head reuses the input embedding, so the whole matrix is read every token.

    The schema has no field for it yet; catalogue notes say "tied embeddings" or "untied head".
    """
    return re.search(r"(?<!un)tied (embedding|input)", model.notes, re.IGNORECASE) is not None


@dataclass(frozen=True)
class WeightSplit:
    """Bytes of a weight file by role: dense tensors (with a tied head), routed experts, input embedding."""

    dense: float
    experts: float
    embedding: float
    tied: bool = False

    def read(self, dense_share: float, expert_share: float, routed: float = 1.0) -> float:
        """Bytes a device holding these shares reads when `routed` of the experts are used."""
        return self.dense * dense_share + self.experts * expert_share * routed


@functools.lru_cache(maxsize=1024)
def dense_bits_floor(quant: Quant) -> float:
    """Bits below which an MoE file does not take its attention and shared parts: MXFP4's Q8_0 rest,
    a GGUF K/IQ mix's 4-6 bit tensors; GPTQ, AWQ, EXL2 and MLX quantise every linear layer alike."""
    weights = section("weights")
    if quant_class(quant) == "mxfp4":
        return float(weights["moe_dense_bits_min"])
    if quant.family == "gguf":
        return float(weights.get("moe_dense_bits_min_kquant", weights["moe_dense_bits_min"]))
    return 0.0


def weight_split(model: Llm, quant: Quant) -> WeightSplit:
    """Split the file's bytes into dense, expert and embedding parts.

    MoE releases quantise the experts hardest and keep attention, shared experts and embeddings wider:
    MXFP4 is an experts-only format (gpt-oss GGUF: MXFP4 experts, Q8_0 the rest), K- and IQ-quant
    MoE files keep them at 4-6 bits. Below the format's floor the dense part is taken at the floor and
    the experts get the rest of the file's bits.
    """
    experts = expert_params_b(model)
    emb = model.embedding_params_b
    dense = max(model.params_b - experts - emb, 0.0)
    bits = quant.bits_per_weight
    dense_bits = expert_bits = bits
    floor = dense_bits_floor(quant)
    if experts > 0 and bits < floor:
        dense_bits = floor
        expert_bits = max(1.0, (model.params_b * bits - (dense + emb) * floor) / experts)
    scale = 1e9 / 8
    tied = tied_embeddings(model)
    # A tied head is the embedding matrix used as the output layer: a full read per token.
    head = emb if tied else 0.0
    return WeightSplit(
        (dense + head) * dense_bits * scale, experts * expert_bits * scale, emb * dense_bits * scale, tied
    )


def weight_params(model: Llm) -> WeightSplit:
    """The same split in parameters, not bytes (each weight counted once, whatever its bits)."""
    experts = expert_params_b(model)
    emb = model.embedding_params_b
    dense = max(model.params_b - experts - emb, 0.0)
    head = emb if tied_embeddings(model) else 0.0
    return WeightSplit((dense + head) * 1e9, experts * 1e9, emb * 1e9, tied_embeddings(model))


def decode_weight_bytes(model: Llm, quant: Quant, tokens: int = 1) -> float:
    """Weight bytes one decode step reads for `tokens` concurrent tokens.

    The input embedding is a row look-up, so it is left out; an MoE reads its dense part plus the
    experts the batch routes to (k of E for one token, nearly all of them for a large batch).
    """
    return weight_split(model, quant).read(1.0, 1.0, touched_expert_share(model, tokens))


def kv_bytes_per_token(model: Llm, dtype: str = "f16") -> float:
    """KV-cache bytes one token adds across all layers while it is within every window.

    GQA stores kv_heads x head_dim keys and values per layer; MLA stores one compressed latent
    (kv_lora_rank) plus the decoupled RoPE key per layer, shared by all heads.
    """
    element = KV_DTYPE_BYTES[dtype]
    if model.mla is not None:
        per_layer = (model.mla.kv_lora_rank + model.mla.rope_head_dim) * element
    else:
        per_layer = 2 * model.kv_heads * model.head_dim * element
    return per_layer * model.layers


def kv_cache_bytes(model: Llm, dtype: str, context: int) -> float:
    """KV-cache bytes for one stream holding `context` tokens; sliding-window layers keep only the window."""
    per_layer_token = kv_bytes_per_token(model, dtype) / model.layers
    full_layers = model.layers - model.sliding_layers
    window = model.sliding_window or context
    return per_layer_token * (full_layers * context + model.sliding_layers * min(context, window))


def runtime_overhead_gb(device: Device, runtime: str, backend: str) -> float:
    """Fixed memory a runtime takes on a device before any weight: driver context, graphs, pools."""
    mem = section("memory")
    if device.kind == "cpu":
        return float(mem["os_reserve_gb"])
    base = float(mem["runtime_context_gb"].get(runtime, mem["runtime_context_gb"]["default"]))
    extra = float(mem["backend_extra_gb"].get(backend, 0.0))
    return base + extra


def compute_buffer_gb(model: Llm, workload: Workload, last: bool, share: float = 1.0) -> float:
    """Scratch for activations of one physical batch (llama.cpp's compute buffer and its kin).

    Logits (vocab x ubatch, f32) live on the device holding the output layer; hidden-state scratch
    scales with width; without flash attention the K.Q score matrix (heads x ubatch x context) is
    materialised too, which is why it grows with context.
    """
    mem = section("memory")
    ubatch = max(1, min(workload.ubatch, max(workload.prompt, workload.batch)))
    if workload.backend == "exllamav2":
        ubatch = max(ubatch, int(mem["exllamav2_chunk_tokens"]))
    width_factor = float(mem["activation_width_factor"])
    act = 4 * ubatch * model.hidden_size * width_factor
    logits = 4 * ubatch * model.vocab_size if last else 0.0
    scores = 0.0
    if not workload.flash_attention:
        scores = 4 * ubatch * model.attention_heads * workload.context_tokens * share
    return (act + logits + scores) / GB


def margin_gb(capacity_gb: float, backend: str = "llama.cpp") -> float:
    """Headroom kept free on every device (fragmentation, display, allocator slack).

    vLLM's gpu_memory_utilization already leaves its share of the card free, so nothing is added.
    """
    if backend == "vllm":
        return 0.0
    mem = section("memory")
    return float(mem["margin_gb"]) + float(mem["margin_fraction"]) * capacity_gb


def usable_capacity_gb(device: Device, backend: str) -> float:
    """Memory the backend may fill, decimal GB: vLLM pre-allocates gpu_memory_utilization of the card."""
    # Marketed sizes are binary: a "24 GB" card holds 24 GiB, 25.8 decimal GB like every other figure here.
    capacity = device.memory_bytes / GB
    if backend == "vllm" and device.kind != "cpu":
        return capacity * float(section("memory")["vllm_gpu_memory_utilization"])
    return capacity
