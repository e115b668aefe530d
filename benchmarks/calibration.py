"""Calibration rows as model inputs: measured.csv mapped to Devices, catalogue Llms, Quants and Workloads.

Shared by fit_constants.py and accuracy.py. Hardware figures come from catalog/gpus when the name maps
to a catalogue GPU, else from hardware_specs.csv (each row records which).
"""

from __future__ import annotations

import csv
import glob
import os
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from planner.perf import Device, Workload, device_from_gpu, step_seconds
from planner.perf.decode import decode_context
from planner.perf.prefill import prefill_seconds
from planner.perf.split import choose_layout
from planner.schema import ENTRY_ADAPTER, Gpu, Llm, Quant

REPO = Path(__file__).resolve().parents[1]
# The name map is data the package reads too (measured figures beside estimates): it lives in calibration/.
MAP = yaml.safe_load((REPO / "calibration" / "calibration_map.yaml").read_text(encoding="utf-8"))
GIB = 1024**3

# Which runtime each source measured, and whether its rows are held out of every fit.
SOURCES = (
    ("discussions/15013", "llama.cpp/cuda", "llama.cpp CUDA", False),
    ("discussions/15021", "llama.cpp/rocm", "llama.cpp ROCm", False),
    ("discussions/10879", "llama.cpp/vulkan", "llama.cpp Vulkan", False),
    ("discussions/4167", "llama.cpp/metal", "llama.cpp Metal", False),
    ("dgx-spark.md", "llama.cpp/cuda", "DGX Spark depth runs", True),
    ("exllamav2:README", "exllamav2/cuda", "exllamav2", False),
    ("exllama:README", "exllama/cuda", "exllama", False),
)


def calibration_dir() -> Path:
    """The measured runs shipped in the repository (calibration/), or $RIG_CALIBRATION_DIR."""
    env = os.environ.get("RIG_CALIBRATION_DIR")
    return Path(env) if env else REPO / "calibration"


@dataclass
class Row:
    """One measured run, ready to predict."""

    raw: dict[str, str]
    group: str
    runtime_key: str
    kind: str  # decode | prompt
    devices: list[Device]
    workload: Workload
    measured: float
    held_out: bool
    hw_source: str
    features: dict[str, float] = field(default_factory=dict)  # the fitter's cached regressors

    @property
    def device_label(self) -> str:
        return self.raw["hardware"]


