"""Shared fixtures: the shipped catalogue and rules, and a helper that solves and checks a tiny instance."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from planner.catalog import Catalog, load_catalog  # noqa: E402
from planner.check import check_build  # noqa: E402
from planner.inputs import load_rules  # noqa: E402
from planner.resolve import resolve  # noqa: E402
from planner.schema.request import Request  # noqa: E402
from planner.schema.rules import Rules  # noqa: E402
from planner.solve import Outcome, Params, solve  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def default_rules() -> Rules:
    return load_rules()


def solve_checked(cat: Catalog, req: Request, rules: Rules, prune: bool = True, **kw: Any) -> Outcome:
    """Solve with a fixed seed and time limit; every build returned must pass the solver-free checker."""
    inst = resolve(cat, req, rules, prune=prune)
    out = solve(inst, Params(time_limit_s=kw.pop("time_limit_s", 20), workers=2, seed=1), **kw)
    for build in out.builds:
        violations = check_build(build, cat, req, rules)
        assert not violations, f"solver build breaks rules: {[str(v) for v in violations]}\n{build}"
    return out
