"""Terminal report of a solve, check or estimate: the answer first, then parts, slot map and power plan
laid out for the console's width, assumptions in one block, derivations behind --verbose."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from planner.report.text import (
    answer_items,
    evidence_lines,
    flow,
    gpu_summary,
    limit_lines,
    link_text,
    money,
    num,
    speed_items,
    stack_lines,
    throughput_lines,
)
from planner.schema.result import BuildResult, EstimateResult, Explanation, Result, Throughput

WIDE = 110  # from this width on, parts show their product name beside the id


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, title_style="bold")


def parts_table(build: BuildResult, width: int) -> Table:
    t = _table("Parts")
    t.add_column("kind", no_wrap=True)
    t.add_column("part", overflow="fold", ratio=1)
    for col in ("n", "unit", "cond", "price date", "cost"):
        t.add_column(col, justify="right" if col in ("n", "unit", "cost") else "left", no_wrap=True)
    for p in build.parts:
        name = f"{escape(p.name)} [dim]({p.id})[/dim]" if width >= WIDE else p.id
        owned = f" ({p.owned} owned)" if p.owned else ""
        date = (p.price_date or "-")[: 10 if width >= WIDE else 7] + (" stale" if p.stale else "")
        t.add_row(
            p.kind,
            name + owned,
            str(p.count),
            money(p.unit_price_usd),
            p.condition or "-",
            date,
            money(p.subtotal_usd),
        )
    t.add_row("", "[bold]total[/bold]", "", "", "", "", f"[bold]{money(build.total_cost_usd)}[/bold]")
    return t


def slot_table(build: BuildResult) -> Table:
    t = _table("Slot map")
    for col in ("#", "GPU", "mount", "slot", "link", "PSU", "layers"):
        t.add_column(col, overflow="fold" if col == "GPU" else "ellipsis", no_wrap=col != "GPU")
    for c in build.cards:
        t.add_row(
            str(c.number),
            c.gpu,
            c.mount or "-",
            str(c.slot or c.port or "-"),
            link_text(c),
            "-" if c.psu is None else str(c.psu),
            "-" if c.layers is None else str(c.layers),
        )
    return t


def power_table(build: BuildResult) -> Table:
    t = _table("Power plan")
    t.add_column("PSU", no_wrap=True)
    t.add_column("unit", overflow="fold", ratio=1)
    t.add_column("feeds", overflow="fold")
    t.add_column("load", justify="right", no_wrap=True)
    t.add_column("circuit", no_wrap=True)
    for psu in build.power.psus:
        unit = psu.id + (f" + {psu.breakout}" if psu.breakout else "")
        feeds = (["board"] if psu.board else []) + [f"#{k}" for k in psu.feeds]
        t.add_row(
            str(psu.number), unit, ", ".join(feeds) or "-", f"{psu.load_w}/{psu.rating_w} W", str(psu.circuit)
        )
    return t


def _print_lines(console: Console, lines: list[str]) -> None:
    for line in lines:
        console.print(line, markup=False, overflow="fold")


def print_answer(console: Console, build: BuildResult, title: str) -> None:
    """The headline: cost, cards, VRAM, speed, wall power, how to run it, why this build."""
    width = console.width
    console.rule(f"[bold]{escape(title)}", align="left")
    _print_lines(console, flow(answer_items(build), width))
    if build.stack is not None:
        _print_lines(console, flow(stack_lines(build.stack), width))
    if build.why is not None:
        binds = [lim.text for lim in build.why.limits if lim.binds]
        rest = [lim.text for lim in build.why.limits if not lim.binds]
        if binds:
            _print_lines(console, flow(["why this build: limited by " + binds[0], *binds[1:]], width))
        if rest:
            _print_lines(console, flow(["room left: " + rest[0], *rest[1:]], width))
        if build.why.next_step:
            _print_lines(console, flow([f"next step up: {build.why.next_step}"], width))
    for v in build.violations:
        console.print(f"[red]breaks:[/red] {escape(v)}", overflow="fold")


def print_build(console: Console, build: BuildResult, title: str, verbose: bool = False) -> None:
    """One build: the answer, then parts, slot map, power plan, link, assumptions and warnings."""
    width = console.width
    print_answer(console, build, title)
    console.print(parts_table(build, width))
    if build.cards:
        console.print(slot_table(build))
    if build.power.psus:
        console.print(power_table(build))
    _print_lines(console, limit_lines(build))
    for w in build.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", overflow="fold")
    facts = [f"sustained {build.power.sustained_w:,} W"]
    if build.aggregate_bandwidth_gbs:
        facts.insert(0, f"aggregate bandwidth {build.aggregate_bandwidth_gbs:,.0f} GB/s")
    if build.card_link is not None and build.throughput is None:
        facts.append(f"card link {build.card_link.text}")  # with a workload, the assumptions say it
    _print_lines(console, flow(facts, width, indent=""))
    print_throughput(console, build.throughput, verbose)
    rc = build.running_cost
    if rc:
        items = [
            f"running cost: {rc.energy_kwh_per_day:g} kWh/day (${rc.energy_usd_per_day:.2f}/day)",
            f"cost of ownership ${rc.cost_of_ownership_usd:,.0f}",
        ]
        if rc.usd_per_million_tokens is not None:
            items.append(f"${rc.usd_per_million_tokens:.3f} per million tokens")
        if rc.tokens_per_joule is not None:
            items.append(f"{rc.tokens_per_joule:g} tokens/J")
        if rc.break_even_hours is not None:
            items.append(f"beats the cloud price after {rc.break_even_hours:,.0f} h of use")
        _print_lines(console, flow(items, width, indent=""))
        if verbose:
            _print_lines(console, flow([f"basis: {rc.basis}"], width))


def print_throughput(console: Console, tp: Throughput | None, verbose: bool = False) -> None:
    """Assumptions in one compact block and warnings; memory and derivations only when verbose."""
    width = console.width
    if tp is None:
        console.print("no workload given: no throughput estimate")
        return
    head = [f"bound by {tp.bound}", f"max context {tp.max_context:,}"]
    if tp.max_batch > 1:
        head.append(f"max batch {tp.max_batch}")
    assumptions = _counted(tp.assumptions)
    _print_lines(console, flow(["assumes: " + assumptions[0] if assumptions else "", *head], width, ""))
    _print_lines(console, flow(assumptions[1:], width))
    for w in tp.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", overflow="fold")
    for e in tp.errors:
        console.print(f"[red]error:[/red] {escape(e)}", overflow="fold")
    for line in evidence_lines(tp):
        console.print(line, markup=False, overflow="fold")
    if verbose:
        extra = [line for line in throughput_lines(tp, verbose=True) if line not in throughput_lines(tp)]
        _print_lines(console, [f"  {line}" for line in extra])


def _counted(lines: list[str]) -> list[str]:
    """Identical lines once, with how many there were (four identical cards say so once)."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [line if n == 1 else f"{n}x {line}" for line, n in counts.items()]


