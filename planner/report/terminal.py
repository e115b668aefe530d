"""Terminal report of a solve or check result; reads only the plain result data, never the solver."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _money(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def _num(x: float | None, unit: str = "", nd: int = 1) -> str:
    return "-" if x is None else f"{x:,.{nd}f}{unit}"


def parts_table(build: dict[str, Any]) -> Table:
    t = Table(title="Parts", title_justify="left")
    for col in ("kind", "part", "count", "unit", "condition", "owned", "subtotal", "price date"):
        t.add_column(col, justify="right" if col in ("count", "unit", "subtotal", "owned") else "left")
    for p in build["parts"]:
        paid = max(0, p["count"] - p["owned"])
        t.add_row(
            p["kind"],
            f"{p['name']} [dim]({p['id']})[/dim]",
            str(p["count"]),
            _money(p["unit_price_usd"]),
            p["condition"] or "-",
            str(p["owned"]) if p["owned"] else "",
            _money(paid * (p["unit_price_usd"] or 0)),
            p["price_date"] or "-",
        )
    t.add_row("", "[bold]total[/bold]", "", "", "", "", f"[bold]{_money(build['total_cost_usd'])}[/bold]", "")
    return t


def placement_table(build: dict[str, Any]) -> Table:
    t = Table(title="Where each GPU sits", title_justify="left")
    for col in ("#", "GPU", "mount", "slot", "lanes", "gen", "from", "PSU", "layers"):
        t.add_column(col)
    for row in build["pcie"]:
        t.add_row(
            str(row["index"] + 1),
            row["gpu"],
            row["mount"] or "-",
            str(row.get("slot") or row.get("port") or "-"),
            f"x{row['lanes']}" if row["lanes"] else "-",
            f"Gen{row['gen']}" if row["gen"] else "-",
            row["link"] or "-",
            "-" if row.get("psu") is None else f"PSU {row['psu'] + 1}",
            str(row["layers"]) if row["layers"] is not None else "-",
        )
    return t


def power_table(build: dict[str, Any]) -> Table:
    pw = build["power"]
    t = Table(title="Power plan", title_justify="left")
    for col in ("PSU", "unit", "feeds", "load", "rating", "circuit"):
        t.add_column(col)
    for psu in pw.get("psus", []):
        unit = psu["id"] + (f" + {psu['breakout']}" if psu.get("breakout") else "")
        feeds = (["board + CPU"] if psu["board"] else []) + psu["feeds"]
        t.add_row(
            f"PSU {psu['index'] + 1}",
            unit,
            ", ".join(feeds) or "-",
            f"{psu['load_w']} W",
            f"{psu['rating_w']} W",
            pw["circuits"][psu["circuit"]]["circuit"] if psu["circuit"] < len(pw["circuits"]) else "?",
        )
    return t


def totals_lines(build: dict[str, Any]) -> list[str]:
    pw = build["power"]
    lines = [
        f"cost {_money(build['total_cost_usd'])}   GPUs {build['gpu_count']}   VRAM {build['vram_gb']:g} GB   "
        f"aggregate bandwidth {build['aggregate_bandwidth_gbs']:,.0f} GB/s",
        f"power: sustained {pw['sustained_w']} W, peak {pw['peak_w']} W, PSU capacity {pw['psu_capacity_w'] or '-'} W, "
        f"wall {pw['wall_w']} W",
    ]
    for c in pw["circuits"]:
        lines.append(f"  {c['circuit']}: {c['wall_w']} W of {c['limit_w']} W continuous")
    return lines


def throughput_lines(tp: dict[str, Any] | None) -> list[str]:
    if not tp:
        return ["no workload given: no throughput estimate"]
    band = tp.get("uncertainty") or {}
    rng = f" (likely {band.get('low', 0):.0%}-{band.get('high', 0):.0%} of this)" if band.get("low") else ""
    lines = [
        f"fits: {'yes' if tp['fits'] else 'NO'}   split: {tp['split']}   backend: {tp['backend']}   bound: {tp['bound']}",
        f"decode {_num(tp['decode_tokens_per_s'], ' tok/s')}{rng}   prompt {_num(tp['prefill_tokens_per_s'], ' tok/s')}   "
        f"TTFT {_num(tp['ttft_s'], ' s', 2)}   batch {_num(tp['batch_tokens_per_s'], ' tok/s')}   "
        f"max batch {tp['max_batch']}   max context {tp['max_context']:,}",
    ]
    for m in tp.get("memory", []):
        lines.append(
            f"  {m['device']}: {m['total_gb']:.1f} of {m['capacity_gb']:.1f} GB "
            f"(weights {m['weights_gb']:.1f}, KV {m['kv_gb']:.1f}, overhead {m['overhead_gb']:.1f})"
        )
    lines += [f"  assumes: {a}" for a in tp.get("assumptions", [])]
    lines += [f"  [yellow]warning:[/yellow] {w}" for w in tp.get("warnings", [])]
    return lines


def print_build(console: Console, build: dict[str, Any], title: str) -> None:
    console.rule(f"[bold]{title}")
    console.print(parts_table(build))
    if build["pcie"]:
        console.print(placement_table(build))
    if build["power"].get("psus"):
        console.print(power_table(build))
    for line in totals_lines(build):
        console.print(line)
    console.print("[bold]Throughput[/bold]")
    for line in throughput_lines(build.get("throughput")):
        console.print(line)
    rc = build.get("running_cost")
    if rc:
        console.print("[bold]Running cost[/bold]")
        console.print(
            f"energy {rc['energy_kwh_per_day']:g} kWh/day (${rc['energy_usd_per_day']:.2f}/day); "
            f"cost of ownership ${rc['cost_of_ownership_usd']:,.0f}"
        )
        if rc["usd_per_million_tokens"] is not None:
            console.print(
                f"${rc['usd_per_million_tokens']:.3f} per million tokens; {rc['tokens_per_joule']:g} tokens/J"
            )
        if rc["break_even_hours"] is not None:
            console.print(
                f"break-even against the cloud price after {rc['break_even_hours']:,.0f} hours of use"
            )
        console.print(f"  basis: {rc['basis']}")
    if build.get("split_hint"):
        console.print(f"  run with: {build['split_hint']}")
    for v in build.get("violations", []):
        console.print(f"[red]breaks:[/red] {v}")


def print_result(console: Console, result: dict[str, Any]) -> None:
    """The whole solve report: best build, then alternatives in brief."""
    status = result["status"]
    console.print(
        f"[bold]status[/bold] {status}   objective {' > '.join(result['objective'])}   "
        f"solved in {result['solve_seconds']:.2f} s"
        + (f", gap {result['gap']:.1%}" if result.get("gap") else "")
    )
    if status == "infeasible":
        print_explanation(console, result.get("explanation") or {})
        return
    builds = result["builds"]
    if not builds:
        console.print("no build found within the time limit; try --time-limit with more seconds")
        return
    print_build(console, builds[0], "Best build")
    if len(builds) > 1:
        t = Table(title="Alternatives", title_justify="left")
        for col in ("#", "GPUs", "cost", "VRAM", "decode tok/s"):
            t.add_column(col)
        for k, b in enumerate(builds[1:], start=2):
            gpus = ", ".join(f"{n}x {g}" for g, n in _gpu_counts(b).items()) or b["parts"][0]["id"]
            tp = b.get("throughput") or {}
            t.add_row(
                str(k),
                gpus,
                _money(b["total_cost_usd"]),
                f"{b['vram_gb']:g} GB",
                _num(tp.get("decode_tokens_per_s")),
            )
        console.print(t)


def _gpu_counts(build: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in build["pcie"]:
        out[row["gpu"]] = out.get(row["gpu"], 0) + 1
    return out


def print_explanation(console: Console, explanation: dict[str, Any]) -> None:
    console.print("[bold red]No build meets every rule.[/bold red] These rules conflict:")
    for c in explanation.get("conflict", []):
        console.print(f"  - {c}")
    if explanation.get("fixes"):
        console.print("Smallest changes that make it feasible (any one of them):")
        for f in explanation["fixes"]:
            console.print(f"  - {f}")
