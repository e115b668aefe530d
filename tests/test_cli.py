"""The command line: exit codes, JSON that parses, messages without tracebacks."""

import json
from pathlib import Path

import pytest

from planner.cli import run
from planner.schema.result import CheckResult, EstimateResult, FrontierResult, Result

REPO = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "data" / "bad"


def call(capsys, *args):
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_catalog_list_json_parses_and_has_fields(capsys):
    code, out, _ = call(capsys, "catalog", "list", "--kind", "gpu", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) >= 120
    assert {"id", "kind", "name", "memory_gb", "bandwidth_gbs", "fp16_tflops", "tdp_w", "prices"} <= set(
        rows[0]
    )


def test_catalog_list_llm_and_quant(capsys):
    code, out, _ = call(capsys, "catalog", "list", "--kind", "llm", "--json")
    assert code == 0 and {"params_b", "active_params_b", "layers", "kv_heads", "head_dim"} <= set(
        json.loads(out)[0]
    )
    code, out, _ = call(capsys, "catalog", "list", "--kind", "quant", "--json")
    assert code == 0 and "bits_per_weight" in json.loads(out)[0]


def test_catalog_show_and_unknown_id(capsys):
    code, out, _ = call(capsys, "catalog", "show", "rtx-3090", "--json")
    assert code == 0 and json.loads(out)["id"] == "rtx-3090"
    code, out, err = call(capsys, "catalog", "show", "rtx-309")
    assert code == 1 and out == "" and "did you mean rtx-3090" in err and "Traceback" not in err


def test_validate_ok_and_bad(capsys):
    code, out, _ = call(capsys, "catalog", "validate")
    assert code == 0 and out.startswith("catalogue OK")
    code, out, err = call(capsys, "catalog", "validate", str(BAD / "unknown_key.yaml"))
    assert code == 1 and "unknown field 'colour'" in err and "Traceback" not in err


def test_unknown_kind_flag_and_usage_error(capsys):
    code, _, err = call(capsys, "catalog", "list", "--kind", "gpus")
    assert code == 1 and "did you mean gpu" in err
    code, _, _ = call(capsys, "solve")
    assert code == 2


def test_estimate_json_is_the_typed_result_and_does_not_fit_exits_3(capsys):
    code, out, _ = call(
        capsys, "estimate", "--gpu", "rtx-3090:2", "--model", "llama-3-3-70b", "--quant", "q4_k_m", "--json"
    )
    data = EstimateResult.model_validate_json(out)
    assert code == 0 and data.fits and data.decode_tokens_per_s and data.decode_tokens_per_s > 5
    assert [d.kind for d in data.devices] == ["gpu", "gpu"]
    code, out, err = call(capsys, "estimate", "--gpu", "rtx-3090", "--model", "llama-3-3-70b", "--json")
    data = EstimateResult.model_validate_json(out)
    assert code == 3 and not data.fits and data.shortfall_gb and data.shortfall_gb > 10
    # No speed is headlined for a model that does not fit; the nearest setups that would are named.
    assert data.decode_tokens_per_s is None and data.prefill_tokens_per_s is None
    assert any("x NVIDIA GeForce RTX 3090" in w for w in data.would_fit)
    assert "does not fit" in err and "would fit" in err


def test_estimate_cpu_only_labels_the_cpu_as_a_cpu(capsys):
    code, out, _ = call(
        capsys, "estimate", "--cpu", "epyc-9654", "--ram-gb", "384", "--model", "llama-3-1-8b", "--json"
    )
    data = EstimateResult.model_validate_json(out)
    assert code == 0 and [d.kind for d in data.devices] == ["cpu"]
    assert not any("(gpu" in a for a in data.assumptions + data.derivation)


