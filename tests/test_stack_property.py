"""Property: every build the solver returns runs on one runtime that supports all its cards, has no legacy
card unless the request allows legacy, one vendor unless mixing is allowed, and nothing loud in a quiet
request (server PSUs, breakout boards, rack gear, passive cards)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny import GPU_KINDS as KINDS
from tiny import board, breakout, chassis, cpu, dimm, gpu, make_catalog, psu, request, rules, solve_checked

from planner.data.stack import card_serves, choose_stack


@st.composite
def instances(draw):
    cards = [
        gpu(
            f"g{i}",
            usd=draw(st.integers(50, 600)),
            memory_gb=draw(st.sampled_from([12, 16, 24])),
            cooling=draw(st.sampled_from(["blower", "blower", "open-air", "passive"])),
            **KINDS[draw(st.sampled_from(sorted(KINDS)))],
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    units = [psu("atx", usd=150, watts=1300), psu("srv", usd=20, form="server", family="srv"), breakout()]
    cases = [chassis(), chassis("rack", kind="rack", passive=True, usd=draw(st.integers(50, 200)))]
    entries = [board(), cpu(), dimm(), *cases, *units, *cards]
    software = {"mixed_vendors": draw(st.booleans()), "legacy": draw(st.booleans())}
    req = request(
        budget_usd=draw(st.integers(1500, 4000)),
        objective="vram",
        require={"max_gpus": 3, **draw(st.sampled_from([{}, {"chassis_kinds": ["tower", "rack"]}]))},
        software=software,
        site={"noise": draw(st.sampled_from(["quiet", "normal", "loud"]))},
    )
    return make_catalog(entries), req


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_build_runs_on_one_runtime_and_keeps_the_request(instance):
    cat, req = instance
    out = solve_checked(cat, req, rules(), time_limit_s=10)  # the checker judges every build too
    for build in out.builds:
        cards = [cat.entries[g.id] for g in build.gpu_cards()]
        if not cards:
            continue
        assert all(build.runtime in card_serves(cat, req, c) for c in cards)
        stack = choose_stack(cat, req, cards, build.runtime, build.split)
        assert not stack.problems
        assert req.software.legacy or not stack.legacy
        assert req.software.mixed_vendors or len({c.vendor for c in cards}) == 1
        if req.site.noise == "quiet":
            assert all(p.id == "atx" and not p.breakout for p in build.psus)
            assert build.chassis != "rack" and all(c.cooling != "passive" for c in cards)
