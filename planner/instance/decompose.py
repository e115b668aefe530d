"""Split an instance into disjoint parts that are each smaller to search: builds with GPUs and CPU-only
builds. The parts together hold exactly the builds of the whole, so the best of their optima is the
optimum.

Why it pays: a CPU's speed and memory matter to the model only when it holds layers, which (without
offload) happens only in a build with no GPU. Builds with GPUs can then compare platforms by price,
lanes and power alone, which prunes most CPUs; CPU-only builds have no GPU options at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.instance.prune import at_least_as_good, cpu_key, keep_undominated
from planner.instance.resolve import Instance, protected, with_platforms


@dataclass(frozen=True)
class Part:
    """One part of an instance: its name, the instance, and how many GPUs its builds have at least."""

    name: str  # "all", "gpus" or "cpu-only"
    inst: Instance
    min_gpus: int = 0


def parts(inst: Instance) -> list[Part]:
    """The parts to solve: the whole instance, or GPU builds and CPU-only builds when that splits it."""
    req = inst.request
    wl = req.workload
    if wl is None or wl.offload or req.require.min_gpus > 0 or not inst.gpus:
        return [Part("all", inst)]
    out = [Part("cpu-only", replace(inst, gpus=[], coeff={}, tensor={}))]
    if inst.pruned:
        keep = protected(inst.rules, {o.id: o.count for o in req.owned})
        plats = keep_undominated(
            inst.platforms,
            lambda p: cpu_key(p),
            at_least_as_good,
            lambda p: keep(p.cpu.entry) or keep(p.board.entry),
        )
        out.append(Part("gpus", with_platforms(inst, plats), min_gpus=1))
    else:
        out.append(Part("gpus", inst, min_gpus=1))
    return out
