"""Constraint files: the physical rules' parameters (defaults users edit) and user rules, tagged by kind."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator

from planner.schema.common import Slug, Strict

Scalar = str | int | float | bool


class Select(Strict):
    """Which catalogue parts a rule is about: by id, or by kind and field values."""

    ids: tuple[Slug, ...] = Field(default=(), description="Part ids.")
    kind: str | None = Field(default=None, description="Part kind, e.g. gpu, psu.")
    where: dict[str, Scalar | tuple[Scalar, ...]] = Field(
        default_factory=dict, description="Field values to match (a list matches any of them)."
    )

    @model_validator(mode="after")
    def check_selects_something(self) -> Select:
        if not self.ids and self.kind is None:
            raise ValueError("a selection needs ids or a kind")
        return self


class RuleBase(Strict):
    """Fields every user rule has."""

    name: str = Field(min_length=1, description="Shown in explanations when the rule binds.")


class Forbid(RuleBase):
    """Never use these parts."""

    kind: Literal["forbid"] = Field(description="Rule kind.")
    select: Select = Field(description="Parts to forbid.")


class RequirePart(RuleBase):
    """Use at least one of these parts."""

    kind: Literal["require"] = Field(description="Rule kind.")
    select: Select = Field(description="Parts of which at least one must be used.")


class AtMost(RuleBase):
    """Use at most this many of these parts."""

    kind: Literal["at_most"] = Field(description="Rule kind.")
    select: Select = Field(description="Parts counted.")
    count: int = Field(ge=0, le=64, description="Largest allowed count.")


class AtLeast(RuleBase):
    """Use at least this many of these parts."""

    kind: Literal["at_least"] = Field(description="Rule kind.")
    select: Select = Field(description="Parts counted.")
    count: int = Field(ge=1, le=64, description="Smallest allowed count.")


class Limit(RuleBase):
    """Keep a whole-build attribute within a bound."""

    kind: Literal["limit"] = Field(description="Rule kind.")
    attribute: Literal[
        "sustained_w", "peak_w", "wall_w", "gpu_count", "psu_count", "total_cost_usd", "gpu_length_mm"
    ] = Field(description="Build attribute.")
    max: NonNegativeFloat = Field(description="Upper bound in the attribute's unit.")


class IfThen(RuleBase):
    """If any part of the first selection is used, a part of the second must be too."""

    kind: Literal["if_then"] = Field(description="Rule kind.")
    if_: Select = Field(alias="if", description="Condition parts.")
    then: Select = Field(description="Parts then required.")


UserRule = Annotated[Forbid | RequirePart | AtMost | AtLeast | Limit | IfThen, Field(discriminator="kind")]


class PowerRules(Strict):
    """Electrical rules."""

    psu_load_headroom: float = Field(ge=0, lt=0.9, description="Share of PSU rating kept free.")
    continuous_derating: float = Field(gt=0, le=1, description="Usable share of a breaker.")
    platform_base_w: PositiveFloat = Field(description="Board, drives, fans, RAM base draw, W.")
    per_dimm_w: NonNegativeFloat = Field(description="Draw per DIMM, W.")
    transient_factor: dict[str, PositiveFloat] = Field(
        description="GPU millisecond peak / TDP by architecture; key 'default' for the rest."
    )
    psu_transient_tolerance: dict[Literal["atx3", "atx2", "server"], PositiveFloat] = Field(
        description="Peak / rating a PSU rides through, by PSU class."
    )
    efficiency: dict[str, PositiveFloat] = Field(description="Efficiency at ~50 % load by 80 PLUS rating.")
    eps_per_socket: int = Field(ge=0, le=4, description="EPS-12V leads each CPU socket takes.")
    adapter_8pin_per_w: PositiveFloat = Field(
        description="Watts one 8-pin lead carries when a 12VHPWR card is fed through an adapter."
    )
    max_psus: int = Field(ge=1, le=8, description="Most PSUs one build may use.")


class PcieRules(Strict):
    """Lane and riser rules."""

    min_lanes_per_gpu: int = Field(ge=1, le=16, description="Fewest lanes a GPU may get.")
    riser_max_length_mm: dict[int, PositiveFloat] = Field(
        description="Longest passive ribbon riser that holds each PCIe generation, mm."
    )


class CoolingRules(Strict):
    """Airflow rules."""

    open_air_gap_slots: int = Field(ge=0, le=3, description="Free slots under an open-air card in a case.")
    passive_needs_airflow: bool = Field(description="Passive cards only where the chassis moves air.")


class MemoryRules(Strict):
    """System memory rules."""

    min_ram_gb: NonNegativeFloat = Field(description="Least system RAM a build gets.")
    populate_all_channels: bool = Field(description="Fill every channel the CPU and board share.")


class ConstraintFile(Strict):
    """A constraints YAML file: any of the rule sections, plus user rules."""

    power: PowerRules | None = Field(default=None, description="Electrical rules.")
    pcie: PcieRules | None = Field(default=None, description="Lane and riser rules.")
    cooling: CoolingRules | None = Field(default=None, description="Airflow rules.")
    memory: MemoryRules | None = Field(default=None, description="System memory rules.")
    rules: tuple[UserRule, ...] = Field(default=(), description="User rules.")


class Rules(Strict):
    """The effective rules: defaults with every user file applied."""

    power: PowerRules
    pcie: PcieRules
    cooling: CoolingRules
    memory: MemoryRules
    rules: tuple[tuple[str, UserRule], ...] = Field(description="User rules with their source.")
