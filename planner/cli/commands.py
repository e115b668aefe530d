"""Registers the sub-commands beyond the catalogue (estimate, solve, check, ...) on the app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every optional command module's commands to the app."""
