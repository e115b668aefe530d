"""The `planner fit` report: the hardware and its stack in one line, then one row per model (and quant) with
its longest context, likely and conservative speeds and their evidence, then how to read it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from planner.report.columns import table, text_width
from planner.schema.result import FitRecord


def hardware_line(hw: Any) -> str:
    """'2 x NVIDIA GeForce RTX 3090 (24 GB, 936 GB/s)' and the host, as the fit ran on them."""
    names = Counter(f"{d.name} ({d.memory_gb:g} GB, {d.bandwidth_gbs:g} GB/s)" for d in hw.devices)
    parts = [f"{n} x {name}" if n > 1 else name for name, n in names.items()]
    if hw.host is not None:
        role = "for offload" if hw.devices else "CPU only"
        parts.append(
            f"{hw.host.name} with {hw.host.memory_gb:g} GB RAM ({hw.host.bandwidth_gbs:g} GB/s, {role})"
        )
    return " + ".join(parts)


def _b(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _params(r: FitRecord) -> str:
    if abs(r.params_b - r.active_params_b) < 1e-6:
        return _b(r.params_b)
    return f"{_b(r.params_b)}/{_b(r.active_params_b)}"


def stack_line(stack: Any) -> str:
    """'llama.cpp on CUDA (CUDA 11.4 or newer, driver 470.42.01 or newer)', and what to set up."""
    if stack is None:
        return ""
    from planner.schema.software import API_NAMES

    name = API_NAMES.get(stack.runtime or "", "no single runtime")
    detail = ", ".join(x for x in (stack.releases, stack.driver) if x)
    line = f"{stack.backend} on {name}" + (f" ({detail})" if detail else "")
    extra = [*stack.setup, *stack.problems]
    return line + ("; " + "; ".join(extra) if extra else "")


def _speed(likely: float | None, low: float | None) -> str:
    if likely is None or low is None:
        return "-"
    nd = 0 if likely >= 100 else 1
    return f"{likely:,.{nd}f} ({low:,.{nd}f})"


def _note(r: FitRecord) -> str:
    notes = [] if r.usable else ["slow"]
    if r.bits_per_weight < 3:
        notes.append("under 3 bits: quality drops")
    if r.offload != "none":
        notes.append(f"{r.offload} in RAM")
    if r.split == "tensor":
        notes.append("tensor parallel")
    return ", ".join(notes)


def rows(records: list[FitRecord], verbose: bool) -> tuple[list[str], list[list[str]]]:
    headers = [
        "model",
        "params B",
        "quant",
        "weights GB",
        "max context",
        "decode tok/s",
        "prompt tok/s",
        "evidence",
        "note",
    ]
    out = []
    for r in records:
        row = [
            r.model,
            _params(r),
            r.quant,
            f"{r.weights_gb:.1f}",
            f"{r.max_context:,}",
            _speed(r.decode_tokens_per_s, r.decode_tokens_per_s_conservative),
            _speed(r.prefill_tokens_per_s, r.prefill_tokens_per_s_conservative),
            r.evidence,
            _note(r),
        ]
        out.append(row)
    return headers, out


def fit_report(hw: Any, stack: Any, records: list[FitRecord], options: Any, verbose: bool = False) -> str:
    """The report as text (plain columns: --all-quants lists a thousand rows)."""
    what = "every quant that fits" if options.all_quants else "the best quant per model"
    context = f"{options.context:,} tokens" if options.context else "4,096 tokens (or the trained limit)"
    head = [
        f"What runs on {hardware_line(hw)}",
        f"software: {stack_line(stack)}",
        f"{len(records)} row{'s' if len(records) != 1 else ''}, {what}, each with a context of at least {context}",
        "",
    ]
    headers, body = rows(records, verbose)
    lines = [table("", headers, body, text_width()).lstrip("\n")] if records else ["nothing fits"]
    foot = [
        "",
        "decode and prompt: likely (conservative) tokens/s, llama-bench pp512 / tg128 at batch 1; conservative is the",
        "low edge of the band the evidence tier's held-out errors put around the model. evidence: measured = this",
        "device ran under this runtime in the calibration runs; family = its architecture did; prior = neither.",
        "params B: total/active for mixtures of experts. weights GB: 1e9 bytes, as the throughput model counts; a",
        "device's marketed size is binary (a 24 GB card holds 24 GiB = 25.8 GB).",
    ]
    warnings = list(dict.fromkeys(w for r in records for w in r.warnings))
    if warnings:
        foot += ["", "warnings:"] + [f"  - {w}" for w in warnings]
    if verbose:
        foot += ["", "launch:"] + [f"  {r.model} {r.quant}: {r.launch}" for r in records]
    elif records:
        foot += ["", f"launch the first: {records[0].launch}   (every row's: --verbose or --json)"]
    return "\n".join(head + lines + foot)
