"""Run settings read from a calibration row's notes: split mode, flash attention, KV type, batch sizes,
threads, file size and which expert tensors stayed in system RAM.

Each setting is what the source printed; a row whose notes say nothing keeps the runtime's default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GIB = 1024**3


@dataclass(frozen=True)
class Settings:
    """What the notes say about how a row was run (None: not stated)."""

    split: str | None = None  # layer | tensor
    flash: bool | None = None
    kv_dtype: str | None = None
    ubatch: int | None = None
    nbatch: int | None = None
    threads: int | None = None
    file_gib: float | None = None
    expert_host_share: float | None = None  # share of routed experts kept in system RAM
    runtime: str | None = None  # cuda | rocm | vulkan | metal, when the notes name it


def _split(notes: str) -> str | None:
    low = notes.lower()
    if re.search(r"-sm (tensor|row|graph)|split[- ]mode (tensor|row|graph)|\btp=[2-9]|tensor split'", low):
        return "tensor"
    if re.search(r"-sm layer|split[- ]mode layer|layer split|default split|\bsplit mode layer", low):
        return "layer"
    return None


def _flash(notes: str) -> bool | None:
    low = notes.lower()
    if re.search(r"\bfa[ =]?0\b|-fa 0|flash-attn off|without flash attention", low):
        return False
    if re.search(
        r"\bfa[ =]?1\b|-fa\b|-fa on|--flash-attn on|flash attention on|\bfa on\b|, fa\b|\bfa\)", low
    ):
        return True
    return None


def _kv(notes: str) -> str | None:
    low = notes.lower()
    for pattern, dtype in (
        (r"(kv|-ctk) q8_0|q8_0 kv", "q8_0"),
        (r"(kv|-ctk) q4_0|q4_0 kv", "q4_0"),
        (r"fp8[/_ ]?(e4m3|e5m2)? kv|fp8 kv", "fp8"),
        (r"kv f16|f16 kv", "f16"),
    ):
        if re.search(pattern, low):
            return dtype
    return None


def _int(pattern: str, notes: str) -> int | None:
    m = re.search(pattern, notes)
    return int(m.group(1)) if m else None


def _expert_share(notes: str, layers: int) -> float | None:
    low = notes.lower()
    if m := re.search(r"last (\d+) of (\d+) layers on cpu", low):
        return int(m.group(1)) / int(m.group(2))
    if m := re.search(r"blk\.(\d+)-(\d+) ffn=cpu", low):
        return (int(m.group(2)) - int(m.group(1)) + 1) / layers
    if m := re.search(r"ffn of layers (\d+)-(\d+) on cpu", low):
        return (int(m.group(2)) - int(m.group(1)) + 1) / layers
    if m := re.search(r"ffn of layers (\d+)-(\d+) on cuda0, all other ffn on cpu", low):
        return 1 - (int(m.group(2)) - int(m.group(1)) + 1) / layers
    if re.search(r"exps[.=]?=?cpu|_exps=cpu|exps\.=cpu|routed experts (on|in) (the )?(cpu|system ram)", low):
        return 1.0
    return None


def _runtime(notes: str) -> str | None:
    low = notes.lower()
    if re.search(r"\bvulkan\b", low) and not re.search(r"backend (hip|rocm)", low):
        return "vulkan"
    if re.search(r"\brocm\b|\bhip\b", low):
        return "rocm"
    if re.search(r"\bmetal\b", low):
        return "metal"
    if re.search(r"\bcuda\b", low):
        return "cuda"
    return None


def _flags(notes: str) -> tuple[bool | None, int | None]:
    """(flash attention, batch) from a `flags '...'` field: a summary table's run flags, whose legend
    ("fa=1 = flash attention on; b=256 = batch 256") would otherwise read as settings of every row."""
    m = re.search(r"flags '([^']*)'", notes)
    if not m:
        return None, None
    batch = re.search(r"\bb=(\d+)", m.group(1))
    return bool(re.search(r"\bfa=1\b", m.group(1))), int(batch.group(1)) if batch else None


def read(notes: str, layers: int) -> Settings:
    """The settings a row's notes state."""
    gib = re.search(r"(\d+(?:\.\d+)?) GiB", notes)
    flag_fa, flag_batch = _flags(notes)
    return Settings(
        split=_split(notes),
        flash=flag_fa if flag_fa is not None else _flash(notes),
        kv_dtype=_kv(notes),
        ubatch=_int(r"(?:-ub|n_ubatch|ubatch \(ub\)|\(ub\)) (\d+)", notes),
        nbatch=flag_batch or _int(r"(?:-b|n_batch) (\d+)", notes),
        threads=_int(r"(?:-t|cpu_infer) (\d+)", notes) or _int(r"(\d+) threads", notes),
        file_gib=float(gib.group(1)) if gib else None,
        expert_host_share=_expert_share(notes, layers),
        runtime=_runtime(notes),
    )
