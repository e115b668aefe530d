"""Build sheets: Markdown and HTML with the parts table, slot map, both diagrams and builder warnings; the
HTML is rendered by headless Chromium (installed by .ci/run) to prove it opens with no external assets."""

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from planner.api import Problem, build_result
from planner.data.load import InputError
from planner.report.sheet import write_sheet
from planner.schema.build import Build

REPO = Path(__file__).resolve().parent.parent

BUILD = {
    "board": "romed8-2t",
    "cpu": "epyc-7302p",
    "memory": {"id": "samsung-32gb-ddr4-3200-rdimm", "count": 8},
    "chassis": "veddha-6-gpu-frame",
    "psus": [
        {"id": "hx1500i-2023"},
        {"id": "hp-1200w-cs-platinum-pl30", "breakout": "zsx-breakout-hp-common-slot"},
    ],
    "gpus": [
        {"id": "rtx-3090", "slot": 1, "mount": "riser", "psu": 1},
        {"id": "rtx-3090", "slot": 2, "mount": "riser", "psu": 2},
    ],
    "risers": [{"id": "linkup-ultra-pcie4-x16-20cm", "count": 2}],
}


@pytest.fixture(scope="module")
def sheet_build(catalog, default_rules):
    from tiny import request

    problem = Problem(catalog, request(), default_rules)
    data = build_result(Build.model_validate(BUILD), problem)
    assert data.violations == []
    return data


def test_markdown_sheet_has_every_section(sheet_build, tmp_path):
    path = tmp_path / "sheet.md"
    write_sheet(sheet_build, "Test rig", path)
    text = path.read_text()
    for needle in (
        "| rtx-3090 |",
        "## Slot map",
        "```mermaid",
        "psu1",
        "gpu2",
        "Above 4G decoding",
        "zsx-breakout-hp-common-slot",
        "price date",
    ):
        assert needle in text


def test_sheet_never_overwrites_a_users_file(sheet_build, tmp_path):
    mine = tmp_path / "notes.md"
    mine.write_text("my notes")
    with pytest.raises(InputError, match="not written by rig-planner"):
        write_sheet(sheet_build, "Test rig", mine)
    assert mine.read_text() == "my notes"


SHEETS = Path(__file__).parent / "data" / "sheets"
CASES = {
    "2 GPUs": (SHEETS / "two-gpu.build.yaml", SHEETS / "two-gpu.request.yaml"),
    "8 GPUs": (SHEETS / "eight-gpu.build.yaml", REPO / "examples" / "eight-gpu-open-frame.yaml"),
}

# Run in the page after load: every SVG text box and node box measured by the browser, the problems and
# the page's size written into the DOM for --dump-dom to return.
MEASURE = """<script>
(function () {
  const problems = [], tol = 0.5;
  const inside = (a, b) => a.left >= b.left - tol && a.right <= b.right + tol && a.top >= b.top - tol && a.bottom <= b.bottom + tol;
  const overlap = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left)) *
                            Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  let texts = 0;
  for (const svg of document.querySelectorAll("svg")) {
    const box = svg.getBoundingClientRect();
    if (box.right > document.documentElement.clientWidth + tol) problems.push(svg.id + ": wider than the page");
    // A text's box is its font's line box (ascent to descent, a little taller than the em): consecutive
    // lines of one label touch by a pixel. Overlap is judged on the middle 80 %, where the glyphs are.
    const core = r => ({left: r.left, right: r.right, top: r.top + 0.1 * r.height, bottom: r.bottom - 0.1 * r.height});
    const all = [...svg.querySelectorAll("text")].map(t => [t.textContent, t.getBoundingClientRect()]);
    texts += all.length;
    for (const [s, r] of all) if (!inside(r, box)) problems.push(svg.id + ": text cut by the drawing's edge: " + s);
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++)
      if (overlap(core(all[i][1]), core(all[j][1])) > 1) problems.push(svg.id + ": texts overlap: " + all[i][0] + " / " + all[j][0]);
    const nodes = [...svg.querySelectorAll("g.node")];
    for (const g of nodes) {
      const shape = g.querySelector("path, polygon, ellipse").getBoundingClientRect();
      if (!inside(shape, box)) problems.push(svg.id + ": box cut by the drawing's edge: " + g.textContent.trim());
      for (const t of g.querySelectorAll("text"))
        if (!inside(t.getBoundingClientRect(), shape)) problems.push(svg.id + ": text outside its box: " + t.textContent);
    }
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i].querySelector("path, polygon, ellipse").getBoundingClientRect();
      const b = nodes[j].querySelector("path, polygon, ellipse").getBoundingClientRect();
      if (overlap(a, b) > 1) problems.push(svg.id + ": boxes overlap");
    }
  }
  const out = {problems, texts, svgs: document.querySelectorAll("svg").length,
               height: document.documentElement.scrollHeight};
  document.body.insertAdjacentHTML("beforeend", '<pre id="layout-check">' + JSON.stringify(out) + "</pre>");
})();
</script>"""


