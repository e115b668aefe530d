"""Short text pieces the terminal report and the build sheet share: money, the headline figures, the
throughput lines and the compact assumptions, from the typed results only."""

from __future__ import annotations

from planner.schema.result import BuildResult, CardLine, StackResult, Throughput


def money(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def num(x: float | None, unit: str = "", nd: int = 1) -> str:
    return "-" if x is None else f"{x:,.{nd}f}{unit}"


def flow(items: list[str], width: int, indent: str = "  ", sep: str = " · ") -> list[str]:
    """Pack items into lines no wider than `width`, breaking only between items."""
    lines: list[str] = []
    line = ""
    for item in (i for i in items if i):
        candidate = f"{line}{sep}{item}" if line else f"{indent}{item}"
        if line and len(candidate) > width:
            lines.append(line)
            line = f"{indent}{item}"
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def speed_items(tp: Throughput) -> list[str]:
    """Decode (with its likely range), prompt, first token and batched figures."""
    if not tp.fits:
        return [f"does not fit: {tp.shortfall_gb or 0:.1f} GB short at the requested context and batch"]
    if tp.decode_tokens_per_s is None:
        return ["no runtime runs it: " + "; ".join(tp.errors)]
    d = tp.decode_tokens_per_s
    band = tp.uncertainty
    if tp.decode_tokens_per_s_conservative is not None:
        low = tp.decode_tokens_per_s_conservative
        evidence = f", {tp.evidence} evidence" if tp.evidence else ""
        decode = f"decode {num(d)} tok/s likely, {num(low)} conservative{evidence}"
    else:
        rng = f" (likely {d * band.low:,.1f}-{d * band.high:,.1f})" if band.low else ""
        decode = f"decode {num(d)} tok/s{rng}"
    items = [
        decode,
        f"prompt {num(tp.prefill_tokens_per_s, nd=0)} tok/s",
        f"first token {num(tp.ttft_s, ' s', 2)}",
    ]
    if tp.max_batch > 1 and tp.batch_tokens_per_s and tp.batch_tokens_per_s != d:
        items.append(f"batched {num(tp.batch_tokens_per_s)} tok/s")
    return items


def answer_items(build: BuildResult) -> list[str]:
    """The answer in a few items: cost, cards, VRAM, speed, power at the wall."""
    gpus = gpu_summary(build.cards) or next((p.name for p in build.parts if p.kind == "system"), "CPU only")
    items = [money(build.total_cost_usd), gpus, f"{build.vram_gb:g} GB VRAM"]
    if build.throughput is not None:
        items += speed_items(build.throughput)
    return items + power_items(build)


def power_items(build: BuildResult) -> list[str]:
    pw = build.power
    items = [f"{pw.wall_w:,} W at the wall"]
    for c in pw.circuits:
        if c.wall_w:
            items.append(f"circuit {c.number}: {c.wall_w:,} of {c.limit_w:,} W")
    items.append(
        f"peak {pw.peak_w:,} W" + (f" on {pw.psu_capacity_w:,} W of PSUs" if pw.psu_capacity_w else "")
    )
    return items


def gpu_summary(cards: list[CardLine]) -> str:
    counts: dict[str, int] = {}
    for c in cards:
        counts[c.gpu] = counts.get(c.gpu, 0) + 1
    return ", ".join(f"{n}x {g}" for g, n in counts.items())


def link_text(card: CardLine) -> str:
    """The link a card gets, as the slot map shows it."""
    if card.gen is None or card.lanes is None:
        return "-"
    via = f" {card.via}" if card.via else ""
    split = f"{card.links}x " if card.links > 1 else ""
    return f"{split}gen{card.gen} x{card.lanes}{via}"


def throughput_lines(tp: Throughput | None, verbose: bool = False) -> list[str]:
    """Plain lines (no markup) about the workload's figures, for the sheet and --verbose."""
    if tp is None:
        return ["no workload given: no throughput estimate"]
    lines = [" · ".join(speed_items(tp))]
    lines.append(
        f"split {tp.split} · backend {tp.backend} · bound by {tp.bound} · max batch {tp.max_batch}"
        f" · max context {tp.max_context:,}"
    )
    lines += [f"assumes {a}" for a in tp.assumptions]
    lines += [f"warning: {w}" for w in tp.warnings]
    lines += evidence_lines(tp)
    if verbose:
        lines += [
            f"{m.device}: {m.total_gb:.1f} of {m.capacity_gb:.1f} GB (weights {m.weights_gb:.1f}, "
            f"KV {m.kv_gb:.1f}, overhead {m.overhead_gb:.1f}, margin {m.margin_gb:.1f})"
            for m in tp.memory
        ]
        lines += [f"derivation: {d}" for d in tp.derivation]
        lines.append(f"likely range: {tp.uncertainty.basis}")
    return lines


def evidence_lines(tp: Throughput) -> list[str]:
    """Measured runs beside the model's figure for the same test, then how to verify on the machine."""
    lines = []
    for m in tp.measured:
        what = "measured" if m.exact else f"near ({', '.join(m.differs)})"
        model = f" vs model {m.model_tokens_per_s:,.1f} ({m.difference_pct:+.0f} %)" if m.model_tokens_per_s and m.difference_pct is not None else ""
        lines.append(f"{what}: {m.kind} {m.test} {m.tokens_per_s:,.1f} tok/s{model} - {m.source}, {m.hardware} ({m.where})")
    if tp.verify is not None:
        lines.append(f"verify on the machine: {tp.verify.command}")
        if tp.verify.confirm:
            lines.append(f"the estimate holds if it shows {tp.verify.confirm}")
        if tp.verify.record:
            lines.append(f"then keep the result: {tp.verify.record}")
    return lines


def stack_lines(stack: StackResult) -> list[str]:
    """The software stack in words: runtime and releases, what to set up, and the launch line."""
    head = f"software: {stack.backend} on {stack.runtime_name or 'no single runtime'}"
    head += "".join(f", {x}" for x in (stack.releases, stack.driver) if x)
    lines = [head + (" (legacy: no maintained release)" if stack.legacy else "")]
    lines += [f"build: {stack.build}"] if stack.build else []
    lines += [f"setup: {s}" for s in stack.setup]
    return lines + ([f"run with: {stack.launch}"] if stack.launch else [])


def limit_lines(build: BuildResult) -> list[str]:
    """The power limits the build sets, as the commands to run (as root, again at every boot)."""
    if not build.power_limits:
        return []
    return [
        "power limits (run as root after every boot):",
        *(f"  {row.command}   # {row.gpu}: {row.limit_w} W of {row.default_w:g} W" for row in build.power_limits),
    ]
