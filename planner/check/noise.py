"""Checks of how loud the build is (site.noise) and of rack gear where the request does not allow racks."""

from __future__ import annotations

from planner.check.context import Ctx, Violation


def check_noise(ctx: Ctx) -> list[Violation]:
    """Quiet: ATX PSUs only, no rack chassis or GPU server, no passive cards; servers only where racks are."""
    out = []
    if ctx.server is not None and "rack" not in ctx.request.chassis_kinds():
        out.append(
            Violation(
                "chassis kinds",
                f"{ctx.server.id} is a rack server; racks are not among {', '.join(ctx.request.chassis_kinds())}",
            )
        )
    if ctx.request.site.noise != "quiet":
        return out
    loud = []
    for p in ctx.build.psus:
        if ctx.catalog.entries[p.id].form != "atx" or p.breakout:  # type: ignore[union-attr]
            loud.append(f"server PSU {p.id}")
    if ctx.chassis is not None and ctx.chassis.chassis_kind == "rack":
        loud.append(f"rack chassis {ctx.chassis.id}")
    if ctx.server is not None:
        loud.append(f"GPU server {ctx.server.id}")
    loud += sorted({f"passive card {c.id}" for c in ctx.cards if ctx.gpu(c).cooling == "passive"})
    if loud:
        out.append(Violation("noise", f"too loud for a quiet site: {', '.join(loud)}"))
    return out
