"""Calibration rows as model inputs: measured.csv and measured-extra.csv mapped to Devices, catalogue
Llms, Quants and Workloads, with the run settings their notes state.

Shared by fit_constants.py and accuracy.py. Hardware figures come from the catalogue when the name maps
to a catalogue part, else from hardware_specs.csv (each row records which).
"""

from __future__ import annotations

import csv
import math
import re
import statistics
from dataclasses import dataclass, field

from calibration_hardware import LLMS, MAP, calibration_dir, hardware
from calibration_notes import GIB, Settings, read

from planner.perf import Device, Workload
from planner.perf.decode import decode_context, step_terms
from planner.perf.prefill import prefill_terms
from planner.perf.split import choose_layout
from planner.perf.terms import Term, total
from planner.schema import Llm, Quant

FILES = ("measured.csv", "measured-extra.csv")

# measured.csv: which runtime each source measured (the file has no backend detail per row).
SOURCES = (
    ("discussions/15013", "llama.cpp/cuda"),
    ("discussions/15021", "llama.cpp/rocm"),
    ("discussions/10879", "llama.cpp/vulkan"),
    ("discussions/4167", "llama.cpp/metal"),
    ("dgx-spark.md", "llama.cpp/cuda"),
    ("exllamav2:README", "exllamav2/cuda"),
    ("exllama:README", "exllama/cuda"),
)
BACKENDS = {"llama.cpp", "ik_llama.cpp", "vllm", "exllamav2", "exllama", "mlx"}


@dataclass
class Row:
    """One measured run, ready to predict."""

    raw: dict[str, str]
    source: str  # the publication it comes from (leave-one-source-out unit)
    kind: str  # decode | prompt
    devices: list[Device]
    host: Device | None
    workload: Workload
    measured: float
    hw_source: str
    identities: tuple[str, ...]  # every device in the row (leave-one-device-out unit: the first)
    terms: list[Term] = field(default_factory=list)  # cached by the fitter

    @property
    def device_label(self) -> str:
        return self.raw["hardware"]

    @property
    def main(self) -> str:
        return self.identities[0]

    @property
    def runtime_key(self) -> str:
        layout = choose_layout(self.devices, self.workload, self.host).placement
        return layout.shares[0].runtime.key

    @property
    def mode(self) -> str:
        if self.host is not None and self.devices:
            return "offload"
        if self.host is not None:
            return "cpu"
        if len(self.devices) > 1:
            return "tensor" if self.workload.split == "tensor" else "layer"
        return "single"

    @property
    def group(self) -> str:
        """The family the accuracy table reports it under."""
        mode = self.mode
        if mode != "single":
            return {
                "offload": "CPU+GPU offload",
                "cpu": "CPU-only",
                "tensor": "multi-GPU tensor parallel",
                "layer": "multi-GPU layer split",
            }[mode]
        d = self.devices[0]
        if d.vendor_key == "nvidia":
            return "NVIDIA datacentre/system" if d.segment in ("datacentre", "system") else "NVIDIA consumer"
        return {"amd": "AMD", "intel": "Intel", "apple": "Apple"}.get(d.vendor_key, d.vendor_key)

    @property
    def depth_bucket(self) -> str:
        d = self.workload.depth
        if d == 0:
            return "depth 0"
        if d <= 8192:
            return "depth 1-8k"
        if d <= 32768:
            return "depth 8k-32k"
        return "depth >32k"