def test_estimate_bad_input(capsys):
    code, _, err = call(capsys, "estimate", "--gpu", "rtx-309", "--model", "llama3-70b", "--prompt", "-1")
    assert code == 1
    assert "--prompt: -1 is below 0" in err
    code, _, err = call(
        capsys,
        "estimate",
        "--gpu",
        "rtx-3090",
        "--model",
        "llama-3-1-8b",
        "--quant",
        "q4_k_m",
        "--backend",
        "vllm",
    )
    assert code == 1 and "does not run on vllm" in err
    code, _, err = call(capsys, "estimate", "--system", "dgx-spark", "--gpu", "rtx-3090")
    assert code == 1 and "takes no --gpu" in err


def test_solve_infeasible_exits_3_with_explanation(capsys, tmp_path):
    req = tmp_path / "r.yaml"
    req.write_text("budget_usd: 300\nrequire: {min_gpus: 1}\n")
    code, out, err = call(capsys, "solve", str(req), "--json")
    data = Result.model_validate_json(out)
    assert code == 3 and data.status == "infeasible" and not data.builds and data.explanation
    assert any("raise the budget" in f for f in data.explanation.fixes)
    assert "no build" in err


def test_solve_bad_request_exits_1(capsys, tmp_path):
    req = tmp_path / "r.yaml"
    req.write_text("budget_usd: 0\nworkload: {model: llama3-70b}\nrequire: {min_gpus: 3, max_gpus: 2}\n")
    code, out, err = call(capsys, "solve", str(req))
    assert code == 1 and out == ""
    assert f"{req}:1: budget_usd: Input should be greater than 0" in err
    assert f"{req}:3: require: min_gpus 3 exceeds max_gpus 2" in err


def test_constraint_file_with_unknown_kind_exits_1(capsys, tmp_path):
    rules = tmp_path / "c.yaml"
    rules.write_text("rules:\n  - kind: forbidd\n    name: x\n")
    code, _, err = call(capsys, "solve", str(REPO / "examples" / "budget.yaml"), "--constraints", str(rules))
    assert code == 1 and f"{rules}:2: rules[0]" in err and "forbidd" in err


def test_check_build_file(capsys, tmp_path):
    good = tmp_path / "b.yaml"
    good.write_text(
        "board: romed8-2t\ncpu: epyc-7302p\nmemory: {id: samsung-32gb-ddr4-3200-rdimm, count: 8}\n"
        "chassis: fractal-torrent\npsus: [{id: hx1500i-2023}]\ngpus: [{id: rtx-3090, count: 2}]\n"
    )
    code, out, _ = call(capsys, "check", str(good), "--json")
    data = CheckResult.model_validate_json(out)
    assert code == 0, data.violations
    assert data.ok and data.build.vram_gb == 48
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("count: 2}]", "count: 6}]"))
    code, out, err = call(capsys, "check", str(bad), "--json")
    assert code == 3 and CheckResult.model_validate_json(out).violations and "rule(s) broken" in err


def test_schema_command_prints_json_schema(capsys):
    code, out, _ = call(capsys, "schema", "request")
    data = json.loads(out)
    assert (
        code == 0 and "budget_usd" in data["properties"] and data["properties"]["budget_usd"]["description"]
    )
    # `owned` as a request file may write it: items, hardware strings, or "detect" (issue 16).
    owned = data["properties"]["owned"]["anyOf"]
    assert {"const": "detect"} in owned and {"type": "string"} in owned[0]["items"]["anyOf"]
    code, out, _ = call(capsys, "schema", "catalog")
    assert code == 0 and json.loads(out)["type"] == "array"
    code, _, err = call(capsys, "schema", "requets")
    assert code == 1 and "did you mean request" in err
    for kind, model in (("result", Result), ("estimate-result", EstimateResult), ("check-result", CheckResult)):
        code, out, _ = call(capsys, "schema", kind)
        assert code == 0 and json.loads(out)["properties"].keys() == model.model_json_schema()["properties"].keys()


