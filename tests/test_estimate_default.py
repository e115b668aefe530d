"""`planner estimate` without --model says which model it assumed (issue 17): on stderr, in the report's
headline and in the JSON; with --model nothing is said to be assumed."""

import json

from planner.cli import run


def call(capsys, *args):
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_model_the_assumed_one_is_named(capsys):
    code, out, err = call(capsys, "estimate", "--gpu", "rtx-3090")
    assert code == 0
    assert "no --model given: estimated llama-3-1-8b" in err and "--model ID" in err
    assert out.splitlines()[0].startswith("llama-3-1-8b (assumed: no --model given) at ")
    code, out, _ = call(capsys, "estimate", "--gpu", "rtx-3090", "--json")
    result = json.loads(out)
    assert (result["model"], result["model_assumed"]) == ("llama-3-1-8b", True)


def test_a_named_model_is_not_called_assumed(capsys):
    code, out, err = call(capsys, "estimate", "--gpu", "rtx-3090", "--model", "qwen2-5-7b", "--json")
    assert code == 0 and "no --model" not in err
    assert json.loads(out)["model_assumed"] is False
