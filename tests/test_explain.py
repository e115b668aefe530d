"""Infeasible requests are explained: which rules conflict and the smallest change that fixes each."""

from tiny import base_parts, gpu, make_catalog, request, rules

from planner.instance.resolve import resolve
from planner.solver.explain import explain
from planner.solver.solve import Params


def explained(**req):
    cat = make_catalog([*base_parts(), gpu("g", usd=500, memory_gb=24, cooling="blower")])
    return explain(resolve(cat, request(**req), rules()), Params(time_limit_s=10))


def test_budget_and_vram_conflict_names_both_and_the_money_needed():
    ex = explained(budget_usd=1500, require={"min_vram_gb": 48})
    assert set(ex["rules"]) == {"budget", "min_vram"}
    # Platform $780 + two cards $1,000 = $1,780: $280 over.
    assert "raise the budget by $280 (to $1,780)" in ex["fixes"]
    assert "lower min_vram_gb to 24 GB" in ex["fixes"]


def test_gpu_count_conflict():
    ex = explained(require={"min_vram_gb": 48, "max_gpus": 1})
    assert set(ex["rules"]) == {"max_gpus", "min_vram"}
    assert "allow 2 GPUs (max_gpus is 1)" in ex["fixes"]


def test_enclosure_rule_is_explained_not_filtered():
    from tiny import chassis

    passive = gpu("p40", usd=200, memory_gb=24, cooling="passive")
    rack = chassis("rack", kind="rack", passive=True)
    cat = make_catalog([*base_parts(), rack, passive])
    req = request(owned=[{"id": "p40", "count": 2}], require={"chassis_kinds": ["tower"]})
    ex = explain(resolve(cat, req, rules()), Params(time_limit_s=10))
    assert "allow rack enclosures" in ex["fixes"]
    assert "leave the owned p40 out (allow_unused_owned: true)" in ex["fixes"]
    assert "2 x p40 owned, to be used" in ex["conflict"]


def test_vendor_rule_is_explained():
    cat = make_catalog([*base_parts(), gpu("radeon", usd=300, memory_gb=16, cooling="blower", vendor="AMD")])
    req = request(require={"vendors": ["nvidia"], "min_gpus": 1})
    ex = explain(resolve(cat, req, rules()), Params(time_limit_s=10))
    assert "allow AMD GPUs" in ex["fixes"]
    assert "GPUs only from nvidia" in ex["conflict"]
    assert "accept 0 GPUs (min_gpus is 1)" in ex["fixes"]  # the other way out: no GPU at all