def test_frontier_json_and_plot(capsys, tmp_path):
    req = tmp_path / "r.yaml"
    req.write_text("budget_usd: 1500\nrequire: {max_gpus: 1, chassis_kinds: [tower]}\n")
    chart = tmp_path / "f.svg"
    code, out, _ = call(capsys, "frontier", str(req), "--points", "4", "--json", "--plot", str(chart))
    data = FrontierResult.model_validate_json(out)
    assert code == 0 and data.objective == "vram_gb" and len(data.points) >= 2
    costs = [p.total_cost_usd for p in data.points]
    assert costs == sorted(costs)
    assert all(p.build.violations == [] for p in data.points)
    assert chart.read_text().lstrip().startswith("<?xml")
    code, _, err = call(capsys, "frontier", str(req), "--plot", str(tmp_path / "f.bmp"))
    assert code == 1 and "end the file name in .png or .svg" in err
    # A chart rig-planner wrote may be replaced; any other file may not, and nothing is solved first.
    code, _, _ = call(capsys, "frontier", str(req), "--points", "2", "--plot", str(chart))
    assert code == 0
    mine = tmp_path / "mine.svg"
    mine.write_text("<svg/>")
    code, _, err = call(capsys, "frontier", str(req), "--plot", str(mine))
    assert code == 1 and "not written by rig-planner" in err and mine.read_text() == "<svg/>"


def test_estimate_unknown_choice_names_the_value(capsys):
    code, _, err = call(capsys, "estimate", "--gpu", "rtx-3090", "--split", "diagonal")
    assert code == 1 and "--split: unknown value 'diagonal'. use one of layer, tensor, auto" in err


# ---- exit codes of solve: every outcome maps to one code, output paths are checked before solving ----

SMALL = "budget_usd: 1500\nrequire: {max_gpus: 1, chassis_kinds: [tower]}\n"


def _request(tmp_path, text=SMALL):
    req = tmp_path / "r.yaml"
    req.write_text(text)
    return req


def _no_solving(monkeypatch):
    import planner.solver.solve as solver

    def refuse(*_a, **_k):
        raise AssertionError("solved although an output path was bad")

    monkeypatch.setattr(solver, "solve", refuse)


def test_solve_found_exits_0_and_json_is_the_typed_result(capsys, tmp_path):
    code, out, _ = call(capsys, "solve", str(_request(tmp_path)), "--json")
    data = Result.model_validate_json(out)
    assert code == 0 and data.status == "optimal" and data.proven and data.best is not None
    figures = {"vram": data.best.vram_gb, "bandwidth": data.best.aggregate_bandwidth_gbs}
    assert data.objective[:2] == ["vram", "bandwidth"] and data.objective_values
    assert data.objective_values["cost"] == data.best.total_cost_usd
    assert all(data.objective_values[k] == v for k, v in figures.items())
    assert data.best.violations == [] and data.best.why is not None


@pytest.mark.parametrize(
    ("flag", "name", "message"),
    [
        ("--sheet", "sheet.txt", "end the file name in .md or .html"),
        ("--save-build", "build.json", "end the file name in .yaml or .yml"),
        ("--sheet", "missing/sheet.md", "does not exist"),
        ("--save-build", "missing/b.yaml", "does not exist"),
        ("--save-build", "mine.yaml", "not written by rig-planner"),
        ("--sheet", "mine.md", "not written by rig-planner"),
        ("--save-build", ".", "end the file name"),
    ],
)
def test_bad_output_paths_exit_1_before_any_solving(capsys, tmp_path, monkeypatch, flag, name, message):
    _no_solving(monkeypatch)
    for mine in ("mine.yaml", "mine.md"):
        (tmp_path / mine).write_text("my own notes\n")
    code, out, err = call(capsys, "solve", str(_request(tmp_path)), flag, str(tmp_path / name))
    assert code == 1 and out == "" and message in err and "Traceback" not in err
    assert (tmp_path / "mine.yaml").read_text() == "my own notes\n"


