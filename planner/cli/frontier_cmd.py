"""`planner frontier`: what each extra dollar buys, as a table of Pareto-optimal builds (and a plot)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from planner.cli.common import (
    EXIT_INTERRUPTED,
    MAX_SECONDS,
    CatalogOpt,
    ConstraintsOpt,
    EffortOpt,
    Infeasible,
    JsonOpt,
    PricesOpt,
    console,
    emit_json,
    finite,
)
from planner.data.load import InputError, Problem
from planner.report.files import check_output
from planner.report.frontier_chart import point_label
from planner.schema.result import FrontierPoint, FrontierResult


def _user_value(objective: str, value: int) -> float:
    return round(1e9 / value, 2) if objective == "decode" else round(value / 1024, 1)


def _non_dominated(rows: list[FrontierPoint]) -> list[FrontierPoint]:
    """Keep rows no other row beats on both cost (lower) and objective (higher); order by cost."""
    keep = []
    for r in rows:
        beaten = any(
            o is not r
            and o.total_cost_usd <= r.total_cost_usd
            and o.objective_value >= r.objective_value
            and (o.total_cost_usd, o.objective_value) != (r.total_cost_usd, r.objective_value)
            for o in rows
        )
        if not beaten:
            keep.append(r)
    return sorted(keep, key=lambda r: r.total_cost_usd)


def knees(rows: list[FrontierPoint]) -> list[int]:
    """Indexes where the next step buys less than a third of the gain per dollar of the step before."""
    out = []
    for i in range(1, len(rows) - 1):

        def rate(a: FrontierPoint, b: FrontierPoint) -> float:
            dc = b.total_cost_usd - a.total_cost_usd
            return (b.objective_value - a.objective_value) / dc if dc > 0 else float("inf")

        before, after = rate(rows[i - 1], rows[i]), rate(rows[i], rows[i + 1])
        if after < before / 3:
            out.append(i)
    return out


def frontier_data(
    problem: Any, points: int, time_limit: float | None = None, effort: float | None = None
) -> FrontierResult:
    """The frontier: points ordered by cost, each a full checked build, with the knees marked."""
    from planner.api import build_result
    from planner.instance.resolve import resolve
    from planner.solver.engine import DEFAULT_FRONTIER_EFFORT, DEFAULT_TIME_LIMIT, Budget, Params
    from planner.solver.frontier import frontier
    from planner.solver.systems import best_systems

    start = time.monotonic()
    inst = resolve(problem.catalog, problem.request, problem.rules)
    params = Params(
        effort=DEFAULT_FRONTIER_EFFORT if effort is None else effort,
        time_limit_s=DEFAULT_TIME_LIMIT if time_limit is None else time_limit,
    )
    budget = Budget(params, "frontier")
    try:
        objective, found = frontier(inst, points, budget=budget)
    finally:
        budget.close()
    rows = [
        FrontierPoint(
            total_cost_usd=p.cost,
            objective_value=_user_value(objective, p.value),
            proven=p.proven,
            kind="cpu-only" if not p.build.gpus else "gpus",
            build=build_result(p.build, problem),
        )
        for p in found
    ]
    key = "decode" if objective == "decode" else "vram"
    for build, values in best_systems(inst, problem):
        if key in values and values[key] < 10**17:
            rows.append(
                FrontierPoint(
                    total_cost_usd=values["cost"],
                    objective_value=_user_value(objective, values[key]),
                    proven=True,
                    kind="system",
                    build=build_result(build, problem),
                )
            )
    rows = _non_dominated(rows)
    return FrontierResult(
        objective="decode_tokens_per_s" if objective == "decode" else "vram_gb",
        points=rows,
        knees=knees(rows),
        solve_seconds=round(time.monotonic() - start, 2),
        effort=round(budget.work_used, 3),
        interrupted=budget.interrupted,
        limit_hit=budget.limit_hit,  # type: ignore[arg-type]
    )


def chart_title(problem: Any, data: FrontierResult) -> str:
    """'Llama 3.3 70B at q4-k-m, 8,192-token context: cost vs decode tokens/s' (the model as published)."""
    wl = problem.request.workload
    axis = "decode tokens/s" if data.objective == "decode_tokens_per_s" else "VRAM"
    if wl is None:
        return f"What each extra dollar buys: cost vs {axis}"
    from planner.perf import normalise_quant_name

    name = getattr(problem.catalog.entries.get(wl.model), "name", wl.model)
    quant = getattr(problem.catalog.entries.get(normalise_quant_name(wl.quant)), "name", wl.quant)
    return f"{name} at {quant}, {wl.context_tokens:,}-token context: cost vs {axis}"


def plot(data: FrontierResult, path: Path, problem: Any) -> None:
    """The chart, or bad input (exit 1) when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(
            [
                Problem(
                    "command line",
                    None,
                    "--plot",
                    "matplotlib is not installed",
                    "pip install 'rig-planner[plot]'",
                )
            ]
        ) from None
    from planner.report.frontier_chart import plot as draw

    objective = " > ".join(problem.request.objectives())
    draw(data, path, chart_title(problem, data), problem.request.budget_usd, objective)


def frontier_cmd(
    request: Annotated[Path, typer.Argument(help="Request file; its budget caps the frontier.")],
    points: Annotated[int, typer.Option("--points", min=2, max=100, help="Most points to compute.")] = 20,
    plot_file: Annotated[Path | None, typer.Option("--plot", help="Write a chart (.png or .svg).")] = None,
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
    constraints: ConstraintsOpt = None,
    effort: EffortOpt = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=1,
            max=MAX_SECONDS,
            callback=finite,
            help="Wall-clock safety net for the whole frontier, seconds (default 300).",
        ),
    ] = None,
) -> None:
    """Cost versus decode tokens/s (with a workload) or VRAM: Pareto-optimal builds, knees marked."""
    from planner.api import load_problem

    if plot_file is not None:
        check_output(plot_file, "--plot", (".png", ".svg"))
    from planner.solver.engine import request_scope

    problem = load_problem(request, catalog or (), prices or (), constraints or ())
    with request_scope():
        data = frontier_data(problem, points, time_limit, effort)
    if plot_file is not None:
        check_output(plot_file, "--plot", (".png", ".svg"))
        plot(data, plot_file, problem)
    if json:
        emit_json(data)
        if data.interrupted:
            raise Infeasible(EXIT_INTERRUPTED)
        return
    unit = "decode tok/s" if data.objective == "decode_tokens_per_s" else "VRAM GB"
    t = Table(title=f"Pareto frontier: cost vs {unit} ({data.solve_seconds} s)", title_justify="left")
    for col in ("#", "cost", unit, "build", "note"):
        t.add_column(col)
    for i, r in enumerate(data.points):
        note = "knee: the next step costs much more per gain" if i in data.knees else ""
        note = note or ("" if r.proven else "not proven Pareto-optimal within the search limit")
        t.add_row(str(i + 1), f"${r.total_cost_usd:,.0f}", f"{r.objective_value:g}", point_label(r), note)
    console().print(t)
    if data.interrupted or data.limit_hit:
        why = "interrupted" if data.interrupted else f"the {data.limit_hit} search limit was reached"
        console().print(f"{why}: the frontier may miss points")
    if data.interrupted:
        raise Infeasible(EXIT_INTERRUPTED)
