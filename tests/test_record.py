"""`planner record`: benchmark outputs as llama-bench and vllm bench serve print them (tests/data/record/
README.md gives each file's source), checked against hardware, model and physics, appended atomically."""

import json
import os
from pathlib import Path

import pytest

from planner.cli import run
from planner.data.measured import read_runs, user_file
from planner.data.record import RecordError, parse_output

DATA = Path(__file__).parent / "data" / "record"


def call(capsys, *args):
    code = run([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("name", "fmt", "tests"),
    [
        ("llama-bench-readme.md", "llama-bench markdown", ["pp512", "tg128"]),
        ("llama-bench-depth.md", "llama-bench markdown", ["pp512", "tg128", "pp512@d512", "tg128@d512"]),
        ("llama-bench-readme.json", "llama-bench json", ["pp512", "tg128"]),
        ("llama-bench-readme.jsonl", "llama-bench jsonl", ["pp512", "tg128"]),
        ("vllm-bench-serve.json", "vllm bench serve json", ["tg128", "pp512"]),
        ("vllm-bench-serve.txt", "vllm bench serve text", ["tg128", "pp512"]),
    ],
)
def test_outputs_parse_as_the_tools_print_them(name, fmt, tests):
    got_fmt, samples = parse_output((DATA / name).read_text())
    assert got_fmt == fmt and [s.test for s in samples] == tests


def test_json_keeps_what_the_tool_said():
    _, samples = parse_output((DATA / "llama-bench-readme.json").read_text())
    tg = samples[1]
    assert tg.tokens_per_s == pytest.approx(118.881588) and tg.runtime == "CUDA"
    assert tg.gpu_info == ["NVIDIA GeForce RTX 4080"] and tg.params == 7615616512


def test_vllm_decode_is_one_over_tpot():
    _, samples = parse_output((DATA / "vllm-bench-serve.json").read_text())
    assert samples[0].tokens_per_s == pytest.approx(1000 / 18.93)


@pytest.mark.parametrize(
    ("name", "words"),
    [("truncated.json", "malformed JSON at line"), ("vllm-batched.json", "max_concurrency is 8")],
)
def test_unreadable_outputs_say_why(name, words):
    with pytest.raises(RecordError, match=words):
        parse_output((DATA / name).read_text())


def test_empty_and_foreign_outputs():
    with pytest.raises(RecordError, match="empty"):
        parse_output("  \n")
    with pytest.raises(RecordError, match="no llama-bench table"):
        parse_output("hello world")
    with pytest.raises(RecordError, match="neither llama-bench"):
        parse_output('{"a": 1}')


def test_record_then_estimate_uses_it_as_measured(capsys, tmp_path):
    target = tmp_path / "mine.csv"
    code, out, _ = call(
        capsys, "record", DATA / "llama-bench-readme.json", "--hardware", "RTX 4080", "--file", target
    )
    assert code == 0 and "added 2 of 2 run(s)" in out
    runs = read_runs(target, user=True)
    assert [(r.hardware, r.model, r.quant, r.test) for r in runs] == [
        ("rtx-4080", "qwen2-5-7b", "q4-k-m", "pp512"),
        ("rtx-4080", "qwen2-5-7b", "q4-k-m", "tg128"),
    ]
    code, out, _ = call(
        capsys,
        "estimate",
        "--gpu",
        "4080",
        "--model",
        "qwen2-5-7b",
        "--quant",
        "q4_k_m",
        "--measured",
        target,
        "--json",
    )
    data = json.loads(out)
    mine = [m for m in data["measured"] if m["user"]]
    assert code == 0 and data["evidence"] == "measured"
    assert {m["test"] for m in mine if m["exact"]} == {"pp512", "tg128"}
    # Recording the same output again adds nothing.
    code, out, _ = call(
        capsys, "record", DATA / "llama-bench-readme.jsonl", "--hardware", "RTX 4080", "--file", target
    )
    code, out, _ = call(
        capsys, "record", DATA / "llama-bench-readme.json", "--hardware", "RTX 4080", "--file", target
    )
    assert code == 0 and "added 0 of 2" in out


def test_default_file_follows_xdg_config_home(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    code, _, _ = call(
        capsys,
        "record",
        DATA / "vllm-bench-serve.txt",
        "--hardware",
        "RTX 4090",
        "--model",
        "llama-3-1-8b",
        "--quant",
        "bf16",
    )
    assert code == 0 and user_file() == tmp_path / "cfg" / "rig-planner" / "measured.csv"
    assert [r.test for r in read_runs(user_file())] == ["tg128", "pp512"]


@pytest.mark.parametrize(
    ("name", "args", "words"),
    [
        (
            "llama-bench-readme.json",
            ["--hardware", "RTX 3090"],
            "mismatched hardware: the run reports NVIDIA GeForce RTX 4080",
        ),
        ("llama-bench-readme.json", ["--hardware", "2x RTX 4080"], "the run saw 1 GPU(s)"),
        ("llama-bench-readme.json", ["--hardware", "RX 7900 XTX"], "the run used CUDA, which needs nvidia"),
        (
            "llama-bench-readme.json",
            ["--hardware", "RTX 4080", "--model", "llama-3-1-8b"],
            "mismatched model",
        ),
        (
            "llama-bench-readme.json",
            ["--hardware", "RTX 4080", "--quant", "q8_0"],
            "mismatched model or quant",
        ),
        ("implausible-decode.json", ["--hardware", "RTX 4080"], "beyond the bandwidth limit"),
        ("llama-bench-readme.md", ["--hardware", "RTX 3090"], "did you mean llama-2-7b, llama-7b"),
        ("llama-bench-readme.json", ["--hardware", "RTX 4808"], "did you mean rtx-4080"),
        ("vllm-batched.json", ["--hardware", "RTX 4090", "--quant", "bf16"], "single-stream"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_written(capsys, tmp_path, name, args, words):
    target = tmp_path / "mine.csv"
    code, out, err = call(capsys, "record", DATA / name, *args, "--file", target)
    assert code == 1 and words in err and "Traceback" not in err and out == ""
    assert not target.exists()


def test_an_unwritable_path_is_a_clear_error(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = call(
        capsys,
        "record",
        DATA / "llama-bench-readme.json",
        "--hardware",
        "RTX 4080",
        "--file",
        blocker / "mine.csv",
    )
    assert code == 1 and "Not a directory" in err and "Traceback" not in err


def test_a_failed_write_leaves_the_old_file_whole(capsys, tmp_path, monkeypatch):
    target = tmp_path / "mine.csv"
    call(
        capsys,
        "record",
        DATA / "llama-bench-readme.md",
        "--hardware",
        "RTX 3090",
        "--model",
        "llama-2-7b",
        "--file",
        target,
    )
    before = target.read_text()

    def fail(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, _, err = call(
        capsys, "record", DATA / "llama-bench-readme.json", "--hardware", "RTX 4080", "--file", target
    )
    assert code == 1 and "No space left on device" in err
    assert target.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv"]


def test_a_broken_calibration_file_is_never_rewritten(capsys, tmp_path):
    target = tmp_path / "mine.csv"
    target.write_text("not,a,calibration,file\n")
    code, _, err = call(
        capsys, "record", DATA / "llama-bench-readme.json", "--hardware", "RTX 4080", "--file", target
    )
    assert code == 1 and "not a measured-runs file" in err
    assert target.read_text() == "not,a,calibration,file\n"


def test_a_path_that_is_a_folder_is_a_clear_error(capsys, tmp_path):
    code, _, err = call(
        capsys, "record", DATA / "llama-bench-readme.json", "--hardware", "RTX 4080", "--file", tmp_path
    )
    assert code == 1 and "Traceback" not in err


def test_hardware_detect_and_standard_input(capsys, tmp_path, monkeypatch):
    import io
    import sys

    from test_detect import meminfo, replay

    from planner.data import detect

    monkeypatch.setattr(detect, "run_command", replay({"nvidia-smi": "nvidia-smi-2x3090.csv"}))
    monkeypatch.setattr(detect, "read_text", meminfo)
    monkeypatch.setattr(sys, "stdin", io.StringIO((DATA / "llama-bench-readme.md").read_text()))
    target = tmp_path / "mine.csv"
    code, _, err = call(capsys, "record", "-", "--hardware", "detect", "--model", "llama-2-7b", "--file", target)
    assert code == 0 and "detected: 2x NVIDIA GeForce RTX 3090" in err
    assert {r.hardware for r in read_runs(target)} == {"2x rtx-3090"}
