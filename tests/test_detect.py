"""Detecting this machine from recorded tool outputs (tests/data/detect/README.md gives their basis),
replayed through an injected runner: the real tools are never run."""

import json
from pathlib import Path

import pytest

from planner.cli import run
from planner.data import detect
from planner.data.detect import detect_machine, run_command

DATA = Path(__file__).parent / "data" / "detect"


def replay(outputs):
    """A runner answering each command from a fixture file; a missing entry is a tool not installed."""

    def runner(argv, timeout):
        for prefix, answer in outputs.items():
            if " ".join(argv).startswith(prefix):
                if isinstance(answer, type) and issubclass(answer, BaseException):
                    raise answer()
                return (DATA / answer).read_text(encoding="utf-8", errors="replace")
        raise FileNotFoundError(argv[0])

    return runner


def meminfo(_path):
    return (DATA / "meminfo-128g.txt").read_text()


def test_two_3090s_on_two_epycs(catalog):
    found = detect_machine(
        catalog, replay({"nvidia-smi": "nvidia-smi-2x3090.csv", "lscpu": "lscpu-2x-epyc-9355.txt"}), meminfo
    )
    assert [(p.id, n) for p, n in found.parts()] == [("rtx-3090", 2), ("epyc-9355", 2)]
    assert found.ram_gb == 126
    assert "rocm-smi is not installed" in found.notes
    assert found.lines()[0] == "detected: 2x NVIDIA GeForce RTX 3090 (nvidia-smi, 24 GB) -> rtx-3090"


def test_amd_card_from_rocm_smi(catalog):
    outputs = {
        "rocm-smi --showproductname": "rocm-smi-productname-7900xtx.json",
        "rocm-smi --showmeminfo": "rocm-smi-meminfo-7900xtx.json",
    }
    found = detect_machine(catalog, replay(outputs), meminfo)
    assert [(p.id, n) for p, n in found.parts()] == [("radeon-rx-7900-xtx", 1)]
    assert found.devices[0].memory_gb == 24 and not found.devices[0].differs


def test_mac_from_system_profiler_with_a_hanging_tool(catalog):
    outputs = {"system_profiler": "system-profiler-m2-ultra.json", "nvidia-smi": TimeoutError}
    found = detect_machine(catalog, replay(outputs), meminfo)
    assert [p.id for p, _ in found.parts()] == ["mac-studio-m2-ultra-76c-192gb"]
    assert "nvidia-smi did not answer within 5 s" in found.notes


def test_nearest_match_says_what_differs(catalog):
    found = detect_machine(catalog, replay({"nvidia-smi": "nvidia-smi-4090-laptop.csv"}), meminfo)
    laptop = found.devices[0]
    assert laptop.part.id == "rtx-4090" and laptop.differs[0] == "nearest match only"
    assert any("laptop" in d for d in laptop.differs) and any(
        "memory: found 16 GB" in d for d in laptop.differs
    )


def test_garbage_and_failures_become_notes_not_tracebacks(catalog):
    outputs = {
        "nvidia-smi": "nvidia-smi-no-driver.txt",
        "rocm-smi": "garbage.bin",
        "system_profiler": "garbage.bin",
        "lscpu": "garbage.bin",
    }

    def no_proc(_path):
        raise FileNotFoundError

    found = detect_machine(catalog, replay(outputs), no_proc)
    assert found.parts() == [] and found.ram_gb is None
    assert sum("printed something unexpected" in n for n in found.notes) == 4
    assert any("/proc/meminfo is not readable" in n for n in found.notes)


def test_the_real_runner_reports_absent_and_hanging_tools(tmp_path):
    with pytest.raises(FileNotFoundError):
        run_command([str(tmp_path / "no-such-tool")], 1.0)
    with pytest.raises(TimeoutError):
        run_command(["sleep", "5"], 0.2)


def test_estimate_without_hardware_uses_this_machine(capsys, monkeypatch):
    monkeypatch.setattr(
        detect,
        "run_command",
        replay({"nvidia-smi": "nvidia-smi-2x3090.csv", "lscpu": "lscpu-ryzen-9-7950x.txt"}),
    )
    monkeypatch.setattr(detect, "read_text", meminfo)
    code = run(["estimate", "--model", "llama-3-3-70b", "--quant", "q4_k_m", "--json"])
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 0 and [d["name"] for d in data["devices"][:2]] == ["NVIDIA GeForce RTX 3090"] * 2
    assert "detected: 2x NVIDIA GeForce RTX 3090" in err and "-> ryzen-9-7950x" in err


def test_estimate_with_nothing_detected_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.setattr(detect, "run_command", replay({}))
    monkeypatch.setattr(detect, "read_text", meminfo)
    code = run(["estimate", "--model", "llama-3-1-8b"])
    _, err = capsys.readouterr()
    assert code == 1 and "none detected" in err and "Traceback" not in err
