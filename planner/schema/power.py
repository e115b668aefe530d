"""Catalogue kinds that supply power: ATX and server PSUs, and breakout boards for server PSUs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, model_validator

from planner.schema.common import Part
from planner.schema.compute import PowerConnectors


class Psu(Part):
    """A power supply unit."""

    kind: Literal["psu"] = Field(description="Entry kind.")
    form: Literal["atx", "server"] = Field(description="ATX desktop PSU or server hot-swap PSU.")
    watts: PositiveFloat = Field(le=5_000, description="Rated output at 200-240 V input, W.")
    watts_low_line: PositiveFloat = Field(
        le=5_000, description="Rated output at 100-120 V input, W (server PSUs derate)."
    )
    efficiency: Literal["80plus", "bronze", "silver", "gold", "platinum", "titanium", "unrated"] = Field(
        description="80 PLUS rating."
    )
    atx_version: Literal["2.x", "3.0", "3.1", "none"] = Field(
        description="ATX spec; 3.x units are rated for 200 % GPU transients."
    )
    connectors: PowerConnectors = Field(
        description="GPU/CPU connectors it provides (for server PSUs: none until a breakout)."
    )
    needs_breakout: bool = Field(description="Whether it needs a breakout board to power cards.")
    family: str = Field(default="", description="Form family for breakout matching, e.g. hp-common-slot.")

    @model_validator(mode="after")
    def check_low_line_not_above_rating(self) -> Psu:
        if self.watts_low_line > self.watts:
            raise ValueError("watts_low_line exceeds watts; low-line input never raises output")
        if self.needs_breakout and not self.family:
            raise ValueError("needs_breakout is true but no family names the breakout boards")
        return self


class Breakout(Part):
    """A breakout board that turns a server PSU's edge connector into PCIe power leads."""

    kind: Literal["breakout"] = Field(description="Entry kind.")
    fits_families: tuple[str, ...] = Field(min_length=1, description="PSU families it takes.")
    connectors: PowerConnectors = Field(description="Connectors it provides.")
    max_w: PositiveFloat = Field(le=5_000, description="Power it is rated to pass, W.")
