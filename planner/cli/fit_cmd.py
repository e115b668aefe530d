"""`planner fit`: what runs on given hardware (cards, a whole system, a CPU with its RAM, or a build file),
how far (longest context) and how fast, with the evidence behind the speed and the launch line.

Exit 0 with at least one model, 3 when nothing fits (or the build file breaks a rule), 1 on bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli.common import EXIT_INFEASIBLE, CatalogOpt, Infeasible, JsonOpt, PricesOpt, emit_json, note
from planner.cli.machine import (
    BACKENDS,
    BackendOpt,
    CpuOpt,
    GpuOpt,
    RaisedOpt,
    RamOpt,
    SystemOpt,
    choice_problems,
    range_problems,
)
from planner.cli.machine import flag_problem as _problem


def fit(
    gpu: GpuOpt = None,
    system: SystemOpt = None,
    build: Annotated[
        Path | None,
        typer.Option("--build", help="A build file: its cards with their PCIe links, CPU and RAM."),
    ] = None,
    cpu: CpuOpt = None,
    ram_gb: RamOpt = None,
    raised_wired_limit: RaisedOpt = False,
    backend: BackendOpt = "llama.cpp",
    context: Annotated[
        int | None,
        typer.Option(
            "--context",
            help="Context every model must fit, tokens (default 4,096, or the model's trained limit if shorter).",
        ),
    ] = None,
    min_tps: Annotated[
        float, typer.Option("--min-tps", help="Keep models whose conservative decode reaches this.")
    ] = 0.0,
    family: Annotated[
        list[str] | None,
        typer.Option("--family", help="Only these model families (repeatable): llama-3, qwen3 ..."),
    ] = None,
    all_quants: Annotated[
        bool, typer.Option("--all-quants", help="Every quant that fits, not only the best per model.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every row's launch line.")] = False,
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
) -> None:
    """What runs on given hardware: every model and quant that fits, its longest context and speed.

    With no hardware given, reads this machine's (nvidia-smi, rocm-smi, system_profiler, lscpu).
    Rows come largest model first among those that run at a usable speed (conservative decode of 5 tokens/s,
    or --min-tps), each with the best quant up to Q8-class; the speeds are llama-bench's pp512 / tg128.
    """
    from planner.cli.common import load
    from planner.data.load import InputError
    from planner.fit import Options, in_families, stack_for
    from planner.fit import fit as fit_models

    problems = _flag_problems(gpu, system, build, cpu, ram_gb, raised_wired_limit, backend, context, min_tps)
    if problems:
        raise InputError(problems)
    cat = load(catalog, prices)
    families = tuple(family or ())
    models = cat.of_kind("llm")
    known = sorted({m.family for m in models})
    unknown = [f for f in families if not any(in_families(m, [f]) for m in models)]
    if unknown:
        from planner.data.problems import nearest, one_of, short

        raise InputError(
            [
                _problem(
                    "--family", f"unknown family {short(f)}", nearest(f, known) or f"use one of {one_of(known)}"
                )
                for f in unknown
            ]
        )
    hw = hardware(cat, gpu or [], system, build, cpu, ram_gb, raised_wired_limit, catalog, prices)
    options = Options(
        backend=backend, context=context, min_tps=min_tps, families=families, all_quants=all_quants
    )
    stack = stack_for(cat, hw, backend, cat.of_kind("llm"))
    records = fit_models(cat, hw, options, stack)
    if json:
        emit_json([r.model_dump(mode="json") for r in records])
    else:
        from planner.report.fit import fit_report

        print(fit_report(hw, stack, records, options, verbose))
    if not records:
        note(
            "nothing fits: "
            + ("no model reaches --min-tps" if min_tps else "try --context 512 or --backend llama.cpp")
        )
        raise Infeasible(EXIT_INFEASIBLE)


def _flag_problems(
    gpu: list[str] | None,
    system: str | None,
    build: Path | None,
    cpu: str | None,
    ram_gb: float | None,
    raised: bool,
    backend: str,
    context: int | None,
    min_tps: float,
) -> list[Any]:
    """Flags that contradict each other or are out of range, before the catalogue is read."""
    out = []
    given = [name for name, v in (("--gpu", gpu), ("--system", system), ("--build", build)) if v]
    if len(given) > 1:
        out.append(_problem(given[1], f"{given[0]} and {given[1]} both given", "give one kind of hardware"))
    if (system or build) and cpu:
        out.append(
            _problem("--cpu", f"{'--system' if system else '--build'} brings its own CPU", "drop --cpu")
        )
    if ram_gb is not None and not cpu and given:  # alone, it sets the RAM of the detected machine
        out.append(_problem("--ram-gb", "system RAM needs --cpu", "add --cpu ID"))
    if raised and not system:
        out.append(_problem("--raised-wired-limit", "applies to a --system only", "add --system ID"))
    out += choice_problems([("--backend", backend, BACKENDS)])
    out += range_problems(
        [("--context", context, 1, 10_000_000), ("--ram-gb", ram_gb, 1, 65_536), ("--min-tps", min_tps, 0, 100_000)]
    )
    return out


def hardware(
    cat: Any,
    gpu: list[str],
    system: str | None,
    build: Path | None,
    cpu: str | None,
    ram_gb: float | None,
    raised: bool,
    catalog: list[Path] | None,
    prices: list[Path] | None,
) -> Any:
    """The devices the flags name as people write them ('2x RTX 3090'), a build file's parts, or this
    machine's hardware when none is given (said on stderr)."""
    from planner.cli.common import err_console
    from planner.cli.machine import given_hardware
    from planner.data.load import InputError
    from planner.fit import Hardware

    if build is not None:
        return build_hardware(build, catalog, prices)
    given = given_hardware(cat, gpu, system, cpu, ram_gb, raised, err_console())
    if given.problems:
        raise InputError(given.problems)
    used = given.used
    return Hardware(
        devices=given.devices,
        host=given.host,
        gpus=[e for e, n in used if e.kind == "gpu" for _ in range(n)],
        system=next((e for e, _ in used if e.kind == "system"), None),
        cpu=next((e for e, _ in used if e.kind == "cpu"), None),
    )


