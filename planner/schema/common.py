"""Shared pieces of every catalogue entry: the strict base model, ids, prices and data basis."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import types
import typing
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80),
]
# An id that refers to a catalogue entry: any short text, so that a typo is reported as an unknown id
# with the nearest ids (by the loader, which knows the catalogue) rather than as a pattern mismatch.
Ref = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Condition = Literal["new", "used"]
EARLIEST_PRICE = dt.date(2000, 1, 1)


def _plausible_date(value: dt.date) -> dt.date:
    latest = dt.date.today() + dt.timedelta(days=1)  # a day of slack for time zones
    if not EARLIEST_PRICE <= value <= latest:
        raise ValueError(f"date {value} is not between {EARLIEST_PRICE} and today; check the year")
    return value


PriceDate = Annotated[dt.date, AfterValidator(_plausible_date)]


def nearest(name: str, known: Iterable[str], n: int = 3, cutoff: float = 0.5) -> str:
    """A hint naming the closest known names (case-insensitive), or an empty string."""
    if not isinstance(name, str) or not name or len(name) > 200:
        return ""  # a huge value is no typo: matching it would only cost time
    pool = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(pool), n=n, cutoff=cutoff)
    return f"did you mean {', '.join(pool[c] for c in close)}?" if close else ""


def one_of(values: Iterable[Any]) -> str:
    """'a, b or c' for a message that lists the allowed values."""
    items = [str(v) for v in values]
    if len(items) > 12:
        items = [*items[:12], f"... ({len(items) - 12} more)"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _wants_number(tp: Any) -> bool:
    """Whether an annotation takes a number and not a boolean (pydantic would read true as 1)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return _wants_number(args[0])
    if tp in (int, float):
        return True
    if origin is Literal:
        return bool(args) and all(isinstance(a, int | float) and not isinstance(a, bool) for a in args)
    if origin in (typing.Union, types.UnionType):
        return any(_wants_number(a) for a in args)
    return False


def spell_bools(tp: Any, value: Any) -> Any:
    """value with every true/false that sits where tp wants a number written as text, so that it fails
    validation as "expected a number, got 'true'" instead of passing as 1 (the same object if none)."""
    if isinstance(value, bool):
        return str(value).lower() if _wants_number(tp) and not _takes_bool(tp) else value
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return spell_bools(args[0], value)
    if origin in (typing.Union, types.UnionType):
        for a in args:
            new = spell_bools(a, value)
            if new is not value:
                return new
        return value
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        new_d = {k: spell_bools(args[1], v) for k, v in value.items()}
        return new_d if any(new_d[k] is not v for k, v in value.items()) else value
    if origin in (tuple, list) and isinstance(value, list | tuple) and args:
        new_l = [spell_bools(args[0], v) for v in value]
        return new_l if any(n is not v for n, v in zip(new_l, value, strict=True)) else value
    return value


def _takes_bool(tp: Any) -> bool:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return _takes_bool(args[0])
    if origin in (typing.Union, types.UnionType):
        return any(_takes_bool(a) for a in args)
    return tp is bool or tp is Any


@functools.cache
def _numeric_field(cls: type[BaseModel], name: str) -> Any:
    """The annotation of a field that holds numbers somewhere (None for the rest: nothing to check)."""
    f = cls.model_fields.get(name)
    if f is None:
        return None
    text = repr(f.annotation)
    return f.annotation if any(w in text for w in ("int", "float", "Literal[")) else None


class Strict(BaseModel):
    """Base for every file-facing model: unknown keys are errors and values never change.

    Numbers are finite (no .inf or .nan from a file), and true/false is never taken for 1/0.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def check_no_bool_for_number(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fixed = None
        for name, value in data.items():
            tp = _numeric_field(cls, name) if isinstance(name, str) else None
            new = spell_bools(tp, value) if tp is not None else value
            if new is not value:
                fixed = fixed if fixed is not None else dict(data)
                fixed[name] = new
        return data if fixed is None else fixed


class Price(Strict):
    """One dated market price for a part in one condition."""

    usd: float = Field(gt=0, le=500_000, description="Price in US dollars for one unit.")
    date: PriceDate = Field(description="When this price was observed (YYYY-MM-DD or YYYY-MM-01).")
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
