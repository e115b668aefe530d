"""Constraint files: the physical rules' parameters (defaults users edit) and user rules, tagged by kind."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, StringConstraints, model_validator

from planner.schema.common import Ref, Strict, nearest, one_of

Text = Annotated[str, StringConstraints(max_length=200)]
Scalar = Text | int | float | bool
PsuClass = Literal["atx3", "atx2", "server"]
Rating = Literal["80plus", "bronze", "silver", "gold", "platinum", "titanium", "unrated"]


class Select(Strict):
    """Which catalogue parts a rule is about: by id, or by kind and field values."""

    ids: tuple[Ref, ...] = Field(default=(), max_length=200, description="Part ids.")
    kind: str | None = Field(default=None, max_length=200, description="Part kind, e.g. gpu, psu.")
    where: dict[Text, Scalar | tuple[Scalar, ...]] = Field(
        default_factory=dict, description="Field values to match (a list matches any of them)."
    )

    @model_validator(mode="after")
    def check_selects_something(self) -> Select:
        if not self.ids and self.kind is None:
            raise ValueError("a selection needs ids or a kind")
        from planner.schema import KINDS

        if self.kind is not None and self.kind not in KINDS:
            hint = nearest(self.kind, KINDS) or f"use one of {one_of(KINDS)}"
            raise ValueError(f"unknown kind {self.kind!r}; {hint}")
        classes = [KINDS[self.kind]] if self.kind else list(KINDS.values())
        fields = {name for c in classes for name in c.model_fields}
        for key in self.where:
            if key not in fields:
                what = f"a {self.kind}" if self.kind else "any part"
                hint = nearest(key, fields) or "see `planner schema catalog` for the field names"
                raise ValueError(f"{what} has no field {key!r}; {hint}")
        return self


class RuleBase(Strict):
    """Fields every user rule has."""

    name: str = Field(min_length=1, max_length=200, description="Shown in explanations when the rule binds.")


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
    max: NonNegativeFloat = Field(le=1e9, description="Upper bound in the attribute's unit.")


class IfThen(RuleBase):
    """If any part of the first selection is used, a part of the second must be too."""

    kind: Literal["if_then"] = Field(description="Rule kind.")
    if_: Select = Field(alias="if", description="Condition parts.")
    then: Select = Field(description="Parts then required.")


UserRule = Annotated[Forbid | RequirePart | AtMost | AtLeast | Limit | IfThen, Field(discriminator="kind")]


# A GPU's peak is at least its TDP, and no PSU rides more than a few times its rating.
Factor = Annotated[float, Field(ge=1, le=5)]
Efficiency = Annotated[float, Field(ge=0.5, le=1)]


class PowerRules(Strict):
    """Electrical rules."""

    psu_load_headroom: float = Field(
        ge=0, lt=0.9, description="Share of each PSU's rated output kept free under sustained load."
    )
    continuous_derating: float = Field(gt=0, le=1, description="Usable share of a breaker.")
    platform_base_w: PositiveFloat = Field(le=5_000, description="Board, drives, fans, RAM base draw, W.")
    per_dimm_w: NonNegativeFloat = Field(le=100, description="Draw per DIMM, W.")
    transient_factor: dict[Annotated[str, StringConstraints(max_length=100)], Factor] = Field(
        description="GPU millisecond peak / TDP by architecture; key 'default' for the rest."
    )
    psu_transient_tolerance: dict[PsuClass, Factor] = Field(
        description="Peak / rating a PSU rides through, by PSU class (atx3, atx2 and server)."
    )
    efficiency: dict[Rating, Efficiency] = Field(
        description="Efficiency at ~50 % load by 80 PLUS rating (every rating)."
    )
    eps_per_socket: int = Field(ge=0, le=4, description="EPS-12V leads each CPU socket takes.")
    adapter_8pin_per_w: float = Field(
        ge=50,
        le=600,
        description="Watts one 8-pin lead carries when a 12VHPWR card is fed through an adapter.",
    )
    adapter_leads: dict[str, int] = Field(
        default_factory=lambda: {"ampere": 2},
        description="8-pin leads a card's own 12-pin adapter takes, by architecture (others: by watts).",
    )
    max_psus: int = Field(ge=1, le=8, description="Most PSUs one build may use.")

    @model_validator(mode="after")
    def check_tables_complete(self) -> PowerRules:
        missing = [
            f"{table} {', '.join(sorted(set(keys) - set(have)))}"
            for table, keys, have in (
                ("psu_transient_tolerance", typing.get_args(PsuClass), self.psu_transient_tolerance),
                ("efficiency", typing.get_args(Rating), self.efficiency),
                ("transient_factor", ("default",), self.transient_factor),
            )
            if set(keys) - set(have)
        ]
        if missing:
            raise ValueError(f"missing entries: {'; '.join(missing)}; give every one")
        wrong = {arch: n for arch, n in self.adapter_leads.items() if not 1 <= n <= 8}
        if wrong:
            raise ValueError(f"adapter_leads {wrong}: an adapter takes 1 to 8 leads")
        return self


MAX_LEVELS = 10


class PowerLimitRules(Strict):
    """GPU power limits: the levels the solver may choose and the range assumed for cards without data."""

    levels: tuple[float, ...] = Field(
        min_length=1, description="Limits the solver may set, as fractions of each card's default power."
    )
    default_min_fraction: float = Field(
        gt=0, le=1, description="Lowest limit, as a fraction of default power, for cards with no range data."
    )
    default_max_fraction: float = Field(
        ge=1, le=2, description="Highest limit, as a fraction of default power, for cards with no range data."
    )

    @model_validator(mode="after")
    def check_levels_are_fractions(self) -> PowerLimitRules:
        if any(not 0 < x <= 1 for x in self.levels):
            raise ValueError("levels are fractions of default power in (0, 1]; e.g. [1.0, 0.9, 0.8]")
        # Each level is an option per card in the model: a long list would only slow every solve.
        if len(self.levels) > MAX_LEVELS:
            raise ValueError(f"{len(self.levels)} levels; at most {MAX_LEVELS}")
        return self


class PcieRules(Strict):
    """Lane and riser rules."""

    min_lanes_per_gpu: int = Field(ge=1, le=16, description="Fewest lanes a GPU may get.")
    riser_max_length_mm: dict[
        Annotated[int, Field(ge=1, le=6)], Annotated[PositiveFloat, Field(le=3_000)]
    ] = Field(description="Longest passive ribbon riser that holds each PCIe generation, mm.")


class CoolingRules(Strict):
    """Airflow rules."""

    open_air_gap_slots: int = Field(
        ge=0,
        le=3,
        description="Free slots required under an open-air card in a case (0: sandwiching allowed).",
    )
    max_sandwiched_open_air: int = Field(
        default=1,
        ge=0,
        le=16,
        description="Open-air cards in a case that may have another card right against their fans.",
    )
    passive_needs_airflow: bool = Field(
        description="Passive cards only where the chassis moves air through them, or with a fan shroud."
    )
    blower_exhaust_share: float = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Share of a blower card's heat its cooler pushes out through the bracket, not the case.",
    )
    case_air_rise_c: PositiveFloat = Field(
        default=15.0, le=40, description="Rise of case air over the room that closed cases may reach, deg C."
    )


class MemoryRules(Strict):
    """System memory rules."""

    min_ram_gb: NonNegativeFloat = Field(le=65_536, description="Least system RAM a build gets.")
    populate_all_channels: bool = Field(description="Fill every channel the CPU and board share.")


class ConstraintFile(Strict):
    """A constraints YAML file: any of the rule sections, plus user rules."""

    power: PowerRules | None = Field(default=None, description="Electrical rules.")
    power_limits: PowerLimitRules | None = Field(default=None, description="GPU power-limit rules.")
    pcie: PcieRules | None = Field(default=None, description="Lane and riser rules.")
    cooling: CoolingRules | None = Field(default=None, description="Airflow rules.")
    memory: MemoryRules | None = Field(default=None, description="System memory rules.")
    rules: tuple[UserRule, ...] = Field(default=(), max_length=1_000, description="User rules.")


class Rules(Strict):
    """The effective rules: defaults with every user file applied."""

    power: PowerRules
    power_limits: PowerLimitRules
    pcie: PcieRules
    cooling: CoolingRules
    memory: MemoryRules
    rules: tuple[tuple[str, UserRule], ...] = Field(description="User rules with their source.")
