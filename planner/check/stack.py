"""Checks of the software stack: one runtime serves every card, mixed vendors and legacy cards only when
allowed, tensor parallel only where the runtime does it; and the stack a report shows, launch line included."""

from __future__ import annotations

from typing import Any

from planner.check.context import Ctx, Violation
from planner.data.stack import Launch, Stack, choose_stack, launch_line
from planner.schema.result import StackResult


def build_stack(ctx: Ctx) -> Stack:
    """The build's stack: its own runtime when it names one, else the one a builder would pick."""
    gpus = [ctx.gpu(c) for c in ctx.cards]
    return choose_stack(ctx.catalog, ctx.request, gpus, ctx.build.runtime, ctx.build.split, ctx.system)


def gpu_runtime(ctx: Ctx) -> str | None:
    """The runtime the throughput model must use for the cards (None: its own per-device choice)."""
    if ctx.system is not None or not ctx.cards:
        return None
    return build_stack(ctx).runtime


def check_stack(ctx: Ctx) -> list[Violation]:
    """Every stack rule the build breaks, in the user's words."""
    if ctx.system is not None or not ctx.cards:
        return []
    return [Violation("software stack", p) for p in build_stack(ctx).problems]


def stack_result(ctx: Ctx, est: Any) -> StackResult:
    """The stack for reports and JSON, with the launch line for this build's layout."""
    stack = build_stack(ctx)
    return StackResult(**{**stack.to_json(), "launch": launch_line(stack, _launch(ctx, est))})


def _launch(ctx: Ctx, est: Any) -> Launch:
    wl = ctx.request.workload
    model = ctx.catalog.entries.get(wl.model) if wl else None
    quant = wl.quant.upper().replace("-", "_") if wl else ""
    per_device: list[int] = []
    for card in ctx.cards:
        chips = ctx.gpu(card).gpus_per_card
        if card.layers is None:
            per_device = []
            break
        per_device += [card.layers // chips + (1 if k < card.layers % chips else 0) for k in range(chips)]
    cpu = ctx.cpu
    return Launch(
        model=wl.model if wl else "MODEL",
        quant=quant,
        context=wl.context_tokens if wl else 4096,
        layers=getattr(model, "layers", 0),
        device_layers=tuple(per_device),
        cpu_layers=ctx.build.cpu_layers,
        devices=1 if ctx.system is not None else sum(ctx.gpu(c).gpus_per_card for c in ctx.cards),
        split=ctx.build.split,
        threads=cpu.cores * ctx.build.cpu_count if cpu else 0,
        sockets=ctx.build.cpu_count,
        experts_on_cpu=bool(est is not None and est.offload == "experts"),
    )
