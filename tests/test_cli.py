"""The command line: exit codes, JSON that parses, messages without tracebacks."""

import json
from pathlib import Path

from planner.cli import run

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


def test_estimate_json_and_does_not_fit(capsys):
    code, out, _ = call(
        capsys, "estimate", "--gpu", "rtx-3090:2", "--model", "llama-3-3-70b", "--quant", "q4_k_m", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["fits"] is True and data["decode_tokens_per_s"] > 5
    assert {
        "memory",
        "prefill_tokens_per_s",
        "ttft_s",
        "batch_tokens_per_s",
        "max_batch",
        "max_context",
        "bound",
        "split",
        "backend",
        "assumptions",
    } <= set(data)
    code, out, _ = call(capsys, "estimate", "--gpu", "rtx-3090", "--model", "llama-3-3-70b", "--json")
    data = json.loads(out)
    assert code == 0 and data["fits"] is False and data["shortfall_gb"] > 10


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
    code, out, _ = call(capsys, "solve", str(req), "--json", "--time-limit", "20")
    data = json.loads(out)
    assert code == 3 and data["status"] == "infeasible"
    assert any("raise the budget" in f for f in data["explanation"]["fixes"])


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
    data = json.loads(out)
    assert code == 0, data["violations"]
    assert data["ok"] and data["build"]["vram_gb"] == 48
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("count: 2}]", "count: 6}]"))
    code, out, _ = call(capsys, "check", str(bad), "--json")
    assert code == 3 and json.loads(out)["violations"]


def test_schema_command_prints_json_schema(capsys):
    code, out, _ = call(capsys, "schema", "request")
    data = json.loads(out)
    assert (
        code == 0 and "budget_usd" in data["properties"] and data["properties"]["budget_usd"]["description"]
    )
    code, out, _ = call(capsys, "schema", "catalog")
    assert code == 0 and json.loads(out)["type"] == "array"
    code, _, err = call(capsys, "schema", "requets")
    assert code == 1 and "did you mean request" in err


def test_frontier_json_and_plot(capsys, tmp_path):
    req = tmp_path / "r.yaml"
    req.write_text("budget_usd: 1500\nrequire: {max_gpus: 1, chassis_kinds: [tower]}\n")
    chart = tmp_path / "f.svg"
    code, out, _ = call(capsys, "frontier", str(req), "--points", "4", "--json", "--plot", str(chart))
    data = json.loads(out)
    assert code == 0 and data["objective"] == "vram_gb" and len(data["points"]) >= 2
    costs = [p["total_cost_usd"] for p in data["points"]]
    assert costs == sorted(costs)
    assert all(p["build"]["violations"] == [] for p in data["points"])
    assert chart.read_text().lstrip().startswith("<?xml")
    code, _, err = call(capsys, "frontier", str(req), "--plot", str(tmp_path / "f.bmp"))
    assert code == 1 and "end the file name in .png or .svg" in err


def test_estimate_unknown_choice_names_the_value(capsys):
    code, _, err = call(capsys, "estimate", "--gpu", "rtx-3090", "--split", "diagonal")
    assert code == 1 and "--split: unknown value 'diagonal'. use one of layer, tensor, auto" in err
