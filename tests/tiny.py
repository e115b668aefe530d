"""Tiny hand-built catalogues for rule tests: a few parts with round figures, easy to reason about."""

from __future__ import annotations

import functools
from typing import Any

from planner.check import check_build
from planner.data.catalog import Catalog, Origin
from planner.data.inputs import load_rules
from planner.instance.resolve import resolve
from planner.schema import ENTRY_ADAPTER
from planner.schema.build import Build
from planner.schema.request import Request
from planner.schema.rules import Rules
from planner.solver.solve import Outcome, Params, solve

PRICE = "2025-01-01"


def price(usd: float, condition: str = "new") -> list[dict[str, Any]]:
    return [{"usd": usd, "date": PRICE, "condition": condition}]


def gpu(
    id: str,
    usd: float = 500,
    memory_gb: float = 24,
    bandwidth_gbs: float = 900,
    tdp_w: float = 300,
    width: float = 2,
    length_mm: float = 260,
    cooling: str = "blower",
    power: dict[str, int] | None = None,
    vendor: str = "NVIDIA",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "kind": "gpu",
        "id": id,
        "name": id.upper(),
        "vendor": vendor,
        "source": "test fixture",
        "segment": "consumer",
        "architecture": "ampere",
        "year": 2021,
        "memory_gb": memory_gb,
        "memory_type": "GDDR6",
        "bandwidth_gbs": bandwidth_gbs,
        "fp16_tflops": 70,
        "fp16_basis": "tensor-fp32-acc",
        "fp32_tflops": 35,
        "tdp_w": tdp_w,
        "power": power or {"pcie_8pin": 2},
        "slot_width": width,
        "length_mm": length_mm,
        "cooling": cooling,
        "pcie_gen": 4,
        "pcie_lanes": 16,
        "software": {"cuda_cc": "8.6"},
        "prices": price(usd),
        **extra,
    }


# Cards of each software kind: a maintained and a legacy one per vendor where runtimes differ.
GPU_KINDS: dict[str, dict[str, Any]] = {
    "ampere": {"architecture": "ampere", "software": {"cuda_cc": "8.6"}},
    "kepler": {"architecture": "kepler", "software": {"cuda_cc": "3.7", "cuda_supported": False}},
    "rdna3": {
        "vendor": "AMD",
        "architecture": "rdna3",
        "software": {"rocm": "supported", "gfx_target": "gfx1100", "cuda_supported": False},
    },
    "gfx906": {
        "vendor": "AMD",
        "architecture": "vega",
        "software": {"rocm": "dropped", "gfx_target": "gfx906", "cuda_supported": False},
    },
    "arc": {"vendor": "Intel", "architecture": "xe2-hpg", "software": {"cuda_supported": False}},
}


def system(
    id: str = "box-a", usd: float = 2000, memory_gb: float = 128, gpu_memory_gb: float = 96, **extra: Any
) -> dict[str, Any]:
    """A whole unified-memory machine with round figures (a Strix Halo class box by default)."""
    return {
        "kind": "system",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "architecture": "strix-halo",
        "year": 2025,
        "memory_gb": memory_gb,
        "gpu_memory_gb": gpu_memory_gb,
        "memory_type": "LPDDR5X",
        "bandwidth_gbs": 256,
        "fp16_tflops": 59.4,
        "fp16_basis": "tensor",
        "fp32_tflops": 29.7,
        "cpu_cores": 16,
        "power_w": 200,
        "runtime": "vulkan",
        "prices": price(usd),
        **extra,
    }


def board(
    id: str = "board-a", usd: float = 300, slots: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    default = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 3, 5)]
    return {
        "kind": "board",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "socket": "sp3",
        "cpu_series": ["epyc-7002"],
        "year": 2020,
        "memory_type": "ddr4",
        "memory_form": "rdimm",
        "memory_slots": 8,
        "memory_channels": 8,
        "max_memory_gb": 2048,
        "slots": slots or default,
        "form_factor": "atx",
        "prices": price(usd),
        **extra,
    }


def cpu(id: str = "cpu-a", usd: float = 200, lanes: int = 128, tdp_w: float = 150) -> dict[str, Any]:
    return {
        "kind": "cpu",
        "id": id,
        "name": id,
        "vendor": "AMD",
        "source": "test fixture",
        "socket": "sp3",
        "series": "epyc-7002",
        "architecture": "zen2",
        "year": 2019,
        "cores": 16,
        "threads": 32,
        "pcie_lanes": lanes,
        "pcie_gen": 4,
        "memory_channels": 8,
        "memory_type": "ddr4",
        "memory_speed_mts": 3200,
        "max_memory_gb": 4096,
        "memory_bandwidth_gbs": 204.8,
        "tdp_w": tdp_w,
        "fp32_tflops": 1.0,
        "simd": ["avx2"],
        "prices": price(usd),
    }


def dimm(id: str = "dimm-a", usd: float = 10, size_gb: int = 8) -> dict[str, Any]:
    return {
        "kind": "memory",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "memory_type": "ddr4",
        "form": "rdimm",
        "size_gb": size_gb,
        "speed_mts": 3200,
        "ecc": True,
        "prices": price(usd),
    }


