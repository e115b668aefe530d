"""Calibration rows as model inputs: measured.csv and measured-extra.csv mapped to Devices, catalogue
Llms, Quants and Workloads, with the run settings their notes state.

Shared by fit_constants.py and accuracy.py. Hardware figures come from the catalogue when the name maps
to a catalogue part, else from hardware_specs.csv (each row records which).
"""

from __future__ import annotations

import csv
import glob
import math
import os
import re
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from calibration_notes import GIB, Settings, read

from planner.perf import Device, Workload, device_from_cpu, device_from_gpu, device_from_system
from planner.perf.decode import decode_context, step_terms
from planner.perf.prefill import prefill_terms
from planner.perf.split import choose_layout
from planner.perf.terms import Term, total
from planner.schema import ENTRY_ADAPTER, Cpu, Gpu, Llm, Quant, System

REPO = Path(__file__).resolve().parents[1]
# The name map is data the package reads too (measured figures beside estimates): it lives in calibration/.
MAP = yaml.safe_load((REPO / "calibration" / "calibration_map.yaml").read_text(encoding="utf-8"))
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


def calibration_dir() -> Path:
    """The measured runs shipped in the repository (calibration/), or $RIG_CALIBRATION_DIR."""
    env = os.environ.get("RIG_CALIBRATION_DIR")
    return Path(env) if env else REPO / "calibration"


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


