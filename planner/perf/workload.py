"""Workload: which model, in which weight format, how long a prompt and answer, on which backend.

Also the quantisation name resolver, so users may write "q4_0", "Q4-0" or "exl2-4.65bpw".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from planner.schema.llm import Llm, Quant

Split = Literal["layer", "tensor", "auto"]
Offload = Literal["none", "layers", "experts", "auto"]
KV_DTYPE_BYTES: dict[str, float] = {
    "f32": 4.0,
    "f16": 2.0,
    "bf16": 2.0,
    "fp8": 1.0,
    "q8_0": 34 / 32,  # GGUF block: 32 int8 values + one f16 scale
    "q4_0": 18 / 32,
}
_EXL2 = re.compile(r"^exl2[-_ ]?(\d+(?:[._-]\d+)?)[-_ ]?bpw$")


class QuantError(ValueError):
    """A quantisation name that is unknown, or that the chosen backend cannot load."""


@dataclass(frozen=True)
class Workload:
    """One inference job: model, weight format, lengths, concurrency, backend and multi-GPU split."""

    model: Llm
    quant: Quant
    prompt: int = 512
    generate: int = 128
    batch: int = 1
    context: int | None = None  # tokens each stream keeps; default prompt + generate (+ depth)
    backend: str = "llama.cpp"
    split: Split = "auto"
    kv_dtype: str = "f16"
    depth: int = 0  # tokens already in the cache before the prompt (llama-bench -d)
    runtime: str | None = None  # force a runtime, e.g. "vulkan" for llama.cpp on an NVIDIA card
    offload: Offload = "auto"  # what goes to system RAM when the GPUs are too small
    flash_attention: bool = True
    ubatch: int = 512  # llama.cpp physical batch for prompt processing
    nbatch: int = 2048  # llama.cpp logical batch: micro-batches within it pipeline across cards
    host_expert_share: float = 1.0  # with offload "experts": the share of routed experts kept in RAM
    edge: str = "conservative"  # the band edge the solver optimises (the estimate reports both)

    def __post_init__(self) -> None:
        if self.prompt < 0 or self.generate < 0 or self.batch < 1 or self.depth < 0:
            raise ValueError("prompt, generate and depth must be >= 0 and batch >= 1")
        if self.kv_dtype not in KV_DTYPE_BYTES:
            raise ValueError(f"kv_dtype {self.kv_dtype!r}: use one of {', '.join(KV_DTYPE_BYTES)}")
        if self.context is not None and self.context < 1:
            raise ValueError("context must be >= 1")
        if self.edge not in ("conservative", "likely"):
            raise ValueError(f"edge {self.edge!r}: use conservative or likely")

    @property
    def context_tokens(self) -> int:
        """Tokens of KV cache each stream must hold."""
        if self.context is not None:
            return self.context
        return max(1, self.depth + self.prompt + self.generate)

    @property
    def kv_bytes_per_element(self) -> float:
        """Bytes per cached K or V value."""
        return KV_DTYPE_BYTES[self.kv_dtype]


def normalise_quant_name(name: str) -> str:
    """Lower case, with "_" and "." turned into "-" ("Q4_K_M" -> "q4-k-m")."""
    return re.sub(r"[_.\s]+", "-", name.strip().lower())


def _exl2_bits(name: str) -> float | None:
    match = _EXL2.match(name.strip().lower())
    return float(re.sub(r"[_-]", ".", match.group(1))) if match else None


def exl2_quant(bits: float, excess: float = 0.0) -> Quant:
    """An EXL2 quant at any nominal bitrate (files are made per bpw); `excess` adds head and embedding bits."""
    if not 1.0 <= bits <= 8.5:
        raise QuantError(f"EXL2 bitrate {bits:g} bpw is outside the 1-8.5 bpw the format produces")
    slug = f"{bits:g}".replace(".", "-")
    return Quant(
        kind="quant",
        id=f"exl2-{slug}bpw",
        name=f"EXL2 {bits:g} bpw",
        vendor="turboderp",
        source="parsed from the name: EXL2 files are made at a chosen average bitrate",
        family="exl2",
        bits_per_weight=bits + excess,
        bits_basis=f"nominal {bits:g} bpw from the name + {excess:.2f} for head and embeddings "
        "(median excess of the catalogue's EXL2 entries)",
        backends=("exllamav2",),
    )


def resolve_quant(name: str, quants: Mapping[str, Quant]) -> Quant:
    """The quant called `name` (id, normalised id or name), or an EXL2 quant parsed from "exl2-<bits>bpw"."""
    wanted = normalise_quant_name(name)
    by_key: dict[str, Quant] = {}
    for key, quant in quants.items():
        for alias in (key, quant.id, quant.name):
            by_key.setdefault(normalise_quant_name(alias), quant)
    if wanted in by_key:
        return by_key[wanted]
    bits = _exl2_bits(name)
    if bits is not None:
        known = {b: q for q in quants.values() if q.family == "exl2" and (b := _exl2_bits(q.id)) is not None}
        if bits in known:
            return known[bits]
        # Files carry a 6-bit head and FP16 embeddings on top of the nominal bitrate: borrow the
        # catalogue's typical excess so an unlisted bitrate is sized like its neighbours.
        excess = sorted(q.bits_per_weight - b for b, q in known.items())
        return exl2_quant(bits, excess[len(excess) // 2] if excess else 0.0)
    close = difflib.get_close_matches(wanted, sorted(by_key), n=4, cutoff=0.5)
    hint = f"; nearest: {', '.join(close)}" if close else ""
    raise QuantError(f"unknown quantisation {name!r}{hint} (EXL2 is written exl2-<bits>bpw)")


def check_quant_backend(quant: Quant, backend: str) -> None:
    """Raise QuantError when the backend cannot load files of this format."""
    loads: set[str] = set(quant.backends)
    if "exllamav2" in loads:
        loads.add("exllama")  # ExLlama v1 loaded the same GPTQ files
    if "llama.cpp" in loads:
        loads.add("ik_llama.cpp")  # the fork loads every GGUF llama.cpp does
    if backend not in loads:
        raise QuantError(
            f"{quant.id} ({quant.family}) does not run on {backend}; it loads in {', '.join(quant.backends)}"
        )
