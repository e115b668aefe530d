"""`planner record`: keep a benchmark run of your own (llama-bench or vllm bench serve output) as measured
evidence for later estimates. Checked before anything is written; written atomically; never sent anywhere."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import CatalogOpt, JsonOpt, console, emit_json, err_console, load
from planner.cli.machine import detected_hardware, flag_problem, parse_flag
from planner.data.load import InputError, Problem


def record(
    output: Annotated[
        str,
        typer.Argument(
            help="Benchmark output: llama-bench's table, -o json or -o jsonl; vllm bench serve's result JSON "
            "or printed summary. '-' reads standard input."
        ),
    ],
    hardware: Annotated[
        str,
        typer.Option(
            "--hardware",
            help="What it ran on: '2x RTX 3090', 'M2 Ultra 192GB', 'EPYC 9355 + RTX 4090', or 'detect'.",
        ),
    ],
    model: Annotated[
        str | None, typer.Option("--model", help="LLM id, when the output does not name it.")
    ] = None,
    quant: Annotated[
        str | None, typer.Option("--quant", help="Quant id, when the output does not name it.")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="Calibration file to append to (default ~/.config/rig-planner/measured.csv)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show the rows; write nothing.")
    ] = False,
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Check a benchmark output against the hardware, model and physics, then add it to your measured runs."""
    from planner.data import record_check as rc
    from planner.data.measured import user_file
    from planner.data.record import RecordError, append_runs, parse_output

    text, origin = _read(output)
    cat = load(catalog, None)
    if hardware.strip().lower() == "detect":
        from planner.data.hardware import Hardware, Item

        parts, _ = detected_hardware(cat, err_console())
        hw = Hardware(tuple(Item(p, n, "detected") for p, n in parts))
    else:
        hw = parse_flag("--hardware", [hardware], cat, ("gpu", "system", "cpu"), max_count=64)
    try:
        fmt, samples = parse_output(text)
        backend = samples[0].backend
        llm = rc.resolve_model(samples, cat, model)
        q = rc.resolve_quant(samples, cat, quant, backend)
        rc.check_size(samples, llm, q)
        rc.check_hardware(samples, hw, cat)
        for s in samples:
            rc.check_plausible(s, hw, llm, q)
    except RecordError as exc:
        hint = f"{exc.hint} Nothing was recorded." if exc.hint else "Nothing was recorded."
        raise InputError([Problem(origin, None, "", str(exc), hint)]) from None
    except InputError as exc:
        raise InputError(
            [
                flag_problem("--model" if "llm" in p.message else "--quant", p.message, p.hint)
                for p in exc.problems
            ]
        ) from None
    rows = rc.to_rows(samples, hw, llm, q, fmt, origin)
    target = file or user_file()
    added = 0
    if not dry_run:
        try:
            added = append_runs(target, rows)
        except OSError as exc:
            raise InputError(
                [
                    Problem(
                        str(target),
                        None,
                        "",
                        f"cannot write the calibration file: {exc.strerror or exc}",
                        "give --file PATH",
                    )
                ]
            ) from None
    if json:
        emit_json({"file": str(target), "format": fmt, "added": added, "dry_run": dry_run, "rows": rows})
        return
    out = console()
    verb = "would add" if dry_run else f"added {added} of"
    out.print(f"{verb} {len(rows)} run(s) from {fmt} to {target}", markup=False)
    for r in rows:
        out.print(f"  {r[1]}: {r[4]} {r[6]} {r[9]} {r[7]} {float(r[8]):,.1f} tok/s", markup=False)
    if added or dry_run:
        flags = " ".join(
            f"--{i.kind} '{i.count}x {i.entry.id}'" if i.count > 1 else f"--{i.kind} {i.entry.id}"
            for i in hw.items
        )
        out.print(
            f"planner estimate {flags} --model {llm.id} --quant {q.id} now shows them as measured",
            markup=False,
        )


def _read(output: str) -> tuple[str, str]:
    if output == "-":
        return sys.stdin.read(), "standard input"
    path = Path(output)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except FileNotFoundError:
        raise InputError([Problem(output, None, "", "file not found", "check the path")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(output, None, "", f"cannot read the benchmark output: {exc}")]) from None
