"""`planner schema KIND`: JSON Schema of each file kind (for editors) and of each `--json` result."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import TypeAdapter

from planner.cli.common import emit_json
from planner.data.load import InputError, Problem, nearest


def _schemas() -> dict[str, Any]:
    from planner.schema import CatalogEntry
    from planner.schema.build import Build
    from planner.schema.request import Request
    from planner.schema.result import SCHEMAS
    from planner.schema.rules import ConstraintFile

    files = {
        "request": Request.model_json_schema(),
        "catalog": TypeAdapter(list[CatalogEntry]).json_schema(),
        "constraints": ConstraintFile.model_json_schema(by_alias=True),
        "build": Build.model_json_schema(),
    }
    # What `--json` prints: the typed results of solve, estimate, check and frontier.
    return files | {name: model.model_json_schema() for name, model in SCHEMAS.items()}


KINDS_HELP = "request | catalog | constraints | build | result | estimate-result | check-result | frontier-result | fit-record"


def schema(kind: Annotated[str, typer.Argument(help=KINDS_HELP)]) -> None:
    """Print the JSON Schema of a file kind, or of what `--json` prints (result, estimate-result ...)."""
    schemas = _schemas()
    if kind not in schemas:
        raise InputError(
            [
                Problem(
                    "command line",
                    None,
                    "kind",
                    f"unknown file kind {kind!r}",
                    nearest(kind, schemas) or f"use one of {', '.join(schemas)}",
                )
            ]
        )
    data = schemas[kind]
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data.setdefault("title", f"rig-planner {kind} file")
    emit_json(data)
