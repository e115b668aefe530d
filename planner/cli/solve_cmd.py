"""`planner solve` and `planner check`: the best build for a request, and the rules a hand-made build breaks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INTERRUPTED,
    MAX_SECONDS,
    MAX_SEED,
    CatalogOpt,
    ConstraintsOpt,
    EffortOpt,
    Infeasible,
    JsonOpt,
    PricesOpt,
    VerboseOpt,
    console,
    emit_json,
    finite,
    note,
)


def solve(
    request: Annotated[
        Path, typer.Argument(help="Request file (budget, workload, objective, require, site).")
    ],
    json: JsonOpt = False,
    verbose: VerboseOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
    constraints: ConstraintsOpt = None,
    effort: EffortOpt = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            max=MAX_SECONDS,
            callback=finite,
            help="Wall-clock safety net, seconds (default 300): the best build found is returned, marked.",
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            "--top", min=1, max=10, help="Builds to show: the best and alternatives with other GPUs."
        ),
    ] = 1,
    workers: Annotated[
        int,
        typer.Option("--workers", min=0, max=64, help="Solver threads (1: deterministic; 0: one per core)."),
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Solver random seed.")] = 0,
    log: Annotated[bool, typer.Option("--log", help="Print the solver's search log to stderr.")] = False,
    sheet: Annotated[
        Path | None, typer.Option("--sheet", help="Write a build sheet of the best build (.md or .html).")
    ] = None,
    next_step: Annotated[
        bool,
        typer.Option(
            "--next-step", help="Solve once more with the binding limit moved a step: what would it buy?"
        ),
    ] = False,
    save_build: Annotated[
        Path | None,
        typer.Option("--save-build", help="Write the best build as a build file (.yaml) for `planner check`."),
    ] = None,
) -> None:
    """Find the best build for a request, proven optimal when time allows, or explain why none exists."""
    from planner.api import load_problem, solve_problem
    from planner.report import buildfile, files
    from planner.report import sheet as sheets
    from planner.report.terminal import print_result

    # Output paths are bad input like any other: refuse them before spending time on the solve.
    if sheet is not None:
        files.check_output(sheet, "--sheet", sheets.SUFFIXES)
    if save_build is not None:
        files.check_output(save_build, "--save-build", buildfile.SUFFIXES)
    problem = load_problem(request, catalog or (), prices or (), constraints or ())
    result = solve_problem(
        problem,
        time_limit_s=time_limit,
        top=top,
        workers=workers,
        seed=seed,
        log=log,
        next_step=next_step,
        effort=effort,
    )
    best = result.best
    if best is not None and sheet is not None:
        sheets.write_sheet(best, f"rig-planner build sheet: {request.stem}", sheet, request=problem.request)
    if best is not None and save_build is not None:
        status = "interrupted: the best build so far" if result.interrupted else result.status
        buildfile.save_build(save_build, best.build, problem.request, str(request), f"solve status: {status}")
    if json:
        emit_json(result)
    else:
        print_result(console(), result, verbose)
    if result.interrupted:
        note("interrupted: the build shown is the best found so far, not proven optimal")
        raise Infeasible(EXIT_INTERRUPTED)
    if best is None:
        reason = "no build exists for this request" if result.explanation else result.message
        note(f"no build: {reason}")
        raise Infeasible(EXIT_INFEASIBLE)


def check(
    build: Annotated[
        Path, typer.Argument(help="Build file: part ids and counts, optional slots and PSU assignment.")
    ],
    request: Annotated[
        Path | None, typer.Option("--request", help="Request whose budget, site and workload apply.")
    ] = None,
    json: JsonOpt = False,
    verbose: VerboseOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
    constraints: ConstraintsOpt = None,
) -> None:
    """Report every rule a hand-assembled build breaks (exit 3), or its figures when it holds (exit 0)."""
    from planner.api import check_problem, load_check
    from planner.data.problems import clean
    from planner.report.terminal import print_build

    # Without --request: no budget limit, and the workload and site the build file carries.
    problem = load_check(build, request, catalog or (), prices or (), constraints or ())
    result = check_problem(build, problem)
    if json:
        emit_json(result)
    else:
        out = console()
        print_build(out, result.build, f"Check of {clean(str(build), 300)}", verbose)
        out.print(
            "[green]holds: no rule broken[/green]"
            if result.ok
            else f"[red]{len(result.violations)} rule(s) broken[/red]"
        )
    if not result.ok:
        note(f"{build}: {len(result.violations)} rule(s) broken")
        raise Infeasible(EXIT_INFEASIBLE)
