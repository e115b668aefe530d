"""Chassis and cooling: form factor, card length, allowed kinds, heat capacity, passive cards need airflow."""

from tiny import base_parts, board, chassis, gpu, make_catalog, request, riser, rules, solve_checked


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
    _, n = cards([*parts(chassis(cooling_w=700)), gpu("g", usd=10, cooling="blower")])
    assert n == 1  # 150 W CPU + 300 W per card <= 700 W


def test_passive_cards_need_a_chassis_that_moves_air_through_them():
    passive = gpu("p40", usd=10, cooling="passive")
    _, tower = cards([*base_parts(), passive])
    _, rack = cards([*parts(chassis("rack", kind="rack", passive=True)), passive], site={"noise": "loud"})
    assert (tower, rack) == (0, 3)


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