def chassis(
    id: str = "tower-a",
    usd: float = 100,
    kind: str = "tower",
    expansion: int = 7,
    risers: int = 0,
    cooling_w: float = 3000,
    passive: bool = False,
    max_len: float = 330,
    bays: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "kind": "chassis",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "chassis_kind": kind,
        "form_factors": ["atx", "e-atx"],
        "expansion_slots": expansion,
        "max_gpu_length_mm": max_len,
        "riser_positions": risers,
        "psu_bays": bays,
        "cooling_capacity_w": cooling_w,
        "cooling_basis": "test fixture",
        "passive_airflow": passive,
        "prices": price(usd),
        **extra,
    }


def psu(
    id: str = "psu-a",
    usd: float = 100,
    watts: float = 2000,
    low: float | None = None,
    pcie_8pin: int = 6,
    eps: int = 2,
    hpwr: int = 0,
    atx: str = "3.0",
    form: str = "atx",
    family: str = "",
    efficiency: str = "gold",
    priced: bool = True,
) -> dict[str, Any]:
    return {
        "kind": "psu",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "form": form,
        "watts": watts,
        "watts_low_line": watts if low is None else low,
        "efficiency": efficiency,
        "atx_version": atx if form == "atx" else "none",
        "connectors": {"pcie_8pin": pcie_8pin, "eps_8pin": eps, "hpwr_12v": hpwr} if form == "atx" else {},
        "needs_breakout": form == "server",
        "family": family,
        "prices": price(usd) if priced else [],
    }


def breakout(
    id: str = "breakout-a", usd: float = 20, family: str = "srv", six_pin: int = 8
) -> dict[str, Any]:
    return {
        "kind": "breakout",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "fits_families": [family],
        "connectors": {"pcie_6pin": six_pin},
        "max_w": 2000,
        "prices": price(usd),
    }


def riser(
    id: str = "riser-a",
    usd: float = 40,
    gen: int = 4,
    length_mm: float = 200,
    kind: str = "ribbon",
    lanes: int = 16,
) -> dict[str, Any]:
    return {
        "kind": "riser",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "riser_kind": kind,
        "pcie_gen": gen,
        "lanes": lanes,
        "length_mm": length_mm,
        "prices": price(usd),
    }


def accessory(
    id: str = "shroud-a",
    usd: float = 25,
    kind: str = "fan-shroud",
    fits: tuple[str, ...] = (),
    added_length_mm: float = 0,
) -> dict[str, Any]:
    return {
        "kind": "accessory",
        "id": id,
        "name": id,
        "vendor": "Test",
        "source": "test fixture",
        "accessory_kind": kind,
        "fits_gpus": list(fits),
        "added_length_mm": added_length_mm,
        "prices": price(usd),
    }


def base_parts() -> list[dict[str, Any]]:
    """One of everything a board build needs, no GPUs."""
    return [board(), cpu(), dimm(), chassis(), psu()]


def base_build(**fields: Any) -> Build:
    """A build of base_parts() with one card `g` direct in slot 1 (fields replace any part of it)."""
    build = {
        "board": "board-a",
        "cpu": "cpu-a",
        "memory": {"id": "dimm-a", "count": 8},
        "chassis": "tower-a",
        "gpus": [{"id": "g", "slot": 1, "mount": "direct", "psu": 1}],
        "psus": [{"id": "psu-a"}],
    }
    return Build.model_validate(build | fields)


@functools.lru_cache(maxsize=1)
def _shipped() -> Catalog:
    from planner.data.catalog import load_catalog

    return load_catalog()


def make_catalog(entries: list[dict[str, Any]], with_models: bool = False) -> Catalog:
    """A Catalog from plain dicts (validated like files), optionally with the shipped LLMs and quants."""
    cat = Catalog()
    shipped = _shipped()
    # Runtime facts (software stacks) always come along: every build needs one runtime for its cards.
    kinds = ("llm", "quant", "runtime") if with_models else ("runtime",)
    for e in shipped.entries.values():
        if e.kind in kinds:
            cat.entries[e.id] = e
            cat.origins[e.id] = shipped.origins[e.id]
    for raw in entries:
        entry = ENTRY_ADAPTER.validate_python(raw)
        cat.entries[entry.id] = entry
        cat.origins[entry.id] = Origin("test", None)
    return cat


def request(**fields: Any) -> Request:
    fields.setdefault("budget_usd", 10_000)
    return Request.model_validate(fields)


def rules(**sections: Any) -> Rules:
    """Default rules with some fields changed, e.g. rules(power={"max_psus": 2})."""
    base = load_rules()
    update = {}
    for name, changes in sections.items():
        if name == "rules":
            update["rules"] = tuple((f"test#{i + 1}", r) for i, r in enumerate(changes))
        else:
            update[name] = getattr(base, name).model_copy(update=changes)
    return base.model_copy(update=update)


def solve_checked(cat: Catalog, req: Request, rules: Rules, prune: bool = True, **kw: Any) -> Outcome:
    """Solve within the default deterministic effort (the same answer at any machine load); every build
    returned must pass the solver-free checker."""
    inst = resolve(cat, req, rules, prune=prune)
    params = Params(effort=kw.pop("effort", Params.effort), time_limit_s=kw.pop("time_limit_s", 600), seed=1)
    out = solve(inst, params, **kw)
    for build in out.builds:
        violations = check_build(build, cat, req, rules)
        assert not violations, f"solver build breaks rules: {[str(v) for v in violations]}\n{build}"
    return out
