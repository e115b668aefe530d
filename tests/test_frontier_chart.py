"""The frontier chart: title names the model, quant and objective, the budget is a line, CPU-only points name
their CPU, knees are ringed or "no knees" said, and no number covers another, the legend or the budget."""

from pathlib import Path

import pytest

from planner.api import build_result, check_file, load_problem
from planner.report.frontier_chart import figure, listed
from planner.schema.result import FrontierPoint, FrontierResult

SHEETS = Path(__file__).parent / "data" / "sheets"
CPU_ONLY = """board: romed8-2t
cpu: epyc-7302p
memory: {id: samsung-32gb-ddr4-3200-rdimm, count: 8}
chassis: veddha-6-gpu-frame
psus: [{id: hx1500i-2023}]
"""


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    problem = load_problem(SHEETS / "two-gpu.request.yaml")
    gpus, _ = check_file(SHEETS / "two-gpu.build.yaml", problem)
    cpu_file = tmp_path_factory.mktemp("chart") / "cpu.yaml"
    cpu_file.write_text(CPU_ONLY)
    cpu, _ = check_file(cpu_file, problem)
    return build_result(gpus, problem), build_result(cpu, problem)


def frontier(builds, knees):
    gpus, cpu = builds
    # Crowded on purpose: two points almost on top of each other near the budget line.
    rows = [(800, 1.6, "cpu-only"), (850, 1.7, "cpu-only"), (1655, 7.0, "gpus"), (1700, 7.3, "gpus"),
            (1725, 10.9, "gpus"), (1990, 17.4, "gpus"), (1995, 17.45, "gpus")]  # fmt: skip
    points = [
        FrontierPoint(
            total_cost_usd=c, objective_value=v, proven=True, kind=k, build=cpu if k == "cpu-only" else gpus
        )
        for c, v, k in rows
    ]
    return FrontierResult(objective="decode_tokens_per_s", points=points, knees=knees, solve_seconds=1)


def _boxes(fig, texts):
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


@pytest.mark.parametrize("knees", [[4], []])
def test_chart_says_what_it_shows_and_keeps_labels_apart(builds, knees):
    data = frontier(builds, knees)
    fig = figure(data, "Llama 3.3 70B Instruct at Q4_K_M, 8,192-token context", 2000, "decode > cost")
    ax = fig.axes[0]
    words = [t.get_text() for t in fig.texts]
    assert "Llama 3.3 70B Instruct at Q4_K_M" in words[0]
    assert "objective decode > cost" in words[1] and ("knees: 5" if knees else "no knees") in words[1]
    assert any(list(line.get_xdata()) == [2000, 2000] for line in ax.lines)  # the budget line
    budget = [t for t in ax.texts if t.get_text() == "budget $2,000"]
    assert len(budget) == 1
    assert "CPU only: AMD EPYC 7302P" in "\n".join(listed(data))
    numbers = [t for t in ax.texts if t.get_gid() == "point-label"]
    assert sorted(int(t.get_text()) for t in numbers) == list(range(1, 8))
    boxes = _boxes(fig, [*numbers, *budget, ax.get_legend()])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    width, height = fig.get_size_inches() * fig.dpi
    for box in _boxes(fig, fig.texts):  # title, subtitle and the list of builds stay on the figure
        assert box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height
    fig.clf()
