"""Hardware flags as people write them ("2x RTX 3090", "3090:2", "M2 Ultra 192GB"), and this machine's
hardware when none is given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.data.catalog import Catalog
from planner.data.hardware import Hardware, HardwareError, parse_hardware
from planner.data.load import InputError, Problem


def flag_problem(flag: str, message: str, hint: str = "") -> Problem:
    return Problem("command line", None, flag, message, hint)


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
