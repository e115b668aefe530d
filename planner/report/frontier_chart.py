"""The frontier chart: cost against decode tokens/s (or VRAM) for the Pareto-optimal builds, titled with the
model, quant and objective, the budget drawn as a line, knees ringed (or "no knees" said), each point
numbered where its number does not cover another, and the builds listed beside the plot by number."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from planner.report.files import MARKER
from planner.report.text import gpu_summary
from planner.schema.result import FrontierPoint, FrontierResult

STYLES = {
    "gpus": ("o", "tab:blue", "GPU builds"),
    "system": ("s", "tab:orange", "whole systems"),
    "cpu-only": ("^", "tab:green", "CPU only"),
}
# Where a point's number may go, in points from the marker: right, above, left, below, then further out.
OFFSETS = [
    (7, 4),
    (7, -12),
    (-14, 4),
    (-14, -12),
    (0, 12),
    (0, -20),
    (14, 14),
    (-22, 14),
    (14, -24),
    (-22, -24),
]
LINE_IN = 0.135  # height of one listed build at 8 pt, inches: the figure grows to list every point
LABEL_CHARS = 34  # what fits beside the plot at 8 pt monospace after the number, cost and value


def point_label(row: FrontierPoint) -> str:
    """What a point is: its GPUs, the system, or 'CPU only: <the CPU>'."""
    if row.kind == "system":
        return row.build.build.system or "system"
    if row.kind == "cpu-only" or not row.build.cards:
        cpu = next((p.name for p in row.build.parts if p.kind == "cpu"), "")
        return f"CPU only: {cpu}" if cpu else "CPU only"
    return gpu_summary(row.build.cards)


def _value(data: FrontierResult, v: float) -> str:
    return f"{v:,.1f} tok/s" if data.objective == "decode_tokens_per_s" else f"{v:,.0f} GB"


def _box(t: Any, renderer: Any) -> Any:
    b = t.get_window_extent(renderer)
    return ((b.x0, b.y0), (b.x1, b.y1))


def _place_numbers(fig: Any, ax: Any, data: FrontierResult, taken: list[Any]) -> list[Any]:
    """Number every point, trying offsets until the number covers no other number, marker or label."""
    renderer = fig.canvas.get_renderer()
    for r in data.points:
        x, y = ax.transData.transform((r.total_cost_usd, r.objective_value))
        taken.append(((x - 5, y - 5), (x + 5, y + 5)))  # the marker itself
    texts = []
    for i, r in enumerate(data.points):
        for dx, dy in OFFSETS:
            t = ax.annotate(
                str(i + 1),
                (r.total_cost_usd, r.objective_value),
                textcoords="offset points",
                xytext=(dx, dy),
                fontsize=9,
                fontweight="bold" if i in data.knees else "normal",
                gid="point-label",
            )
            if not any(_hits(_box(t, renderer), other) for other in taken):
                break
            if (dx, dy) != OFFSETS[-1]:
                t.remove()  # the last offset stays if none is free: a number is never left out
        taken.append(_box(t, renderer))
        texts.append(t)
    return texts


def _hits(a: Any, b: Any) -> bool:
    (ax0, ay0), (ax1, ay1) = a
    (bx0, by0), (bx1, by1) = b
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def figure(data: FrontierResult, title: str, budget_usd: float | None, objective: str) -> Any:
    """The chart as a matplotlib figure (Agg): plot on the left, the numbered builds on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    height = max(6.5, 1.6 + LINE_IN * len(listed(data)))
    fig: Any = plt.figure(figsize=(12, height))
    top = 1 - 0.9 / height  # title and subtitle take the top 0.9 inch
    ax = fig.add_axes((0.07, 0.6 / height, 0.55, top - 0.1 / height - 0.6 / height - 0.25 / height))
    rows = data.points
    ax.plot([r.total_cost_usd for r in rows], [r.objective_value for r in rows], color="0.75", zorder=1)
    for kind, (marker, color, label) in STYLES.items():
        pts = [r for r in rows if r.kind == kind]
        if pts:
            ax.scatter(
                [r.total_cost_usd for r in pts],
                [r.objective_value for r in pts],
                marker=marker,
                color=color,
                label=label,
                zorder=3,
                s=45,
            )
    knees = [rows[i] for i in data.knees]
    if knees:
        ax.scatter(
            [r.total_cost_usd for r in knees],
            [r.objective_value for r in knees],
            s=220,
            facecolors="none",
            edgecolors="tab:red",
            linewidths=1.5,
            zorder=2,
            label="knee",
        )
    taken: list[Any] = []
    if budget_usd:
        ax.axvline(budget_usd, color="tab:red", linestyle="--", linewidth=1, zorder=1)
        ax.set_xlim(right=max(ax.get_xlim()[1], budget_usd * 1.02))
        budget = ax.annotate(
            f"budget ${budget_usd:,.0f}",
            (budget_usd, 0),
            xycoords=("data", "axes fraction"),
            xytext=(-4, 6),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color="tab:red",
            rotation=90,
            va="bottom",
        )
    ax.set_xlabel("build cost (USD)")
    ax.set_ylabel("decode tokens/s" if data.objective == "decode_tokens_per_s" else "VRAM (GB)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)  # a frontier rises to the right: its top left is empty
    knee_text = "knees: " + ", ".join(str(i + 1) for i in data.knees) if data.knees else "no knees"
    fig.text(0.07, 1 - 0.35 / height, title, fontsize=12, fontweight="bold", va="center")
    fig.text(
        0.07,
        1 - 0.65 / height,
        f"objective {objective} · {len(rows)} Pareto-optimal builds · {knee_text}",
        fontsize=9,
        va="center",
    )
    fig.canvas.draw()
    if budget_usd:
        taken.append(_box(budget, fig.canvas.get_renderer()))
    legend = ax.get_legend()
    if legend is not None:
        taken.append(_box(legend, fig.canvas.get_renderer()))
    _place_numbers(fig, ax, data, taken)
    _list_builds(fig, data, top)
    return fig


def listed(data: FrontierResult) -> list[str]:
    """The builds by number, one per line (a long one wrapped under itself); knees starred."""
    lines = []
    for i, r in enumerate(data.points):
        head = f"{i + 1:>2}{'*' if i in data.knees else ' '} ${r.total_cost_usd:>7,.0f} {_value(data, r.objective_value):>11}  "
        wrapped = textwrap.wrap(point_label(r), LABEL_CHARS) or [""]
        lines.append(head + wrapped[0])
        lines += [" " * len(head) + more for more in wrapped[1:]]
    if data.knees:
        lines += ["", " * knee: the next step costs much more per gain"]
    return lines


def _list_builds(fig: Any, data: FrontierResult, top: float) -> None:
    fig.text(0.645, top, "\n".join(listed(data)), fontsize=8, family="monospace", va="top", linespacing=1.2)


def plot(data: FrontierResult, path: Path, title: str, budget_usd: float | None, objective: str) -> None:
    """Write the chart (.png or .svg) with rig-planner's marker, so a later run may replace it."""
    import matplotlib.pyplot as plt

    fig = figure(data, title, budget_usd, objective)
    fig.savefig(path, metadata={"Title": f"{MARKER} frontier"})
    plt.close(fig)