def _catalogue(kind: str, folder: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for path in sorted(glob.glob(str(REPO / "catalog" / folder / "*.yaml"))):
        for item in yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and item.get("kind") == kind:
                try:
                    entry = ENTRY_ADAPTER.validate_python(item)
                except ValueError:
                    continue  # a catalogue file being edited: skip the entry, not the run
                out[entry.id] = entry
    return out


GPUS: dict[str, Gpu] = _catalogue("gpu", "gpus")  # type: ignore[assignment]
LLMS: dict[str, Llm] = _catalogue("llm", "llms")  # type: ignore[assignment]


def _norm(name: str) -> str:
    name = re.sub(r"\b(nvidia|geforce|amd|radeon|intel)\b", "", name.lower())
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _specs() -> dict[str, dict[str, str]]:
    with open(calibration_dir() / "hardware_specs.csv", encoding="utf-8") as fh:
        return {r["hardware"]: r for r in csv.DictReader(fh)}


def _apple(name: str, spec: dict[str, str]) -> dict[str, object]:
    gen = re.search(r"M(\d)", name)
    return {
        "kind": "system",
        "vendor": "apple",
        "architecture": f"apple-m{gen.group(1) if gen else 1}",
        "segment": "system",
        "fp16_basis": "shader-fp16",
        "runtime": "metal",
        "fp32_tflops": float(spec["fp16_tflops_dense"]) if spec["fp16_tflops_dense"] else None,
    }


def devices_for(name: str, runtime_key: str) -> tuple[list[Device], str] | str:
    """The Devices of a hardware name and where their figures came from, or why the row is skipped."""
    entry = MAP["hardware"].get(name, {})
    if "skip" in entry:
        return str(entry["skip"])
    ids = entry.get("catalog")
    if ids is None and "specs" not in entry:
        by_name = {_norm(g.name): g.id for g in GPUS.values()}
        ids = by_name.get(_norm(name))
    if ids is not None:
        ids = [ids] if isinstance(ids, str) else ids
        if all(i in GPUS for i in ids):
            return [d for i in ids for d in device_from_gpu(GPUS[i])], "catalogue " + "+".join(ids)
    spec = _specs().get(name)
    if spec is None or not spec["bandwidth_gbs"]:
        return "no bandwidth figure in the catalogue or hardware_specs.csv"
    facts = dict(entry.get("specs") or (_apple(name, spec) if re.search(r"\bM\d", name) else {}))
    if not facts:
        return "no architecture facts for this name in calibration_map.yaml"
    fp16 = float(spec["fp16_tflops_dense"]) if spec["fp16_tflops_dense"] else 0.0
    fp32 = facts.get("fp32_tflops") or fp16  # 0 when unpublished: decode rows only
    device = Device(
        id=_norm(name).replace(" ", "-"),
        name=name,
        kind=str(facts.get("kind", "gpu")),  # type: ignore[arg-type]
        vendor=str(facts["vendor"]),
        architecture=str(facts["architecture"]),
        memory_gb=float(spec["memory_gb"] or 128),
        bandwidth_gbs=float(spec["bandwidth_gbs"]),
        fp16_tflops=fp16 or float(fp32),
        fp16_basis=str(facts["fp16_basis"]),
        fp32_tflops=float(fp32),
        segment=str(facts.get("segment", "consumer")),
        runtime=facts.get("runtime"),  # type: ignore[arg-type]
        link_via="unified" if facts.get("kind") == "system" else "cpu",
    )
    return [device], "hardware_specs.csv"


def quant_for(row: dict[str, str], model: Llm) -> Quant:
    """The row's weight format, with bits per weight of the tensors a token reads for this model."""
    name = row["quant"]
    gib = re.search(r"(?:file |\()(\d+(?:\.\d+)?) GiB", row["notes"])
    head_bits: float | None = None
    if name.startswith("exl2-"):
        bits, basis, family = float(re.findall(r"[\d.]+", name)[-1]), "EXL2 target bitrate", "exl2"
        head_bits = 6.0
    else:
        q = MAP["quants"][name]
        bits, basis, family, head_bits = float(q["bits"]), q["basis"], q["family"], q.get("head_bits")
    if gib and family == "gguf":
        bits = float(gib.group(1)) * GIB * 8 / (model.params_b * 1e9)
        basis = f"file size {gib.group(1)} GiB from the row's notes / params"
    elif head_bits is not None:
        # Linear layers at `bits`, output head (one vocab x hidden matrix) at head_bits.
        head = model.embedding_params_b
        body = model.params_b - 2 * head
        bits = (body * bits + head * head_bits) / (model.params_b - head)
        basis += f"; head at {head_bits:g} bits, averaged over the tensors read per token"
    backend = {"gguf": "llama.cpp", "gptq": "exllamav2", "exl2": "exllamav2"}[family]
    return Quant(
        kind="quant",
        id=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        name=name,
        vendor="calibration",
        source="calibration/calibration_map.yaml",
        family=family,
        bits_per_weight=bits,  # type: ignore[arg-type]
        bits_basis=basis,
        backends=(backend,),  # type: ignore[arg-type]
    )


def _lengths(test: str, notes: str) -> tuple[str, int, int, int]:
    """(kind, prompt, generate, depth) from a llama-bench style test name."""
    depth = int(m.group(1)) if (m := re.search(r"@d(\d+)", test)) else 0
    seq = int(m.group(1).replace(",", "")) if (m := re.search(r"seq len ([\d,]+)", notes)) else 2048
    if test.startswith("pp"):
        n = int(m.group(1)) if (m := re.match(r"pp(\d+)", test)) else seq - 128
        return "prompt", n, 0, depth
    n = int(m.group(1)) if (m := re.match(r"tg(\d+)", test)) else 128
    if test.endswith("_worst"):
        depth = seq - 128  # the last 128 tokens of a full context
    return "decode", 0, n, depth


def load_rows() -> tuple[list[Row], list[tuple[dict[str, str], str]]]:
    """Every usable calibration row, and the skipped ones with the reason."""
    rows: list[Row] = []
    skipped: list[tuple[dict[str, str], str]] = []
    with open(calibration_dir() / "measured.csv", encoding="utf-8") as fh:
        raw_rows = list(csv.DictReader(fh))
    for raw in raw_rows:
        source = next((s for s in SOURCES if s[0] in raw["source"]), None)
        if source is None:
            skipped.append((raw, "unknown source"))
            continue
        _, key, group, held = source
        got = devices_for(raw["hardware"], key)
        if isinstance(got, str):
            skipped.append((raw, got))
            continue
        devices, hw_source = got
        model = LLMS.get(MAP["models"].get(raw["model"], raw["model"]))
        if model is None:
            skipped.append((raw, f"model {raw['model']} not in catalog/llms yet"))
            continue
        facts = {k: v for k, v in (MAP.get("model_facts") or {}).get(model.id, {}).items() if k != "why"}
        if facts:
            model = model.model_copy(update=facts)
        kind, prompt, generate, depth = _lengths(raw["test"], raw["notes"])
        if kind == "prompt" and devices[0].fp16_tflops <= 0:
            skipped.append((raw, "no TFLOP/s figure"))
            continue
        backend = key.split("/")[0]
        runtime = key.split("/")[1] if backend == "llama.cpp" else None
        workload = Workload(
            model=model,
            quant=quant_for(raw, model),
            prompt=prompt,
            generate=generate,
            depth=depth,
            backend=backend,
            runtime=runtime,
            split="layer",
            offload="none",
            ubatch=2048 if "-ub 2048" in raw["notes"] else 512,
        )
        held = held or int(raw["gpu_count"]) > 1  # multi-GPU rows test the layer-split physics
        rows.append(
            Row(raw, group, key, kind, devices, workload, float(raw["tokens_per_s"]), held, hw_source)
        )
    return rows, skipped


def predict(row: Row) -> float:
    """Model tokens/s for the row's test (decode averaged over its tokens, or prompt tokens/s)."""
    layout = choose_layout(row.devices, row.workload, None)
    if row.kind == "decode":
        return 1 / step_seconds(layout.placement, row.workload, decode_context(row.workload), 1)[0]
    return row.workload.prompt / prefill_seconds(layout.placement, row.workload)


def speed_of_light(row: Row) -> float:
    """Plain roofline: bandwidth / file bytes for decode; peak FLOP/s / (2 x params) for prompt."""
    d = row.devices
    w = row.workload
    if row.kind == "decode":
        total = w.model.params_b * 1e9 * w.quant.bits_per_weight / 8
        return min(x.bandwidth_gbs for x in d) * 1e9 / total
    peak = min(x.fp32_tflops if x.fp16_basis == "shader-fp32" else x.fp16_tflops for x in d)
    return peak * 1e12 / (2 * w.model.params_b * 1e9)


def unit_step_seconds(row: Row) -> float:
    """Decode step time with bandwidth fraction 1 and no overhead: the fitter's regressor."""
    layout = choose_layout(row.devices, row.workload, None)
    return step_seconds(layout.placement, row.workload, decode_context(row.workload), 1)[0]


def ape(pred: float, meas: float) -> float:
    """Absolute percentage error."""
    return abs(pred - meas) / meas * 100


def pctl(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by linear interpolation; nan when empty."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[
        max(0, min(98, round(q * 100) - 1))
    ]