def quant_for(row: dict[str, str], model: Llm, settings: Settings, backend: str) -> Quant | str:
    """The row's weight format, with bits per weight of the tensors a token reads for this model."""
    name = row["quant"]
    head_bits: float | None = None
    if name.startswith("exl2-"):
        bits, basis, family, qid = float(re.findall(r"[\d.]+", name)[-1]), "EXL2 target bitrate", "exl2", name
        head_bits = 6.0
    elif name in MAP["quants"]:
        q = MAP["quants"][name]
        bits, basis, family = float(q["bits"]), q["basis"], q["family"]
        head_bits, qid = q.get("head_bits"), q.get("id", name)
    else:
        return f"quant {name} not described in calibration_map.yaml"
    if settings.file_gib and family == "gguf":
        bits = settings.file_gib * GIB * 8 / (model.params_b * 1e9)
        basis = f"file size {settings.file_gib:g} GiB from the row's notes / params"
    elif head_bits is not None:
        # Linear layers at `bits`, output head (one vocab x hidden matrix) at head_bits.
        head = model.embedding_params_b
        body = model.params_b - 2 * head
        bits = (body * bits + head * head_bits) / (model.params_b - head)
        basis += f"; head at {head_bits:g} bits, averaged over the tensors read per token"
    loads = {"gguf": "llama.cpp", "gptq": "exllamav2", "exl2": "exllamav2", "mlx": "mlx"}[family]
    backends = ("vllm", "exllamav2") if family == "gptq" else (loads,)
    return Quant(
        kind="quant",
        id=re.sub(r"[^a-z0-9]+", "-", qid.lower()).strip("-"),
        name=name,
        vendor="calibration",
        source="calibration/calibration_map.yaml",
        family=family,
        bits_per_weight=min(bits, 32.0),
        bits_basis=basis,
        backends=backends,  # type: ignore[arg-type]
    )


def _lengths(test: str, notes: str) -> tuple[str, int, int, int]:
    """(kind, prompt, generate, depth) from a llama-bench style test name."""
    depth = int(m.group(1)) if (m := re.search(r"@d(\d+)", test)) else 0
    seq = int(m.group(1).replace(",", "")) if (m := re.search(r"seq len ([\d,]+)", notes)) else 2048
    if test.startswith("pp"):
        n = int(m.group(1)) if (m := re.match(r"pp(\d+)", test)) else seq - 128
        return "prompt", n, 0, depth
    n = int(m.group(1)) if (m := re.match(r"tg(\d+)", test)) else 256
    if test.endswith("_worst"):
        depth = seq - 128  # the last 128 tokens of a full context
    return "decode", 0, n, depth


def _backend(raw: dict[str, str]) -> tuple[str, str | None] | str:
    """(backend, runtime key from the source table or None) of a row."""
    for marker, key in SOURCES:
        if marker in raw["source"]:
            return key.split("/")[0], key
    backend = raw.get("backend", "")
    if backend not in BACKENDS:
        return f"backend {backend or '?'} is not one the planner models"
    return backend, None


def source_key(source: str) -> str:
    """The publication a row comes from: a discussion / PR / issue URL, or a repository."""
    if source.startswith("http"):
        return source
    return source.split(":")[0]


def _model(raw: dict[str, str]) -> Llm | str:
    model = LLMS.get(MAP["models"].get(raw["model"], raw["model"]))
    if model is None:
        return f"model {raw['model']}: architecture not in the catalogue"
    facts = {k: v for k, v in (MAP.get("model_facts") or {}).get(model.id, {}).items() if k != "why"}
    return model.model_copy(update=facts) if facts else model


