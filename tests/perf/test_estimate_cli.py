"""`planner estimate`: likely and conservative values with their evidence; bad input exits 1 with the
nearest valid choice; a model that does not fit exits 3 with what would fit."""

from __future__ import annotations

import json

from planner.cli import run


def call(capsys, *args):  # type: ignore[no-untyped-def]
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_estimate_shows_likely_conservative_and_tier(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = call(capsys, "estimate", "--gpu", "rtx-3090", "--model", "llama-3-1-8b", "--json")
    data = json.loads(out)
    assert code == 0 and data["evidence"] == "measured"
    assert 0 < data["decode_tokens_per_s_conservative"] < data["decode_tokens_per_s"]
    assert 0 < data["prefill_tokens_per_s_conservative"] < data["prefill_tokens_per_s"]
    code, out, _ = call(capsys, "estimate", "--gpu", "rtx-3090", "--model", "llama-3-1-8b")
    assert code == 0 and "conservative, measured evidence" in out


def test_context_beyond_the_model_is_exit_1_with_the_maximum(capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = call(
        capsys, "estimate", "--gpu", "rtx-3090", "--model", "llama-2-7b", "--context", "100000"
    )
    assert code == 1
    assert "--context: context 100,000 exceeds llama-2-7b's trained maximum of 4,096 tokens" in err
    assert "use --context 4096 or less" in err


def test_quant_the_backend_cannot_run_names_the_nearest(capsys) -> None:  # type: ignore[no-untyped-def]
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
    assert code == 1 and "does not run on vllm" in err and "nearest that vllm runs:" in err
    assert "awq-4bit-g128" in err or "gptq-4bit-g128" in err


def test_model_that_does_not_fit_is_exit_3_with_what_would(capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = call(
        capsys,
        "estimate",
        "--gpu",
        "rtx-3090",
        "--model",
        "llama-3-3-70b",
        "--quant",
        "q4_k_m",
        "--context",
        "8192",
        "--json",
    )
    data = json.loads(out)
    assert code == 3 and data["fits"] is False
    assert any(w.startswith("quant ") for w in data["would_fit"])  # a 2-3 bit 70B fits one 24 GB card
    assert "does not fit" in err and "would fit" in err
    code, out, err = call(
        capsys,
        "estimate",
        "--gpu",
        "rtx-3090",
        "--model",
        "llama-3-1-8b",
        "--quant",
        "f16",
        "--context",
        "131072",
    )
    assert code == 3 and "context" in err and "would fit" in err
