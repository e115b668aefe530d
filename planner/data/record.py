"""Read a benchmark's output (llama-bench markdown, -o json / -o jsonl; vllm bench serve result JSON or its
printed summary) into measured runs, check them against the hardware, model and physics, and append
them atomically to the user's calibration file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.data.measured import COLUMNS, read_runs


class RecordError(ValueError):
    """A benchmark output that cannot be read or believed; the message says why, the hint what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class Sample:
    """One test of a benchmark output: what ran and how fast, with the tool's own description."""

    test: str  # llama-bench style: tg128, pp512, pp512@d4096
    tokens_per_s: float
    backend: str  # llama.cpp | vllm
    model_hints: list[str] = field(default_factory=list)  # file name, model type, HF id
    params: float | None = None  # parameters the tool counted
    size_bytes: float | None = None  # weight file size the tool reported
    runtime: str | None = None  # CUDA, ROCm, Vulkan, Metal ... as the tool names it
    gpu_info: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _test(n_prompt: int, n_gen: int, depth: int) -> str | None:
    if n_prompt > 0 and n_gen == 0:
        name = f"pp{n_prompt}"
    elif n_gen > 0 and n_prompt == 0:
        name = f"tg{n_gen}"
    else:
        return None  # pp+tg combined tests have no single tokens/s
    return name + (f"@d{depth}" if depth else "")


def _from_bench_json(row: dict[str, Any]) -> Sample | None:
    try:
        test = _test(int(row["n_prompt"]), int(row["n_gen"]), int(row.get("n_depth") or 0))
        ts = float(row["avg_ts"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"llama-bench JSON row lacks {exc}") from None
    if test is None:
        return None
    notes = [
        f"{k} {row[k]}"
        for k in ("build_commit", "n_gpu_layers", "split_mode", "flash_attn", "tensor_split")
        if k in row
    ]
    if row.get("stddev_ts") is not None:
        notes.append(f"stddev {float(row['stddev_ts']):.2f}")
    return Sample(
        test,
        ts,
        "llama.cpp",
        [str(row.get("model_filename", "")), str(row.get("model_type", ""))],
        float(row["model_n_params"]) if row.get("model_n_params") else None,
        float(row["model_size"]) if row.get("model_size") else None,
        str(row.get("backends") or "") or None,
        [g.strip() for g in str(row.get("gpu_info") or "").split(",") if g.strip()],
        notes,
    )


_UNITS = {"gib": 1024**3, "mib": 1024**2, "b": 1e9, "m": 1e6}


def _amount(text: str) -> float | None:
    m = re.match(r"([\d.]+)\s*(GiB|MiB|B|M)\b", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2).lower()] if m else None


def _from_markdown(text: str) -> list[Sample | None]:
    rows = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    if len(rows) < 3:
        raise RecordError("no llama-bench table found")
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    if "test" not in head or "t/s" not in head:
        raise RecordError("the table has no 'test' and 't/s' columns: not llama-bench output")
    build = re.search(r"^build: (\S+)", text, re.MULTILINE)
    out: list[Sample | None] = []
    for line in rows[2:]:
        cells = dict(zip(head, (c.strip() for c in line.strip("|").split("|")), strict=False))
        m = re.match(r"^(pp|tg)\s*(\d+)(?:\s*@\s*d(\d+))?$", cells.get("test", ""))
        ts = re.match(r"^([\d.]+)", cells.get("t/s", ""))
        if "+" in cells.get("test", ""):
            out.append(None)
            continue
        if m is None or ts is None:
            raise RecordError(f"cannot read the row {line[:80]!r}")
        test = f"{m.group(1)}{m.group(2)}" + (f"@d{m.group(3)}" if m.group(3) else "")
        notes = [f"{k} {cells[k]}" for k in ("ngl", "sm", "fa", "n_batch", "threads") if k in cells]
        if build:
            notes.insert(0, f"build_commit {build.group(1)}")
        out.append(
            # The table's model column is the architecture and size ("llama 7B"), not which model: no name hint.
            Sample(
                test,
                float(ts.group(1)),
                "llama.cpp",
                ["", cells.get("model", "")],
                _amount(cells.get("params", "")),
                _amount(cells.get("size", "")),
                cells.get("backend") or None,
                [],
                notes,
            )
        )
    return out


