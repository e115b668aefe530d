"""Power limits (in range, and the commands that set them) and the builder's warnings the checker gives
beside its verdict: sandwiched open-air cards, room heat of open frames."""

from __future__ import annotations

from typing import Any

from planner.check.context import Ctx, Violation
from planner.data.facts import W_TO_BTU_H, limit_range, width_slots

V = Violation
REAPPLY = (
    "Power limits do not survive a reboot: run these at every boot (a systemd unit or cron @reboot; "
    "`sudo nvidia-smi -pm 1` first on NVIDIA)."
)


def check_power_limits(ctx: Ctx) -> list[Violation]:
    """Each power limit within the range the card's driver accepts."""
    out = []
    for k, c in enumerate(ctx.cards):
        if c.power_limit_w is None:
            continue
        low, high = limit_range(ctx.gpu(c), ctx.rules)
        if not low - 1e-6 <= c.power_limit_w <= high + 1e-6:
            out.append(
                V(
                    "power limits",
                    f"card {k + 1} ({c.id}) limit {c.power_limit_w:g} W is outside {low:g}-{high:g} W",
                )
            )
    return out


def limit_commands(ctx: Ctx) -> list[dict[str, Any]]:
    """One row per limited card: the command that sets its limit. Drivers number a vendor's cards in
    PCI bus order, which follows the slots (ports after them); confirm with `nvidia-smi -L` / `rocm-smi`."""
    order = sorted(
        range(len(ctx.cards)),
        key=lambda k: (ctx.cards[k].mount == "port", ctx.cards[k].slot or 0, ctx.cards[k].port or 0, k),
    )
    index: dict[int, int] = {}
    seen: dict[str, int] = {}
    for k in order:
        vendor = ctx.gpu(ctx.cards[k]).vendor.lower()
        index[k] = seen.get(vendor, 0)
        seen[vendor] = index[k] + 1
    rows = []
    for k, c in enumerate(ctx.cards):
        if c.power_limit_w is None:
            continue
        gpu = ctx.gpu(c)
        watts, i = round(c.power_limit_w), index[k]
        vendor = gpu.vendor.lower()
        if vendor == "nvidia":
            cmd = f"sudo nvidia-smi -i {i} -pl {watts}"
        elif vendor == "amd":
            cmd = f"sudo rocm-smi -d {i} --setpoweroverdrive {watts}"
        else:
            cmd = f"set {watts} W in the {gpu.vendor} driver's tool"
        rows.append({"gpu": c.id, "index": i, "limit_w": watts, "default_w": gpu.tdp_w, "command": cmd})
    return rows


def sandwiched(ctx: Ctx) -> list[tuple[int, int, str]]:
    """(slot, slot of the card against its fans, GPU id) for each open-air card in a case that has another
    card's body starting right past its width."""
    if ctx.board is None or ctx.chassis is None or ctx.chassis.chassis_kind == "open-frame":
        return []
    direct = [(c.slot, c) for c in ctx.cards if c.mount == "direct" and c.slot is not None]
    starts = {q for q, _ in direct}
    out = []
    for q, c in sorted(direct, key=lambda qc: qc[0]):
        gpu = ctx.gpu(c)
        below = q + width_slots(gpu)
        if gpu.cooling == "open-air" and below in starts:
            out.append((q, below, c.id))
    return out


def check_sandwiches(ctx: Ctx) -> list[Violation]:
    """No more open-air cards pressed against another card than the rules allow."""
    pressed = sandwiched(ctx)
    most = ctx.rules.cooling.max_sandwiched_open_air
    if len(pressed) <= most:
        return []
    slots = ", ".join(str(q) for q, _, _ in pressed)
    return [
        V(
            "cooling sufficient",
            f"{len(pressed)} open-air cards (slots {slots}) have a card against their fans > {most} allowed",
        )
    ]


def warnings(ctx: Ctx) -> list[str]:
    """Advice that does not break a rule."""
    out = []
    for q, below, gpu_id in sandwiched(ctx):
        out.append(
            f"The {gpu_id} in slot {q} is sandwiched: the card in slot {below} sits against its fans. "
            "Expect it to run hot (memory junction included); a power limit of 70-80 % costs little "
            "decode speed and keeps it cooler."
        )
    if ctx.chassis is not None and ctx.chassis.chassis_kind == "open-frame":
        heat = ctx.cards_w() + ctx.platform_w()
        out.append(
            f"Open frame: {heat:,.0f} W ({heat * W_TO_BTU_H:,.0f} BTU/h) goes into the room; plan its "
            "ventilation or air conditioning."
        )
    if any(c.power_limit_w is not None for c in ctx.cards):
        out.append(REAPPLY)
    return out
