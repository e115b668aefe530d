"""Believe a recorded benchmark only if it fits: the model and quant it names, the hardware it ran on,
and the physics (decode cannot read weights faster than the memory delivers them)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from planner.data.catalog import Catalog
from planner.data.hardware import Hardware, HardwareError, match_name
from planner.data.measured import parse_test
from planner.data.record import RecordError, Sample

# llama-bench's file-type names (model_type tail) for the K-quant sizes.
_SIZES = {"medium": "m", "small": "s", "large": "l"}
# Which runtime a llama-bench backend name needs, by vendor of the hardware.
_RUNTIME_VENDOR = {"cuda": "nvidia", "rocm": "amd", "hip": "amd", "metal": "apple", "sycl": "intel"}
DECODE_MARGIN = 1.15  # file sizes and bandwidth figures are rounded: allow a little over the limit
PROMPT_MARGIN = 2.5  # INT8 / FP8 matrix paths run at up to twice the FP16 peak


def _base_name(text: str) -> str:
    """The file name of a path or the model part of a Hugging Face id, without .gguf."""
    return re.split(r"[\\/]", text.strip())[-1].removesuffix(".gguf")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", _base_name(text).lower().replace("_", "-")))


def resolve_model(samples: Sequence[Sample], catalog: Catalog, given: str | None) -> Any:
    """The catalogue LLM the run used: --model, else the file name or HF id the tool printed."""
    llms = catalog.of_kind("llm")
    params = next((s.params for s in samples if s.params), None)
    if given:
        model: Any = catalog.get(given, "llm")
    else:
        hints = list(
            dict.fromkeys(h for s in samples for h in s.model_hints[:1] if h)
        )  # names, not arch strings
        scored = []
        for llm in llms:
            need = set(re.findall(r"[a-z0-9]+", llm.id))
            hits = [len(need) for h in hints if need <= _words(h)]
            if hits:
                scored.append((max(hits), llm))
        scored.sort(key=lambda t: -t[0])
        close = [m.id for m in llms if params and abs(m.params_b * 1e9 - params) / params < 0.03]
        if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
            hint = (
                f"did you mean {', '.join(close[:4])}?" if close else "see `planner catalog list --kind llm`"
            )
            said = ", ".join(hints) or "the output names no model file"
            raise RecordError(f"cannot tell which model ran ({said}); give --model ID", hint)
        model = scored[0][1]
    if params and abs(model.params_b * 1e9 - params) / params > 0.05:
        raise RecordError(
            f"mismatched model: the run counted {params / 1e9:.2f} B parameters, {model.id} has {model.params_b:g} B"
        )
    return model


def _quant_names(sample: Sample) -> list[str]:
    out = []
    for hint in sample.model_hints:
        tail = re.search(
            r"(?:mostly\s+)?\b([A-Z]+\d*[A-Z0-9_]*)(?:\s*-\s*(Medium|Small|Large))?\s*$",
            hint.strip(),
            re.IGNORECASE,
        )
        if tail:
            out.append(tail.group(1) + (f"_{_SIZES[tail.group(2).lower()]}" if tail.group(2) else ""))
    return out


def resolve_quant(samples: Sequence[Sample], catalog: Catalog, given: str | None, backend: str) -> Any:
    """The catalogue quant: --quant, else the one the file name or llama-bench's type string names."""
    from planner.perf import QuantError, check_quant_backend
    from planner.perf import resolve_quant as by_name

    quants = {q.id: q for q in catalog.of_kind("quant")}
    if given:
        names = [given]
    else:
        files = [re.sub(r"[_.]", "-", _base_name(h).lower()) for s in samples for h in s.model_hints if h]
        by_file = [
            q
            for q in sorted(quants, key=len, reverse=True)
            if any(re.search(rf"(^|-){re.escape(q)}($|-)", f) for f in files)
        ]
        names = by_file[:1] + [n for s in samples for n in _quant_names(s)]
    for name in names:
        try:
            quant = by_name(name, quants)
            check_quant_backend(quant, backend)
            return quant
        except (QuantError, ValueError) as exc:
            if given:
                raise RecordError(str(exc)) from None
    raise RecordError(
        "cannot tell the quantisation from the output; give --quant ID (planner catalog list --kind quant)"
    )


def check_size(samples: Sequence[Sample], model: Any, quant: Any) -> None:
    from planner.perf import weight_bytes

    size = next((s.size_bytes for s in samples if s.size_bytes), None)
    expect = weight_bytes(model, quant)
    if size and abs(size - expect) / expect > 0.15:
        raise RecordError(
            f"mismatched model or quant: the file is {size / 1e9:.2f} GB, {model.id} at {quant.id} would be "
            f"{expect / 1e9:.2f} GB (check --model and --quant)"
        )


