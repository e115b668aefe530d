"""Every bad input gets an answer: no internal error, no traceback, no exit 0 on garbage, no hang, and every
message names its file and place (the corpus of tests/make_bad_corpus.py); random edits of the shipped
examples and default rules never crash loading, checking or building the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from make_bad_corpus import CORPUS, classify, load_cases, run_case, write
from tiny import base_build, base_parts, gpu, make_catalog

from planner.check import check_build
from planner.data.inputs import load_request, load_rules
from planner.data.load import InputError
from planner.instance.resolve import resolve
from planner.model import build_model

REPO = Path(__file__).resolve().parent.parent
# Cases that need wall-clock time (Ctrl-C after a delay, time limits) run in benchmarks/badinput.py only.
CASES = [c for c in load_cases() if not c.get("timing")]


def _param(case: dict[str, Any]) -> Any:
    marks = (
        [pytest.mark.xfail(reason=f"pending: {case['pending']}", strict=False)] if case.get("pending") else []
    )
    # Cases that reach the solver (contradictions) are slow: -m slow runs them.
    if case.get("slow"):
        marks.append(pytest.mark.slow)
    return pytest.param(case, id=f"{case['cls']}/{case['name']}", marks=marks)


@pytest.fixture(scope="module", autouse=True)
def warm_catalogue() -> None:
    from planner.data.catalog import load_catalog

    load_catalog()  # forked cases inherit the parsed shipped catalogue


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_gets_a_clear_answer(case: dict[str, Any]) -> None:
    r = run_case(case)
    if r.skipped:
        pytest.skip(r.skipped)
    outcome, why = classify(case, r)
    assert outcome == "ok", f"{outcome}: {why}\nstderr: {r.err[-2000:]}"


def test_corpus_is_what_the_script_writes(tmp_path: Path) -> None:
    # Mutations are drawn from the examples, which others edit: those cases stay as written (frozen).
    n = write(tmp_path)
    assert n >= 200

    def fixed(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [c for c in cases if c["cls"] != "mutations"]

    assert fixed(json.loads((tmp_path / "cases.json").read_text())) == fixed(load_cases())

    def files(root: Path) -> dict[Path, bytes]:
        found = (p for p in root.rglob("*") if p.is_file() and p.name != "cases.json")
        return {p.relative_to(root): p.read_bytes() for p in found if "mutations" not in p.parts}

    assert files(tmp_path) == files(CORPUS), "run `python tests/make_bad_corpus.py` and commit the corpus"


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["2025-13-01", "nvdia", "x" * 300, "q4_k_m", "rtx-3090", "gpu", "tower", "-1"]),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.sampled_from(["id", "kind", "count", "max", "x"]), st.integers(-5, 5), max_size=2),
)


@st.composite
def edited(draw: Any, text: str) -> str:
    """The YAML text with one value replaced, one key dropped or renamed, or one character changed."""
    how = draw(st.sampled_from(["value", "drop", "rename", "char"]))
    if how == "char":
        k = draw(st.integers(0, max(0, len(text) - 1)))
        return (
            text[:k]
            + draw(st.sampled_from(["", ":", "-", "[", "{", '"', "\t", " ", "&a", "*a"]))
            + text[k + 1 :]
        )
    data = yaml.safe_load(text)
    node: Any = data
    key: Any = draw(st.sampled_from(sorted(node, key=str)))
    while isinstance(node[key], dict | list) and node[key] and draw(st.booleans()):
        node = node[key]
        key = (
            draw(st.sampled_from(sorted(node, key=str)))
            if isinstance(node, dict)
            else draw(st.integers(0, len(node) - 1))
        )
    if how == "value" or isinstance(node, list):
        node[key] = draw(JUNK)
    elif how == "drop":
        node.pop(key)
    else:
        node[f"{key}{draw(st.sampled_from(['x', '_', 's']))}"] = node.pop(key)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
DEFAULTS = (REPO / "constraints" / "default.yaml").read_text()
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@FUZZ
@given(st.sampled_from(EXAMPLES).flatmap(lambda p: edited(p.read_text())))
def test_edited_example_requests_never_crash(tmp_path_factory: Any, catalog: Any, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "request.yaml"
    path.write_text(text)
    try:
        req = load_request(path, catalog).request
    except InputError as exc:
        assert exc.problems and all(str(p).startswith(str(path)) for p in exc.problems)
        return
    _model_and_checker(req, load_rules())


@FUZZ
@given(edited(DEFAULTS))
def test_edited_default_rules_never_crash(tmp_path_factory: Any, catalog: Any, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "rules.yaml"
    path.write_text(text)
    try:
        rules = load_rules([path], catalog)
    except InputError as exc:
        assert exc.problems and all(str(p).startswith(str(path)) for p in exc.problems)
        return
    from tiny import request

    _model_and_checker(request(), rules)


TINY = make_catalog([*base_parts(), gpu("g1"), gpu("g2", cooling="open-air", tdp_w=450)], with_models=True)
BUILD = base_build(gpus=[{"id": "g1", "slot": 1, "mount": "direct", "psu": 1}])


def _model_and_checker(req: Any, rules: Any) -> None:
    """Whatever loaded builds a model and is checked without an exception (on a tiny catalogue)."""
    wl = req.workload
    if wl is not None and wl.model not in TINY:
        req = req.model_copy(update={"workload": None, "objective": None})
    req = req.model_copy(update={"owned": ()})
    inst = resolve(TINY, req, rules)
    build_model(inst)
    check_build(BUILD, TINY, req, rules)
