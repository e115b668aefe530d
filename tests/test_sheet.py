"""Build sheets: Markdown and HTML with the parts table, slot map, both diagrams and builder warnings; the
HTML is rendered by headless Chromium (installed by .ci/run) to prove it opens with no external assets."""

import shutil
import subprocess

import pytest

from planner.api import Problem, build_result
from planner.data.load import InputError
from planner.report.sheet import write_sheet
from planner.schema.build import Build

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


def test_html_sheet_renders_in_headless_chromium(sheet_build, tmp_path):
    path = tmp_path / "sheet.html"
    write_sheet(sheet_build, "Test rig", path)
    text = path.read_text()
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is needed for this test (.ci/run installs Debian's chromium)"
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "<table>" in dom and "rtx-3090" in dom and "romed8-2t" in dom
    assert 'id="power-diagram"' in dom and 'id="pcie-diagram"' in dom
    assert dom.count("<rect") >= 8  # boxes of both diagrams were parsed as SVG
