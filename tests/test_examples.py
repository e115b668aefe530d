"""Every shipped example solves, its build passes the solver-free checker, its report reads at 80 columns
and states only what the build is, and the saved build file checks (without the request) to the same cost,
power and throughput."""

from pathlib import Path

import pytest
from results_checks import (
    check_answer_first,
    check_parts_readable,
    check_sheet,
    check_stated_facts,
    check_width,
    render,
)

from planner.cli import run
from planner.schema.result import CheckResult, Result

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))


def test_there_are_at_least_six_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_solves_holds_reads_and_round_trips(path, capsys, tmp_path, catalog):
    saved = tmp_path / "build.yaml"
    code = run(["solve", str(path), "--json", "--time-limit", "60", "--save-build", str(saved)])
    result = Result.model_validate_json(capsys.readouterr().out)
    assert code == 0
    assert result.status in ("optimal", "feasible")
    best = result.best
    assert best is not None and best.violations == []
    assert best.total_cost_usd <= float(path.read_text().split("budget_usd:")[1].split()[0])
    if "workload" in path.read_text():
        assert best.throughput is not None and best.throughput.fits is True

    # The report: the answer first, no line wider than 80 columns, tables readable, facts true.
    for verbose in (False, True):
        check_width(render(result, 80, verbose), 80)
    text = render(result, 80)
    check_answer_first(text, best)
    check_parts_readable(text, best)
    check_stated_facts(render(result, 140), best, catalog)
    check_sheet(best, catalog)

    # Round trip: the saved build alone (its workload, site, owned parts and markets) checks to the same
    # cost, power and throughput, numbered the same way.
    assert saved.read_text().startswith("# rig-planner build")
    code = run(["check", str(saved), "--json"])
    checked = CheckResult.model_validate_json(capsys.readouterr().out)
    assert code == 0 and checked.ok, checked.violations
    again = checked.build
    assert again.total_cost_usd == best.total_cost_usd and again.parts == best.parts
    assert again.power == best.power
    assert again.throughput == best.throughput
    assert again.cards == best.cards and again.card_link == best.card_link
