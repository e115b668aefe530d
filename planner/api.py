"""The planner as a library: load a request, solve it, check a build; typed results (what the CLI prints)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.check import check_build, summarize
from planner.check.why import why
from planner.data.catalog import Catalog, load_catalog
from planner.data.inputs import load_request, load_rules
from planner.schema.build import Build
from planner.schema.request import Request
from planner.schema.result import (
    BuildResult,
    CheckResult,
    DeviceLine,
    EstimateResult,
    Explanation,
    Result,
)
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
    rules = load_rules(constraints, catalog)
    return Problem(catalog, load_request(request, catalog).request, rules)


def build_result(build: Build, problem: Problem) -> BuildResult:
    """A build with every figure recomputed by the solver-free checker, and how to run it."""
    return summarize(build, problem.catalog, problem.request, problem.rules)


def solve_problem(
    problem: Problem,
    time_limit_s: float | None = None,
    top: int = 1,
    workers: int = 1,
    seed: int = 0,
    log: bool = False,
    next_step: bool = False,
    effort: float | None = None,
    progress: bool | None = None,
) -> Result:
    """Solve, compare with whole systems, explain infeasibility; every figure from the checker.

    With next_step, solve once more with the first binding limit moved a step and say what it buys.
    `effort` bounds the search in deterministic seconds (the same answer on any machine at any load);
    `time_limit_s` is a wall-clock safety net. The result says which limit, if any, cut the search
    short (`limit_hit`, with the `gap`), and whether Ctrl-C did (`interrupted`).
    """
    from planner.solver.engine import request_scope

    with request_scope():
        return _solve_problem(problem, time_limit_s, top, workers, seed, log, next_step, effort, progress)


def _solve_problem(
    problem: Problem,
    time_limit_s: float | None,
    top: int,
    workers: int,
    seed: int,
    log: bool,
    next_step: bool,
    effort: float | None,
    progress: bool | None,
) -> Result:
    from planner.solver.alternatives import trade_off
    from planner.solver.engine import DEFAULT_EFFORT, DEFAULT_TIME_LIMIT
    from planner.solver.explain import explain
    from planner.solver.solve import Params

    params = Params(
        effort=DEFAULT_EFFORT if effort is None else effort,
        time_limit_s=DEFAULT_TIME_LIMIT if time_limit_s is None else time_limit_s,
        workers=workers,
        seed=seed,
        log=log,
        progress=progress,
    )
    found = candidates(problem, params, top)
    inst, outcome, ranked, status = found.inst, found.outcome, found.ranked, found.status
    objective = list(problem.request.objectives())
    results = [build_result(b, problem) for b, _ in ranked]
    if results:
        results[0] = results[0].model_copy(update={"why": why(results[0], problem)})
    for k, alt in enumerate(ranked[1:], start=1):
        line = trade_off(ranked[0], alt, tuple(objective), inst)
        results[k] = results[k].model_copy(update={"trade_off": line})
    notes = list(outcome.notes)
    if len(ranked) < top and not notes:
        notes.append(f"only {len(ranked)} build(s) meet every rule")
    explanation, message = None, None
    if not ranked and status == "infeasible":
        explanation = Explanation(**explain(inst, params))
    elif not ranked:
        message = _no_build(outcome, params)
    result = Result(
        status=status,  # type: ignore[arg-type]
        proven=status == "optimal",
        interrupted=outcome.interrupted,
        limit_hit=outcome.limit_hit,
        objective=objective,
        objective_values=objective_values(results[0], objective) if results else None,
        solve_seconds=round(outcome.seconds, 3),
        effort=round(outcome.work, 3),
        gap=outcome.gap,
        builds=results,
        notes=notes,
        explanation=explanation,
        message=message,
    )
    if next_step and not result.interrupted and result.best is not None and result.best.why is not None:
        from planner.advice import next_step as step_up

        args = {"time_limit_s": time_limit_s, "workers": workers, "seed": seed, "effort": effort}
        reasons = result.best.why.model_copy(update={"next_step": step_up(problem, result, **args)})
        best = result.best.model_copy(update={"why": reasons})
        result = result.model_copy(update={"builds": [best, *result.builds[1:]]})
    return result


def _no_build(outcome: Any, params: Any) -> str:
    """Why no build came back, naming the limit that stopped the search and how to raise it."""
    if outcome.interrupted:
        return "the search was interrupted before it found a build"
    if outcome.limit_hit == "deterministic":
        return (
            f"no build found within the search effort of {params.effort:g}; give it more work with "
            f"--effort {max(120, round(params.effort * 4))}"
        )
    return (
        f"no build found within the {params.time_limit_s:g} s limit; give it more time with "
        f"--time-limit {max(60, round(params.time_limit_s * 4))}"
    )


@dataclass
class Candidates:
    """The solver's builds and the qualifying whole systems, ranked by the request's objectives."""

    inst: Any
    outcome: Any
    ranked: list[tuple[Build, dict[str, int]]]  # best first, objective values in the solver's units
    status: str


def candidates(problem: Problem, params: Any, top: int = 1) -> Candidates:
    """Solve, add whole systems, and rank them all: the answer before any figure is recomputed."""
    from planner.instance.resolve import resolve
    from planner.solver.solve import solve, stages
    from planner.solver.systems import best_systems

    inst = resolve(problem.catalog, problem.request, problem.rules)
    systems = best_systems(inst, problem)
    objectives = stages(problem.request.objectives())
    # The best whole system bounds the search for the best build: only builds at least as good on the
    # first objective are searched (a proof that none is comes far faster than an optimum).
    rival = _rank(systems, objectives)[0][1] if systems and top == 1 else None
    outcome = solve(inst, params, top=top, rival=rival)
    builds = [(b, v) for b, v in zip(outcome.builds, outcome.values, strict=True)]
    ranked = _rank(builds + systems, objectives)[:top]
    status = outcome.status
    if not outcome.builds and ranked:
        # Systems are enumerated exhaustively: with the solver's proof of no other build, the best is proven.
        status = "optimal" if status == "infeasible" else "feasible"
    return Candidates(inst, outcome, ranked, status)


def objective_values(build: BuildResult, objective: Sequence[str]) -> dict[str, float]:
    """The build's value of each objective in user units, as the checker computes them."""
    tp, rc = build.throughput, build.running_cost
    figures: dict[str, float | None] = {
        "vram": build.vram_gb,
        "bandwidth": build.aggregate_bandwidth_gbs,
        "cost": build.total_cost_usd,
        "cost_of_ownership": rc.cost_of_ownership_usd if rc else None,
        "decode": tp.decode_tokens_per_s if tp else None,
        "prefill": tp.prefill_tokens_per_s if tp else None,
        "batch_throughput": tp.batch_tokens_per_s if tp else None,
    }
    return {name: v for name in objective if (v := figures.get(name)) is not None}


