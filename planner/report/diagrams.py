"""The build sheet's power and PCIe diagrams: graphs of the typed build result, laid out by Graphviz `dot`
(the graphviz system package) as inline SVG, or written as Mermaid for Markdown.

Labels sit inside the boxes, never on edges: dot sizes every box to its text, so nothing overlaps or is cut,
whether the build has two cards or eight.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field

from planner.schema.result import BuildResult, CardLine

FONT = "DejaVu Sans"  # dot measures text with this font; browsers without it fall back to the next ones
FONT_FALLBACK = "DejaVu Sans, Verdana, Arial, sans-serif"
STYLES = {
    "wall": ("#fdf0e0", "#b36b00"),
    "psu": ("#eef3fb", "#3355aa"),
    "link": ("#f3f3f3", "#777777"),
    "host": ("#eaf6ec", "#2e7d32"),
    "gpu": ("#ffffff", "#3355aa"),
}


@dataclass
class Graph:
    """Boxes (id -> lines, style) and arrows between them, in the order they should be laid out; `stacks`
    are boxes drawn one above the other in the order given (wall circuits 1, 2 ...)."""

    name: str
    nodes: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    stacks: list[list[str]] = field(default_factory=list)

    def node(self, key: str, lines: list[str], style: str) -> None:
        self.nodes.setdefault(key, ([line for line in lines if line], style))

    def edge(self, a: str, b: str) -> None:
        if (a, b) not in self.edges:
            self.edges.append((a, b))


def _card(row: CardLine) -> str:
    return f"#{row.number} {row.gpu}"


def power_graph(build: BuildResult) -> Graph:
    """Wall circuits, the PSUs on them (and their breakout boards), and the board and cards each feeds."""
    g = Graph("power")
    pw = build.power
    for c in pw.circuits:
        g.node(
            f"c{c.number}",
            [c.label[:1].upper() + c.label[1:], f"{c.wall_w:,} of {c.limit_w:,} W at the wall"],
            "wall",
        )
    for psu in pw.psus:
        node = f"psu{psu.number}"
        g.node(node, [f"PSU {psu.number}", psu.id, f"{psu.load_w:,} of {psu.rating_w:,} W"], "psu")
        g.edge(f"c{psu.circuit}", node)
        src = node
        if psu.breakout:
            src = f"brk{psu.number}"
            g.node(src, ["breakout board", psu.breakout], "link")
            g.edge(node, src)
        if psu.board:
            g.node("board", ["board and CPU", "24-pin ATX + EPS 8-pin"], "host")
            g.edge(src, "board")
        for row in build.cards:
            if row.psu == psu.number:
                g.node(f"gpu{row.number}", [_card(row)], "gpu")
                g.edge(src, f"gpu{row.number}")
    if not pw.psus:
        g.node("self", ["built-in power supplies"], "psu")
        for c in pw.circuits:
            g.edge(f"c{c.number}", "self")
    g.stacks.append([f"c{c.number}" for c in pw.circuits])
    return g


def pcie_graph(build: BuildResult) -> Graph:
    """The CPU (or system), the chipset or switch behind some slots, each slot or port, and its cards."""
    g = Graph("pcie")
    parts = {p.kind: p.name for p in build.parts}
    g.node("root", [parts.get("cpu", parts.get("system", "host")), "PCIe root"], "host")
    for row in sorted(build.cards, key=lambda r: (r.slot or 99, r.port or "", r.number)):
        parent = "root"
        if row.via in ("chipset", "switch"):
            parent = row.via
            g.node(parent, ["chipset" if parent == "chipset" else "PCIe switch", "shared uplink"], "link")
            g.edge("root", parent)
        where = f"slot {row.slot}" if row.slot else (f"port {row.port}" if row.port else "")
        if where:
            offer = f"gen{row.slot_gen} x{row.slot_lanes}" if row.slot_gen and row.slot_lanes else ""
            key = f"at-{where}"
            g.node(key, [where, offer, "bifurcated" if row.mount == "bifurcated" else ""], "link")
            g.edge(parent, key)
            parent = key
        link = f"runs at gen{row.gen} x{row.lanes}" if row.gen and row.lanes else ""
        mount = f"on a {row.mount}" if row.mount in ("riser", "port") else ""
        g.node(f"gpu{row.number}", [_card(row), " ".join(x for x in (link, mount) if x)], "gpu")
        g.edge(parent, f"gpu{row.number}")
    return g


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(g: Graph) -> str:
    """The graph in the DOT language, left to right, boxes sized to their text."""
    out = [
        f"digraph {g.name} {{",
        '  graph [rankdir=LR, nodesep=0.18, ranksep=0.45, pad=0.15, bgcolor="transparent"];',
        f'  node [shape=box, style="rounded,filled", fontname={_quote(FONT)}, fontsize=11, margin="0.14,0.07"];',
        '  edge [color="#666666", arrowsize=0.6];',
    ]
    for key, (lines, style) in g.nodes.items():
        fill, stroke = STYLES[style]
        label = "\\n".join(line.replace("\\", "\\\\").replace('"', '\\"') for line in lines)
        out.append(f'  {_quote(key)} [label="{label}", fillcolor="{fill}", color="{stroke}"];')
    out += [f"  {_quote(a)} -> {_quote(b)};" for a, b in g.edges]
    for stack in (s for s in g.stacks if len(s) > 1):
        # Same rank, joined by invisible edges: dot keeps them in this order, top to bottom.
        chain = " -> ".join(_quote(k) for k in stack)
        out.append(f"  {{ rank=same; {chain} [style=invis]; }}")
    out.append("}")
    return "\n".join(out)


class DiagramUnavailable(Exception):
    """Graphviz's dot is not installed or failed: the sheet shows the DOT source instead."""


def dot_svg(source: str, element_id: str) -> str:
    """Lay out with `dot -Tsvg` and return inline SVG (no XML prolog), with an id, a role and fonts that
    fall back gracefully; DiagramUnavailable when dot is missing or fails."""
    exe = shutil.which("dot")
    if exe is None:
        raise DiagramUnavailable("Graphviz is not installed (the dot program was not found)")
    try:
        proc = subprocess.run([exe, "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiagramUnavailable(f"dot did not run: {exc}") from None
    if proc.returncode != 0 or "<svg" not in proc.stdout:
        raise DiagramUnavailable(f"dot failed: {proc.stderr.strip()[:200]}")
    svg = proc.stdout[proc.stdout.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")  # no links: keep the page link-free
    svg = svg.replace("<svg ", f'<svg id="{element_id}" role="img" aria-label="{element_id}" ', 1)
    return svg.replace(f'font-family="{FONT}"', f'font-family="{FONT_FALLBACK}"').strip()


def mermaid(g: Graph) -> str:
    """The graph as a Mermaid flowchart (GitHub and most Markdown viewers draw it)."""
    lines = ["```mermaid", "flowchart LR"]
    for key, (text, _) in g.nodes.items():
        label = "<br/>".join(t.replace('"', "'") for t in text)
        lines.append(f'  {key.replace("-", "_").replace(" ", "_")}["{label}"]')
    for a, b in g.edges:
        lines.append(f"  {a.replace('-', '_').replace(' ', '_')} --> {b.replace('-', '_').replace(' ', '_')}")
    lines.append("```")
    return "\n".join(lines)
