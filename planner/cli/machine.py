"""Hardware flags as people write them ("2x RTX 3090", "3090:2", "M2 Ultra 192GB"), and this machine's
hardware when none is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from planner.data.catalog import Catalog
from planner.data.hardware import Hardware, HardwareError, parse_hardware
from planner.data.load import InputError, Problem

# The hardware flags `estimate` and `fit` share.
GpuOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--gpu", help="GPUs: id or name, with a count ('2x RTX 3090', 3090:2); repeatable, mix allowed."
    ),
]
SystemOpt = Annotated[
    str | None, typer.Option("--system", help="A unified-memory system: id or name ('M2 Ultra 192GB').")
]
RaisedOpt = Annotated[
    bool,
    typer.Option(
        "--raised-wired-limit",
        help="With --system: count the raised GPU memory limit (macOS iogpu.wired_limit_mb).",
    ),
]
CpuOpt = Annotated[str | None, typer.Option("--cpu", help="CPU id: CPU-only, or the host for offload.")]
RamOpt = Annotated[float | None, typer.Option("--ram-gb", help="System RAM with --cpu, GB.")]
BACKENDS = ("llama.cpp", "vllm", "exllamav2", "mlx")
BackendOpt = Annotated[str, typer.Option("--backend", help="llama.cpp | vllm | exllamav2 | mlx.")]


def flag_problem(flag: str, message: str, hint: str = "") -> Problem:
    return Problem("command line", None, flag, message, hint)


def range_problems(flags: Sequence[tuple[str, float | None, float, float]]) -> list[Problem]:
    """Numeric flags outside their range, each given as (flag, value or None, low, high)."""
    out = []
    for flag, value, low, high in flags:
        if value is None or low <= value <= high:
            continue
        what = "is below" if value < low else ("is above" if value > high else "is not a number")
        bound = f" {low}" if value < low else (f" {high:,}" if value > high else "")
        message = f"{value:g} {what}{bound}, not within {low}-{high:,}"
        out.append(flag_problem(flag, message, f"give a value from {low} to {high:,}"))
    return out


def choice_problems(choices: Sequence[tuple[str, str, Sequence[str]]]) -> list[Problem]:
    """Flags whose value is not one of those allowed, each given as (flag, value, allowed)."""
    from planner.data.problems import nearest, short

    return [
        flag_problem(flag, f"unknown value {short(value)}", nearest(value, allowed) or f"use one of {', '.join(allowed)}")
        for flag, value, allowed in choices
        if value not in allowed
    ]


def parse_flag(
    flag: str, values: Sequence[str], catalog: Catalog, kinds: Sequence[str], max_count: int = 16
) -> Hardware:
    """A hardware flag ("--gpu '2x RTX 3090'", "--gpu 3090:2", "--system 'M2 Ultra 192GB'") as catalogue parts."""
    try:
        hw = parse_hardware(list(values), catalog, kinds, max_count=max_count)
    except HardwareError as exc:
        other = _other_kind(values, catalog, kinds)
        raise InputError([flag_problem(flag, exc.message, other or exc.hint)]) from None
    return hw


def _other_kind(values: Sequence[str], catalog: Catalog, kinds: Sequence[str]) -> str:
    """A hint when the words name a part of another kind ("M2 Ultra" given to --gpu)."""
    rest = [k for k in ("gpu", "system", "cpu") if k not in kinds]
    if not rest:
        return ""
    try:
        hw = parse_hardware(list(values), catalog, rest)
    except HardwareError:
        return ""
    kind = hw.items[0].kind
    return f"{hw.items[0].entry.id} is a {kind}: give it with --{kind}"


def detected_hardware(catalog: Catalog, err: Any) -> tuple[list[tuple[Any, int]], float | None]:
    """This machine's catalogue parts and RAM, said on stderr; InputError when nothing maps."""
    from planner.data.detect import detect_machine

    found = detect_machine(catalog)
    for line in found.lines():
        err.print(line, markup=False)
    parts = found.parts()
    if not parts:
        raise InputError(
            [
                flag_problem(
                    "--gpu",
                    "no hardware given and none detected on this machine",
                    "give --gpu ID[:COUNT], --system ID or --cpu ID",
                )
            ]
        )
    return parts, found.ram_gb


@dataclass
class Given:
    """The hardware the flags name (or this machine's, detected): catalogue parts with their counts, the
    throughput model's devices and CPU host, and the flag problems met on the way."""

    parts: list[tuple[Any, int]] = field(default_factory=list)
    devices: list[Any] = field(default_factory=list)
    host: Any = None
    detected: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def used(self) -> list[tuple[Any, int]]:
        """The parts the devices and host come from (a detected CPU beside GPUs only hosts offload)."""
        return [(e, n) for e, n in self.parts if e.kind != "cpu" or self.host is not None]


def given_hardware(
    catalog: Catalog,
    gpu: Sequence[str] | None,
    system: str | None,
    cpu: str | None,
    ram_gb: float | None,
    raised_wired_limit: bool,
    err: Any,
) -> Given:
    """Devices from --gpu / --system / --cpu as people write them, or this machine's when none is given."""
    from planner import perf

    out = Given(detected=not (gpu or system or cpu))
    if out.detected:
        out.parts, found_ram = detected_hardware(catalog, err)
        ram_gb = ram_gb or found_ram
    for flag, values, kinds in (
        ("--gpu", gpu, ("gpu",)),
        ("--system", [system], ("system",)),
        ("--cpu", [cpu], ("cpu",)),
    ):
        if values and all(values):
            try:
                out.parts += [(i.entry, i.count) for i in parse_flag(flag, values, catalog, kinds).items]  # type: ignore[arg-type]
            except InputError as exc:
                out.problems.extend(exc.problems)
    gpu_parts = [(e, n) for e, n in out.parts if e.kind != "cpu"]
    for entry, n in gpu_parts:
        out.devices.extend(
            perf.device_from_gpu(entry) * n
            if entry.kind == "gpu"
            else [perf.device_from_system(entry, entry.gpu_memory(raised_wired_limit))]
        )
    cpu_parts = [(e, n) for e, n in out.parts if e.kind == "cpu"]
    if cpu_parts and (cpu or out.detected or not gpu_parts):
        cpu_entry, sockets = cpu_parts[0]
        out.host = perf.device_from_cpu(
            cpu_entry, ram_gb or min(cpu_entry.max_memory_gb * sockets, 128), sockets
        )
    return out
