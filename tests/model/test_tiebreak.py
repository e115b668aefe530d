"""Ties are broken explicitly (issue 17): among builds equal in the request's objectives the cheaper one,
then the plainer one (cards in slots rather than on risers, a case rather than an open frame)."""

from tiny import base_parts, chassis, gpu, make_catalog, psu, request, riser, rules, solve_checked


def best(entries, **req):
    out = solve_checked(make_catalog(entries), request(**req), rules())
    return out.builds[0]


def test_an_objective_without_cost_still_gets_the_cheapest_build():
    # Dearer parts each better in a figure this build does not need (so pruning keeps them).
    dear = [chassis(f"tower-{usd}", usd=usd, cooling_w=usd * 20) for usd in (400, 300, 200)] + [
        psu(f"psu-{usd}", usd=usd, watts=usd * 10) for usd in (400, 300, 200)
    ]
    entries = [*dear, *base_parts(), gpu("g", usd=100, cooling="blower")]
    build = best(entries, objective=["vram"], require={"max_gpus": 2})
    assert len(build.gpus) == 2
    assert (build.chassis, [p.id for p in build.psus]) == ("tower-a", ["psu-a"])


def test_at_equal_cost_cards_sit_in_slots_in_a_case():
    # The frame and its riser cost what the tower costs: the tower, with the card in a slot, is plainer.
    frame = chassis("frame", kind="open-frame", expansion=0, risers=6, usd=60)
    entries = [*base_parts(), frame, riser(usd=40), gpu("g", usd=100, cooling="blower")]
    build = best(entries, objective="vram", require={"max_gpus": 1})
    assert build.chassis == "tower-a" and build.risers == ()
    assert {c.mount for c in build.gpus} == {"direct"}


def test_owned_risers_are_not_used_where_a_slot_will_do():
    # Owned parts cost nothing, so cost cannot tell a riser mount from a slot; plainness does.
    tower = chassis("tower-r", risers=2, usd=100)
    entries = [*[p for p in base_parts() if p["kind"] != "chassis"], tower, riser(usd=40)]
    entries.append(gpu("g", usd=100, cooling="blower"))
    build = best(entries, objective="vram", require={"max_gpus": 1}, owned=[{"id": "riser-a"}], allow_unused_owned=True)
    assert build.risers == () and {c.mount for c in build.gpus} == {"direct"}


def test_the_tie_breaks_follow_the_objectives_once():
    from planner.solver.solve import stages

    assert stages(("vram",)) == ("vram", "cost", "plainness")
    assert stages(("decode", "cost")) == ("decode", "cost", "plainness")
    assert stages(("cost",)) == ("cost", "plainness")
