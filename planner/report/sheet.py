"""Build sheets: one self-contained Markdown or HTML document a builder prints or shares. It opens with the
request, the date, the software and why this build, then the parts with their dated, sourced prices and
compatibility notes, the slot map, the power and PCIe diagrams, the throughput and the builder's warnings.
Nothing is fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from planner.about import version_text
from planner.report.builder_notes import warnings
from planner.report.diagrams import (
    DiagramUnavailable,
    Graph,
    dot_source,
    dot_svg,
    mermaid,
    pcie_graph,
    power_graph,
)
from planner.report.files import write_text
from planner.report.text import answer_items, link_text, money, stack_lines, throughput_lines
from planner.schema.result import BuildResult

MARKER_MD = "<!-- rig-planner build sheet -->"
MARKER_HTML = MARKER_MD
SUFFIXES = (".md", ".html", ".htm")

# A document is a list of blocks both renderers understand, so the two formats never drift apart.
Block = tuple[Any, ...]


def write_sheet(
    build: BuildResult, title: str, path: Any, request: Any = None, today: dt.date | None = None
) -> None:
    """Write the sheet by suffix (.md or .html); never overwrite a file rig-planner did not write."""
    path = Path(path)
    render = markdown if path.suffix == ".md" else html_sheet
    write_text(path, "--sheet", SUFFIXES, render(build, title, request, today))


def request_rows(request: Any) -> list[list[str]]:
    """The request in a few rows: workload, budget, objective, site, requirements, owned parts."""
    rows = []
    wl = request.workload
    if wl is not None:
        rows.append(["model", f"{wl.model} at {wl.quant} on {wl.backend} (split {wl.split})"])
        rows.append(
            [
                "context",
                f"{wl.context_tokens:,} tokens; prompt {wl.prompt:,}, generate {wl.generate:,}, batch {wl.batch}",
            ]
        )
    rows.append(["budget", money(request.budget_usd)])
    rows.append(["objective", " > ".join(request.objectives())])
    site = request.site
    circuits = ", ".join(f"{c.count} x {c.volts:g} V / {c.amps:g} A" for c in site.circuits)
    noise = getattr(site, "noise", None)
    rows.append(["site", circuits + (f"; noise {noise}" if noise else "")])
    req = request.require
    wants = [
        f"{label} {value:g}{unit}"
        for label, value, unit in (
            ("at least", req.min_vram_gb, " GB VRAM"),
            ("decode at least", req.min_decode_tokens_per_s, " tok/s"),
            ("prompt at least", req.min_prefill_tokens_per_s, " tok/s"),
        )
        if value
    ]
    wants.append(f"{req.min_gpus}-{req.max_gpus} GPUs")
    if req.vendors:
        wants.append("vendors " + ", ".join(req.vendors))
    wants.append("markets " + ", ".join(req.condition))
    wants.append("enclosures " + ", ".join(request.chassis_kinds()))
    rows.append(["requires", "; ".join(wants)])
    if request.owned:
        rows.append(["owned", ", ".join(f"{o.count} x {o.id}" for o in request.owned)])
    return rows


def _answer(build: BuildResult) -> list[str]:
    lines = [" · ".join(answer_items(build))]
    if build.card_link is not None:
        lines.append(f"Card link: {build.card_link.text}.")
    if build.stack is not None:
        lines += [line[0].upper() + line[1:] for line in stack_lines(build.stack)]
    if build.violations:
        lines += [f"Breaks: {v}" for v in build.violations]
    return lines


def _why(build: BuildResult) -> list[str]:
    if build.why is None:
        return []
    binds = [f"{lim.text} (binds)" for lim in build.why.limits if lim.binds]
    rest = [lim.text for lim in build.why.limits if not lim.binds]
    return binds + rest + ([f"Next step: {build.why.next_step}"] if build.why.next_step else [])


SOURCE_CHARS = 60  # longer price sources go to numbered notes under the table


def _parts(build: BuildResult) -> tuple[list[list[str]], list[str]]:
    """The parts rows, and the price sources too long for a cell (referred to as [n])."""
    rows: list[list[str]] = []
    long: list[str] = []
    for p in build.parts:
        source = p.price_basis or "-"
        if len(source) > SOURCE_CHARS:
            long.append(f"[{len(long) + 1}] {p.id}: {source}")
            source = source[: SOURCE_CHARS - 12].rsplit(" ", 1)[0] + f" ... [{len(long)}]"
        price = money(p.unit_price_usd) + (f" ({p.condition})" if p.condition else "")
        dated = (p.price_date or "-") + (" (stale)" if p.stale else "")
        rows.append(
            [
                p.kind,
                f"{p.name} ({p.id})",
                f"{p.count}" + (f" ({p.owned} owned)" if p.owned else ""),
                price,
                dated,
                source,
                "; ".join(p.notes) or "-",
            ]
        )
    rows.append(["", "total", "", money(build.total_cost_usd), "", "", ""])
    return rows, long


def _slots(build: BuildResult) -> list[list[str]]:
    return [
        [
            str(r.number),
            r.gpu,
            r.mount or "-",
            str(r.slot or r.port or "-"),
            link_text(r),
            "-" if r.psu is None else f"PSU {r.psu}",
            "-" if r.layers is None else str(r.layers),
        ]
        for r in build.cards
    ]


def document(build: BuildResult, request: Any, today: dt.date) -> list[Block]:
    """The sheet's blocks, in reading order."""
    blocks: list[Block] = [("p", f"Planned on {today.isoformat()} with {version_text()}.")]
    if request is not None:
        blocks += [("h2", "The request"), ("table", ["asked", "value"], request_rows(request))]
    blocks += [("h2", "The build"), ("ul", _answer(build))]
    if build.why is not None:
        blocks += [("h2", "Why this build"), ("ul", _why(build))]
    parts, sources = _parts(build)
    headers = ["kind", "part", "count", "unit price", "price date", "price source", "compatibility"]
    blocks += [("h2", "Parts"), ("table", headers, parts, {3, 4})]  # prices and dates keep to one line
    if sources:
        blocks.append(("small", sources))
    if build.cards:
        blocks += [
            ("h2", "Slot map"),
            ("table", ["#", "GPU", "mount", "slot", "link", "PSU", "layers"], _slots(build)),
        ]
    pw = build.power
    blocks += [
        ("h2", "Power plan"),
        ("p", f"Sustained {pw.sustained_w:,} W, peak {pw.peak_w:,} W, {pw.wall_w:,} W at the wall."),
        ("diagram", power_graph(build), "power-diagram"),
    ]
    if build.cards:
        blocks += [("h2", "PCIe topology"), ("diagram", pcie_graph(build), "pcie-diagram")]
    blocks += [("h2", "Throughput"), ("ul", [line.strip() for line in throughput_lines(build.throughput)])]
    blocks += [("h2", "Warnings for the builder"), ("ul", warnings(build) or ["none"])]
    return blocks


