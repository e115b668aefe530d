"""Build sheets: a self-contained Markdown or HTML document with parts, slot map, power and PCIe diagrams,
throughput and the warnings a builder needs. Diagrams are networkx graphs drawn as inline SVG (HTML) or
Mermaid (Markdown); nothing is fetched from the network.
"""

from __future__ import annotations

import html
from typing import Any

import networkx as nx

from planner.report.files import write_text
from planner.report.text import answer_items, link_text, money, stack_lines, throughput_lines
from planner.schema.result import BuildResult

MARKER_MD = "<!-- rig-planner build sheet -->"
MARKER_HTML = MARKER_MD


SUFFIXES = (".md", ".html", ".htm")


def write_sheet(build: BuildResult, title: str, path: Any) -> None:
    """Write the sheet by suffix (.md or .html); never overwrite a file rig-planner did not write."""
    from pathlib import Path

    path = Path(path)
    text = markdown(build, title) if path.suffix == ".md" else html_sheet(build, title)
    write_text(path, "--sheet", SUFFIXES, text)


def pcie_graph(build: BuildResult) -> nx.DiGraph:
    """CPU root ports, chipset or PCIe switch, and the cards hanging off them."""
    g = nx.DiGraph()
    parts = {p.kind: p.name for p in build.parts}
    root = parts.get("cpu", parts.get("system", "host"))
    g.add_node("cpu", label=root)
    for row in build.cards:
        parent = "cpu"
        if row.via in ("chipset", "switch"):
            parent = row.via
            g.add_node(parent, label="chipset" if parent == "chipset" else "PCIe switch")
            g.add_edge("cpu", parent, label="uplink")
        card = f"gpu{row.number}"
        where = f"slot {row.slot}" if row.slot else (row.port or row.mount or "")
        g.add_node(card, label=f"#{row.number} {row.gpu} ({where})")
        lanes = f"x{row.lanes} Gen{row.gen}" if row.lanes else ""
        g.add_edge(parent, card, label=" ".join(x for x in (lanes, row.mount or "") if x))
    return g


def power_graph(build: BuildResult) -> nx.DiGraph:
    """Wall circuits, PSUs (with breakout boards), and what each PSU feeds."""
    g = nx.DiGraph()
    power = build.power
    for c in power.circuits:
        g.add_node(f"c{c.number}", label=f"{c.label}: {c.wall_w} of {c.limit_w} W")
    for psu in power.psus:
        node = f"psu{psu.number}"
        g.add_node(node, label=f"PSU {psu.number}: {psu.id} ({psu.load_w}/{psu.rating_w} W)")
        g.add_edge(f"c{psu.circuit}", node, label="cord")
        src = node
        if psu.breakout:
            src = f"brk{psu.number}"
            g.add_node(src, label=f"breakout {psu.breakout}")
            g.add_edge(node, src, label="edge connector")
        if psu.board:
            g.add_node("board", label="board + CPU (24-pin, EPS)")
            g.add_edge(src, "board", label="ATX")
        for row in (r for r in build.cards if r.psu == psu.number):
            card = f"gpu{row.number}"
            g.add_node(card, label=f"#{row.number} {row.gpu}")
            g.add_edge(src, card, label="PCIe power")
    if not power.psus:
        g.add_node("self", label="built-in power supplies")
        for c in power.circuits:
            g.add_edge(f"c{c.number}", "self", label="cord")
    return g