def test_unwritable_folder_exits_1_before_solving(capsys, tmp_path, monkeypatch):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    _no_solving(monkeypatch)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = call(capsys, "solve", str(_request(tmp_path)), "--sheet", str(locked / "s.md"))
    assert code == 1 and "cannot write" in err


def _fake_outcome(monkeypatch, **fields):
    import planner.solver.solve as solver

    def fake(inst, params=None, top=1, split=None, rival=None):
        out = solver.Outcome(fields.pop("status", "unknown"), seconds=0.1)
        for k, v in fields.items():
            setattr(out, k, v)
        return out

    monkeypatch.setattr(solver, "solve", fake)


def test_no_build_within_the_limit_exits_3_with_the_reason(capsys, tmp_path, monkeypatch):
    _fake_outcome(monkeypatch, status="unknown")
    req = _request(tmp_path, SMALL.replace("max_gpus: 1", "min_gpus: 1, max_gpus: 1"))
    code, out, err = call(capsys, "solve", str(req), "--json", "--time-limit", "2")
    data = Result.model_validate_json(out)
    assert code == 3 and data.status == "unknown" and not data.builds and not data.proven
    assert data.message and "--time-limit" in data.message and "no build found" in err
    code, out, _ = call(capsys, "solve", str(req), "--time-limit", "2")
    assert code == 3 and "no build found within the 2 s limit" in out


def test_interrupted_solve_exits_130_with_the_partial_build_marked(capsys, tmp_path, monkeypatch):
    from planner.schema.build import Build

    partial = Build(
        board="romed8-2t",
        cpu="epyc-7302p",
        memory={"id": "samsung-32gb-ddr4-3200-rdimm", "count": 8},
        chassis="fractal-torrent",
        psus=[{"id": "hx1500i-2023"}],
        gpus=[{"id": "rtx-3090"}],
    )
    _fake_outcome(
        monkeypatch, status="feasible", builds=[partial], values=[{"vram": 24 * 1024}], interrupted=True
    )
    req = _request(tmp_path, "budget_usd: 5000\nrequire: {min_gpus: 1}\n")
    code, out, err = call(capsys, "solve", str(req), "--json")
    data = Result.model_validate_json(out)
    assert code == 130 and data.interrupted and not data.proven and data.best is not None
    assert "interrupted" in err
    code, out, _ = call(capsys, "solve", str(req))
    assert code == 130 and "interrupted: best build so far" in out


def test_ctrl_c_outside_the_solver_exits_130_without_a_traceback(capsys, tmp_path, monkeypatch):
    import planner.api as api

    def interrupt(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "solve_problem", interrupt)
    code, _, err = call(capsys, "solve", str(_request(tmp_path)))
    assert code == 130 and "interrupted" in err and "Traceback" not in err


def test_internal_error_exits_4_with_a_log(capsys, tmp_path, monkeypatch):
    import planner.api as api

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "solve_problem", broken)
    code, _, err = call(capsys, "solve", str(_request(tmp_path)))
    assert code == 4 and "please report" in err.lower() and "Traceback" not in err


def test_output_that_cannot_be_written_exits_1(capsys, monkeypatch):
    import errno
    import io
    import sys

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sys, "stdout", Full())
    code = run(["schema", "request"])
    err = capsys.readouterr().err
    assert code == 1 and "cannot write: No space left on device" in err and "internal error" not in err


def test_amd_core_die_warning_never_on_an_intel_cpu(capsys):
    code, out, _ = call(
        capsys, "estimate", "--cpu", "xeon-platinum-8480-plus", "--ram-gb", "256", "--model", "llama-3-1-8b",
        "--json",
    )
    data = EstimateResult.model_validate_json(out)
    assert code == 0 and [d.kind for d in data.devices] == ["cpu"]
    assert not any("CCD" in w or "core die" in w for w in data.warnings)