def markdown(build: BuildResult, title: str, request: Any = None, today: dt.date | None = None) -> str:
    """The sheet as Markdown (diagrams as Mermaid, which GitHub and most viewers draw)."""
    out = [MARKER_MD, f"# {title}", ""]
    for kind, *rest in document(build, request, today or dt.date.today()):
        if kind == "h2":
            out += [f"## {rest[0]}", ""]
        elif kind == "p":
            out += [rest[0], ""]
        elif kind in ("ul", "small"):
            out += [f"- {item}" for item in rest[0]] + [""]
        elif kind == "table":
            headers, rows = rest[:2]
            out += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            out += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows] + [""]
        elif kind == "diagram":
            out += [mermaid(rest[0]), ""]
    return "\n".join(out)


def _diagram_html(graph: Graph, element_id: str) -> str:
    source = dot_source(graph)
    try:
        return f'<figure class="diagram">{dot_svg(source, element_id)}</figure>'
    except DiagramUnavailable as exc:
        return (
            f'<p class="note">{html.escape(str(exc))}: install the graphviz package to draw this diagram; '
            f"its Graphviz source follows.</p><pre>{html.escape(source)}</pre>"
        )


STYLE = (
    "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:2em auto;max-width:1150px;padding:0 1em;"
    "color:#222}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #bbb;padding:3px 8px;font-size:12px;"
    "vertical-align:top;text-align:left}th{background:#eef3fb}figure.diagram{margin:.6em 0;overflow:visible}"
    "figure.diagram svg{max-width:100%;height:auto}p.note{color:#a33}ul.small{font-size:11px;color:#555}td.nw{white-space:nowrap}"
    "@media print{body{margin:0;max-width:none}h2{break-after:avoid}figure,table{break-inside:avoid}}"
)


def html_sheet(build: BuildResult, title: str, request: Any = None, today: dt.date | None = None) -> str:
    """The sheet as one HTML file with inline CSS and SVG: opens offline in any browser, prints cleanly."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for kind, *rest in document(build, request, today or dt.date.today()):
        if kind == "h2":
            body.append(f"<h2>{html.escape(rest[0])}</h2>")
        elif kind == "p":
            body.append(f"<p>{html.escape(rest[0])}</p>")
        elif kind in ("ul", "small"):
            css = ' class="small"' if kind == "small" else ""
            body.append(f"<ul{css}>" + "".join(f"<li>{html.escape(i)}</li>" for i in rest[0]) + "</ul>")
        elif kind == "table":
            headers, rows = rest[:2]
            nowrap = rest[2] if len(rest) > 2 else set()
            body.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>")
            body += [
                "<tr>"
                + "".join(
                    f"<td{' class=nw' if i in nowrap else ''}>{html.escape(c)}</td>" for i, c in enumerate(r)
                )
                + "</tr>"
                for r in rows
            ]
            body.append("</table>")
        elif kind == "diagram":
            body.append(_diagram_html(rest[0], rest[1]))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>\n{MARKER_HTML}\n" + "\n".join(body) + "\n</body></html>\n"
    )
