"""Disagreements between the solver and the checker that tests/test_agreement.py found, one test each."""

from agree import model_accepts
from tiny import (
    base_build,
    board,
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

# Fixed builds are compared with the model at default power: without a workload and with power limits
# allowed, the model offers each card at its lowest limit only (the solver raises limits afterwards).


def parts(**board_fields):
    # 8 channels, 16 DIMM slots, 8 GB DIMMs: 64 GB (one per channel) or 128 GB (two per channel).
    bif = riser("bif", kind="bifurcation-card", lanes=8) | {"outputs": 2}
    return make_catalog(
        [board(memory_slots=16, **board_fields), cpu(), dimm(), chassis(risers=2, bays=2), psu(), gpu("g"), riser(), bif]
    )


def test_min_ram_picks_enough_dimms():
    # The solver ignored memory.min_ram_gb: 32 GB "optimal" under a 256 GB minimum (issue 15).
    cat = parts()
    for min_ram, dimms in ((0, 8), (64, 8), (65, 16), (128, 16)):
        out = solve_checked(cat, request(objective="cost"), rules(memory={"min_ram_gb": min_ram}))
        assert out.status == "optimal"
        assert out.builds[0].memory is not None and out.builds[0].memory.count == dimms


def test_min_ram_beyond_every_option_is_infeasible():
    out = solve_checked(parts(), request(objective="cost"), rules(memory={"min_ram_gb": 129}))
    assert out.status == "infeasible"


def test_any_dimm_count_when_channels_need_not_all_be_populated():
    # The model offered one DIMM per channel only; the checker takes any count when populate_all_channels
    # is off, and three per channel when the slots allow.
    cat, req = parts(), request(objective="cost", allow_power_limits=False)
    for populate, count in ((False, 4), (False, 3), (True, 16)):
        r = rules(memory={"min_ram_gb": 0, "populate_all_channels": populate})
        build = base_build(memory={"id": "dimm-a", "count": count})
        assert not check_build(build, cat, req, r)
        assert model_accepts(resolve(cat, req, r, prune=False), build)


def test_a_bifurcation_card_may_carry_one_card():
    # The model bought and filled every output of a bifurcation card; an output may stay free.
    slots = [{"position": 1, "size": 16, "lanes": 16, "gen": 4, "link": "cpu", "bifurcation": ["x8x8"]}]
    cat, req, r = parts(slots=slots), request(objective="cost", allow_power_limits=False), rules()
    build = base_build(
        gpus=[{"id": "g", "slot": 1, "mount": "bifurcated", "psu": 1}],
        risers=[{"id": "bif"}, {"id": "riser-a"}],
    )
    assert not check_build(build, cat, req, r)
    assert model_accepts(resolve(cat, req, r, prune=False), build)


def test_the_checker_counts_psus_against_max_psus():
    # The model never uses more than power.max_psus PSUs; the checker passed a build with more.
    cat, req = parts(), request(objective="cost", allow_power_limits=False)
    build = base_build(psus=[{"id": "psu-a"}, {"id": "psu-a"}])
    r = rules(memory={"min_ram_gb": 0}, power={"max_psus": 1})
    assert any("max_psus" in str(v) for v in check_build(build, cat, req, r))
    assert not model_accepts(resolve(cat, req, r, prune=False), build)
    r = rules(memory={"min_ram_gb": 0}, power={"max_psus": 2})
    assert not check_build(build, cat, req, r) and model_accepts(resolve(cat, req, r, prune=False), build)
