"""The rig gallery: documented rigs pass `planner check`, and each broken variant fails for the physical
reason its header names; power limits are what makes the limited rigs pass; bad build files exit 1."""

import re
from pathlib import Path

import pytest
import yaml

from planner.api import check_problem, load_check
from planner.cli import run

RIGS = Path(__file__).resolve().parent.parent / "examples" / "rigs"
GALLERY = sorted(RIGS.glob("*.yaml"))
BROKEN = sorted((RIGS / "broken").glob("*.yaml"))


def expected_rule(path: Path) -> str:
    match = re.search(r"^# expect: (.+)$", path.read_text(), re.M)
    assert match, f"{path.name} names no rule in a '# expect:' header line"
    return match.group(1).strip()


def check(path: Path):
    return check_problem(path, load_check(path))


def test_gallery_has_the_rigs_issue_8_names():
    assert len(GALLERY) >= 8 and len(BROKEN) >= 3
    for path in GALLERY + BROKEN:
        header = path.read_text().split("\n", 1)[0]
        assert header.startswith("# "), f"{path.name} has no header comment"
    for path in GALLERY:
        text = path.read_text()
        assert "# Documented:" in text and "# Approximated:" in text, path.name


@pytest.mark.parametrize("path", GALLERY, ids=lambda p: p.stem)
def test_gallery_rig_passes_check(path):
    result = check(path)
    assert result.ok, f"{path.name}: {result.violations}"


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_rig_fails_for_its_stated_reason(path):
    result = check(path)
    rules = {v.split(":", 1)[0] for v in result.violations}
    assert expected_rule(path) in rules, f"{path.name}: {result.violations}"


LIMITED = [p for p in GALLERY if "power_limit_w" in p.read_text()]


@pytest.mark.parametrize("path", LIMITED, ids=lambda p: p.stem)
def test_power_limits_are_what_the_limited_rigs_need(path, tmp_path):
    # The same rig at stock power breaks a power or cooling rule: the limits in the file do work.
    data = yaml.safe_load(path.read_text())
    for card in data["gpus"]:
        card.pop("power_limit_w", None)
    stock = tmp_path / path.name
    stock.write_text(yaml.safe_dump(data))
    rules = {v.split(":", 1)[0] for v in check(stock).violations}
    assert rules & {
        "power within PSU capacity",
        "power transients",
        "within wall circuit",
        "cooling sufficient",
    }


def test_check_reports_every_power_problem_at_once():
    # Four 4090s on one 1000 W unit: capacity, transients, leads and the circuit, each with figure and limit.
    result = check(RIGS / "broken" / "four-4090-one-1000w.yaml")
    rules = [v.split(":", 1)[0] for v in result.violations]
    for rule in ("power within PSU capacity", "power transients", "enough connectors", "within wall circuit"):
        assert rule in rules
    sustained = next(v for v in result.violations if v.startswith("power within PSU capacity"))
    assert re.search(r"sustained 2,055 W > 900 W \(1,000 W x 90%\)", sustained), sustained


def test_limited_rig_report_gives_the_commands_and_the_reboot_note():
    result = check(RIGS / "tinybox-green.yaml")
    commands = [row.command for row in result.build.power_limits]
    assert commands[0] == "sudo nvidia-smi -i 0 -pl 315" and len(commands) == 6
    assert any("every boot" in w for w in result.build.warnings)
    red = check(RIGS / "tinybox-red.yaml")
    assert red.build.power_limits[2].command == "sudo rocm-smi -d 2 --setpoweroverdrive 320"


def test_build_file_workload_and_site_apply_without_a_request():
    result = check(RIGS / "romed8-8x3090-two-20a.yaml")
    assert [c.label for c in result.build.power.circuits] == [
        "circuit 1 (120 V / 20 A)",
        "circuit 2 (120 V / 20 A)",
    ]
    assert result.build.throughput is not None and result.build.throughput.fits


def run_check(capsys, path):
    code = run(["check", str(path)])
    return code, capsys.readouterr()


def test_power_limit_outside_the_cards_range_is_bad_input(capsys, tmp_path):
    data = yaml.safe_load((RIGS / "two-3090-am4-tower.yaml").read_text())
    data["gpus"][1]["power_limit_w"] = 450
    path = tmp_path / "rig.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, out = run_check(capsys, path)
    line = next(i + 1 for i, t in enumerate(path.read_text().splitlines()) if "450" in t)
    assert code == 1 and "Traceback" not in out.err
    assert (
        f"rig.yaml:{line}: gpus[1].power_limit_w: 450 W is outside rtx-3090's power-limit range 100-400 W"
        in out.err
    )


def test_power_limit_on_a_whole_system_is_bad_input(capsys, tmp_path):
    path = tmp_path / "box.yaml"
    path.write_text("system: dgx-spark\npower_limit_w: 100\n")
    code, out = run_check(capsys, path)
    assert (
        code == 1
        and "box.yaml:2: power_limit_w: a whole system (dgx-spark) has no settable power limit" in out.err
    )


def test_gallery_file_naming_a_missing_part_is_bad_input(capsys, tmp_path):
    text = (RIGS / "p40-x4-dual-xeon.yaml").read_text().replace("tesla-blower-shroud-97mm", "tesla-shroud")
    path = tmp_path / "p40.yaml"
    path.write_text(text)
    code, out = run_check(capsys, path)
    line = next(i + 1 for i, t in enumerate(text.splitlines()) if "tesla-shroud" in t)
    assert code == 1 and f"p40.yaml:{line}: accessories[0].id: unknown accessory id 'tesla-shroud'" in out.err
    assert "did you mean" in out.err and "Traceback" not in out.err