def _catalogue(kind: str, folder: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(glob.glob(str(REPO / "catalog" / folder / "*.yaml"))):
        for item in yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []:
            if isinstance(item, dict) and item.get("kind") == kind:
                try:
                    entry = ENTRY_ADAPTER.validate_python(item)
                except ValueError:
                    continue  # a catalogue file being edited: skip the entry, not the run
                out[entry.id] = entry
    return out


GPUS: dict[str, Gpu] = _catalogue("gpu", "gpus")
LLMS: dict[str, Llm] = _catalogue("llm", "llms")
CPUS: dict[str, Cpu] = _catalogue("cpu", "cpus")
SYSTEMS: dict[str, System] = _catalogue("system", "systems")


def _norm(name: str) -> str:
    name = re.sub(r"\b(nvidia|geforce|amd|radeon|intel)\b", "", name.lower())
    return re.sub(r"[^a-z0-9]+", " ", name).strip()


def _specs() -> dict[str, dict[str, str]]:
    with open(calibration_dir() / "hardware_specs.csv", encoding="utf-8") as fh:
        return {r["hardware"]: r for r in csv.DictReader(fh)}


SPECS = _specs()


def _apple(name: str, spec: dict[str, str]) -> dict[str, object]:
    gen = re.search(r"M(\d)", name)
    return {
        "kind": "system",
        "vendor": "apple",
        "architecture": f"apple-m{gen.group(1) if gen else 1}",
        "segment": "system",
        "fp16_basis": "shader-fp16",
        "runtime": "metal",
        "memory_type": "LPDDR5",
        "fp32_tflops": float(spec["fp16_tflops_dense"]) if spec["fp16_tflops_dense"] else None,
    }


def _spec_device(name: str, entry: dict[str, Any]) -> Device | str:
    spec = SPECS.get(name)
    if spec is None or not spec["bandwidth_gbs"]:
        return "no bandwidth figure in the catalogue or hardware_specs.csv"
    facts = dict(entry.get("specs") or (_apple(name, spec) if re.search(r"\bM\d", name) else {}))
    if not facts:
        return "no architecture facts for this name in calibration_map.yaml"
    fp16 = float(spec["fp16_tflops_dense"]) if spec["fp16_tflops_dense"] else 0.0
    fp32 = facts.get("fp32_tflops") or fp16  # 0 when unpublished: decode rows only
    # hardware_specs.csv lists GeForce cards at their FP16-accumulate rate: the matrix peak itself.
    basis = "tensor" if facts["fp16_basis"] == "tensor-fp32-acc" else str(facts["fp16_basis"])
    return Device(
        id=_norm(name).replace(" ", "-"),
        name=name,
        kind=str(facts.get("kind", "gpu")),  # type: ignore[arg-type]
        vendor=str(facts["vendor"]),
        architecture=str(facts["architecture"]),
        memory_gb=float(spec["memory_gb"] or 128),
        bandwidth_gbs=float(spec["bandwidth_gbs"]),
        fp16_tflops=fp16 or float(fp32),  # type: ignore[arg-type]
        fp16_basis=basis,
        fp32_tflops=float(fp32),  # type: ignore[arg-type]
        segment=str(facts.get("segment", "consumer")),
        runtime=facts.get("runtime"),  # type: ignore[arg-type]
        link_via="unified" if facts.get("kind") == "system" else "cpu",
        memory_type=str(facts.get("memory_type", "")),
    )


def _host(entry: dict[str, Any], threads: int | None) -> Device | str:
    cid = entry["host"]
    sockets = int(entry.get("sockets", 1))
    if cid in CPUS:
        cpu = CPUS[cid]
        mts = int(entry.get("memory_mts", cpu.memory_speed_mts))
        cpu = cpu.model_copy(
            update={"memory_speed_mts": mts, "memory_bandwidth_gbs": cpu.memory_channels * mts * 8 / 1000}
        )
        device = device_from_cpu(cpu, 512, sockets)
    elif cid in (MAP.get("cpus") or {}):
        c = MAP["cpus"][cid]
        device = Device(
            id=cid,
            name=c["name"],
            kind="cpu",
            vendor=c["vendor"],
            architecture=c["architecture"],
            memory_gb=512,
            bandwidth_gbs=c["memory_channels"] * c["memory_speed_mts"] * 8 / 1000 * sockets,
            fp16_tflops=c["fp32_tflops"] * sockets,
            fp16_basis="shader-fp32",
            fp32_tflops=c["fp32_tflops"] * sockets,
            segment="cpu",
            cuda_supported=False,
            vulkan=False,
            runtime="cpu",
            link_via="unified",
            memory_type=c["memory_type"],
            cores=c["cores"] * sockets,
            sockets=sockets,
            memory_channels=c["memory_channels"],
            simd=tuple(c.get("simd", ())),
        )
    else:
        return f"host CPU {cid} is neither in the catalogue nor in calibration_map.yaml"
    changes: dict[str, Any] = {}
    if "ccds" in entry:
        changes["ccds"] = int(entry["ccds"])
    if threads and threads < device.cores:
        # The threads the run used set its barrier width and the compute it could reach.
        share = threads / device.cores
        changes.update(
            cores=threads, fp32_tflops=device.fp32_tflops * share, fp16_tflops=device.fp16_tflops * share
        )
    return replace(device, **changes) if changes else device


def hardware(name: str, threads: int | None) -> tuple[list[Device], Device | None, str] | str:
    """(GPU devices, CPU host, where the figures came from) for a hardware name, or why it is skipped."""
    entry = MAP["hardware"].get(name, {})
    if "skip" in entry:
        return str(entry["skip"])
    host = None
    if "host" in entry:
        got = _host(entry, threads)
        if isinstance(got, str):
            return got
        host = got
    if "system" in entry:
        return [device_from_system(SYSTEMS[entry["system"]])], host, "catalogue " + entry["system"]
    ids = entry.get("catalog")
    if ids is None and "specs" not in entry and "host" not in entry:
        ids = {_norm(g.name): g.id for g in GPUS.values()}.get(_norm(name))
    if ids is not None:
        ids = [ids] * int(entry.get("count", 1)) if isinstance(ids, str) else ids
        if not all(i in GPUS for i in ids):
            return f"catalogue GPU missing: {ids}"
        devices = [d for i in ids for d in device_from_gpu(GPUS[i])]
        if entry.get("link") == "xgmi":
            devices = [replace(d, nvlink_gbs=92.0) for d in devices]  # xGMI bridge, 92 GB/s per direction
        return devices, host, "catalogue " + "+".join(sorted(set(ids)))
    if host is not None:
        return [], host, "catalogue"
    got = _spec_device(name, entry)
    return ([got], None, "hardware_specs.csv") if isinstance(got, Device) else got


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
    if devices and devices[0].vendor_key == "nvidia":
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
