"""memory.min_ram_gb binds the solver, not only the checker (issue 15: it returned 32 GB under a 256 GB minimum)."""

from tiny import board, chassis, cpu, dimm, gpu, make_catalog, psu, request, rules, solve_checked


def parts():
    # 8 channels, 16 DIMM slots, 8 GB DIMMs: 64 GB (one per channel) or 128 GB (two per channel).
    return make_catalog([board(memory_slots=16), cpu(), dimm(), chassis(), psu(), gpu("g")])


def test_min_ram_picks_enough_dimms():
    cat = parts()
    for min_ram, dimms in ((0, 8), (64, 8), (65, 16), (128, 16)):
        out = solve_checked(cat, request(objective="cost"), rules(memory={"min_ram_gb": min_ram}))
        assert out.status == "optimal"
        assert out.builds[0].memory is not None and out.builds[0].memory.count == dimms


def test_min_ram_beyond_every_option_is_infeasible():
    cat = parts()
    out = solve_checked(cat, request(objective="cost"), rules(memory={"min_ram_gb": 129}))
    assert out.status == "infeasible"
