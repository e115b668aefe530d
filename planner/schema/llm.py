"""Catalogue kinds that describe workloads: LLM architectures and quantisation formats."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, model_validator

from planner.schema.common import Entry, Strict

Backend = Literal["llama.cpp", "vllm", "exllamav2", "mlx"]
# Runtimes a file format loads in: the request backends plus ExLlamaV3 (EXL3 files), which the
# throughput model does not score yet.
QuantBackend = Literal["llama.cpp", "vllm", "exllamav2", "mlx", "exllamav3"]


class Mla(Strict):
    """Multi-head latent attention: the KV cache stores a compressed latent per token."""

    kv_lora_rank: int = Field(ge=1, le=4096, description="Compressed KV width per token.")
    rope_head_dim: int = Field(ge=0, le=512, description="Decoupled RoPE key width per token.")


class LinearAttention(Strict):
    """Linear-attention layers of a hybrid model (e.g. Qwen3-Next's Gated DeltaNet): each keeps a
    fixed-size recurrent state per sequence instead of a KV cache that grows with the context."""

    kind: Literal["gated-deltanet", "lightning", "mamba2"] = Field(description="Linear-attention design.")
    layers: int = Field(ge=1, le=300, description="How many of the model's layers are linear.")
    key_heads: int = Field(ge=1, le=1024, description="Key (and query) heads of a linear layer.")
    value_heads: int = Field(ge=1, le=1024, description="Value heads of a linear layer.")
    key_head_dim: int = Field(ge=16, le=1024, description="Width of one key head.")
    value_head_dim: int = Field(ge=16, le=1024, description="Width of one value head.")
    conv_kernel: int = Field(default=0, ge=0, le=16, description="Short convolution width, if any.")

    def state_values_per_layer(self) -> int:
        """Values one sequence's state holds per layer: value_heads x key_head_dim x value_head_dim
        (the delta-rule matrix), plus the convolution window over q, k and v when there is one."""
        conv = self.conv_kernel * (2 * self.key_heads * self.key_head_dim + self.value_heads * self.value_head_dim)
        return self.value_heads * self.key_head_dim * self.value_head_dim + conv


class Moe(Strict):
    """Mixture-of-experts layout."""

    experts: int = Field(ge=2, le=1024, description="Routed experts per MoE layer.")
    experts_per_token: int = Field(ge=1, le=64, description="Routed experts active per token.")
    shared_experts: int = Field(default=0, ge=0, le=8, description="Always-active experts.")
    dense_layers: int = Field(default=0, ge=0, description="Leading layers that are dense FFN.")


class Llm(Entry):
    """One published LLM, with the architecture facts from its config."""

    kind: Literal["llm"] = Field(description="Entry kind.")
    family: str = Field(min_length=2, description="Model family, e.g. llama-3.")
    year: int = Field(ge=2020, le=2030, description="Release year.")
    params_b: PositiveFloat = Field(le=5_000, description="Total parameters, billions.")
    active_params_b: PositiveFloat = Field(
        le=5_000, description="Parameters used per token, billions (= params_b if dense)."
    )
    embedding_params_b: float = Field(
        ge=0, description="Input embedding parameters (read one row per token), billions."
    )
    layers: int = Field(ge=1, le=300, description="Transformer blocks.")
    hidden_size: int = Field(ge=64, le=65_536, description="Model width.")
    attention_heads: int = Field(ge=1, le=1024, description="Query heads.")
    kv_heads: int = Field(ge=1, le=1024, description="Key/value heads (GQA groups).")
    head_dim: int = Field(ge=16, le=1024, description="Width of one head.")
    vocab_size: int = Field(ge=1000, le=1_000_000, description="Vocabulary.")
    max_context: int = Field(ge=512, le=10_000_000, description="Trained context length.")
    attention: Literal["mha", "gqa", "mqa", "mla"] = Field(description="Attention kind.")
    mla: Mla | None = Field(default=None, description="MLA dimensions, when attention is mla.")
    sliding_window: int | None = Field(
        default=None, ge=64, description="Local attention window, tokens, if any layers use one."
    )
    sliding_layers: int = Field(default=0, ge=0, description="How many of the layers use the sliding window.")
    moe: Moe | None = Field(default=None, description="Expert layout, when MoE.")
    quants: tuple[str, ...] = Field(
        default=(),
        description="Quant ids its weights exist in, when other formats do not shrink it (gpt-oss ships "
        "its experts in MXFP4 and GGUF files of it keep them so); empty: any format.",
    )
    linear_attention: LinearAttention | None = Field(
        default=None,
        description="Hybrid models: the layers that use linear attention (no KV cache); the other "
        "layers use the attention given by attention / kv_heads / head_dim.",
    )

    @model_validator(mode="after")
    def check_architecture_consistent(self) -> Llm:
        if self.active_params_b > self.params_b:
            raise ValueError("active_params_b exceeds params_b")
        if self.attention_heads % self.kv_heads:
            raise ValueError("attention_heads is not a multiple of kv_heads")
        if (self.attention == "mla") != (self.mla is not None):
            raise ValueError("give mla dimensions exactly when attention is mla")
        if (self.moe is None) != (abs(self.active_params_b - self.params_b) < 1e-9):
            raise ValueError("a dense model has active_params_b = params_b; an MoE gives moe")
        if self.sliding_layers > self.layers:
            raise ValueError("sliding_layers exceeds layers")
        if self.sliding_layers and self.sliding_window is None:
            raise ValueError("sliding_layers given without sliding_window")
        linear = self.linear_attention.layers if self.linear_attention else 0
        if linear + self.sliding_layers > self.layers:
            raise ValueError("linear_attention.layers plus sliding_layers exceed layers")
        return self

    @property
    def full_attention_layers(self) -> int:
        """Layers whose KV cache grows with the whole context (not sliding, not linear)."""
        linear = self.linear_attention.layers if self.linear_attention else 0
        return self.layers - self.sliding_layers - linear


class Quant(Entry):
    """A weight format as files are actually written."""

    kind: Literal["quant"] = Field(description="Entry kind.")
    family: Literal[
        "float", "gguf", "gptq", "awq", "exl2", "exl3", "fp8", "mxfp4", "nvfp4", "bnb", "mlx"
    ] = Field(
        description="Format family."
    )
    bits_per_weight: PositiveFloat = Field(
        le=32, description="Average bits per weight of a whole file, high-precision tensors included."
    )
    bits_basis: str = Field(min_length=3, description="How bits_per_weight was obtained.")
    high_precision: str = Field(
        default="", description="Which tensors stay at higher precision and at what width."
    )
    backends: tuple[QuantBackend, ...] = Field(min_length=1, description="Runtimes that load it.")
    needs_fp8_hardware: bool = Field(
        default=False, description="Whether fast kernels need native FP8 (Ada / Hopper or newer)."
    )
    models: tuple[str, ...] = Field(
        default=(),
        description="LLM ids whose published files this mix describes (a model-specific mix such as "
        "Unsloth's dynamic quants); empty: any model.",
    )
