"""`planner solve` and `planner check`: the best build for a request, and the rules a hand-made build breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import (
    EXIT_INFEASIBLE,
    CatalogOpt,
    ConstraintsOpt,
    Infeasible,
    JsonOpt,
    PricesOpt,
    console,
    emit_json,
)


def solve(
    request: Annotated[
        Path, typer.Argument(help="Request file (budget, workload, objective, require, site).")
    ],
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
    constraints: ConstraintsOpt = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Seconds before returning the best build found.")
    ] = 10.0,
    top: Annotated[
        int,
        typer.Option(
            "--top", min=1, max=10, help="Builds to show: the best and alternatives with other GPUs."
        ),
    ] = 1,
    workers: Annotated[
        int, typer.Option("--workers", min=0, help="Solver threads (1: deterministic; 0: one per core).")
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    log: Annotated[bool, typer.Option("--log", help="Print the solver's search log to stderr.")] = False,
    sheet: Annotated[
        Path | None, typer.Option("--sheet", help="Write a build sheet of the best build (.md or .html).")
    ] = None,
) -> None:
    """Find the best build for a request, proven optimal when time allows, or explain why none exists."""
    from planner.api import load_problem, solve_problem
    from planner.report.terminal import print_result

    problem = load_problem(request, catalog or (), prices or (), constraints or ())
    result = solve_problem(problem, time_limit_s=time_limit, top=top, workers=workers, seed=seed, log=log)
    if sheet is not None and result["builds"]:
        from planner.report.sheet import write_sheet

        write_sheet(result["builds"][0], f"rig-planner build sheet: {request.stem}", sheet)
    if json:
        emit_json(result)
    else:
        print_result(console(), result)
    if result["status"] == "infeasible":
        raise Infeasible(EXIT_INFEASIBLE)


def check(
    build: Annotated[
        Path, typer.Argument(help="Build file: part ids and counts, optional slots and PSU assignment.")
    ],
    request: Annotated[
        Path | None, typer.Option("--request", help="Request whose budget, site and workload apply.")
    ] = None,
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
    constraints: ConstraintsOpt = None,
) -> None:
    """Report every rule a hand-assembled build breaks (exit 3), or its figures when it holds (exit 0)."""
    from planner.api import Problem, build_json, check_file, load_problem
    from planner.data.catalog import load_catalog
    from planner.data.inputs import load_rules
    from planner.report.terminal import print_build
    from planner.schema.request import Request

    if request is not None:
        problem = load_problem(request, catalog or (), prices or (), constraints or ())
    else:
        # No request: no budget limit, the default site (one 120 V / 15 A circuit), no workload.
        problem = Problem(
            load_catalog(catalog or (), prices or ()),
            Request(budget_usd=10_000_000),
            load_rules(constraints or ()),
        )
    parsed, violations = check_file(build, problem)
    data = build_json(parsed, problem)
    if json:
        emit_json({"ok": not violations, "violations": violations, "build": data})
    else:
        out = console()
        print_build(out, data, f"Check of {build}")
        out.print(
            "[green]holds: no rule broken[/green]"
            if not violations
            else f"[red]{len(violations)} rule(s) broken[/red]"
        )
    if violations:
        raise Infeasible(EXIT_INFEASIBLE)
