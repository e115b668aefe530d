"""Chassis and cooling: form factor, card length, allowed kinds, heat capacity at the allowed case-air
rise, open frames cooled by room air, passive cards need a fan wall or a shroud each."""

from tiny import (
    accessory,
    base_parts,
    board,
    chassis,
    gpu,
    make_catalog,
    request,
    riser,
    rules,
    solve_checked,
)


def parts(*replace):
    kinds = {e["kind"] for e in replace}
    return [p for p in base_parts() if p["kind"] not in kinds] + list(replace)


def cards(entries, **req):
    out = solve_checked(make_catalog(entries), request(objective="vram", **req), rules())
    return out, (len(out.builds[0].gpus) if out.builds else None)


def test_board_needs_a_chassis_of_its_form_factor():
    out, _ = cards(parts(board(form_factor="ssi-eeb")))
    assert out.status == "infeasible"


def test_cards_longer_than_the_chassis_are_left_out():
    _, n = cards(
        [
            *base_parts(),
            gpu("long", usd=10, length_mm=340, cooling="blower"),
            gpu("short", usd=900, length_mm=260, cooling="blower", memory_gb=8),
        ]
    )
    out, _ = cards([*base_parts(), gpu("long", usd=10, length_mm=340, cooling="blower")])
    assert out.builds[0].gpus == ()
    assert n == 3


def test_heat_within_cooling_capacity():
    # 500 W at a 10 C rise moves 750 W at the default 15 C: 150 W CPU + 2 x 300 W fits, a third card
    # does not even at the 270 W limit (liquid-cooled cards leave their heat in the case).
    case = chassis(cooling_w=500)
    _, n = cards([*parts(case), gpu("g", usd=10, cooling="liquid")])
    assert n == 2
    tight = rules(cooling={"case_air_rise_c": 10})
    out = solve_checked(
        make_catalog([*parts(case), gpu("g", usd=10, cooling="liquid")]), request(objective="vram"), tight
    )
    assert len(out.builds[0].gpus) == 1
    # Blower coolers push most of their heat out through the bracket: three fit.
    _, n = cards([*parts(case), gpu("g", usd=10, cooling="blower")])
    assert n == 3


def test_open_frames_are_cooled_by_room_air():
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6, cooling_w=1)
    _, n = cards([*parts(frame), gpu("g", usd=10), riser()])
    assert n == 3


def test_passive_cards_need_a_fan_wall_or_a_shroud_each():
    passive = gpu("p40", usd=10, cooling="passive")
    _, tower = cards([*base_parts(), passive])
    _, rack = cards([*parts(chassis("rack", kind="rack", passive=True)), passive], site={"noise": "loud"})
    assert (tower, rack) == (0, 3)
    out, shrouded = cards([*base_parts(), passive, accessory(fits=("p40",), added_length_mm=50)])
    assert shrouded == 3
    assert [(a.id, a.count) for a in out.builds[0].accessories] == [("shroud-a", 3)]
    # A shroud that makes the card longer than the case takes is no use.
    _, too_long = cards([*base_parts(), passive, accessory(fits=("p40",), added_length_mm=100)])
    assert too_long == 0


def test_chassis_kinds_requirement():
    entries = [
        *base_parts(),
        chassis("frame", kind="open-frame", expansion=0, risers=6, usd=1),
        gpu("g", usd=10, cooling="blower"),
        riser(usd=5),
    ]

    def cheapest(**require):
        out = solve_checked(make_catalog(entries), request(objective="cost", require=require), rules())
        return out.builds[0].chassis

    assert cheapest(min_gpus=1, chassis_kinds=["open-frame"]) == "frame"
    assert cheapest(min_gpus=1) == "frame"  # cheapest when any kind is allowed
    assert cheapest(min_gpus=1, chassis_kinds=["tower"]) == "tower-a"


def test_a_build_without_cards_is_not_put_on_a_gpu_frame():
    """Issue 17: the cheapest CPU-only build came on an open mining frame because it cost less than a case."""
    entries = [*base_parts(), chassis("frame", kind="open-frame", expansion=0, risers=6, usd=1)]
    out = solve_checked(make_catalog(entries), request(objective="cost"), rules())
    assert out.builds[0].gpus == () and out.builds[0].chassis == "tower-a"
    only_frames = request(objective="cost", require={"chassis_kinds": ["open-frame"]})
    assert solve_checked(make_catalog(entries), only_frames, rules()).status == "infeasible"