def check_hardware(samples: Sequence[Sample], hw: Hardware, catalog: Catalog) -> None:
    """The runtime and the GPUs the tool reports agree with the hardware given."""
    vendors = {str(i.entry.vendor).lower().split()[0] for i in hw.items if i.kind != "cpu"}
    if any(i.kind == "system" and "apple" in i.entry.architecture for i in hw.items):
        vendors.add("apple")
    ids = set().union(*(i.ids for i in hw.items))
    gpus = sum(i.count * getattr(i.entry, "gpus_per_card", 1) for i in hw.items if i.kind == "gpu")
    for s in samples[:1]:
        for rt in re.findall(r"[a-z]+", (s.runtime or "").lower()):
            need = _RUNTIME_VENDOR.get(rt)
            if need and need not in vendors:
                raise RecordError(
                    f"mismatched hardware: the run used {s.runtime}, which needs {need} hardware; --hardware gives {hw.label()}"
                )
        for name in s.gpu_info:
            try:
                part, _, same = match_name(name, catalog, ("gpu", "system"), lenient=True)
            except HardwareError:
                continue  # an integrated GPU the catalogue does not list
            if part.id not in ids and not ids & set(same):
                raise RecordError(
                    f"mismatched hardware: the run reports {name}, --hardware gives {hw.label()}"
                )
        if s.gpu_info and gpus > len(s.gpu_info):
            raise RecordError(
                f"mismatched hardware: the run saw {len(s.gpu_info)} GPU(s), --hardware gives {gpus}"
            )


def check_plausible(sample: Sample, hw: Hardware, model: Any, quant: Any) -> None:
    """Refuse figures the hardware cannot produce."""
    from planner.perf import decode_weight_bytes

    kind, _, _ = parse_test(sample.test) or ("decode", None, 0)
    if kind == "decode":
        bandwidth = sum(
            i.count
            * (getattr(i.entry, "bandwidth_gbs", None) or i.entry.memory_bandwidth_gbs)
            * getattr(i.entry, "gpus_per_card", 1)
            for i in hw.items
        )
        limit = bandwidth * 1e9 / decode_weight_bytes(model, quant)
        if sample.tokens_per_s > limit * DECODE_MARGIN:
            raise RecordError(
                f"implausible: {sample.test} at {sample.tokens_per_s:,.1f} tokens/s is beyond the bandwidth limit "
                f"({bandwidth:,.0f} GB/s / {decode_weight_bytes(model, quant) / 1e9:.2f} GB read per token = "
                f"{limit:,.0f} tokens/s); speculative decoding or the wrong hardware would explain it"
            )
    else:
        peak = sum(i.count * (getattr(i.entry, "fp16_tflops", 0) or 0) for i in hw.items)
        need = 2 * model.active_params_b * 1e9 * sample.tokens_per_s / 1e12
        if peak and need > peak * PROMPT_MARGIN:
            raise RecordError(
                f"implausible: {sample.test} at {sample.tokens_per_s:,.0f} tokens/s needs {need:,.0f} TFLOP/s, "
                f"more than {PROMPT_MARGIN:g}x the {peak:,.0f} TFLOP/s peak of {hw.label()}"
            )


def to_rows(
    samples: Sequence[Sample], hw: Hardware, model: Any, quant: Any, fmt: str, origin: str
) -> list[list[str]]:
    """CSV rows in the columns of calibration/measured.csv."""
    gpus = sum(i.count for i in hw.items if i.kind == "gpu")
    kinds = {i.kind for i in hw.items}
    link = "unified" if "system" in kinds else ("pcie" if gpus else "none")
    rows = []
    for s in samples:
        runtime = [f"runtime {s.runtime.lower()}"] if s.runtime else []
        gpu_info = [f"gpu_info {' / '.join(s.gpu_info)}"] if s.gpu_info else []
        notes = "; ".join([*runtime, *s.notes, *gpu_info, f"from {origin}"])
        rows.append(
            [
                f"planner record {dt.date.today()} ({fmt})",
                hw.label(),
                str(gpus or (1 if "system" in kinds else 0)),
                link,
                model.id,
                f"{model.params_b:g}",
                quant.id,
                s.test,
                f"{s.tokens_per_s:.2f}",
                s.backend,
                notes,
            ]
        )
    return rows
