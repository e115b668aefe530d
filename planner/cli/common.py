"""Options, exit codes and output helpers shared by every sub-command."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INFEASIBLE = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130

CatalogOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--catalog",
        help="Extra catalogue file or folder that adds parts or replaces shipped ones (repeatable).",
    ),
]
PricesOpt = Annotated[
    list[Path] | None,
    typer.Option("--prices", help="Price list that overrides prices by id and condition (repeatable)."),
]
ConstraintsOpt = Annotated[
    list[Path] | None,
    typer.Option("--constraints", help="Constraint file with rule parameters or user rules (repeatable)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a report.")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="Add the derivations: memory per device, constants, bases.")
]


MAX_SECONDS = 86_400.0  # a day: any longer limit is a typo, and the solver takes seconds to minutes
MAX_SEED = 2**31 - 1  # CP-SAT's random seed is a 32-bit integer


def finite(value: float | None) -> float | None:
    """Option callback: refuse inf and nan, which the range checks of click let through."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


EffortOpt = Annotated[
    float | None,
    typer.Option(
        "--effort",
        min=0.01,
        max=MAX_SECONDS,
        callback=finite,
        help="Search effort in CP-SAT deterministic seconds (default 250 for solve, 300 for a frontier): "
        "the same answer on any machine at any load. About a second of work each on a 2-core laptop.",
    ),
]


class Infeasible(Exception):
    """Raised after an infeasibility has been explained, to leave with its exit code."""

    def __init__(self, code: int = EXIT_INFEASIBLE) -> None:
        super().__init__(code)
        self.code = code


def load(catalog: list[Path] | None, prices: list[Path] | None):
    """The catalogue with the user's overlays and price lists applied."""
    from planner.data.catalog import load_catalog

    return load_catalog(extra=catalog or (), prices=prices or ())


def emit_json(data: Any) -> None:
    """Write one JSON document to stdout, nothing else (typed results as their model_dump_json)."""
    if isinstance(data, BaseModel):
        sys.stdout.write(data.model_dump_json(indent=2))
    else:
        json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def console() -> Console:
    """A console for reports on stdout: the terminal's width; when piped, $COLUMNS or 160."""
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160
    return Console(highlight=False, soft_wrap=False, width=width)


def note(message: str) -> None:
    """One line on stderr (why the exit code is not 0), leaving stdout to the report or JSON."""
    print(message, file=sys.stderr)


def err_console() -> Console:
    """A console for notes and warnings on stderr."""
    return Console(stderr=True, highlight=False)
