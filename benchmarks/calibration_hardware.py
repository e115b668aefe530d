"""Calibration hardware names as Devices: catalogue GPUs, systems and CPUs, or hardware_specs.csv figures,
with the memory speed, threads and core dies the rows' notes and calibration_map.yaml state.
"""

from __future__ import annotations

import csv
import glob
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from planner.perf import Device, device_from_cpu, device_from_gpu, device_from_system
from planner.schema import ENTRY_ADAPTER, Cpu, Gpu, Llm, System

REPO = Path(__file__).resolve().parents[1]
# The name map is data the package reads too (measured figures beside estimates): it lives in calibration/.
MAP = yaml.safe_load((REPO / "calibration" / "calibration_map.yaml").read_text(encoding="utf-8"))


def calibration_dir() -> Path:
    """The measured runs shipped in the repository (calibration/), or $RIG_CALIBRATION_DIR."""
    env = os.environ.get("RIG_CALIBRATION_DIR")
    return Path(env) if env else REPO / "calibration"


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


