"""Checks of what a report states, re-derived from the build and the catalogue alone (never from the
result's own figures): each card's link and lanes, the slowest card link, NVLink only with a bridge,
PSU feeds; plus the 80-column rendering."""

from __future__ import annotations

import io
import re

from rich.console import Console

from planner.data.facts import riser_gen
from planner.data.inputs import load_rules
from planner.report.sheet import markdown
from planner.report.terminal import print_build, print_result
from planner.schema.build import Build
from planner.schema.result import BuildResult, Result

PCIE_GBS_PER_LANE = {1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.877}


def render(result: Result, width: int = 80, verbose: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False, soft_wrap=False, color_system=None)
    print_result(console, result, verbose)
    return out.getvalue()


def render_build(build: BuildResult, width: int = 80, verbose: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, highlight=False, soft_wrap=False, color_system=None)
    print_build(console, build, "Build", verbose)
    return out.getvalue()


def expected_links(build: Build, catalog) -> list[tuple[int, int, str]]:
    """(gen, lanes, via) per card from the board's slot map and the card's own maximum."""
    board = catalog.entries.get(build.board or build.server or "")
    out = []
    for k, card in enumerate(build.gpu_cards()):
        gpu = catalog.entries[card.id]
        if build.server:
            sl = board.slots[min(k, len(board.slots) - 1)]
            gen, lanes, via = sl.gen, sl.lanes, sl.link
        elif card.mount == "port":
            port = board.ports[card.port]
            gen, lanes, via = port.gen, port.lanes, port.link
        else:
            sl = next(s for s in board.slots if s.position == card.slot)
            gen, lanes, via = sl.gen, sl.lanes // (2 if card.mount == "bifurcated" else 1), sl.link
        if gpu.requires_bifurcation:
            lanes //= gpu.gpus_per_card  # no switch: each chip has its half of the slot
        if card.riser and card.mount != "direct":
            # A card on a riser gets no faster a link than the riser holds (rating, ribbon length).
            gen = min(gen, riser_gen(catalog.entries[card.riser], load_rules()) or gen)
        out.append((min(gen, gpu.pcie_gen), min(lanes, gpu.pcie_lanes), via))
    return out


def check_stated_facts(text: str, result: BuildResult, catalog) -> None:
    """Every link, lane count and PSU feed the text states agrees with the build itself."""
    build = result.build
    text = text.replace("|", " ")  # Markdown tables read like the terminal's
    bridges = [p for p in result.parts if p.kind == "bridge"]
    if "nvlink" in text.lower():
        assert bridges, "NVLink stated without a bridge in the parts list"
    if build.system is not None or not build.gpus:
        return
    links = expected_links(build, catalog)
    for number, ((gen, lanes, via), card) in enumerate(zip(links, build.gpu_cards(), strict=True), start=1):
        row = re.search(
            rf"^\s*{number}\s+{re.escape(card.id)}\s.*?gen(\d) x(\d+) (\w+)\s+(?:PSU )?(\S+)", text, re.M
        )
        assert row, f"card {number} missing from the slot map"
        assert (int(row.group(1)), int(row.group(2)), row.group(3)) == (gen, lanes, via), row.group(0)
        psu = "-" if card.psu is None else str(psu_number(card.psu))
        assert row.group(4) == psu, (row.group(0), psu)
    if len(links) > 1 and not bridges:
        gbs = [PCIE_GBS_PER_LANE[g] * n for g, n, _ in links]
        gen, lanes, _ = links[gbs.index(min(gbs))]
        stated = re.findall(r"card link:? PCIe gen(\d) x(\d+)", text, re.I)
        assert stated and all((int(g), int(n)) == (gen, lanes) for g, n in stated), (stated, gen, lanes)
    # The terminal's power plan lists, for each PSU number, the card numbers it feeds.
    if "Power plan" not in text or "feeds" not in text:
        return
    feeds: dict[int, list[int]] = {}
    for number, card in enumerate(build.gpu_cards(), start=1):
        if card.psu is not None:
            feeds.setdefault(psu_number(card.psu), []).append(number)
    plan = text[text.index("Power plan") :]
    for psu, cards in feeds.items():
        row = re.search(rf"^\s*{psu}\s+\S+.*?((?:board, )?#\d+(?:, #\d+)*)", plan, re.M)
        assert row, f"PSU {psu} missing from the power plan"
        assert [int(x) for x in re.findall(r"#(\d+)", row.group(1))] == cards, (row.group(0), cards)


def psu_number(index: int) -> int:
    """The report's PSU number of a build file's PSU reference."""
    from planner.schema.build import GpuUse

    first = GpuUse.model_fields["psu"].metadata
    based = 1 if any(getattr(m, "ge", 0) == 1 for m in first) else 0
    return index + 1 - based


def check_width(text: str, width: int = 80) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"{len(long)} lines wider than {width}: {long[0]!r}"


def check_parts_readable(text: str, result: BuildResult) -> None:
    """The parts table wraps a long id over two lines at most, never a word per line."""
    table = text[text.index("Parts") : text.index("total")]
    rows = [line for line in table.splitlines()[3:] if line.strip().strip("─")]
    assert len(rows) <= 2 * len(result.parts), table


def check_answer_first(text: str, result: BuildResult) -> None:
    """Cost, VRAM and speed come before the parts table."""
    head = text[: text.index("Parts")]
    assert f"${result.total_cost_usd:,.0f}" in head and f"{result.vram_gb:g} GB VRAM" in head
    tp = result.throughput
    if tp is not None and tp.decode_tokens_per_s is not None:
        assert f"decode {tp.decode_tokens_per_s:,.1f} tok/s" in head


def check_sheet(result: BuildResult, catalog) -> None:
    text = markdown(result, "sheet")
    check_stated_facts(text, result, catalog)