def _from_vllm(result: dict[str, Any]) -> list[Sample | None]:
    concurrency = result.get("max_concurrency")
    if concurrency != 1:
        raise RecordError(
            f"max_concurrency is {concurrency}: only single-stream runs are stored; rerun with --max-concurrency 1"
        )
    try:
        completed = int(result["completed"])
        tpot = float(result["median_tpot_ms"])
        ttft = float(result["median_ttft_ms"])
        inputs = int(result["total_input_tokens"]) / completed
        outputs = int(result.get("total_output_tokens") or 0) / completed
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise RecordError(f"vllm bench result lacks {exc}") from None
    hints = [str(result.get("model_id", ""))]
    note = f"vllm bench serve, {completed} requests, median TPOT {tpot:.2f} ms, median TTFT {ttft:.1f} ms"
    out: list[Sample | None] = []
    if tpot > 0 and outputs:
        out.append(
            Sample(
                f"tg{round(outputs)}", 1000 / tpot, "vllm", hints, notes=[note, "decode = 1000 / median TPOT"]
            )
        )
    if ttft > 0 and inputs:
        out.append(
            Sample(
                f"pp{round(inputs)}",
                inputs / (ttft / 1000),
                "vllm",
                hints,
                notes=[note, "prompt = input tokens / median TTFT"],
            )
        )
    return out


def _vllm_text(text: str) -> dict[str, Any]:
    """The printed 'Serving Benchmark Result' block as the keys of its JSON result."""
    keys = {
        "Successful requests": "completed",
        "Maximum request concurrency": "max_concurrency",
        "Total input tokens": "total_input_tokens",
        "Total generated tokens": "total_output_tokens",
        "Median TTFT (ms)": "median_ttft_ms",
        "Median TPOT (ms)": "median_tpot_ms",
    }
    out: dict[str, Any] = {}
    for line in text.splitlines():
        label, _, value = line.partition(":")
        if label.strip() in keys and value.strip():
            out[keys[label.strip()]] = float(value.split()[0])
    out.setdefault("max_concurrency", None)
    return out


def parse_output(text: str) -> tuple[str, list[Sample]]:
    """(format, samples) of a benchmark output; RecordError when it is none of the known formats."""
    stripped = text.strip()
    if not stripped:
        raise RecordError("the output is empty")
    samples: list[Sample | None]
    if stripped.startswith(("[", "{")):
        try:
            data: Any = json.loads(stripped)
            fmt = "llama-bench json"
        except json.JSONDecodeError as whole:
            if stripped.startswith("["):
                raise RecordError(
                    f"malformed JSON at line {whole.lineno}, column {whole.colno}: {whole.msg}"
                ) from None
            try:
                data = [json.loads(line) for line in stripped.splitlines() if line.strip()]
                fmt = "llama-bench jsonl"
            except json.JSONDecodeError as exc:
                raise RecordError(f"malformed JSON lines: {exc.msg}") from None
        if isinstance(data, dict) and "median_tpot_ms" in data:
            fmt, samples = "vllm bench serve json", _from_vllm(data)
        elif isinstance(data, list) and all(isinstance(r, dict) for r in data):
            samples = [_from_bench_json(r) for r in data]
        else:
            raise RecordError("JSON that is neither llama-bench output nor a vllm bench serve result")
    elif "Serving Benchmark Result" in stripped:
        fmt, samples = "vllm bench serve text", _from_vllm(_vllm_text(stripped))
    else:
        fmt, samples = "llama-bench markdown", _from_markdown(stripped)
    kept = [s for s in samples if s is not None]
    if not kept:
        raise RecordError("no single pp or tg test in the output (pp+tg tests have no single tokens/s)")
    for s in kept:
        if not math.isfinite(s.tokens_per_s) or s.tokens_per_s <= 0:
            raise RecordError(f"{s.test}: {s.tokens_per_s} tokens/s is not a measurement")
    return fmt, kept


def append_runs(path: Path, rows: list[list[str]]) -> int:
    """Append rows to a measured-runs CSV atomically (write a copy, then rename); returns rows added.

    An existing file must be a valid measured-runs file (never rewritten from a half-read one); rows
    already in it are not added twice.
    """
    existing = read_runs(path, user=True)
    have = {(r.hardware, r.model, r.quant, r.test, f"{r.tokens_per_s:g}") for r in existing}
    new = [r for r in rows if (r[1], r[4], r[6], r[7], f"{float(r[8]):g}") not in have]
    if not new:
        return 0
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if not old:
        writer.writerow(COLUMNS)
    writer.writerows(new)
    text = old + ("" if not old or old.endswith("\n") else "\n") + buf.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".measured-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(new)