def print_result(console: Console, result: Result, verbose: bool = False) -> None:
    """The whole solve report: status, the best build, then alternatives in brief."""
    state = {
        "optimal": "proven optimal",
        "feasible": "best found, not proven optimal" + (f" (gap {result.gap:.1%})" if result.gap else ""),
        "infeasible": "no build exists",
        "unknown": "no build found",
    }[result.status]
    if result.interrupted:
        state = "interrupted: best build so far, not proven"
    elif result.limit_hit and result.status == "feasible":
        state += " (search stopped by the " + (
            "--effort limit)" if result.limit_hit == "deterministic" else "--time-limit safety net)"
        )
    _print_lines(
        console,
        flow(
            [
                state,
                f"objective {' > '.join(result.objective)}",
                f"{result.solve_seconds:.1f} s, work {result.effort:g}",
            ],
            200,
            "",
        ),
    )
    if result.explanation is not None:
        print_explanation(console, result.explanation)
        return
    if not result.builds:
        console.print(escape(result.message or "no build found"), overflow="fold")
        return
    print_build(console, result.builds[0], "Best build", verbose)
    if len(result.builds) > 1:
        t = _table("Alternatives")
        for col in ("#", "GPUs", "cost", "VRAM", "decode tok/s", "against the best"):
            wraps = col in ("GPUs", "against the best")
            t.add_column(col, overflow="fold" if wraps else "ellipsis", no_wrap=not wraps)
        for k, b in enumerate(result.builds[1:], start=2):
            gpus = gpu_summary(b.cards) or (b.build.system or "CPU only")
            tp = b.throughput
            t.add_row(
                str(k),
                gpus,
                money(b.total_cost_usd),
                f"{b.vram_gb:g} GB",
                num(tp.decode_tokens_per_s if tp else None),
                escape(b.trade_off or ""),
            )
        console.print(t)
    for note in result.notes:
        console.print(f"note: {escape(note)}", overflow="fold")


def print_estimate(console: Console, est: EstimateResult, verbose: bool = False) -> None:
    """`planner estimate`: what runs on which devices, the answer, then the compact assumptions."""
    width = console.width
    devices = ", ".join(f"{d.name} ({d.kind})" for d in est.devices)
    assumed = " (assumed: no --model given)" if est.model_assumed else ""
    _print_lines(console, flow([f"{est.model}{assumed} at {est.quant} on {devices}"], width, ""))
    _print_lines(console, flow(speed_items(est), width))
    for alt in est.would_fit:
        _print_lines(console, flow([f"would fit: {alt}"], width))
    print_throughput(console, est, verbose)


def print_explanation(console: Console, explanation: Explanation) -> None:
    console.print("[bold red]No build meets every rule.[/bold red] These rules conflict:")
    for c in explanation.conflict:
        console.print(f"  - {escape(c)}", overflow="fold")
    if explanation.fixes:
        console.print("Smallest changes that make it feasible (any one of them):")
        for f in explanation.fixes:
            console.print(f"  - {escape(f)}", overflow="fold")
