"""`planner estimate`: what given hardware does for a model (fit, decode, prompt, batching), with its basis.

Exit 0 when it fits, 3 (with the nearest setups that would fit) when it does not, 1 on bad input.
"""

from __future__ import annotations

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
    load,
    note,
)
from planner.data.load import InputError, Problem


def _flag_problem(flag: str, message: str, hint: str = "") -> Problem:
    return Problem("command line", None, flag, message, hint)


def _parse_gpus(specs: list[str], cat: Any) -> list[tuple[Any, int]]:
    out = []
    problems = []
    for spec in specs:
        gpu_id, _, count = spec.partition(":")
        try:
            n = int(count) if count else 1
        except ValueError:
            problems.append(
                _flag_problem("--gpu", f"{spec!r}: count {count!r} is not a whole number", "write ID:COUNT")
            )
            continue
        if n < 1 or n > 16:
            problems.append(_flag_problem("--gpu", f"{spec!r}: count must be 1-16", "write ID:COUNT"))
            continue
        try:
            out.append((cat.get(gpu_id, "gpu"), n))
        except InputError as exc:
            problems.extend(_flag_problem("--gpu", p.message, p.hint) for p in exc.problems)
    if problems:
        raise InputError(problems)
    return out


def estimate(
    gpu: Annotated[
        list[str] | None, typer.Option("--gpu", help="GPU id, optionally :COUNT (repeatable, mix allowed).")
    ] = None,
    system: Annotated[str | None, typer.Option("--system", help="A whole unified-memory system id.")] = None,
    raised_wired_limit: Annotated[
        bool,
        typer.Option(
            "--raised-wired-limit", help="With --system: count the raised GPU memory limit (macOS iogpu.wired_limit_mb)."
        ),
    ] = False,
    cpu: Annotated[
        str | None, typer.Option("--cpu", help="CPU id: CPU-only, or the host for offload.")
    ] = None,
    ram_gb: Annotated[float | None, typer.Option("--ram-gb", help="System RAM with --cpu, GB.")] = None,
    model: Annotated[
        str, typer.Option("--model", help="LLM id (planner catalog list --kind llm).")
    ] = "llama-3-1-8b",
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
    backend: Annotated[
        str, typer.Option("--backend", help="llama.cpp | vllm | exllamav2 | mlx.")
    ] = "llama.cpp",
    offload: Annotated[
        str, typer.Option("--offload", help="auto | none | layers | experts (with --cpu).")
    ] = "auto",
    json: JsonOpt = False,
    verbose: VerboseOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
) -> None:
    """Estimate memory fit and speed of a model on GPUs, a system, or a CPU with its RAM."""
    from planner import perf
    from planner.api import estimate_result
    from planner.report.terminal import print_estimate

    problems = []
    for flag, value, low in (
        ("--prompt", prompt, 0),
        ("--generate", generate, 0),
        ("--batch", batch, 1),
        ("--context", context, 1),
        ("--ram-gb", ram_gb, 1),
    ):
        if value is not None and value < low:
            problems.append(_flag_problem(flag, f"{value} is below {low}", "give a non-negative length"))
    choices: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        ("--split", split, ("layer", "tensor", "auto")),
        ("--backend", backend, ("llama.cpp", "vllm", "exllamav2", "mlx")),
        ("--offload", offload, ("auto", "none", "layers", "experts")),
    )
    for flag, choice, allowed in choices:
        if choice not in allowed:
            problems.append(
                _flag_problem(flag, f"unknown value {choice!r}", f"use one of {', '.join(allowed)}")
            )
    if system and (gpu or cpu):
        problems.append(
            _flag_problem("--system", "a whole system takes no --gpu or --cpu", "give one or the other")
        )
    if not (gpu or system or cpu):
        problems.append(
            _flag_problem("--gpu", "no hardware given", "give --gpu ID[:COUNT], --system ID or --cpu ID")
        )
    if raised_wired_limit and not system:
        problems.append(_flag_problem("--raised-wired-limit", "applies to a --system only", "add --system ID"))
    if ram_gb is not None and not cpu:
        problems.append(_flag_problem("--ram-gb", "system RAM needs --cpu", "add --cpu ID"))
    if offload in ("layers", "experts") and not cpu:
        problems.append(
            _flag_problem("--offload", f"offload {offload} needs a host CPU", "add --cpu ID --ram-gb N")
        )
    if problems:
        raise InputError(problems)
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
        errors.append(_flag_problem("--quant", str(exc), "see `planner catalog list --kind quant`"))
    gpus = []
    try:
        gpus = _parse_gpus(gpu or [], cat)
    except InputError as exc:
        errors.extend(exc.problems)
    devices: list[Any] = []
    for entry, n in gpus:
        devices.extend(perf.device_from_gpu(entry) * n)
    host = None
    try:
        if system:
            entry = cat.get(system, "system")
            devices = [perf.device_from_system(entry, entry.gpu_memory(raised_wired_limit))]
        if cpu:
            cpu_entry = cat.get(cpu, "cpu")
            host = perf.device_from_cpu(cpu_entry, ram_gb or min(cpu_entry.max_memory_gb, 128))
    except InputError as exc:
        errors.extend(
            _flag_problem("--system" if system else "--cpu", p.message, p.hint) for p in exc.problems
        )
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