def build_hardware(path: Path, catalog: list[Path] | None, prices: list[Path] | None) -> Any:
    """A build file's cards (with the PCIe links their slots give), system, or CPU and RAM; a build that
    breaks a rule is refused with the rules (exit 3), as `planner check` reports them."""
    from planner import perf
    from planner.api import Problem, check_file
    from planner.check.context import Ctx
    from planner.check.links import card_devices
    from planner.data.catalog import load_catalog
    from planner.data.inputs import load_rules
    from planner.fit import Hardware
    from planner.schema.request import Request

    problem = Problem(
        load_catalog(catalog or (), prices or ()), Request(budget_usd=10_000_000), load_rules(())
    )
    parsed, violations = check_file(path, problem)
    if violations:
        for v in violations:
            note(f"{path}: {v}")
        note(
            f"{path}: {len(violations)} rule(s) broken; fix the build (planner check {path}) and run fit again"
        )
        raise Infeasible(EXIT_INFEASIBLE)
    ctx = Ctx(problem.catalog, problem.request, problem.rules, parsed)
    hw = Hardware(gpus=[ctx.gpu(c) for c in ctx.cards], system=ctx.system, cpu=ctx.cpu)
    if ctx.system is not None:
        hw.devices = [perf.device_from_system(ctx.system, ctx.system.gpu_memory(False))]
    else:
        hw.devices = [d for chips in card_devices(ctx) for d in chips]
    if ctx.cpu is not None and ctx.ram_gb:
        hw.host = perf.device_from_cpu(ctx.cpu, ctx.ram_gb, parsed.cpu_count)
    return hw
