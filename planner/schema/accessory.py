"""Accessories some cards need to run outside the machine they were made for: fan shrouds for passive
cards, PCIe-to-EPS power adapters, SXM2-to-PCIe adapter boards."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat

from planner.schema.common import Part, Slug

AccessoryKind = Literal["fan-shroud", "eps-adapter", "sxm2-adapter"]


class Accessory(Part):
    """A part bought for a card: one per card that needs it (see Gpu.needs and the rules that require one)."""

    kind: Literal["accessory"] = Field(description="Entry kind.")
    accessory_kind: AccessoryKind = Field(
        description="fan-shroud: blower shroud for a passive card outside a server; eps-adapter: two PCIe "
        "8-pin leads to one EPS-12V input; sxm2-adapter: board that carries an SXM2 module on PCIe."
    )
    fits_gpus: tuple[Slug, ...] = Field(
        default=(), description="GPU ids it fits (empty: every card that needs this kind of accessory)."
    )
    added_length_mm: NonNegativeFloat = Field(
        default=0, le=300, description="How much longer the card gets with it fitted (shrouds), mm."
    )
    airflow_cfm: PositiveFloat | None = Field(
        default=None, le=500, description="Air its fan moves, CFM (shrouds)."
    )
    noise_dba: PositiveFloat | None = Field(
        default=None, le=100, description="Noise at full fan speed, dB(A), as the seller states it."
    )
    pcie_8pin_in: int = Field(
        default=0, ge=0, le=4, description="PCIe 8-pin leads it takes (an EPS adapter takes two)."
    )

    def fits(self, gpu_id: str) -> bool:
        """Whether it fits this card."""
        return not self.fits_gpus or gpu_id in self.fits_gpus
