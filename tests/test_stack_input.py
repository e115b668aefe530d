"""Bad stack and noise input: file:line, the allowed values, the nearest one, exit 1, no traceback."""

import pytest

from planner.cli import run

CASES = [
    (
        "budget_usd: 2000\nsoftware:\n  runtimes: [cuda, vulkn]\n",
        "r.yaml:3: software.runtimes[1]: Input should be 'cuda', 'rocm', 'vulkan', 'sycl', 'metal' or 'cpu'. "
        "did you mean vulkan?",
    ),
    (
        "budget_usd: 2000\nsite:\n  noise: quite\n",
        "r.yaml:3: site.noise: Input should be 'quiet', 'normal' or 'loud'. did you mean quiet?",
    ),
    (
        "budget_usd: 2000\nworkload: {model: llama-3-1-8b, quant: awq-4bit-g128, backend: vllm}\n"
        "software:\n  mixed_vendors: true\n",
        "r.yaml:4: software.mixed_vendors: vllm cannot run cards of different vendors in one process. "
        "use backend llama.cpp (Vulkan or RPC), or drop mixed_vendors",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_bad_stack_input_is_one_located_line(text, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.yaml").write_text(text)
    code = run(["solve", "r.yaml"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err.strip().splitlines() == [expected]


def test_runtimes_are_listed_with_their_api(capsys):
    import json

    code = run(["catalog", "list", "--kind", "runtime", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0 and {r["api"] for r in rows} == {"cuda", "rocm", "vulkan", "sycl", "metal", "cpu"}
