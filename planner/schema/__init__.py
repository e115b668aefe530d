"""Pydantic models for every file the planner reads: catalogue entries, requests, constraints."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from planner.schema.accessory import Accessory
from planner.schema.bridge import Bridge
from planner.schema.common import Entry, Part, Price
from planner.schema.compute import Cpu, Gpu, PowerConnectors, Software, System
from planner.schema.llm import Llm, Quant
from planner.schema.platform import Board, Chassis, Memory, Port, Riser, Server, Slot
from planner.schema.power import Breakout, Psu
from planner.schema.software import Runtime

CatalogEntry = Annotated[
    Gpu
    | Cpu
    | System
    | Board
    | Server
    | Memory
    | Chassis
    | Riser
    | Bridge
    | Psu
    | Breakout
    | Accessory
    | Llm
    | Quant
    | Runtime,
    Field(discriminator="kind"),
]
ENTRY_ADAPTER: TypeAdapter[CatalogEntry] = TypeAdapter(CatalogEntry)
KINDS: dict[str, type[Entry]] = {
    cls.model_fields["kind"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in (Gpu, Cpu, System, Board, Server, Memory, Chassis, Riser, Bridge, Psu, Breakout, Accessory, Llm, Quant, Runtime)
}

__all__ = [
    "ENTRY_ADAPTER",
    "KINDS",
    "Accessory",
    "Board",
    "Breakout",
    "Bridge",
    "CatalogEntry",
    "Chassis",
    "Cpu",
    "Entry",
    "Gpu",
    "Llm",
    "Memory",
    "Part",
    "Port",
    "PowerConnectors",
    "Price",
    "Psu",
    "Quant",
    "Riser",
    "Runtime",
    "Server",
    "Slot",
    "Software",
    "System",
]
