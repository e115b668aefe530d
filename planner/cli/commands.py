"""Registers the sub-commands beyond the catalogue (estimate, solve, check) on the app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every command module's commands to the app."""
    from planner.cli import estimate_cmd, frontier_cmd, record_cmd, schema_cmd, solve_cmd

    app.command("estimate")(estimate_cmd.estimate)
    app.command("solve")(solve_cmd.solve)
    app.command("check")(solve_cmd.check)
    app.command("schema")(schema_cmd.schema)
    app.command("frontier")(frontier_cmd.frontier_cmd)
    app.command("record")(record_cmd.record)
