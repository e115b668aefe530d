"""Whole unified-memory systems as candidate builds: enumerated and checked, not modelled in CP-SAT.

A system is a complete build on its own, so the solver-free checker decides whether it qualifies and
the throughput model gives its objective values in the solver's units.
"""

from __future__ import annotations

from typing import Any

from planner.check import check_build
from planner.check.context import Ctx
from planner.check.money import total_cost
from planner.check.workload import build_speeds, estimate_build
from planner.instance.resolve import Instance
from planner.model.money import energy_hours
from planner.schema.build import Build


def system_values(build: Build, problem: Any) -> dict[str, int]:
    """Objective values of a system build, in the model's integer units."""
    ctx = Ctx(problem.catalog, problem.request, problem.rules, build)
    s = ctx.system
    assert s is not None
    values = {
        "vram": int(ctx.system_gpu_memory_gb * 1024),
        "bandwidth": round(s.bandwidth_gbs),
        "cost": int(total_cost(ctx)),
        "plainness": 0,  # one box: nothing on risers, no open frame
    }
    site = problem.request.site
    if site.electricity_usd_per_kwh is not None:
        per_mw = round(energy_hours(problem.request) * site.electricity_usd_per_kwh)
        values["cost_of_ownership"] = values["cost"] * 1_000_000 + int(s.power_w * 1000) * per_mw
    est = estimate_build(ctx)
    if est is not None:
        wl = problem.request.workload
        # At the band edge the request optimises (conservative by default), as the solver's coefficients.
        decode, prefill, batch = build_speeds(est, problem.request)
        values["decode"] = int(1e9 / decode) if decode else 10**18
        values["prefill"] = int(1e9 / prefill * wl.prompt) if prefill else 10**18
        values["batch_throughput"] = int(1e9 * wl.batch / batch) if batch else 10**18
    return values


def best_systems(inst: Instance, problem: Any) -> list[tuple[Build, dict[str, int]]]:
    """Every catalogue system that meets all rules, with its objective values."""
    if inst.request.require.min_gpus > 0:
        return []
    out = []
    for s in inst.systems:
        build = Build(system=s.id)
        if check_build(build, problem.catalog, problem.request, problem.rules):
            continue
        out.append((build, system_values(build, problem)))
    return out
