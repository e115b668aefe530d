"""How loud the machine may be: quiet takes ATX PSUs, closed towers and actively cooled cards only;
rack gear only where the request allows racks. Solver and checker agree."""

import pytest
from tiny import (
    base_parts,
    board,
    breakout,
    chassis,
    cpu,
    dimm,
    gpu,
    make_catalog,
    psu,
    request,
    riser,
    rules,
    solve_checked,
)

from planner.check import check_build
from planner.instance.resolve import resolve
from planner.schema.build import Build
from planner.solver.explain import explain
from planner.solver.solve import Params


def cheapest(entries, **req):
    cat = make_catalog(entries)
    return solve_checked(cat, request(objective="cost", **req), rules())


def test_quiet_takes_an_atx_psu_over_a_cheaper_server_psu():
    cards = [gpu("g", tdp_w=600, power={"pcie_8pin": 4})]
    units = [
        psu("small", usd=50, watts=500, pcie_8pin=0),
        psu("atx", usd=300, watts=1600, pcie_8pin=8),
        psu("srv", usd=20, form="server", family="srv"),
    ]
    parts = [board(), cpu(), dimm(), chassis(bays=2), *units, breakout(), *cards]
    loud = cheapest(parts, require={"min_gpus": 1})
    assert any(p.breakout for p in loud.builds[0].psus)
    quiet = cheapest(parts, require={"min_gpus": 1}, site={"noise": "quiet"})
    assert [p.id for p in quiet.builds[0].psus] == ["atx"]


@pytest.mark.parametrize(
    ("noise", "kinds", "expected"),
    [
        ("quiet", None, "tower-a"),
        ("normal", None, "frame"),
        ("loud", None, "rack"),
        ("normal", ["tower", "rack"], "rack"),
        ("quiet", ["open-frame", "tower"], "frame"),
    ],
)
def test_enclosures_follow_the_noise_level_unless_listed(noise, kinds, expected):
    cases = [
        chassis("rack", kind="rack", usd=10),
        chassis("frame", kind="open-frame", usd=50, expansion=0, risers=6),
    ]
    require = {"chassis_kinds": kinds, "min_gpus": 1} if kinds else {"min_gpus": 1}
    # A card to house: open frames hold cards on risers, not CPU-only builds.
    card = [gpu("g", usd=10, cooling="blower"), riser(usd=5)]
    out = cheapest([*base_parts(), *cases, *card], require=require, site={"noise": noise})
    assert out.builds[0].chassis == expected


def test_quiet_leaves_out_passive_cards_and_explains_it():
    passive = gpu("p40", usd=10, cooling="passive")
    parts = [*base_parts(), chassis("rack", kind="rack", passive=True, usd=10), passive]
    cat = make_catalog(parts)
    req = request(
        objective="vram", owned=[{"id": "p40"}], require={"chassis_kinds": ["rack"]}, site={"noise": "quiet"}
    )
    out = solve_checked(cat, req, rules())
    assert out.status == "infeasible"
    text = explain(resolve(cat, req, rules()), Params(time_limit_s=10, seed=1), seconds=10)
    assert "allow a louder machine (site: {noise: normal})" in text["fixes"]


def test_checker_flags_loud_parts_in_a_quiet_build():
    cat = make_catalog(
        [*base_parts(), psu("srv", form="server", family="srv"), breakout(), gpu("p40", cooling="passive")]
    )
    build = Build(
        board="board-a",
        cpu="cpu-a",
        chassis="tower-a",
        gpus=[{"id": "p40"}],
        psus=[{"id": "psu-a"}, {"id": "srv", "breakout": "breakout-a"}],
    )
    found = [str(v) for v in check_build(build, cat, request(site={"noise": "quiet"}), rules())]
    noise = [v for v in found if v.startswith("noise:")]
    assert noise and "server PSU srv" in noise[0] and "passive card p40" in noise[0]
    assert not [v for v in check_build(build, cat, request(), rules()) if str(v).startswith("noise")]
