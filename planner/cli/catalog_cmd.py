"""`planner catalog list|show|validate`: browse and check the part catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from planner.cli.common import CatalogOpt, JsonOpt, PricesOpt, console, emit_json, load
from planner.data.load import InputError, Problem
from planner.schema import KINDS, Entry, Part

app = typer.Typer(help="Browse and validate the part catalogue.", no_args_is_help=True, rich_markup_mode=None)

# The few figures that identify a part of each kind at a glance in the table.
COLUMNS: dict[str, tuple[str, ...]] = {
    "gpu": ("memory_gb", "bandwidth_gbs", "fp16_tflops", "tdp_w", "slot_width", "cooling"),
    "cpu": ("socket", "cores", "pcie_lanes", "memory_channels", "memory_bandwidth_gbs", "tdp_w"),
    "system": ("memory_gb", "bandwidth_gbs", "fp16_tflops", "power_w", "runtime"),
    "board": ("socket", "sockets", "form_factor", "memory_channels"),
    "server": ("socket", "sockets", "gpu_positions", "psu_count", "psu_w"),
    "memory": ("memory_type", "form", "size_gb", "speed_mts"),
    "chassis": (
        "chassis_kind",
        "expansion_slots",
        "max_gpu_length_mm",
        "riser_positions",
        "cooling_capacity_w",
    ),
    "riser": ("riser_kind", "pcie_gen", "lanes", "length_mm"),
    "bridge": ("generation", "fits", "slot_spacing", "bandwidth_gbs"),
    "psu": ("form", "watts", "watts_low_line", "efficiency", "needs_breakout"),
    "breakout": ("fits_families", "max_w"),
    "llm": ("params_b", "active_params_b", "layers", "kv_heads", "head_dim", "max_context"),
    "quant": ("family", "bits_per_weight", "backends"),
    "runtime": ("api", "mixes_vendors"),
}


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as a JSON object: id, kind, name and every field of its kind."""
    return entry.model_dump(mode="json")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value))
    return str(value)


def _price_cell(entry: Entry) -> str:
    if not isinstance(entry, Part):
        return ""
    return " / ".join(f"${p.usd:,.0f} {p.condition}" for p in sorted(entry.prices, key=lambda p: p.condition))


KindOpt = Annotated[
    str | None, typer.Option("--kind", help=f"Only this kind: {', '.join(KINDS)}.", show_default=False)
]


@app.command("list")
def list_cmd(
    kind: KindOpt = None, json: JsonOpt = False, catalog: CatalogOpt = None, prices: PricesOpt = None
) -> None:
    """List catalogue entries, as a table or a JSON array."""
    if kind is not None and kind not in KINDS:
        from planner.data.load import nearest

        raise InputError(
            [
                Problem(
                    "command line",
                    None,
                    "--kind",
                    f"unknown kind {kind!r}",
                    nearest(kind, KINDS) or f"use one of {', '.join(KINDS)}",
                )
            ]
        )
    cat = load(catalog, prices)
    kinds = [kind] if kind else list(KINDS)
    entries = [e for k in kinds for e in cat.of_kind(k)]
    if json:
        emit_json([entry_json(e) for e in entries])
        return
    from planner.report.columns import table, text_width

    # Plain columns, not a rich Table: rich measures every cell, which took most of a second here.
    tables = []
    for k in kinds:
        entries = cat.of_kind(k)
        if not entries:
            continue
        rows = [[e.id, e.name, *(_cell(getattr(e, c)) for c in COLUMNS.get(k, ())), _price_cell(e)] for e in entries]
        tables.append(table(f"{k} ({len(rows)})", ["id", "name", *COLUMNS.get(k, ()), "price"], rows, text_width()))
    print("\n\n".join(tables))


@app.command("show")
def show_cmd(
    entry_id: Annotated[str, typer.Argument(help="Catalogue id.")],
    json: JsonOpt = False,
    catalog: CatalogOpt = None,
    prices: PricesOpt = None,
) -> None:
    """Show every field of one entry and where it was read from."""
    cat = load(catalog, prices)
    try:
        entry = cat.get(entry_id)
    except InputError as exc:
        raise InputError(
            [Problem("command line", None, "id", p.message, p.hint) for p in exc.problems]
        ) from None
    if json:
        emit_json(entry_json(entry))
        return
    origin = cat.origins[entry_id]
    out = console()
    table = Table(
        title=escape(f"{entry.name}  [{entry.kind}: {entry.id}]"), title_justify="left", show_header=False
    )
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in entry_json(entry).items():
        if key == "prices":
            value = "; ".join(f"${p['usd']:,.0f} {p['condition']} ({p['date']}, {p['basis']})" for p in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items() if v not in (0, None, "", False))
        table.add_row(key, _cell(value))
    table.add_row("defined in", f"{origin.file}:{origin.line}")
    out.print(table)


@app.command("validate")
def validate_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(help="User catalogue files or folders.")] = None,
    prices: PricesOpt = None,
    max_price_age: Annotated[
        int | None,
        typer.Option(
            "--max-price-age",
            min=0,
            metavar="MONTHS",
            help="Also fail on every price older than this many months (one line per stale price).",
        ),
    ] = None,
) -> None:
    """Validate the shipped catalogue and any user files; report every problem, then fail."""
    cat = load(paths, prices)
    if max_price_age is not None:
        from planner.data.catalog import stale_prices

        stale = stale_prices(cat, max_price_age)
        if stale:
            raise InputError(stale)
    counts = ", ".join(f"{n} {k}" for k, n in cat.kinds().items())
    console().print(f"catalogue OK: {len(cat)} entries ({counts})")