def make_row(raw: dict[str, str]) -> Row | str:
    """One CSV row as a Row, or why it cannot be used."""
    got_backend = _backend(raw)
    if isinstance(got_backend, str):
        return got_backend
    backend, key = got_backend
    model = _model(raw)
    if isinstance(model, str):
        return model
    notes = raw["notes"]
    settings = read(notes, model.layers)
    hw = hardware(raw["hardware"], settings.threads)
    if isinstance(hw, str):
        return hw
    devices, host, hw_source = hw
    kind, prompt, generate, depth = _lengths(raw["test"], notes)
    quant = quant_for(raw, model, settings, backend)
    if isinstance(quant, str):
        return quant
    if kind == "prompt" and devices and devices[0].matrix_tflops <= 0:
        return "no TFLOP/s figure"
    runtime = key.split("/")[1] if key and backend == "llama.cpp" else settings.runtime
    if devices and devices[0].vendor_key == "nvidia" and runtime != "vulkan":
        # NVIDIA cards run CUDA unless the row says Vulkan (the Vulkan scoreboard's GeForce rows).
        runtime = "cuda"
    if backend not in ("llama.cpp", "ik_llama.cpp"):
        runtime = None
    offload = "none"
    if host is not None and devices:
        if settings.expert_host_share is None:
            return "CPU+GPU row whose notes do not say which tensors stayed in RAM"
        offload = "experts"
    split = settings.split or ("tensor" if backend == "vllm" else "layer")
    workload = Workload(
        model=model,
        quant=quant,
        prompt=prompt,
        generate=generate,
        depth=depth,
        backend=backend,
        runtime=runtime,
        split=split,  # type: ignore[arg-type]
        offload=offload,  # type: ignore[arg-type]
        kv_dtype=settings.kv_dtype or "f16",
        flash_attention=settings.flash
        if settings.flash is not None
        else backend != "llama.cpp" or bool(host),
        ubatch=settings.ubatch or (2048 if "-ub 2048" in notes else 512),
        nbatch=settings.nbatch or 2048,
        host_expert_share=settings.expert_host_share or 1.0,
    )
    ids = tuple(d.id.split("#")[0] for d in devices) + ((host.id,) if host else ())
    return Row(
        raw,
        source_key(raw["source"]),
        kind,
        devices,
        host,
        workload,
        float(raw["tokens_per_s"]),
        hw_source,
        ids,
    )


def load_rows() -> tuple[list[Row], list[tuple[dict[str, str], str]]]:
    """Every usable calibration row, and the skipped ones with the reason."""
    rows: list[Row] = []
    skipped: list[tuple[dict[str, str], str]] = []
    for name in FILES:
        with open(calibration_dir() / name, encoding="utf-8") as fh:
            for raw in csv.DictReader(fh):
                got = make_row(raw)
                if isinstance(got, str):
                    skipped.append((raw, got))
                else:
                    rows.append(got)
    return rows, skipped


def row_terms(row: Row) -> list[Term]:
    """The model's terms for the row's test: one decode step, or the whole prompt."""
    placement = choose_layout(row.devices, row.workload, row.host).placement
    if row.kind == "decode":
        return step_terms(placement, row.workload, decode_context(row.workload), 1)[0]
    return prefill_terms(placement, row.workload)


def predict(row: Row) -> float:
    """Model tokens/s for the row's test (decode averaged over its tokens, or prompt tokens/s)."""
    seconds = total(row_terms(row))
    return (1 if row.kind == "decode" else row.workload.prompt) / seconds


def speed_of_light(row: Row) -> float:
    """Plain roofline: bandwidth / file bytes for decode; peak FLOP/s / (2 x params) for prompt."""
    w = row.workload
    devices = row.devices or [row.host]  # type: ignore[list-item]
    if row.kind == "decode":
        total_bytes = w.model.params_b * 1e9 * w.quant.bits_per_weight / 8
        return min(x.bandwidth_gbs for x in devices) * 1e9 / total_bytes
    peak = min(x.matrix_tflops for x in devices)
    return peak * 1e12 / (2 * w.model.params_b * 1e9)


def ape(pred: float, meas: float) -> float:
    """Absolute percentage error."""
    return abs(pred - meas) / meas * 100


def signed(pred: float, meas: float) -> float:
    """Signed percentage error (positive: the model is optimistic)."""
    return (pred / meas - 1) * 100


def pctl(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; nan when empty."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[
        max(0, min(98, round(q * 100) - 1))
    ]


def geo_ratio(rows: list[Row], preds: dict[int, float]) -> float:
    """Geometric mean of measured / predicted (1 = unbiased)."""
    logs = [math.log(r.measured / preds[id(r)]) for r in rows if id(r) in preds]
    return math.exp(sum(logs) / len(logs)) if logs else float("nan")
