"""Search limits: deterministic work gives the same answer twice, a cut-short search says which limit
stopped it and with what gap, and Ctrl-C returns the best build found so far, marked interrupted."""

import os
import signal
import threading

import pytest
from tiny import base_parts, gpu, make_catalog, request, rules

from planner.check import check_build
from planner.instance.resolve import resolve
from planner.schema.request import Request
from planner.solver import engine
from planner.solver.engine import Params
from planner.solver.explain import explain
from planner.solver.solve import solve

EIGHT_GPUS = {
    "budget_usd": 10000,
    "objective": ["vram", "bandwidth", "cost"],
    "require": {"min_gpus": 8, "max_gpus": 8, "chassis_kinds": ["open-frame"]},
    "site": {"circuits": [{"volts": 120, "amps": 20, "count": 2}]},
}


@pytest.fixture(scope="module")
def big(catalog, default_rules):
    """An eight-GPU request on the shipped catalogue: it needs more than a sliver of work to prove."""
    return resolve(catalog, Request.model_validate(EIGHT_GPUS), default_rules)


def _summary(out):
    return out.status, out.values, [b.model_dump() for b in out.builds], out.limit_hit


def test_small_effort_is_reported_and_gives_the_same_answer_twice(big, catalog, default_rules):
    params = Params(effort=0.05, time_limit_s=600)
    first, second = solve(big, params), solve(big, params)
    assert _summary(first) == _summary(second)
    assert first.status in ("feasible", "unknown")
    assert first.limit_hit == "deterministic" and not first.interrupted
    assert first.work == pytest.approx(0.05, abs=0.02)
    if first.status == "feasible":
        assert first.gap is not None and first.gap > 0
        assert not check_build(first.builds[0], catalog, big.request, default_rules)


def test_wall_clock_safety_net_is_reported(big):
    out = solve(big, Params(effort=1000, time_limit_s=0.001))
    assert out.limit_hit == "wall"
    assert out.status in ("feasible", "unknown")


def test_a_proven_answer_names_no_limit():
    cat = make_catalog([*base_parts(), gpu("a", usd=300, memory_gb=16)])
    out = solve(resolve(cat, request(budget_usd=2000), rules()), Params())
    assert out.status == "optimal" and out.proven
    assert out.limit_hit is None and out.gap == 0.0 and not out.interrupted


def test_ctrl_c_returns_the_best_build_so_far(big, monkeypatch, catalog, default_rules):
    """Ctrl-C arrives as soon as the search has a build: that build comes back, marked interrupted."""
    original = engine._Tracker.on_solution_callback
    sent = []

    def ctrl_c(self):
        original(self)
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(engine._Tracker, "on_solution_callback", ctrl_c)
    before = signal.getsignal(signal.SIGINT)
    with engine.request_scope():
        out = solve(big, Params(effort=1000, progress=True))
        # Until the request has its answer, a second Ctrl-C is ignored rather than losing the build,
        # and a search begun after it returns at once.
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)  # handled before the next line
        assert solve(big, Params(effort=1000)).interrupted
    assert sent and out.interrupted
    assert out.builds, "the build found before Ctrl-C is returned"
    assert not check_build(out.builds[0], catalog, big.request, default_rules)
    assert signal.getsignal(signal.SIGINT) is before, "Ctrl-C gets its usual meaning back"


def test_explanation_honours_its_effort():
    """Impossible budget: the explanation names it, within a deterministic budget, the same twice."""
    cat = make_catalog([*base_parts(), gpu("a", usd=3000, memory_gb=48)])
    inst = resolve(cat, request(budget_usd=1000, require={"min_gpus": 1}), rules())
    first, second = explain(inst, Params(effort=5)), explain(inst, Params(effort=5))
    assert first == second
    assert any("budget" in c for c in first["conflict"])
