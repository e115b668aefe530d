"""Power: PSU load with its margin, transients, connectors, server PSUs on breakouts, low-line derating,
where PSUs sit (bays, frame shelves, a chassis' own PSUs), power limits chosen by the solver."""

from tiny import (
    accessory,
    base_parts,
    breakout,
    chassis,
    gpu,
    make_catalog,
    psu,
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


BLOWER = {"cooling": "blower"}


def test_psu_headroom_limits_cards():
    # 800 W x 0.9 = 720 W; platform 150 + 60 + 8 x 5 = 250 W; one 300 W card fits, two do not (not even
    # at the 270 W limit the default range allows a card without data).
    _, n = cards([*parts(psu(watts=800)), gpu("g", usd=10, **BLOWER)])
    assert n == 1


def test_solver_sets_a_power_limit_only_when_it_buys_something():
    ranged = {"power_limit_range": {"min_w": 150, "max_w": 300, "basis": "test"}}
    card = gpu("g", usd=10, **BLOWER, **ranged)
    # 1000 W x 0.9 = 900 W: two stock cards (850 W) fit; three fit only at 210 W (70 %).
    out, n = cards([*parts(psu(watts=1000)), card])
    assert n == 3
    assert sorted(c.power_limit_w or 300 for c in out.builds[0].gpus) == [210, 210, 210]
    out, n = cards([*parts(psu(watts=1000)), card], require={"max_gpus": 2})
    assert n == 2 and all(c.power_limit_w is None for c in out.builds[0].gpus)
    out, n = cards([*parts(psu(watts=1000)), card], allow_power_limits=False)
    assert n == 2 and all(c.power_limit_w is None for c in out.builds[0].gpus)


def test_server_psu_on_a_breakout_adds_capacity():
    srv = psu("srv", form="server", watts=1200, low=900, family="srv", usd=30)
    out, n = cards([*parts(psu(watts=1000)), srv, breakout(), gpu("g", usd=10, **BLOWER)])
    # 900 W at 120 V x 0.8 = 720 W: two more cards; wall 1150 W / 0.9 < 1440 W.
    assert n == 3
    assert {p.id for p in out.builds[0].psus} == {"psu-a", "srv"}
    assert next(p.breakout for p in out.builds[0].psus if p.id == "srv") == "breakout-a"


def test_server_psus_deliver_more_at_high_line():
    srv = psu("srv", form="server", watts=1200, low=900, family="srv", usd=30)
    entries = [*parts(psu(watts=1000)), srv, breakout(), gpu("g", usd=10, **BLOWER)]
    _, low = cards(entries, site={"circuits": [{"volts": 120, "amps": 30}]})
    _, high = cards(entries, site={"circuits": [{"volts": 230, "amps": 16}]})
    assert (low, high) == (3, 3) or low < high


def test_connectors_limit_cards_per_psu():
    _, n = cards([*parts(psu(pcie_8pin=2)), gpu("g", usd=10, **BLOWER)])
    assert n == 1  # each card takes two 8-pin leads


def test_12vhpwr_card_uses_native_lead_or_adapter():
    hot = gpu("hot", usd=10, tdp_w=450, power={"hpwr_12v": 1}, architecture="ada", **BLOWER)
    _, native = cards([*parts(psu(pcie_8pin=0, hpwr=1)), hot])
    _, adapted = cards([*parts(psu(pcie_8pin=3, hpwr=0)), hot])
    _, starved = cards([*parts(psu(pcie_8pin=2, hpwr=0)), hot])
    assert (native, adapted, starved) == (1, 1, 0)


def test_fe_12pin_adapter_takes_two_8pin_leads():
    # The RTX 30 FE adapter has two 8-pin inputs (rules: adapter_leads ampere: 2), whatever the watts.
    fe = gpu("fe", usd=10, tdp_w=350, power={"hpwr_12v": 1}, **BLOWER)
    _, n = cards([*parts(psu(pcie_8pin=2, hpwr=0)), fe])
    assert n == 1


def test_eps_powered_datacentre_card_uses_eps_or_two_8pins_through_a_bought_adapter():
    dc = gpu("dc", usd=10, tdp_w=250, power={"eps_8pin": 1}, cooling="blower")
    unit = psu(eps=2, pcie_8pin=4, watts=2000)
    # Two EPS leads: one for the CPU, one for a card; without an adapter part that is all.
    _, n = cards([*parts(unit), dc])
    assert n == 1
    # Four 8-pins feed two more cards through adapters, which the build buys.
    adapter = accessory("eps-adapter", usd=12, kind="eps-adapter")
    out, n = cards([*parts(unit), dc, adapter])
    assert n == 3
    assert [(a.id, a.count) for a in out.builds[0].accessories] == [("eps-adapter", 2)]


def test_old_atx_psu_rides_smaller_transients():
    spiky = gpu("spiky", usd=10, tdp_w=300, **BLOWER)  # ampere: 2x transients
    _, atx3 = cards([*parts(psu(watts=2000, atx="3.0")), spiky])
    _, atx2 = cards([*parts(psu(watts=2000, atx="2.x")), spiky])
    # ATX 2: peaks 250 + 600 n <= 2000 x 1.3 -> n <= 3; sustained 250 + 300 n <= 1600 -> n <= 4.
    assert atx2 == 3 and atx3 >= atx2


def test_atx_psus_need_bays():
    two_bays = chassis(bays=2)
    entries = [*parts(psu(watts=800)), psu("psu-b", watts=800), gpu("g", usd=10, **BLOWER)]
    _, one = cards(entries)
    _, two = cards([*[e for e in entries if e["kind"] != "chassis"], two_bays])
    assert (one, two) == (1, 3)


def test_open_frame_holds_psus_of_any_form_on_its_shelves():
    srv = psu("srv", form="server", watts=1200, low=900, family="srv", usd=30)
    frame = chassis("frame", kind="open-frame", expansion=0, risers=8, psu_mounts=2)
    entries = [*parts(psu(watts=800), frame), srv, breakout(), gpu("g", usd=10, **BLOWER), riser()]
    out, n = cards(entries)
    # Two places: the ATX unit (board + one card) and one server PSU (two cards at 120 V: 810 W).
    assert len(out.builds[0].psus) == 2 and n == 3


def test_chassis_bundled_psus_are_used_and_never_bought_twice():
    own = psu("own", form="server", watts=2000, low=1000, priced=False, efficiency="platinum")
    own.update(needs_breakout=False, family="", connectors={"pcie_8pin": 8, "eps_8pin": 2})
    box = chassis(
        "box",
        kind="rack",
        passive=True,
        usd=400,
        bays=2,
        bundled_psus={"id": "own", "count": 2},
        bundled_redundant=1,
    )
    out, n = cards(
        [*parts(box), own, psu(watts=2000, usd=1), gpu("g", usd=10, tdp_w=200, **BLOWER)],
        require={"chassis_kinds": ["rack"]},
    )
    build = out.builds[0]
    # One working 1,000 W unit at 120 V (the other is the redundant spare): peaks 250 W + 2 x 400 W
    # within 1,200 W (server class 120 %), a third card would not be.
    assert [p.id for p in build.psus] == ["own"] and n == 2
    assert out.values[0]["cost"] == 400 + 300 + 200 + 8 * 10 + 2 * 10
