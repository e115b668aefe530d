"""Checks of a build file that are bad input rather than broken rules: power limits the card's driver
would refuse, and a limit given where no card takes one (a whole system)."""

from __future__ import annotations

from typing import Any

from planner.data.catalog import Catalog
from planner.data.facts import limit_range
from planner.data.load import Document, Problem
from planner.schema import Gpu
from planner.schema.rules import Rules


def power_limit_problems(doc: Document, catalog: Catalog, rules: Rules) -> list[Problem]:
    """Each gpus[i].power_limit_w within the card's range; no power limit outside gpus[] entries."""
    data: Any = doc.data if isinstance(doc.data, dict) else {}
    out = []
    if "power_limit_w" in data:
        what = f"a whole system ({data['system']})" if data.get("system") else "the build as a whole"
        out.append(
            Problem(
                doc.path,
                doc.line_of(("power_limit_w",)),
                "power_limit_w",
                f"{what} has no settable power limit",
                "power limits are set per GPU card: gpus[i].power_limit_w",
            )
        )
    for i, raw in enumerate(data.get("gpus") or ()):
        if not isinstance(raw, dict) or raw.get("power_limit_w") is None:
            continue
        gpu = catalog.entries.get(str(raw.get("id")))
        if not isinstance(gpu, Gpu):
            continue  # unknown ids are reported on their own
        low, high = limit_range(gpu, rules)
        watts = float(raw["power_limit_w"])
        if low - 1e-6 <= watts <= high + 1e-6:
            continue
        basis = gpu.power_limit_range.basis if gpu.power_limit_range else "the rules' default range"
        out.append(
            Problem(
                doc.path,
                doc.line_of(("gpus", i, "power_limit_w")),
                f"gpus[{i}].power_limit_w",
                f"{watts:g} W is outside {gpu.id}'s power-limit range {low:g}-{high:g} W ({basis})",
                f"give a limit within {low:g}-{high:g} W, or leave it out for the default {gpu.tdp_w:g} W",
            )
        )
    return out
