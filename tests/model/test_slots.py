"""Cards in slots: widths block neighbours, open-air cards keep a gap, chassis slots bound the last card,
open frames hang cards on risers, bifurcation splits a slot."""

from tiny import base_parts, board, chassis, gpu, make_catalog, request, riser, rules, solve_checked

# The tiny base parts as a hand-written build, for checker-side tests.
BASE_BUILD = {
    "board": "board-a",
    "cpu": "cpu-a",
    "memory": {"id": "dimm-a", "count": 8},
    "chassis": "tower-a",
    "psus": [{"id": "psu-a"}],
}
ADJACENT = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 2, 3)]


def most_cards(entries, rule_changes=None, **req):
    out = solve_checked(
        make_catalog(entries), request(objective="vram", **req), rules(**(rule_changes or {}))
    )
    return out, (len(out.builds[0].gpus) if out.builds else None)


def parts(*replace):
    kinds = {e["kind"] for e in replace}
    return [p for p in base_parts() if p["kind"] not in kinds] + list(replace)


def test_two_slot_cards_block_the_adjacent_slot():
    out, n = most_cards([*parts(board(slots=ADJACENT)), gpu("g", usd=10, cooling="blower")])
    assert n == 2
    assert sorted(g.slot for g in out.builds[0].gpus) == [1, 3]


def test_single_slot_cards_use_every_slot():
    _, n = most_cards([*parts(board(slots=ADJACENT)), gpu("g", usd=10, width=1, cooling="blower")])
    assert n == 3


def test_open_air_cards_keep_a_free_slot_below_when_the_rules_ask():
    # Slots at 1, 3, 5: blower 2-slot cards fill all three; with a one-slot gap rule open-air ones take two.
    gap = {"cooling": {"open_air_gap_slots": 1}}
    _, blower = most_cards([*base_parts(), gpu("g", usd=10, cooling="blower")], gap)
    _, open_air = most_cards([*base_parts(), gpu("g", usd=10, cooling="open-air")], gap)
    assert (blower, open_air) == (3, 2)


def test_one_sandwiched_open_air_card_is_allowed_with_a_warning():
    from planner.check import check_build, summarize
    from planner.schema.build import Build

    cat = make_catalog([*base_parts(), gpu("g", usd=10, cooling="open-air")])
    req, r = request(objective="vram"), rules()
    # Slots 1, 3, 5: a third card would press a second open-air card against its neighbour.
    out = solve_checked(cat, req, r)
    assert len(out.builds[0].gpus) == 2
    out = solve_checked(cat, req, rules(cooling={"max_sandwiched_open_air": 2}))
    assert len(out.builds[0].gpus) == 3
    base = BASE_BUILD
    pair = Build.model_validate(base | {"gpus": [{"id": "g", "slot": q, "mount": "direct"} for q in (1, 3)]})
    assert check_build(pair, cat, req, r) == []
    assert sum("sandwiched" in w for w in summarize(pair, cat, req, r).warnings) == 1
    stack = Build.model_validate(
        base | {"gpus": [{"id": "g", "slot": q, "mount": "direct"} for q in (1, 3, 5)]}
    )
    assert [v.rule for v in check_build(stack, cat, req, r)] == ["cooling sufficient"]


def test_a_riser_may_use_the_gap_below_an_open_air_card():
    from planner.check import check_build
    from planner.schema.build import Build

    gap = rules(cooling={"open_air_gap_slots": 1})
    cat = make_catalog([*parts(chassis(risers=1)), gpu("g", usd=10, cooling="open-air"), riser()])
    build = BASE_BUILD | {
        "risers": [{"id": "riser-a", "count": 1}],
        "gpus": [
            {"id": "g", "slot": 1, "mount": "direct", "psu": 1},
            {"id": "g", "slot": 3, "mount": "riser", "psu": 1},
        ],
    }
    assert check_build(Build.model_validate(build), cat, request(), gap) == []
    direct = dict(build, risers=[], gpus=[build["gpus"][0], dict(build["gpus"][1], mount="direct")])
    broken = check_build(Build.model_validate(direct), cat, request(), gap)
    assert [v.rule for v in broken] == ["cards in slots"]
    # The solver agrees: two open-air cards directly plus one on a riser in the gap.
    _, n = most_cards(
        [*parts(chassis(risers=1)), gpu("g", usd=10, cooling="open-air"), riser()],
        {"cooling": {"open_air_gap_slots": 1}},
    )
    assert n == 3


