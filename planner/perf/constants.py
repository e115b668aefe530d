"""Fitted throughput constants from constants.yaml: physical parameters, scaled per runtime, with effects.

Each parameter (achieved bandwidth share, per-layer cost, matrix-peak share ...) has a global value;
each runtime scales its fallback's value (ik_llama.cpp/cuda -> llama.cpp/cuda -> global), and effects
multiply it by level (architecture family, memory kind, vendor, compute units, quant class, flash
attention). A runtime with few rows stays close to the runtime it falls back on.
benchmarks/fit_constants.py writes the file, every value with its basis.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

CONSTANTS_FILE = Path(__file__).with_name("constants.yaml")
LEVELS = ("family", "memory", "vendor", "units", "quant", "fa", "split")

_active: dict[str, Any] | None = None
_caches: list[dict[Any, Any]] = []  # caches of values derived from the constants, cleared on a swap
_cache: dict[tuple[str, str], tuple[float, list[Mapping[str, Mapping[str, float]]]]] = {}


def load_constants(path: Path | None = None) -> dict[str, Any]:
    """The constants mapping read from a YAML file (the shipped one by default)."""
    with open(path or CONSTANTS_FILE, encoding="utf-8") as fh:
        # libyaml when present: the pure-Python parser took a tenth of a second of every command's start.
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict) or "params" not in data:
        raise ValueError(f"{path or CONSTANTS_FILE}: not a throughput constants file (no 'params' key)")
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
    _clear()
    try:
        yield
    finally:
        _active = previous
        _clear()


def derived_cache() -> dict[Any, Any]:
    """A dict for values computed from the constants, emptied whenever other constants are swapped in."""
    cache: dict[Any, Any] = {}
    _caches.append(cache)
    return cache


def _clear() -> None:
    _cache.clear()
    for cache in _caches:
        cache.clear()


def fallback_chain(runtime: str) -> list[str]:
    """The runtime and the runtimes it borrows unfitted parameters from, nearest first."""
    table = constants().get("runtimes", {})
    chain = [runtime]
    while (nxt := (table.get(chain[-1]) or {}).get("fallback")) and nxt not in chain:
        chain.append(nxt)
    return chain


def _resolve(runtime: str, name: str) -> tuple[float, list[Mapping[str, Mapping[str, float]]]]:
    key = (runtime, name)
    if key not in _cache:
        table = constants().get("runtimes", {})
        value = float(constants()["params"][name]["value"])
        effects = []
        for rt in fallback_chain(runtime):
            entry = table.get(rt) or {}
            got = (entry.get("params") or {}).get(name)
            if got:
                value *= float(got["scale"])
            effect = (entry.get("effects") or {}).get(name)
            if effect:
                effects.append(effect)
        _cache[key] = (value, effects)
    return _cache[key]


def param(runtime: str, name: str, levels: Mapping[str, str]) -> float:
    """A parameter's value for a runtime and a device/workload context.

    The global value, times the scale of each runtime on the fallback chain (llama.cpp/rocm scales
    llama.cpp/cuda, which scales the global prior), times for each level the nearest runtime's effect
    for the context's key (the Ampere effect fitted under CUDA serves ik_llama.cpp on CUDA too).
    """
    value, effects = _resolve(runtime, name)
    for level, key in levels.items():
        for candidate in kin_keys(level, key):
            hit = next((e[level][candidate] for e in effects if candidate in (e.get(level) or {})), None)
            if hit is not None:
                value *= float(hit)
                break
    return value


def kin_keys(level: str, key: str, kin: Mapping[str, str] | None = None) -> list[str]:
    """The key, then for an architecture family its kin (constants `family_kin`: the nearest measured
    design it descends from or into), so a family no run measured borrows its relative's effects."""
    out = [key]
    if level != "family":
        return out
    table = kin if kin is not None else (constants().get("family_kin") or {}).get("families") or {}
    while (nxt := table.get(out[-1])) and nxt not in out:
        out.append(nxt)
    return out


def where(runtime: str, name: str) -> tuple[str, str]:
    """(runtimes whose fits shape the parameter, the nearest one's basis) for the assumptions."""
    table = constants().get("runtimes", {})
    fitted = [rt for rt in fallback_chain(runtime) if name in ((table.get(rt) or {}).get("params") or {})]
    if not fitted:
        return "prior", str(constants()["params"][name].get("basis", ""))
    return " < ".join(fitted), str(table[fitted[0]]["params"][name].get("basis", ""))


def section(name: str) -> dict[str, Any]:
    """A top-level section of the constants (memory, multi_gpu, cpu, bands, evidence ...)."""
    value = constants().get(name)
    if not isinstance(value, dict):
        raise KeyError(f"constants.yaml has no section {name!r}")
    return value
