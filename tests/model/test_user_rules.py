"""Constraint-file rules: forbid, require, at_most, at_least, if_then and limit, each named in its source."""

from tiny import base_parts, chassis, gpu, make_catalog, request, rules, solve_checked

from planner.schema.rules import ConstraintFile

CARDS = [
    gpu("blow", usd=200, memory_gb=24, cooling="blower"),
    gpu("fan", usd=100, memory_gb=24, cooling="open-air"),
]


def with_rules(*user, **req):
    parsed = ConstraintFile.model_validate({"rules": list(user)}).rules
    cat = make_catalog([*base_parts(), chassis("rack", kind="rack", usd=150), *CARDS])
    # A loud site: rack chassis are allowed without listing chassis kinds.
    return solve_checked(cat, request(site={"noise": "loud"}, **req), rules(rules=parsed))


def ids(out):
    return sorted(g.id for g in out.builds[0].gpus)


def test_forbid():
    out = with_rules(
        {"kind": "forbid", "name": "no fans", "select": {"kind": "gpu", "where": {"cooling": "open-air"}}},
        objective="cost",
        require={"min_gpus": 1},
    )
    assert ids(out) == ["blow"]


def test_at_most_and_at_least():
    out = with_rules(
        {"kind": "at_most", "name": "two cards", "select": {"kind": "gpu"}, "count": 2}, objective="vram"
    )
    assert len(ids(out)) == 2
    out = with_rules(
        {"kind": "at_least", "name": "two blowers", "select": {"ids": ["blow"]}, "count": 2}, objective="cost"
    )
    assert ids(out) == ["blow", "blow"]


def test_require_and_if_then():
    out = with_rules(
        {"kind": "require", "name": "rack", "select": {"kind": "chassis", "where": {"chassis_kind": "rack"}}},
        objective="cost",
    )
    assert out.builds[0].chassis == "rack"
    out = with_rules(
        {
            "kind": "if_then",
            "name": "fans only in a rack",
            "if": {"ids": ["fan"]},
            "then": {"kind": "chassis", "where": {"chassis_kind": "rack"}},
        },
        objective="cost",
        require={"min_gpus": 1},
    )
    b = out.builds[0]
    assert ids(out) == ["blow"] or b.chassis == "rack"
    assert ids(out) == ["fan"]  # 100 + rack 150 beats 200 + tower 100 by nothing: 250 < 300


def test_limit_wall_watts():
    out = with_rules({"kind": "limit", "name": "quiet", "attribute": "wall_w", "max": 700}, objective="vram")
    assert len(ids(out)) == 1


def test_conflicting_rules_are_infeasible():
    out = with_rules(
        {"kind": "at_most", "name": "none", "select": {"kind": "gpu"}, "count": 0},
        objective="cost",
        require={"min_gpus": 1},
    )
    assert out.status == "infeasible"
