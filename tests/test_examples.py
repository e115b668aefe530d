"""Every shipped example solves, and every build it returns passes the solver-free checker."""

import json
from pathlib import Path

import pytest

from planner.cli import run

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def test_there_are_at_least_six_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_solves_and_holds(path, capsys):
    code = run(["solve", str(path), "--json", "--time-limit", "60"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["status"] in ("optimal", "feasible")
    build = data["builds"][0]
    assert build["violations"] == []
    assert build["total_cost_usd"] <= float(path.read_text().split("budget_usd:")[1].split()[0])
    if "workload" in path.read_text():
        assert build["throughput"]["fits"] is True
