"""The planner as a library: load a request, solve it, read plain result data (what the CLI prints)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.check import check_build, summarize
from planner.data.catalog import Catalog, load_catalog
from planner.data.inputs import load_request, load_rules
from planner.schema.build import Build
from planner.schema.request import Request
from planner.schema.rules import Rules


@dataclass
class Problem:
    """Everything a solve needs, loaded and validated."""

    catalog: Catalog
    request: Request
    rules: Rules


def load_problem(
    request: Path | str,
    catalogs: Sequence[Path | str] = (),
    prices: Sequence[Path | str] = (),
    constraints: Sequence[Path | str] = (),
) -> Problem:
    """Load and validate a request with the catalogue (plus overlays and price lists) and rules."""
    catalog = load_catalog(extra=catalogs, prices=prices)
    rules = load_rules(constraints)
    return Problem(catalog, load_request(request, catalog).request, rules)


def build_json(build: Build, problem: Problem) -> dict[str, Any]:
    """A build as the result schema shows it: summary figures, violations, and the build itself."""
    out = summarize(build, problem.catalog, problem.request, problem.rules)
    out["build"] = build.model_dump(mode="json", exclude_defaults=True)
    layers = [row["layers"] for row in out["pcie"] if row["layers"] is not None]
    if len(layers) > 1 and build.split == "layer":
        out["split_hint"] = f"llama.cpp -ts {','.join(str(n) for n in layers)}" + (
            f" -ngl {sum(layers)}" if build.cpu_layers else ""
        )
    return out


def solve_problem(
    problem: Problem,
    time_limit_s: float = 10.0,
    top: int = 1,
    workers: int = 1,
    seed: int = 0,
    log: bool = False,
) -> dict[str, Any]:
    """Solve, compare with whole systems, explain infeasibility; return the result as plain data."""
    from planner.instance.resolve import resolve
    from planner.solver.explain import explain
    from planner.solver.solve import Params, solve
    from planner.solver.systems import best_systems

    params = Params(time_limit_s=time_limit_s, workers=workers, seed=seed, log=log)
    inst = resolve(problem.catalog, problem.request, problem.rules)
    outcome = solve(inst, params, top=top)
    builds = [(b, v) for b, v in zip(outcome.builds, outcome.values, strict=True)]
    systems = best_systems(inst, problem)
    ranked = _rank(builds + systems, problem.request.objectives())[:top]
    status = outcome.status
    if status == "infeasible" and ranked:
        status = "optimal"
    result: dict[str, Any] = {
        "status": status,
        "objective": list(problem.request.objectives()),
        "objective_values": ranked[0][1] if ranked else None,
        "solve_seconds": round(outcome.seconds, 3),
        "gap": outcome.gap,
        "builds": [build_json(b, problem) for b, _ in ranked],
        "explanation": None,
    }
    if not ranked and outcome.status == "infeasible":
        result["explanation"] = explain(inst, params)
    return result


def _rank(
    candidates: list[tuple[Build, dict[str, int]]], objectives: tuple[str, ...]
) -> list[tuple[Build, dict[str, int]]]:
    from planner.solver.solve import SENSE

    def key(c: tuple[Build, dict[str, int]]) -> list[float]:
        return [(-c[1].get(o, 0) if SENSE[o] == "max" else c[1].get(o, 10**18)) for o in objectives]

    return sorted(candidates, key=key)


def check_file(build_path: Path | str, problem: Problem) -> tuple[Build, list[str]]:
    """Validate a hand-written build file against every rule."""
    from planner.data.load import parse, read_yaml

    doc = read_yaml(build_path)
    build: Build = parse(doc, Build)
    _known_ids(build, doc, problem.catalog)
    from planner.check.context import Ctx
    from planner.check.place import auto_place

    build = auto_place(Ctx(problem.catalog, problem.request, problem.rules, build))
    return build, [str(v) for v in check_build(build, problem.catalog, problem.request, problem.rules)]


def _known_ids(build: Build, doc: Any, catalog: Catalog) -> None:
    """Unknown part ids in a build file are bad input (exit 1), with the nearest ids suggested."""
    from planner.data.load import InputError
    from planner.data.load import Problem as FileProblem

    places: list[tuple[tuple[str | int, ...], str | None, str]] = [
        (("system",), build.system, "system"),
        (("board",), build.board, "board"),
        (("server",), build.server, "server"),
        (("cpu",), build.cpu, "cpu"),
        (("chassis",), build.chassis, "chassis"),
        (("memory", "id"), build.memory.id if build.memory else None, "memory"),
    ]
    places += [(("gpus", i, "id"), g.id, "gpu") for i, g in enumerate(build.gpus)]
    places += [(("psus", i, "id"), p.id, "psu") for i, p in enumerate(build.psus)]
    places += [(("psus", i, "breakout"), p.breakout, "breakout") for i, p in enumerate(build.psus)]
    places += [(("risers", i, "id"), r.id, "riser") for i, r in enumerate(build.risers)]
    problems = []
    for loc, pid, kind in places:
        if pid is None:
            continue
        try:
            catalog.get(pid, kind)
        except InputError as exc:
            p = exc.problems[0]
            where = ".".join(str(x) for x in loc)
            problems.append(FileProblem(doc.path, doc.line_of(loc), where, p.message, p.hint))
    if problems:
        raise InputError(problems)
