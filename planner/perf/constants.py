"""Fitted throughput constants from constants.yaml, looked up per runtime, architecture family and vendor.

The numbers live in the YAML file beside this module, each with its basis; benchmarks/fit_constants.py
writes it. Look-ups fall back from "family/segment" to family, vendor, the runtime default, then global.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from planner.perf.device import Device

CONSTANTS_FILE = Path(__file__).with_name("constants.yaml")

_active: dict[str, Any] | None = None


def load_constants(path: Path | None = None) -> dict[str, Any]:
    """The constants mapping read from a YAML file (the shipped one by default)."""
    with open(path or CONSTANTS_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict) or "global" not in data:
        raise ValueError(f"{path or CONSTANTS_FILE}: not a throughput constants file (no 'global' key)")
    return data


def constants() -> dict[str, Any]:
    """The constants in force: the shipped file, unless a benchmark swapped in others."""
    global _active
    if _active is None:
        _active = load_constants()
    return _active


@contextlib.contextmanager
def use_constants(data: Mapping[str, Any]) -> Iterator[None]:
    """Evaluate with other constants (the fitter scores candidate constants this way)."""
    global _active
    previous = _active
    _active = dict(data)
    try:
        yield
    finally:
        _active = previous


@dataclass(frozen=True)
class Looked:
    """A group of constants and where they were found (for the estimate's assumptions)."""

    values: dict[str, Any]
    where: str
    basis: str

    def __getitem__(self, key: str) -> float:
        return float(self.values[key])


def _candidates(runtime: str, device: Device) -> list[tuple[str, Mapping[str, Any]]]:
    table = constants().get("runtimes", {}).get(runtime, {})
    family = device.family
    out: list[tuple[str, Mapping[str, Any]]] = []
    fams = table.get("family", {}) or {}
    for key in (f"{family}/{device.segment}", family):
        if key in fams:
            out.append((f"{runtime} {key}", fams[key]))
    vendors = table.get("vendor", {}) or {}
    if device.vendor_key in vendors:
        out.append((f"{runtime} vendor {device.vendor_key}", vendors[device.vendor_key]))
    if "default" in table:
        out.append((f"{runtime} default", table["default"]))
    out.append(("global default", constants()["global"]))
    return out


def lookup(runtime: str, device: Device, group: str) -> Looked:
    """The first entry on the fallback path that has this group ("decode" or "prompt")."""
    for where, entry in _candidates(runtime, device):
        values = entry.get(group)
        if values:
            return Looked(dict(values), where, str(values.get("basis", "no basis recorded")))
    raise KeyError(f"no {group} constants for {runtime} and no global default")


def section(name: str) -> dict[str, Any]:
    """A top-level section of the constants (memory, multi_gpu, cpu ...)."""
    value = constants().get(name)
    if not isinstance(value, dict):
        raise KeyError(f"constants.yaml has no section {name!r}")
    return value


def uncertainty(runtime: str, kind: str) -> dict[str, Any]:
    """Relative error band (measured / predicted) for a runtime and test kind ("decode" or "prompt")."""
    bands = constants().get("uncertainty", {})
    band = (bands.get(runtime) or {}).get(kind) or (bands.get("default") or {}).get(kind)
    if not band:
        return {"low": 0.5, "high": 1.5, "basis": "no calibration band recorded; wide prior"}
    return dict(band)
