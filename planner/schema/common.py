"""Shared pieces of every catalogue entry: the strict base model, ids, prices and data basis."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80),
]
Condition = Literal["new", "used"]


class Strict(BaseModel):
    """Base for every file-facing model: unknown keys are errors and values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Price(Strict):
    """One dated market price for a part in one condition."""

    usd: float = Field(gt=0, le=500_000, description="Price in US dollars for one unit.")
    date: dt.date = Field(description="When this price was observed (YYYY-MM-DD or YYYY-MM-01).")
    condition: Condition = Field(description="new or used market.")
    basis: str = Field(
        default="typical street price",
        description="Where the price comes from (MSRP, typical eBay sold listing, retailer).",
    )


class Entry(Strict):
    """Fields every catalogue entry carries, whatever its kind (parts, models, quantisations)."""

    id: Slug = Field(description="Unique lowercase-hyphen id across the whole catalogue.")
    name: str = Field(min_length=1, description="Product name as sold.")
    vendor: str = Field(min_length=1, description="Manufacturer or brand.")
    source: str = Field(
        min_length=3,
        description="Basis of the figures: datasheet, vendor manual, community measurement.",
    )
    uncertain: tuple[str, ...] = Field(
        default=(),
        description="Names of fields whose values are uncertain (approximate or disputed).",
    )
    notes: str = Field(default="", description="Anything a builder should know about this part.")

    @model_validator(mode="after")
    def check_uncertain_names_fields(self) -> Entry:
        known = set(type(self).model_fields)
        unknown = [name for name in self.uncertain if name not in known]
        if unknown:
            raise ValueError(
                f"uncertain names unknown field(s) {', '.join(unknown)}; use field names of this kind"
            )
        return self


class Part(Entry):
    """A physical product that can be bought: an entry with dated prices."""

    prices: tuple[Price, ...] = Field(
        default=(), description="Dated prices, one per condition where both markets exist."
    )

    @model_validator(mode="after")
    def check_one_price_per_condition(self) -> Part:
        seen = [p.condition for p in self.prices]
        dupes = sorted({c for c in seen if seen.count(c) > 1})
        if dupes:
            raise ValueError(f"more than one price for condition {', '.join(dupes)}; keep one")
        return self

    def price(self, condition: Condition | None = None) -> Price | None:
        """The price in the given condition, or the cheapest one when no condition is given."""
        options = [p for p in self.prices if condition is None or p.condition == condition]
        return min(options, key=lambda p: p.usd) if options else None
