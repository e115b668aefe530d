"""The CP-SAT model of a build: BuildModel and the registry of rules applied to it, in the user's words."""

from __future__ import annotations

from collections.abc import Callable

from planner.model.core import BuildModel
from planner.model.links import nvlink_bridges
from planner.model.money import fits_budget
from planner.model.noise import quiet_parts
from planner.model.placement import cards_fit_chassis, cards_in_slots, one_platform
from planner.model.power import (
    enough_connectors,
    power_within_psu_capacity,
    psus_feed_cards,
    within_wall_circuits,
)
from planner.model.requirements import cooling_sufficient, gpu_requirements, user_rules
from planner.model.stack import one_runtime, tensor_on_runtime
from planner.model.workload import model_fits_memory

# Order matters only where a rule reads expressions an earlier one defined (user rules read costs).
RULES: tuple[Callable[[BuildModel], None], ...] = (
    one_platform,
    cards_in_slots,
    cards_fit_chassis,
    psus_feed_cards,
    power_within_psu_capacity,
    enough_connectors,
    within_wall_circuits,
    nvlink_bridges,
    fits_budget,
    gpu_requirements,
    cooling_sufficient,
    quiet_parts,
    one_runtime,
    user_rules,
)


def build_model(inst: object, split: str = "layer") -> BuildModel:
    """A BuildModel with every rule applied (and the workload rules when the request has a workload)."""
    bm = BuildModel(inst, split=split)  # type: ignore[arg-type]
    for rule in RULES:
        rule(bm)
    if bm.inst.request.workload is not None:
        model_fits_memory(bm, split)
        tensor_on_runtime(bm)
    return bm


__all__ = ["RULES", "BuildModel", "build_model"]