def svg(graph: nx.DiGraph, element_id: str) -> str:
    """A layered left-to-right drawing of a small DAG, as inline SVG (no layout engine, no network)."""
    layers = [sorted(gen) for gen in nx.topological_generations(graph)]
    box_w, box_h, gap_x, gap_y = 230, 34, 70, 16
    pos = {}
    for x, layer in enumerate(layers):
        for y, node in enumerate(layer):
            pos[node] = (10 + x * (box_w + gap_x), 10 + y * (box_h + gap_y))
    width = 20 + len(layers) * (box_w + gap_x)
    height = 20 + max((len(layer) for layer in layers), default=1) * (box_h + gap_y)
    out = [
        f'<svg id="{element_id}" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for a, b, data in graph.edges(data=True):
        (ax, ay), (bx, by) = pos[a], pos[b]
        x1, y1, x2, y2 = ax + box_w, ay + box_h / 2, bx, by + box_h / 2
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#555"/>')
        label = html.escape(str(data.get("label", "")))
        out.append(
            f'<text x="{(x1 + x2) / 2}" y="{(y1 + y2) / 2 - 3}" font-size="9" text-anchor="middle">{label}</text>'
        )
    for node, (x, y) in pos.items():
        label = html.escape(str(graph.nodes[node].get("label", node)))
        out.append(
            f'<rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" rx="5" fill="#eef3fb" stroke="#35a"/>'
        )
        out.append(f'<text x="{x + 6}" y="{y + box_h / 2 + 4}" font-size="10">{label[:40]}</text>')
    out.append("</svg>")
    return "\n".join(out)


def mermaid(graph: nx.DiGraph) -> str:
    lines = ["```mermaid", "flowchart LR"]
    for node, data in graph.nodes(data=True):
        lines.append(f'  {node}["{str(data.get("label", node)).replace(chr(34), "")}"]')
    for a, b, data in graph.edges(data=True):
        label = str(data.get("label", "")).replace("|", "/")
        lines.append(f"  {a} -->|{label}| {b}" if label else f"  {a} --> {b}")
    lines.append("```")
    return "\n".join(lines)


def warnings(build: BuildResult) -> list[str]:
    """What a builder must know: transients, risers, airflow, BIOS, breakouts, plus the throughput model's."""
    out: list[str] = []
    kinds = {p.kind for p in build.parts}
    rows = build.cards
    pw = build.power
    if pw.peak_w and pw.psu_capacity_w and pw.peak_w > pw.psu_capacity_w:
        out.append(
            f"Transients: GPUs spike to {pw.peak_w} W for milliseconds against {pw.psu_capacity_w} W of "
            "PSU rating; the plan relies on the PSUs' transient tolerance (ATX 3.x rides 200 %)."
        )
    if any(r.mount in ("riser", "bifurcated", "port") for r in rows):
        out.append(
            "Risers: if a card drops off the bus or logs PCIe errors, set that slot to a lower PCIe "
            "generation in the BIOS (Gen3 is enough for layer-split inference)."
        )
    if any(r.mount == "bifurcated" for r in rows):
        out.append("Bifurcation: set the slot to x8x8 in the BIOS before fitting the bifurcation card.")
    if len(rows) > 1 or "server" in kinds:
        out.append(
            "BIOS: enable Above 4G decoding (and Resizable BAR where offered): large-BAR and multi-GPU "
            "systems do not boot or see all cards without it."
        )
    if "breakout" in kinds:
        out.append(
            "Server PSUs on breakout boards: a card they power still draws slot power from the main PSU, so "
            "keep the supplies' grounds common and switch the server PSUs on before the main PSU."
        )
    if build.passive_gpus:
        out.append(
            f"Passive cards ({', '.join(build.passive_gpus)}): they have no fans; the chassis fans must push "
            "air straight through them at full speed, or fit blower shrouds, or they throttle within minutes."
        )
    if any(r.via == "chipset" for r in rows):
        out.append(
            "Chipset lanes: cards behind the chipset share its uplink; fine for layer split, slow for tensor "
            "parallel."
        )
    link = build.card_link
    if link is not None and link.kind == "nvlink":
        slots = " and ".join(str(c.slot) for c in rows if c.mount == "direct")
        out.append(
            f"NVLink: fit the {link.bridge} across the cards in slots {slots} after both are seated; "
            f"the cards then exchange tensor-parallel traffic at {link.gbs:g} GB/s each way."
        )
    out.extend(build.warnings)
    if build.power_limits:
        out.append(
            "Power limits: " + "; ".join(f"`{row.command}`" for row in build.power_limits) + " (as root, at every boot)."
        )
    if build.throughput is not None:
        out.extend(build.throughput.warnings)
    return out


def _table(headers: list[str], rows: list[list[str]]) -> tuple[str, str]:
    md = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    hx = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"]
    hx += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows]
    hx.append("</table>")
    return "\n".join(md), "\n".join(hx)


