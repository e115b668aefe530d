"""`planner estimate`: what given hardware does for a model (fit, decode, prompt, batching), with its basis.

Exit 0 when it fits, 3 (with the nearest setups that would fit) when it does not, 1 on bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli.common import (
    EXIT_INFEASIBLE,
    CatalogOpt,
    Infeasible,
    JsonOpt,
    PricesOpt,
    VerboseOpt,
    console,
    emit_json,
    err_console,
    load,
    note,
)
from planner.cli.machine import (
    BACKENDS,
    BackendOpt,
    CpuOpt,
    GpuOpt,
    RaisedOpt,
    RamOpt,
    SystemOpt,
    choice_problems,
    given_hardware,
    range_problems,
)
from planner.cli.machine import flag_problem as _flag_problem
from planner.data.load import InputError, Problem

# The model estimated when none is named: a common 8B, and the report and stderr say it was assumed.
DEFAULT_MODEL = "llama-3-1-8b"


def estimate(
    gpu: GpuOpt = None,
    system: SystemOpt = None,
    raised_wired_limit: RaisedOpt = False,
    cpu: CpuOpt = None,
    ram_gb: RamOpt = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help=f"LLM id (planner catalog list --kind llm); without it, {DEFAULT_MODEL}, said so."),
    ] = None,
    quant: Annotated[
        str, typer.Option("--quant", help="Quantisation: q4_k_m, q8_0, f16, exl2-4.0bpw ...")
    ] = "q4-k-m",
    prompt: Annotated[int, typer.Option("--prompt", help="Prompt tokens.")] = 512,
    generate: Annotated[int, typer.Option("--generate", help="Generated tokens.")] = 128,
    batch: Annotated[int, typer.Option("--batch", help="Concurrent streams.")] = 1,
    context: Annotated[
        int | None, typer.Option("--context", help="Context to fit (default prompt + generate).")
    ] = None,
    split: Annotated[str, typer.Option("--split", help="layer | tensor | auto.")] = "auto",
    backend: BackendOpt = "llama.cpp",
    offload: Annotated[
        str, typer.Option("--offload", help="auto | none | layers | experts (with --cpu).")
    ] = "auto",
    measured: Annotated[
        Path | None,
        typer.Option("--measured", help="Your measured runs (default ~/.config/rig-planner/measured.csv)."),
    ] = None,
    json: JsonOpt = False,
    verbose: VerboseOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
) -> None:
    """Estimate memory fit and speed of a model on GPUs, a system, or a CPU with its RAM.

    With no hardware given, reads this machine's (nvidia-smi, rocm-smi, system_profiler, lscpu).
    """
    from planner import perf
    from planner.api import estimate_result
    from planner.report.terminal import print_estimate

    # The same ranges as a request's workload (planner.schema.request.Workload) and a board's RAM.
    problems = range_problems(
        [
            ("--prompt", prompt, 0, 10_000_000),
            ("--generate", generate, 0, 1_000_000),
            ("--batch", batch, 1, 4096),
            ("--context", context, 1, 10_000_000),
            ("--ram-gb", ram_gb, 1, 65_536),
        ]
    )
    problems += choice_problems(
        [
            ("--split", split, ("layer", "tensor", "auto")),
            ("--backend", backend, BACKENDS),
            ("--offload", offload, ("auto", "none", "layers", "experts")),
        ]
    )
    if system and (gpu or cpu):
        problems.append(
            _flag_problem("--system", "a whole system takes no --gpu or --cpu", "give one or the other")
        )
    if raised_wired_limit and not system:
        problems.append(
            _flag_problem("--raised-wired-limit", "applies to a --system only", "add --system ID")
        )
    if ram_gb is not None and not cpu and (gpu or system):
        problems.append(_flag_problem("--ram-gb", "system RAM needs --cpu", "add --cpu ID"))
    if offload in ("layers", "experts") and not cpu and (gpu or system):
        problems.append(
            _flag_problem("--offload", f"offload {offload} needs a host CPU", "add --cpu ID --ram-gb N")
        )
    if problems:
        raise InputError(problems)
    assumed = model is None
    model = model or DEFAULT_MODEL
    cat = load(catalog, prices)
    errors: list[Problem] = []
    try:
        llm = cat.get(model, "llm")
    except InputError as exc:
        errors.extend(_flag_problem("--model", p.message, p.hint) for p in exc.problems)
    quants = {q.id: q for q in cat.of_kind("quant")}
    try:
        q = perf.resolve_quant(quant, quants)
        perf.check_quant_backend(q, backend)
    except (perf.QuantError, ValueError) as exc:
        errors.append(_flag_problem("--quant", str(exc), _nearest_quant_hint(quant, quants, backend)))
    given = given_hardware(cat, gpu, system, cpu, ram_gb, raised_wired_limit, err_console())
    errors.extend(given.problems)
    devices, host = given.devices, given.host
    if not errors:
        errors += _context_problems(llm, context, prompt, generate)
        errors += [
            _flag_problem(
                "--system" if system else "--gpu" if d.kind == "gpu" else "--cpu",
                f"{d.name} has no memory bandwidth figure, which every speed rests on",
                "give bandwidth_gbs in its catalogue entry (planner catalog show ID)",
            )
            for d in [*devices, *([host] if host else [])]
            if d.bandwidth_gbs <= 0
        ]
    if errors:
        raise InputError(errors)
    wl = perf.Workload(
        model=llm,
        quant=q,
        prompt=prompt,
        generate=generate,
        batch=batch,
        context=context,
        backend=backend,
        split=split,  # type: ignore[arg-type]  # checked against the allowed values above
        offload=offload,  # type: ignore[arg-type]
    )
    result = estimate_result(devices, wl, host, list(quants.values()))
    from planner.data.evidence import extras

    used = given.used
    est = perf.estimate(devices, wl, host)
    result = result.model_copy(
        update=extras(
            cat,
            [(e.id, n) for e, n in used],
            wl,
            est,
            lambda w: perf.estimate(devices, w, host),
            len(devices),
            user_file=measured,
        )
        | {"model_assumed": assumed}
    )
    if assumed:
        note(f"no --model given: estimated {model}; name yours with --model ID (planner catalog list --kind llm)")
    if json:
        emit_json(result)
    else:
        print_estimate(console(), result, verbose)
    if result.errors:
        raise InputError(
            [_flag_problem("runtime", e, "choose another backend, quant or card") for e in result.errors]
        )
    if not result.fits:
        nearest = "; ".join(result.would_fit) or "a bigger device or offload to system RAM"
        note(f"does not fit: {result.shortfall_gb or 0:.1f} GB short; would fit: {nearest}")
        raise Infeasible(EXIT_INFEASIBLE)


def _context_problems(llm: Any, context: int | None, prompt: int, generate: int) -> list[Problem]:
    """A context beyond what the model was trained for, with the longest that is."""
    wanted = context if context is not None else prompt + generate
    if wanted <= llm.max_context:
        return []
    flag = "--context" if context is not None else "--prompt"
    what = f"context {wanted:,}" if context is not None else f"prompt + generate = {wanted:,} tokens"
    return [
        _flag_problem(
            flag,
            f"{what} exceeds {llm.id}'s trained maximum of {llm.max_context:,} tokens",
            f"use --context {llm.max_context} or less",
        )
    ]


def _nearest_quant_hint(name: str, quants: dict[str, Any], backend: str) -> str:
    """The quants this backend loads, nearest in bits per weight to the one asked for first."""
    from planner import perf

    runnable = [q for q in quants.values() if backend in q.backends]
    if not runnable:
        return "see `planner catalog list --kind quant`"
    try:
        bits = perf.resolve_quant(name, quants).bits_per_weight
    except (perf.QuantError, ValueError):
        bits = 4.5
    near = sorted(runnable, key=lambda q: (abs(q.bits_per_weight - bits), q.id))[:3]
    return f"nearest that {backend} runs: " + ", ".join(f"{q.id} ({q.bits_per_weight:g} bpw)" for q in near)
