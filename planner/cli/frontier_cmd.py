"""`planner frontier`: what each extra dollar buys, as a table of Pareto-optimal builds (and a plot)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from planner.cli.common import (
    MAX_SECONDS,
    CatalogOpt,
    ConstraintsOpt,
    JsonOpt,
    PricesOpt,
    console,
    emit_json,
    finite,
)
from planner.data.load import InputError, Problem
from planner.report.files import MARKER, check_output
from planner.report.text import gpu_summary
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


def frontier_data(problem: Any, points: int, time_limit: float) -> FrontierResult:
    """The frontier: points ordered by cost, each a full checked build, with the knees marked."""
    from planner.api import build_result
    from planner.instance.resolve import resolve
    from planner.solver.frontier import frontier
    from planner.solver.solve import Params
    from planner.solver.systems import best_systems

    start = time.monotonic()
    inst = resolve(problem.catalog, problem.request, problem.rules)
    objective, found = frontier(inst, points, Params(time_limit_s=time_limit))
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
    )


def _label(row: FrontierPoint) -> str:
    if row.kind == "system":
        return row.build.build.system or "system"
    return gpu_summary(row.build.cards) or "CPU only"


def plot(data: FrontierResult, path: Path) -> None:
    """A cost vs objective chart, each point labelled with its GPUs, systems and CPU-only builds marked."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
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
    fig, ax = plt.subplots(figsize=(10, 6))
    rows = data.points
    styles = {
        "gpus": ("o", "tab:blue", "GPU builds"),
        "system": ("s", "tab:orange", "whole systems"),
        "cpu-only": ("^", "tab:green", "CPU only"),
    }
    ax.plot([r.total_cost_usd for r in rows], [r.objective_value for r in rows], color="0.7", zorder=1)
    for kind, (marker, color, label) in styles.items():
        pts = [r for r in rows if r.kind == kind]
        if pts:
            ax.scatter(
                [r.total_cost_usd for r in pts],
                [r.objective_value for r in pts],
                marker=marker,
                color=color,
                label=label,
                zorder=2,
                s=50,
            )
    for i, r in enumerate(rows):
        ax.annotate(
            _label(r) + (" (knee)" if i in data.knees else ""),
            (r.total_cost_usd, r.objective_value),
            textcoords="offset points",
            xytext=(5, 5),
            fontsize=7,
        )
    ax.set_xlabel("build cost (USD)")
    ax.set_ylabel("decode tokens/s" if data.objective == "decode_tokens_per_s" else "VRAM (GB)")
    ax.set_title("What each extra dollar buys (Pareto frontier)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    # The marker lets a later run overwrite this chart, and never a file rig-planner did not write.
    fig.savefig(path, metadata={"Title": f"{MARKER} frontier"})
    plt.close(fig)


def frontier_cmd(
    request: Annotated[Path, typer.Argument(help="Request file; its budget caps the frontier.")],
    points: Annotated[int, typer.Option("--points", min=2, max=100, help="Most points to compute.")] = 20,
    plot_file: Annotated[Path | None, typer.Option("--plot", help="Write a chart (.png or .svg).")] = None,
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
    constraints: ConstraintsOpt = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", min=1, max=MAX_SECONDS, callback=finite, help="Seconds for the whole frontier."
        ),
    ] = 60.0,
) -> None:
    """Cost versus decode tokens/s (with a workload) or VRAM: Pareto-optimal builds, knees marked."""
    from planner.api import load_problem

    if plot_file is not None:
        check_output(plot_file, "--plot", (".png", ".svg"))
    problem = load_problem(request, catalog or (), prices or (), constraints or ())
    data = frontier_data(problem, points, time_limit)
    if plot_file is not None:
        check_output(plot_file, "--plot", (".png", ".svg"))
        plot(data, plot_file)
    if json:
        emit_json(data)
        return
    unit = "decode tok/s" if data.objective == "decode_tokens_per_s" else "VRAM GB"
    t = Table(title=f"Pareto frontier: cost vs {unit} ({data.solve_seconds} s)", title_justify="left")
    for col in ("#", "cost", unit, "build", "note"):
        t.add_column(col)
    for i, r in enumerate(data.points):
        note = "knee: the next step costs much more per gain" if i in data.knees else ""
        note = note or ("" if r.proven else "not proven optimal in time")
        t.add_row(str(i + 1), f"${r.total_cost_usd:,.0f}", f"{r.objective_value:g}", _label(r), note)
    console().print(t)
