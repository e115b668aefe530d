"""Wall circuits: wall draw within each circuit's continuous limit; more circuits allow more cards."""

from tiny import base_parts, board, breakout, chassis, gpu, make_catalog, psu, request, rules, solve_checked

SEVEN = [{"position": p, "size": 16, "lanes": 16, "gen": 4, "link": "cpu"} for p in range(1, 8)]


def entries():
    kept = [p for p in base_parts() if p["kind"] not in ("psu", "chassis", "board")]
    srv = psu("srv", form="server", watts=2000, low=1000, family="srv", usd=30, efficiency="platinum")
    return [
        *kept,
        board(slots=SEVEN),
        psu(watts=1000),
        srv,
        breakout(six_pin=16),
        chassis(bays=1, cooling_w=10_000),
        gpu("g", usd=10, cooling="blower", tdp_w=300, width=1),
    ]


def count(req_site):
    out = solve_checked(make_catalog(entries()), request(objective="vram", site=req_site), rules())
    return out, len(out.builds[0].gpus)


def test_one_15a_circuit_caps_the_build():
    # 120 V x 15 A x 0.8 = 1440 W; 250 W platform + 300 W per card at ~90 % efficiency.
    _, n = count({"circuits": [{"volts": 120, "amps": 15}]})
    assert n == 3


def test_two_circuits_carry_more_cards():
    out, n = count({"circuits": [{"volts": 120, "amps": 15, "count": 2}]})
    assert n > 3
    assert {p.circuit for p in out.builds[0].psus} == {1, 2}


def test_wall_rule_can_be_infeasible():
    out = solve_checked(
        make_catalog(entries()),
        request(require={"min_gpus": 6}, site={"circuits": [{"volts": 120, "amps": 15}]}),
        rules(),
    )
    assert out.status == "infeasible"