def _rank(
    candidates: list[tuple[Build, dict[str, int]]], objectives: tuple[str, ...]
) -> list[tuple[Build, dict[str, int]]]:
    from planner.solver.objectives import sort_key

    return sorted(candidates, key=lambda c: sort_key(c[1], objectives))


def estimate_result(
    devices: list[Any], workload: Any, host: Any = None, quants: Sequence[Any] = ()
) -> EstimateResult:
    """`planner estimate` as a typed result; when the model does not fit, the nearest setups that would
    (the longest context at this quant, a smaller quant from `quants`, more of the same card)."""
    from planner import perf
    from planner.advice import would_fit
    from planner.check.workload import throughput_result

    est = perf.estimate(devices, workload, host)
    tp = throughput_result(est)
    assert tp is not None
    shown = list(devices) + ([host] if host is not None else [])
    return EstimateResult(
        **tp.model_dump(),
        model=workload.model.id,
        quant=workload.quant.id,
        devices=[DeviceLine(name=d.name, kind=d.kind) for d in shown],
        would_fit=[] if est.fits else would_fit(devices, workload, host, est, quants),
    )


def check_problem(build_path: Path | str, problem: Problem) -> CheckResult:
    """Check a build file against every rule; its figures come from the same checker."""
    parsed, violations = check_file(build_path, problem)
    return CheckResult(ok=not violations, violations=violations, build=build_result(parsed, problem))


def read_build(build_path: Path | str, catalog: Catalog, rules: Rules | None = None) -> Build:
    """Parse a build file and check every id it names against the catalogue, and every power limit
    against the card's range (bad input: InputError with file:line)."""
    from planner.data.buildfile import power_limit_problems
    from planner.data.load import InputError, parse, read_yaml

    doc = read_yaml(build_path)
    limits = power_limit_problems(doc, catalog, rules or load_rules())
    if limits:
        raise InputError(limits)
    build: Build = parse(doc, Build)
    _known_ids(build, doc, catalog)
    from planner.data.refs import check_build_refs

    wrong = check_build_refs(build, doc, catalog)
    if wrong:
        raise InputError(wrong)
    return build