def test_last_card_must_end_within_the_chassis_slots():
    _, n = most_cards([*parts(chassis(expansion=5)), gpu("g", usd=10, cooling="blower")])
    assert n == 2  # a 2-slot card in slot 5 would need a sixth expansion slot


def test_open_frame_needs_risers_for_every_card():
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6)
    # Without a riser no card hangs in the frame, and a frame holds no build without cards.
    out, _ = most_cards([*parts(frame), gpu("g", usd=10)])
    assert out.status == "infeasible"
    out, n = most_cards([*parts(frame), gpu("g", usd=10), riser()])
    assert n == 3
    assert {g.mount for g in out.builds[0].gpus} == {"riser"}
    assert out.builds[0].risers[0].count == 3


def test_long_ribbon_riser_runs_at_gen3_and_too_long_one_is_rejected():
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6)
    # 600 mm is over the 300 mm Gen4 limit but within Gen3's 600 mm: the link runs at Gen3.
    _, n = most_cards([*parts(frame), gpu("g", usd=10), riser(length_mm=600, gen=4)])
    assert n == 3
    out, _ = most_cards([*parts(frame), gpu("g", usd=10), riser(length_mm=900, gen=4)])
    assert out.status == "infeasible"  # no card on the frame, and a frame holds no build without cards


def test_usb_mining_riser_is_never_used():
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6)
    out, _ = most_cards([*parts(frame), gpu("g", usd=10), riser(kind="usb-x1", lanes=1, gen=2, length_mm=600)])
    assert out.status == "infeasible"  # no card on the frame, and a frame holds no build without cards


def test_bifurcation_feeds_two_cards_from_one_slot():
    slots = [{"position": 1, "size": 16, "lanes": 16, "gen": 4, "link": "cpu", "bifurcation": ["x8x8"]}]
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6)
    bif = riser("bif", kind="bifurcation-card", lanes=8, length_mm=100, usd=60) | {"outputs": 2}
    out, n = most_cards([*parts(board(slots=slots), frame), gpu("g", usd=10), riser(), bif])
    assert n == 2
    assert {g.mount for g in out.builds[0].gpus} == {"bifurcated"}


def test_slots_below_minimum_lanes_take_no_gpu():
    slots = [
        {"position": 1, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"},
        {"position": 3, "size": 16, "lanes": 1, "gen": 3, "link": "chipset"},
    ]
    _, n = most_cards([*parts(board(slots=slots)), gpu("g", usd=10, cooling="blower")])
    assert n == 1


def test_cpu_lanes_bound_the_slots_in_use():
    from tiny import cpu

    _, n = most_cards([*parts(cpu(lanes=32)), gpu("g", usd=10, cooling="blower")])
    assert n == 2  # three x16 slots, 32 lanes


def test_dual_gpu_card_needs_a_slot_that_bifurcates():
    dual = gpu("dual", usd=10, memory_gb=24, cooling="blower", gpus_per_card=2, requires_bifurcation=True)
    plain = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in (1, 3, 5)]
    split = [dict(s, bifurcation=["x8x8"]) if s["position"] == 3 else s for s in plain]
    _, none = most_cards([*parts(board(slots=plain)), dual])
    out, one = most_cards([*parts(board(slots=split)), dual])
    assert (none, one) == (0, 1)
    assert out.builds[0].gpus[0].slot == 3
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6)
    out, n = most_cards([*parts(board(slots=split), frame), dual, riser()])
    assert n == 1 and out.builds[0].gpus[0].mount == "riser" and out.builds[0].gpus[0].slot == 3