def chromium(page: Path, screenshot: Path, profile: Path, height: int = 4200) -> str:
    """The DOM of a page after its scripts ran, with a screenshot of the first `height` pixels."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is needed for this test (.ci/run installs Debian's chromium)"
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--window-size=1200,{height}",
            f"--screenshot={screenshot}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    ).stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_sheet_diagrams_have_no_overlapping_or_cut_labels_in_chromium(case, tmp_path):
    import os

    from planner.api import build_result, check_file, load_problem

    build_file, request_file = CASES[case]
    problem = load_problem(request_file)
    build, violations = check_file(build_file, problem)
    assert violations == []
    result = build_result(build, problem)
    path = tmp_path / "sheet.html"
    write_sheet(result, f"Sheet test: {case}", path, request=problem.request)
    text = path.read_text()
    # Nothing is fetched (price sources may quote a URL as text) and the sheet itself runs nothing.
    assert not re.search(r"(src|href)\s*=\s*[\"']?\w+:|url\(|@import|<link|<img", text)
    assert "<script" not in text
    page = tmp_path / "measured.html"
    page.write_text(text.replace("</body>", MEASURE + "</body>"))
    # RIG_PLANNER_SCREENSHOTS keeps the screenshots to look at; otherwise they go with tmp_path.
    shots = Path(os.environ.get("RIG_PLANNER_SCREENSHOTS", tmp_path))
    shot = shots / f"sheet-{case.replace(' ', '-')}.png"
    dom = chromium(page, shot, tmp_path / "profile")
    report = json.loads(html.unescape(dom.rsplit('<pre id="layout-check">', 1)[1].split("</pre>")[0]))
    assert report["svgs"] == 2 and report["texts"] >= 4 * len(result.cards)
    assert report["problems"] == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    for needle in ("The request", "Why this build" if result.why else "The build", "price source", "compatibility"):
        assert needle in dom


def test_parts_carry_price_sources_and_compatibility_notes(catalog, default_rules):
    from planner.api import build_result, check_file, load_problem

    problem = load_problem(SHEETS / "two-gpu.request.yaml")
    build, _ = check_file(SHEETS / "two-gpu.build.yaml", problem)
    parts = {p.id: p for p in build_result(build, problem).parts}
    assert all(p.price_basis for p in parts.values() if p.unit_price_usd is not None)
    gpu = catalog.get("rtx-3090")
    assert any(n.startswith("power: ") and n.endswith("per card") for n in parts["rtx-3090"].notes)
    assert f"{gpu.length_mm:g} mm long; veddha-6-gpu-frame takes" in "; ".join(parts["rtx-3090"].notes)
    assert "needs a breakout board: zsx-breakout-hp-common-slot" in parts["hp-1200w-cs-platinum-pl30"].notes[0]
    assert "900 W at 120 V (low line)" in "; ".join(parts["hp-1200w-cs-platinum-pl30"].notes)
    assert "8 DIMMs on 8 channels: every channel filled" in parts["samsung-32gb-ddr4-3200-rdimm"].notes
    assert parts["romed8-2t"].notes[0].startswith("BIOS: Above 4G decoding")
    mac = build_result(Build(system="mac-studio-m3-ultra-80c-512gb"), problem).parts[0]
    assert mac.notes[0] == "512 GB unified LPDDR5, 384 GB of it for the GPU by default"
    assert "sudo sysctl iogpu.wired_limit_mb=" in mac.notes[1]
