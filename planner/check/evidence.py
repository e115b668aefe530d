"""A build's throughput report with its evidence: measured runs of the same parts, model and quant, and
the benchmark command (with the result that confirms the estimate) to run on the assembled machine."""

from __future__ import annotations

from planner import perf
from planner.check.context import Ctx
from planner.check.workload import build_workload, estimate_for
from planner.schema.result import Throughput


def build_hardware(ctx: Ctx, est: perf.Estimate) -> list[tuple[str, int]]:
    """(part id, count) of what runs the model: the system, or the cards, plus the CPU when it holds layers."""
    if ctx.system is not None:
        return [(ctx.system.id, 1)]
    counts: dict[str, int] = {}
    for card in ctx.cards:
        counts[card.id] = counts.get(card.id, 0) + 1
    if ctx.cpu is not None and (not counts or est.offload != "none"):
        counts[ctx.cpu.id] = ctx.build.cpu_count
    return list(counts.items())


def with_evidence(ctx: Ctx, est: perf.Estimate | None, tp: Throughput | None) -> Throughput | None:
    """The typed throughput with the measured runs and the verify line beside it."""
    wl = build_workload(ctx)
    if est is None or tp is None or wl is None:
        return tp
    from planner.data.evidence import extras

    layers = [c.layers for c in ctx.cards if c.layers is not None]
    whole = len(layers) == len(ctx.cards) and ctx.build.split == "layer"
    return tp.model_copy(
        update=extras(
            ctx.catalog,
            build_hardware(ctx, est),
            wl,
            est,
            lambda w: estimate_for(ctx, w),
            len(ctx.cards),
            layers if whole else None,
        )
    )