def _sections(build: BuildResult) -> list[tuple[str, list[str], list[list[str]]]]:
    parts = [
        [
            p.kind,
            p.name,
            p.id,
            str(p.count),
            money(p.unit_price_usd),
            p.condition or "-",
            str(p.owned or ""),
            p.price_date or "-",
        ]
        for p in build.parts
    ]
    parts.append(["", "total", "", "", money(build.total_cost_usd), "", "", ""])
    slots = [
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
    return [
        ("Parts", ["kind", "part", "id", "count", "unit price", "condition", "owned", "price date"], parts),
        ("Slot map", ["#", "GPU", "mount", "slot", "link", "PSU", "layers"], slots),
    ]


def _summary(build: BuildResult) -> list[str]:
    """The answer and the power plan in sentences, as the terminal report leads with them."""
    lines = [" · ".join(answer_items(build))]
    if build.card_link is not None:
        lines.append(f"Card link: {build.card_link.text}.")
    if build.stack is not None:
        lines += [line[0].upper() + line[1:] for line in stack_lines(build.stack)]
    if build.why is not None:
        lines += [lim.text + (" (binds)" if lim.binds else "") for lim in build.why.limits]
    return lines


def _throughput_lines(build: BuildResult) -> list[str]:
    return throughput_lines(build.throughput)


def markdown(build: BuildResult, title: str) -> str:
    """The sheet as Markdown (diagrams as Mermaid)."""
    out = [MARKER_MD, f"# {title}", ""] + [f"- {line}" for line in _summary(build)] + [""]
    for name, headers, rows in _sections(build):
        out += [f"## {name}", "", _table(headers, rows)[0], ""]
    pw = build.power
    out += [
        "## Power plan",
        "",
        f"Sustained {pw.sustained_w} W, peak {pw.peak_w} W, wall {pw.wall_w} W.",
        "",
        mermaid(power_graph(build)),
        "",
        "## PCIe topology",
        "",
        mermaid(pcie_graph(build)),
        "",
        "## Throughput",
        "",
    ]
    out += [f"- {line.strip()}" for line in _throughput_lines(build)]
    out += ["", "## Warnings for the builder", ""] + [f"- {w}" for w in warnings(build)] + [""]
    return "\n".join(out)


def html_sheet(build: BuildResult, title: str) -> str:
    """The sheet as one HTML file with inline CSS and SVG: opens offline in any browser."""
    body = [f"<h1>{html.escape(title)}</h1>", "<ul>"]
    body += [f"<li>{html.escape(line)}</li>" for line in _summary(build)] + ["</ul>"]
    for name, headers, rows in _sections(build):
        body += [f"<h2>{name}</h2>", _table(headers, rows)[1]]
    pw = build.power
    body += [
        "<h2>Power plan</h2>",
        f"<p>Sustained {pw.sustained_w} W, peak {pw.peak_w} W, wall {pw.wall_w} W.</p>",
        svg(power_graph(build), "power-diagram"),
        "<h2>PCIe topology</h2>",
        svg(pcie_graph(build), "pcie-diagram"),
        "<h2>Throughput</h2><ul>",
    ]
    body += [f"<li>{html.escape(line.strip())}</li>" for line in _throughput_lines(build)]
    body += ["</ul><h2>Warnings for the builder</h2><ul>"] + [
        f"<li>{html.escape(w)}</li>" for w in warnings(build)
    ]
    body.append("</ul>")
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:3px 8px;font-size:13px}th{background:#eef3fb}svg{max-width:100%}"
    )
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body>\n{MARKER_HTML}\n" + "\n".join(body) + "\n</body></html>\n"
    )
