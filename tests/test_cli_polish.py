"""The command line's manners: --version, completion, help with examples and no Python types, and a root
help that imports no command module (what keeps `planner --help` instant; timed in benchmarks/startup.py)."""

import importlib
import inspect
import json
import subprocess
import sys

import pytest

from planner.cli import run
from planner.cli.commands import COMMANDS, SUB_EXAMPLES, load


def call(capsys, *args):
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    from importlib.metadata import version

    code, out, _ = call(capsys, "--version")
    assert code == 0 and out.strip() == f"rig-planner {version('rig-planner')}"


def test_root_help_lists_every_command_without_importing_them():
    script = (
        "import sys; from planner.cli import run; code = run(['--help']); "
        "print(repr(sorted(m for m in sys.modules if m.startswith(('planner.cli.', 'planner.data', "
        "'planner.schema', 'pydantic', 'yaml', 'ortools', 'matplotlib'))))); sys.exit(code)"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    *help_lines, modules = proc.stdout.strip().splitlines()
    assert eval(modules) == ["planner.cli.commands"]
    for name in COMMANDS:
        assert any(line.strip("│ ").startswith(name + " ") for line in help_lines), name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_summary_is_the_docstring_of_the_command(name):
    spec = COMMANDS[name]
    obj = getattr(importlib.import_module(spec.module), spec.attr)
    doc = obj.info.help if hasattr(obj, "info") else inspect.getdoc(obj)
    assert " ".join(doc.split("\n\n")[0].split()) == spec.summary


def _helps():
    for name in sorted(COMMANDS):
        command = load(name)
        subs = getattr(command, "commands", {})
        yield [name], True
        for sub in subs:
            yield [name, sub], f"{name} {sub}" in SUB_EXAMPLES


@pytest.mark.parametrize(("words", "has_example"), list(_helps()), ids=lambda w: " ".join(w) if isinstance(w, list) else "")
def test_every_help_has_an_example_and_no_python_types(capsys, monkeypatch, words, has_example):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = call(capsys, *words, "--help")
    assert code == 0
    assert has_example and "Example: planner " in out
    for noise in ("<bool>", "<path>", "<list[", "<str>", "<int", "<float"):
        assert noise not in out, (words, noise)


def test_unknown_command_suggests_the_nearest(capsys):
    code, _, err = call(capsys, "sovle")
    assert code == 2 and "Did you mean 'solve'" in err


def test_completion_script_and_completions(capsys, monkeypatch):
    code, out, _ = call(capsys, "completion", "bash")
    assert code == 0 and "_PLANNER_COMPLETE=complete_bash" in out and "complete " in out
    code, _, err = call(capsys, "completion", "bsh")
    assert code == 1 and "did you mean bash" in err
    monkeypatch.setenv("_PLANNER_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "planner fr")
    monkeypatch.setenv("COMP_CWORD", "1")
    code, out, _ = call(capsys)
    assert code == 0 and out.split() == ["frontier"]
    monkeypatch.setenv("COMP_WORDS", "planner catalog list --ki")
    monkeypatch.setenv("COMP_CWORD", "3")
    code, out, _ = call(capsys)
    assert code == 0 and "--kind" in out.split()


def test_catalog_list_prints_every_kind_as_columns(capsys):
    from planner.schema import KINDS

    code, out, _ = call(capsys, "catalog", "list")
    blocks = [block.splitlines() for block in out.strip().split("\n\n")]
    assert code == 0 and [b[0].split(" (")[0] for b in blocks] == list(KINDS)
    for block in blocks:  # title, header, rule, then as many rows as the title counts
        assert len(block) - 3 == int(block[0].split("(")[1].rstrip(")"))
        assert set(block[2]) <= {"-", " "}
    code, out, _ = call(capsys, "catalog", "list", "--kind", "runtime", "--json")
    assert code == 0 and {r["id"] for r in json.loads(out)} >= {"cuda", "rocm", "vulkan"}
