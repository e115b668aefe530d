"""NVLink bridges: the part that joins two cards' NVLink connectors. A card's own `nvlink` field only
says which bridges fit it; the link exists when a bridge is part of the build."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat

from planner.schema.common import Part


class Bridge(Part):
    """A two-card NVLink bridge of one generation and one slot spacing."""

    kind: Literal["bridge"] = Field(description="Entry kind.")
    generation: Literal["nvlink-1", "nvlink-2", "nvlink-3", "nvlink-4"] = Field(
        description="NVLink generation of the cards it joins."
    )
    fits: tuple[str, ...] = Field(
        min_length=1, description="GPU `nvlink` values it joins (both cards the same model)."
    )
    slot_spacing: int = Field(
        ge=2,
        le=5,
        description="Back-plate positions from the first card's slot to the second's (3-slot bridge: slots 1 "
        "and 4); the cards sit directly in those slots.",
    )
    bandwidth_gbs: PositiveFloat = Field(le=1_000, description="Bandwidth one way between the two cards, GB/s.")