def build_request(build: Build, catalog: Catalog | None = None) -> Request:
    """What a build file is judged against when no request is given: no budget limit, the workload and
    site the file carries (the default site, one 120 V / 15 A circuit, when it names none), and parts the
    catalogue has no price for (an enclosure sold only inside a whole machine) taken as already owned."""
    from planner.check.context import Ctx
    from planner.schema.request import Owned, Require, Site, Software

    owned: list[Owned] = []
    if catalog is not None:
        request = Request(budget_usd=10_000_000)
        counts = Ctx(catalog, request, load_rules(), build).part_counts()
        for pid, n in counts.items():
            entry = catalog.entries.get(pid)
            if entry is not None and hasattr(entry, "prices") and not entry.prices:
                owned.append(Owned(id=pid, count=n))
    # A build file is judged on physics, not on a buyer's preferences: every enclosure kind, legacy
    # cards and mixed vendors are allowed (the report still names the stack they need), and a site
    # that states no noise level is taken as one that tolerates the machine (loud).
    site = build.site or Site()
    if "noise" not in site.model_fields_set:
        site = site.model_copy(update={"noise": "loud"})
    # Parts the file says are owned cost nothing, priced in the markets it names (as the request had).
    markets = {"condition": build.condition} if build.condition else {}
    return Request(
        budget_usd=10_000_000,
        workload=build.workload,
        site=site,
        owned=(*build.owned, *owned),
        allow_unused_owned=True,
        require=Require(chassis_kinds=("tower", "rack", "open-frame"), **markets),
        software=Software(legacy=True, mixed_vendors=True),
    )


def load_check(
    build_path: Path | str,
    request: Path | str | None = None,
    catalogs: Sequence[Path | str] = (),
    prices: Sequence[Path | str] = (),
    constraints: Sequence[Path | str] = (),
) -> Problem:
    """What `planner check` judges a build file against: the request's budget, site and workload, or
    without one no budget limit and the workload and site the build file carries."""
    if request is not None:
        return load_problem(request, catalogs, prices, constraints)
    catalog = load_catalog(extra=catalogs, prices=prices)
    rules = load_rules(constraints, catalog)
    build = read_build(build_path, catalog, rules)
    return Problem(catalog, build_request(build, catalog), rules)


def check_file(build_path: Path | str, problem: Problem) -> tuple[Build, list[str]]:
    """Validate a hand-written build file against every rule."""
    build = read_build(build_path, problem.catalog, problem.rules)
    from planner.check.context import Ctx
    from planner.check.place import auto_place

    build = auto_place(Ctx(problem.catalog, problem.request, problem.rules, build))
    return build, [str(v) for v in check_build(build, problem.catalog, problem.request, problem.rules)]


def _known_ids(build: Build, doc: Any, catalog: Catalog) -> None:
    """Unknown part ids in a build file are bad input (exit 1), with the nearest ids suggested."""
    from planner.data.load import InputError
    from planner.data.load import Problem as FileProblem
    from planner.data.messages import dotted

    places: list[tuple[tuple[str | int, ...], str | None, str]] = [
        (("system",), build.system, "system"),
        (("board",), build.board, "board"),
        (("server",), build.server, "server"),
        (("cpu",), build.cpu, "cpu"),
        (("chassis",), build.chassis, "chassis"),
        (("memory", "id"), build.memory.id if build.memory else None, "memory"),
    ]
    places += [(("gpus", i, "id"), g.id, "gpu") for i, g in enumerate(build.gpus)]
    places += [(("gpus", i, "riser"), g.riser, "riser") for i, g in enumerate(build.gpus)]
    places += [(("psus", i, "id"), p.id, "psu") for i, p in enumerate(build.psus)]
    places += [(("psus", i, "breakout"), p.breakout, "breakout") for i, p in enumerate(build.psus)]
    places += [(("risers", i, "id"), r.id, "riser") for i, r in enumerate(build.risers)]
    places += [(("bridges", i, "id"), r.id, "bridge") for i, r in enumerate(build.bridges)]
    places += [(("accessories", i, "id"), a.id, "accessory") for i, a in enumerate(build.accessories)]
    from planner.data.inputs import workload_problems

    problems = workload_problems(doc, build, catalog) if build.workload is not None else []
    for loc, pid, kind in places:
        if pid is None:
            continue
        try:
            catalog.get(pid, kind)
        except InputError as exc:
            p = exc.problems[0]
            where = dotted(loc)
            problems.append(FileProblem(doc.path, doc.line_of(loc), where, p.message, p.hint))
    if problems:
        raise InputError(problems)
