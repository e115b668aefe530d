"""Measured runs beside estimates: exact and near matches, the model's figure for the same test, the
verify line, and the user's own file."""

import json

import pytest

from planner import perf
from planner.cli import run
from planner.data.evidence import extras
from planner.data.load import InputError
from planner.data.measured import COLUMNS, Wanted, find, parse_test, read_runs, shipped_runs, user_file


def call(capsys, *args):
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_test_names_parse_as_llama_bench_writes_them():
    assert parse_test("tg128") == ("decode", 128, 0)
    assert parse_test("pp512 @ d4096") == ("prompt", 512, 4096)
    assert parse_test("tg128_worst") == ("decode", 128, 0)
    assert parse_test("tg") == ("decode", None, 0)
    assert parse_test("banana") is None


def test_shipped_runs_are_read_with_where_they_came_from():
    runs = shipped_runs()
    assert len(runs) > 900
    assert all(r.where.startswith("calibration/measured") for r in runs)


def _wanted(hardware, quant="q4-0", runtime="cuda"):
    tests = {"decode": (128, 0), "prompt": (512, 0)}
    return Wanted(hardware, "llama-2-7b", quant, "llama.cpp", runtime, tests)


def test_exact_match_is_the_row_for_that_configuration(catalog):
    matches = find(_wanted((("rtx-3090", 1),)), catalog, shipped_runs())
    exact = [m for m in matches if m.exact]
    assert {m.run.test for m in exact} == {"tg128", "pp512"}
    assert all(m.run.hardware == "RTX 3090" and m.run.quant == "q4_0" for m in exact)
    # The Vulkan scoreboard's 3090 row is the same card on another runtime: near, and named so.
    assert any(m.differs == ("runtime vulkan",) for m in matches)


def test_near_matches_name_what_differs(catalog):
    matches = find(_wanted((("rtx-3090", 1),), quant="q8-0"), catalog, shipped_runs())
    assert matches and not any(m.exact for m in matches)
    assert all("quant q4_0" in m.differs for m in matches)


def test_other_hardware_or_count_does_not_match(catalog):
    assert not find(_wanted((("rtx-3090", 2),)), catalog, shipped_runs())
    assert not [
        m for m in find(_wanted((("rtx-4090", 1),)), catalog, shipped_runs()) if m.run.hardware == "RTX 3090"
    ]


def test_same_chip_systems_share_measurements(catalog):
    # Measured on a DGX Spark; the ASUS Ascent GX10 is the same GB10 with the same memory.
    w = Wanted(
        (("ascent-gx10", 1),),
        "gpt-oss-20b",
        "mxfp4",
        "llama.cpp",
        "cuda",
        {"decode": (32, 0), "prompt": (2048, 0)},
    )
    assert any(m.exact for m in find(w, catalog, shipped_runs()))


def test_estimate_shows_measured_figure_difference_and_verify_line(capsys):
    code, out, _ = call(
        capsys, "estimate", "--gpu", "RTX 3090", "--model", "llama-2-7b", "--quant", "q4_0", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["evidence"] == "measured"
    tg = next(m for m in data["measured"] if m["exact"] and m["test"] == "tg128")
    assert tg["tokens_per_s"] == 158.16 and tg["source"] == "llama.cpp discussion 15013"
    assert tg["difference_pct"] == pytest.approx(
        (158.16 - tg["model_tokens_per_s"]) / tg["model_tokens_per_s"] * 100, abs=0.2
    )
    assert data["verify"]["command"].startswith("llama-bench -m llama-2-7b-Q4_0.gguf -p 512 -n 128 -ngl 99")
    assert data["verify"]["confirm"].startswith("tg128 ")
    code, out, _ = call(capsys, "estimate", "--gpu", "RTX 3090", "--model", "llama-2-7b", "--quant", "q4_0")
    assert (
        "measured: decode tg128 158.2 tok/s vs model" in out and "verify on the machine: llama-bench" in out
    )


def test_verify_for_vllm_tensor_parallel(capsys):
    code, out, _ = call(
        capsys,
        "estimate",
        "--gpu",
        "2x RTX 3090",
        "--model",
        "llama-3-1-8b",
        "--quant",
        "fp8",
        "--backend",
        "vllm",
        "--split",
        "tensor",
        "--json",
    )
    v = json.loads(out)["verify"]
    assert code == 0 and "--tensor-parallel-size 2" in v["command"] and "vllm bench serve" in v["command"]
    assert "--random-input-len 512 --random-output-len 128" in v["command"] and "TPOT" in v["confirm"]


def _user_row(tokens_per_s="99.5"):
    row = [
        "your run",
        "rtx-3090",
        "1",
        "pcie",
        "llama-2-7b",
        "6.74",
        "q8_0",
        "tg128",
        tokens_per_s,
        "llama.cpp",
        "runtime cuda",
    ]
    return ",".join(COLUMNS) + "\n" + ",".join(row) + "\n"


def test_the_users_own_run_is_measured_evidence(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    user_file().parent.mkdir(parents=True)
    user_file().write_text(_user_row())
    code, out, _ = call(
        capsys, "estimate", "--gpu", "3090", "--model", "llama-2-7b", "--quant", "q8_0", "--json"
    )
    data = json.loads(out)
    first = data["measured"][0]
    assert code == 0 and data["evidence"] == "measured"
    assert (
        first["user"] and first["exact"] and first["tokens_per_s"] == 99.5 and first["source"] == "your run"
    )


def test_a_malformed_user_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(_user_row("fast"))
    with pytest.raises(InputError) as exc:
        read_runs(path, user=True)
    assert "m.csv:2" in str(exc.value) and "malformed measured run" in str(exc.value)
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not a measured-runs file"):
        read_runs(path, user=True)


def test_extras_for_a_cpu_only_estimate(catalog):
    cpu = catalog.get("epyc-9355", "cpu")
    host = perf.device_from_cpu(cpu, 384)
    wl = perf.Workload(catalog.get("llama-3-1-8b", "llm"), catalog.get("q4-k-m", "quant"))
    est = perf.estimate([], wl, host)
    out = extras(catalog, [("epyc-9355", 1)], wl, est, lambda w: perf.estimate([], w, host), 0)
    assert " -ngl 0 " in out["verify"].command
