"""A catalogue three times the size, for solver benchmarks: every GPU, board and PSU gets two variants.

Variants are what a bigger market or a user's price file adds: the same GPU chip from other board
partners (factory overclock: a few percent more power and compute, longer and wider coolers, an extra
8-pin lead), the same board in another edition (other price; a budget edition wires its last x16
slot at x4 and drops bifurcation), the same PSU from another batch or retailer (other price, an
efficiency tier up or down, a lead more or less). Deterministic for a seed. Benchmark data only:
these are not real products and never enter the shipped catalogue.

    from variants import tripled; catalog = tripled(load_catalog(), seed=0)
"""

from __future__ import annotations

import random
from typing import Any

from planner.data.catalog import Catalog, Origin
from planner.schema import ENTRY_ADAPTER

TIERS = ["80plus", "bronze", "silver", "gold", "platinum", "titanium"]


def tripled(catalog: Catalog, seed: int = 0) -> Catalog:
    """The catalogue with two variants of every GPU, board and PSU added."""
    rng = random.Random(seed)
    out = Catalog(dict(catalog.entries), dict(catalog.origins))
    makers = {"gpu": _gpu, "board": _board, "psu": _psu}
    for kind, make in makers.items():
        for entry in catalog.of_kind(kind):
            for k in (1, 2):
                data = entry.model_dump(mode="json", exclude_none=True)
                data["id"] = f"{entry.id}-v{k}"
                data["name"] = f"{entry.name} (variant {k})"
                data["source"] = f"benchmark variant of {entry.id} (benchmarks/variants.py)"
                make(data, k, rng)
                _reprice(data, rng)
                variant = ENTRY_ADAPTER.validate_python(data)
                out.entries[variant.id] = variant
                out.origins[variant.id] = Origin("benchmarks/variants.py", None)
    return out


def _reprice(data: dict[str, Any], rng: random.Random) -> None:
    """Another seller's price: -12 % to +18 %, to the nearest $5."""
    factor = rng.uniform(0.88, 1.18)
    for p in data.get("prices", []):
        p["usd"] = max(5.0, round(p["usd"] * factor / 5) * 5)
        p["basis"] = "benchmark variant price"


def _gpu(data: dict[str, Any], k: int, rng: random.Random) -> None:
    """A partner card: factory overclock on one variant, a bigger cooler on the other."""
    if k == 1:
        boost = rng.choice([1.0, 1.03, 1.05])
        for key in ("fp16_tflops", "fp32_tflops", "int8_tops"):
            if data.get(key):
                data[key] = round(data[key] * boost, 2)
        tdp = round(data["tdp_w"] * rng.choice([1.0, 1.05, 1.1]))
        data["tdp_w"] = tdp
        limits = data.get("power_limit_range")
        if limits and limits.get("max_w", tdp) < tdp:
            limits["max_w"] = tdp  # a factory-overclocked board's power ceiling is its own default
        power = data.setdefault("power", {})
        if power.get("pcie_8pin") and rng.random() < 0.5:
            power["pcie_8pin"] += 1
    else:
        data["length_mm"] = min(400, round(data["length_mm"] + rng.choice([10, 25, 40])))
        if data["cooling"] != "blower":
            data["slot_width"] = min(5, data["slot_width"] + rng.choice([0, 0.5, 1]))


def _board(data: dict[str, Any], k: int, rng: random.Random) -> None:
    """Edition 1 has the same layout; edition 2 wires its last x16 slot at x4 and cannot bifurcate it."""
    if k == 2:
        slots = data.get("slots", [])
        wide = [s for s in slots if s["size"] == 16]
        if len(wide) > 1:
            last = wide[-1]
            last["lanes"] = 4
            last["bifurcation"] = []


def _psu(data: dict[str, Any], k: int, rng: random.Random) -> None:
    """Another batch: an efficiency tier up or down, or one 8-pin lead more or less."""
    if k == 1 and data.get("efficiency") in TIERS:
        i = TIERS.index(data["efficiency"]) + rng.choice([-1, 1])
        data["efficiency"] = TIERS[max(0, min(len(TIERS) - 1, i))]
    elif k == 2 and data.get("connectors", {}).get("pcie_8pin"):
        data["connectors"]["pcie_8pin"] = max(1, data["connectors"]["pcie_8pin"] + rng.choice([-1, 1]))
