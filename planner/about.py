"""The installed version of rig-planner, for --version and the build sheet's date line."""

from __future__ import annotations


def version_text() -> str:
    """'rig-planner X.Y.Z' as installed ('not installed' when run from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"rig-planner {version('rig-planner')}"
    except PackageNotFoundError:
        return "rig-planner (not installed)"
