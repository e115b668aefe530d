"""Power: PSU load with headroom, transients, connectors, server PSUs on breakouts, low-line derating."""

from tiny import base_parts, breakout, chassis, gpu, make_catalog, psu, request, rules, solve_checked


def parts(*replace):
    kinds = {e["kind"] for e in replace}
    return [p for p in base_parts() if p["kind"] not in kinds] + list(replace)


def cards(entries, **req):
    out = solve_checked(make_catalog(entries), request(objective="vram", **req), rules())
    return out, (len(out.builds[0].gpus) if out.builds else None)


BLOWER = {"cooling": "blower"}


def test_psu_headroom_limits_cards():
    # 1000 W x 0.8 = 800 W; platform 150 + 60 + 8 x 5 = 250 W; one 300 W card fits, two do not.
    _, n = cards([*parts(psu(watts=1000)), gpu("g", usd=10, **BLOWER)])
    assert n == 1


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
    hot = gpu("hot", usd=10, tdp_w=450, power={"hpwr_12v": 1}, **BLOWER)
    _, native = cards([*parts(psu(pcie_8pin=0, hpwr=1)), hot])
    _, adapted = cards([*parts(psu(pcie_8pin=3, hpwr=0)), hot])
    _, starved = cards([*parts(psu(pcie_8pin=2, hpwr=0)), hot])
    assert (native, adapted, starved) == (1, 1, 0)


def test_eps_powered_datacentre_card_uses_eps_or_two_8pins():
    dc = gpu("dc", usd=10, tdp_w=250, power={"eps_8pin": 1}, cooling="blower")
    # Two EPS leads: one for the CPU, one for a card; four 8-pins feed two more cards through adapters.
    _, n = cards([*parts(psu(eps=2, pcie_8pin=4, watts=2000)), dc])
    assert n == 3


def test_old_atx_psu_rides_smaller_transients():
    spiky = gpu("spiky", usd=10, tdp_w=300, **BLOWER)  # ampere: 2x transients
    _, atx3 = cards([*parts(psu(watts=2000, atx="3.0")), spiky])
    _, atx2 = cards([*parts(psu(watts=2000, atx="2.x")), spiky])
    # ATX 2: peaks 250 + 600 n <= 2000 x 1.3 -> n <= 3; sustained 250 + 300 n <= 1600 -> n <= 4.
    assert atx2 == 3 and atx3 >= atx2


def test_atx_psus_need_bays():
    two_bays = chassis(bays=2)
    entries = [*parts(psu(watts=1000)), psu("psu-b", watts=1000), gpu("g", usd=10, **BLOWER)]
    _, one = cards(entries)
    _, two = cards([*[e for e in entries if e["kind"] != "chassis"], two_bays])
    assert (one, two) == (1, 3)
