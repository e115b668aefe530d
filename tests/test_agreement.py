"""Solver and checker agree, as a property over random tiny catalogues, requests and constraint files.

Every rule parameter a constraint file can set is drawn across its valid range (not only the defaults),
with user rules of every kind and every limit attribute. Two properties:
- every build the solver returns passes the checker (tiny.solve_checked);
- on builds found under other rules, and on edits of them, the checker's verdict equals the model's
  feasibility with that exact build fixed (tests/agree.py).
Figures are round (watts in tens, efficiencies whose inverse is whole) so that the model's integer
scaling is exact; a disagreement is then a rule that the model and the checker state differently.
"""

from __future__ import annotations

from typing import Any

import pytest
from agree import comparable, model_accepts, with_model_risers
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from tiny import GPU_KINDS, board, chassis, cpu, dimm, gpu, make_catalog, psu, riser, solve_checked
from tiny import rules as default_rules

from planner.check import check_build
from planner.instance.resolve import resolve
from planner.schema.build import Build, GpuUse, PsuUse
from planner.schema.request import Request
from planner.schema.rules import Rules

EFFICIENCY = st.sampled_from([0.5, 0.625, 0.8, 1.0])  # 1000 / efficiency is whole: wall watts scale exactly
FACTOR = st.sampled_from([1.0, 1.2, 1.5, 2.0, 3.0])
RATINGS = ("80plus", "bronze", "silver", "gold", "platinum", "titanium", "unrated")


@st.composite
def catalogues(draw: Any) -> Any:
    slots = [
        {
            "position": q,
            "size": 16,
            "lanes": draw(st.sampled_from([4, 8, 16])),
            "gen": draw(st.sampled_from([3, 4])),
            "link": draw(st.sampled_from(["cpu", "cpu", "chipset"])),
            "bifurcation": draw(st.sampled_from([[], ["x8x8"]])),
        }
        for q in sorted(draw(st.sets(st.integers(1, 7), min_size=1, max_size=4)))
    ]
    ports = draw(st.sampled_from([[], [{"kind": "oculink", "lanes": 4, "gen": 4, "count": 2}]]))
    cards = [
        gpu(
            f"g{i}",
            usd=draw(st.integers(1, 30)) * 50,
            memory_gb=draw(st.sampled_from([8, 16, 24, 48])),
            tdp_w=draw(st.integers(7, 45)) * 10,
            width=draw(st.sampled_from([1, 2, 2.5, 3])),
            length_mm=draw(st.sampled_from([170, 267, 267, 336])),
            cooling=draw(st.sampled_from(["blower", "open-air", "passive"])),
            # Cards of every software stack: CUDA, ROCm, dropped ROCm, Vulkan-only and legacy CUDA.
            **GPU_KINDS[draw(st.sampled_from(["ampere", "ampere", "rdna3", "gfx906", "arc", "kepler"]))],
            power=draw(
                st.sampled_from([{"pcie_8pin": 2}, {"pcie_8pin": 1}, {"hpwr_12v": 1}, {"eps_8pin": 1}, {}])
            ),
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    units = [
        psu(
            f"p{i}",
            usd=draw(st.integers(1, 6)) * 50,
            watts=draw(st.sampled_from([600, 850, 1000, 1300, 1600])),
            pcie_8pin=draw(st.integers(2, 8)),
            eps=draw(st.sampled_from([1, 1, 2])),
            hpwr=draw(st.integers(0, 1)),
            atx=draw(st.sampled_from(["3.0", "2.x"])),
            efficiency=draw(st.sampled_from(RATINGS)),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    cases = [
        chassis(
            f"case{i}",
            usd=draw(st.integers(1, 4)) * 50,
            kind=draw(st.sampled_from(["tower", "rack", "open-frame"])),
            expansion=draw(st.integers(4, 8)),
            risers=draw(st.integers(0, 4)),
            cooling_w=draw(st.sampled_from([600, 1200, 3000])),
            passive=draw(st.booleans()),
            max_len=draw(st.sampled_from([300, 340, 340])),
            bays=draw(st.integers(1, 2)),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    extra = [
        riser(length_mm=draw(st.sampled_from([150, 250, 450]))),
        riser("kit", kind="oculink-kit", lanes=4),
    ]
    extra[1]["host"] = "oculink"
    if draw(st.booleans()):
        extra.append(riser("bif", kind="bifurcation-card", lanes=8) | {"outputs": 2})
    memory = [dimm("d8", size_gb=8), dimm("d16", usd=25, size_gb=16)]
    plat = [board(slots=slots, ports=ports, memory_slots=16), cpu(lanes=draw(st.sampled_from([16, 24, 128])))]
    return make_catalog([*plat, *memory, *cases, *units, *cards, *extra])


@st.composite
def requests(draw: Any, cat: Any) -> Request:
    gpus = [g.id for g in cat.of_kind("gpu")]
    objective = draw(st.sampled_from(["vram", "cost", "bandwidth", ["vram", "cost"]]))
    require: dict[str, Any] = {
        "min_gpus": draw(st.sampled_from([0, 0, 1, 2])),
        "max_gpus": draw(st.integers(2, 4)),
        "min_vram_gb": draw(st.sampled_from([0, 0, 0, 16, 48])),
        "vendors": draw(st.sampled_from([[], [], ["NVIDIA"], ["AMD"]])),
        "chassis_kinds": draw(
            st.sampled_from([["tower", "rack", "open-frame"]] * 2 + [["tower"], ["open-frame", "rack"]])
        ),
        "min_lanes_per_gpu": draw(st.sampled_from([None, None, 1, 8])),
        "systems": False,
    }
    site: dict[str, Any] = {
        "circuits": [
            {
                "volts": draw(st.sampled_from([120, 230])),
                "amps": draw(st.sampled_from([10, 15, 20])),
                "count": draw(st.integers(1, 2)),
            }
        ],
        "continuous_derating": draw(st.sampled_from([None, 0.5, 0.8, 1.0])),
        "noise": draw(st.sampled_from(["quiet", "normal", "normal", "loud"])),
    }
    owned = [{"id": draw(st.sampled_from(gpus))}] if draw(st.integers(0, 4)) == 0 else []
    return Request.model_validate(
        {
            "budget_usd": draw(st.integers(10, 200)) * 100,
            "objective": objective,
            "require": require,
            "site": site,
            "owned": owned,
            "allow_unused_owned": draw(st.booleans()),
            "allow_power_limits": draw(st.sampled_from([False, False, True])),
            "software": {
                "runtimes": draw(st.sampled_from([[], [], ["vulkan"], ["cuda", "rocm"]])),
                "mixed_vendors": draw(st.booleans()),
                "legacy": draw(st.booleans()),
            },
        }
    )


@st.composite
def selections(draw: Any, cat: Any) -> dict[str, Any]:
    if draw(st.booleans()):
        ids = [e.id for e in cat.entries.values() if e.kind in ("gpu", "psu", "chassis")]
        return {"ids": draw(st.lists(st.sampled_from(sorted(ids)), min_size=1, max_size=2, unique=True))}
    kind, where = draw(
        st.sampled_from(
            [
                ("gpu", {}),
                ("gpu", {"cooling": "passive"}),
                ("gpu", {"vendor": "amd"}),
                ("gpu", {"architecture": "rdna3"}),
                ("gpu", {"cooling": ["open-air", "blower"]}),
                ("psu", {}),
                ("psu", {"atx_version": "2.x"}),
                ("chassis", {"chassis_kind": "open-frame"}),
                ("riser", {}),
                ("memory", {"size_gb": 16}),
            ]
        )
    )
    return {"kind": kind, "where": where}


@st.composite
def user_rules(draw: Any, cat: Any) -> list[dict[str, Any]]:
    out = []
    for n in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):
        kind = draw(st.sampled_from(["forbid", "require", "at_most", "at_least", "limit", "if_then"]))
        rule: dict[str, Any] = {"kind": kind, "name": f"rule {n}"}
        if kind == "limit":
            attribute, top = draw(
                st.sampled_from(
                    [
                        ("sustained_w", 2000),
                        ("peak_w", 3000),
                        ("wall_w", 3000),
                        ("gpu_count", 4),
                        ("psu_count", 3),
                        ("total_cost_usd", 5000),
                        ("gpu_length_mm", 400),
                    ]
                )
            )
            rule |= {"attribute": attribute, "max": draw(st.integers(0, top))}
        elif kind == "if_then":
            rule |= {"if": draw(selections(cat)), "then": draw(selections(cat))}
        else:
            rule["select"] = draw(selections(cat))
            if kind in ("at_most", "at_least"):
                rule["count"] = draw(st.integers(0 if kind == "at_most" else 1, 3))
        out.append(rule)
    return out


@st.composite
def rule_sets(draw: Any, cat: Any) -> Rules:
    """Every parameter of every constraint-file section across its valid range, plus user rules."""
    from planner.data.inputs import load_rules
    from planner.schema.rules import ConstraintFile

    power = {
        "psu_load_headroom": draw(st.sampled_from([0, 0.1, 0.2, 0.2, 0.5])),
        "continuous_derating": draw(st.sampled_from([0.5, 0.75, 0.8, 1.0])),
        "platform_base_w": draw(st.integers(1, 20)) * 10,
        "per_dimm_w": draw(st.integers(0, 10)),
        "transient_factor": {"default": draw(FACTOR), "ampere": draw(FACTOR), "rdna3": draw(FACTOR)},
        "psu_transient_tolerance": {
            k: draw(st.sampled_from([1.0, 1.2, 1.3, 2.0])) for k in ("atx3", "atx2", "server")
        },
        "efficiency": {r: draw(EFFICIENCY) for r in RATINGS},
        "eps_per_socket": draw(st.integers(0, 2)),
        "adapter_8pin_per_w": draw(st.sampled_from([75, 150, 300])),
        "adapter_leads": draw(st.sampled_from([{}, {"ampere": 2}, {"ampere": 3, "rdna3": 2}])),
        "max_psus": draw(st.integers(1, 3)),
    }
    pcie = {
        "min_lanes_per_gpu": draw(st.sampled_from([1, 4, 8, 16])),
        "riser_max_length_mm": {
            3: draw(st.sampled_from([300, 600])),
            4: draw(st.sampled_from([100, 200, 300])),
        },
    }
    cooling = {
        "open_air_gap_slots": draw(st.integers(0, 3)),
        "max_sandwiched_open_air": draw(st.integers(0, 2)),
        "passive_needs_airflow": draw(st.booleans()),
        "blower_exhaust_share": draw(st.sampled_from([0.0, 0.5, 0.8])),
        "case_air_rise_c": draw(st.sampled_from([5, 10, 15, 25])),
    }
    limits = {
        "levels": draw(st.sampled_from([[1.0], [1.0, 0.8], [1.0, 0.9, 0.7]])),
        "default_min_fraction": draw(st.sampled_from([0.5, 0.7, 0.9])),
        "default_max_fraction": draw(st.sampled_from([1.0, 1.2])),
    }
    memory = {
        "min_ram_gb": draw(st.sampled_from([0, 16, 32, 64, 100, 128])),
        "populate_all_channels": draw(st.booleans()),
    }
    cf = ConstraintFile.model_validate(
        {
            "power": power,
            "power_limits": limits,
            "pcie": pcie,
            "cooling": cooling,
            "memory": memory,
            "rules": draw(user_rules(cat)),
        }
    )
    base = load_rules()
    return base.model_copy(
        update={
            "power": cf.power,
            "power_limits": cf.power_limits,
            "pcie": cf.pcie,
            "cooling": cf.cooling,
            "memory": cf.memory,
            "rules": tuple((f"drawn#{i + 1}", r) for i, r in enumerate(cf.rules)),
        }
    )


@st.composite
def problems(draw: Any) -> tuple[Any, Request, Rules]:
    cat = draw(catalogues())
    return cat, draw(requests(cat)), draw(rule_sets(cat))


SETTINGS = settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), max_examples=30)


@SETTINGS
@given(problems(), st.booleans())
def test_every_solver_build_passes_the_checker(problem: Any, prune: bool) -> None:
    cat, req, rules = problem
    solve_checked(cat, req, rules, prune=prune, time_limit_s=20)


@SETTINGS
@given(problems(), st.data())
def test_checker_verdict_equals_model_feasibility(problem: Any, data: Any) -> None:
    cat, req, rules = problem
    # Builds found under the default rules for a generous request, then judged under the drawn ones.
    objective = data.draw(st.sampled_from(["vram", "cost", "bandwidth"]))
    generous = Request.model_validate(
        {
            "budget_usd": 100_000,
            "objective": objective,
            "require": {"max_gpus": 4, "min_gpus": 1, "systems": False},
            "allow_power_limits": False,
        }
    )
    found = solve_checked(cat, generous, default_rules(), prune=False, time_limit_s=20).builds
    # And the best build under the drawn rules themselves: its edits sit on the edge of what they allow.
    found += solve_checked(cat, req, rules, prune=False, time_limit_s=20).builds
    event("found a build" if found else "nothing found")
    assume(found)
    inst = resolve(cat, req, rules, prune=False)
    from planner.model import build_model

    bm = build_model(inst)
    for build in [*found, *(_edit(data, cat, b) for b in found for _ in range(2))]:
        build = with_model_risers(bm, build)
        if not comparable(inst, build):
            event("power limits the model does not state")
            continue
        broken = [str(v) for v in check_build(build, cat, req, rules)]
        accepts = model_accepts(inst, build)
        assume(accepts is not None)
        event(f"checker {'passes' if not broken else 'rejects'}")
        note(f"build {build}\nchecker: {broken}\nmodel accepts: {accepts}")
        assert accepts == (not broken), f"model {'accepts' if accepts else 'rejects'}; checker says {broken}"


def _edit(data: Any, cat: Any, build: Build) -> Build:
    """One change a user could make: another PSU, chassis, DIMM count, circuit, slot, or a card more or less."""
    how = data.draw(st.sampled_from(["psu", "chassis", "dimms", "circuit", "slot", "drop", "add", "mount"]))
    cards = list(build.gpus)
    if how == "psu" and build.psus:
        p = data.draw(st.sampled_from([e.id for e in cat.of_kind("psu")]))
        return build.model_copy(
            update={"psus": (PsuUse(id=p, circuit=build.psus[0].circuit), *build.psus[1:])}
        )
    if how == "chassis":
        return build.model_copy(
            update={"chassis": data.draw(st.sampled_from([e.id for e in cat.of_kind("chassis")]))}
        )
    if how == "dimms" and build.memory:
        mem = build.memory.model_copy(update={"count": data.draw(st.sampled_from([4, 8, 16]))})
        return build.model_copy(update={"memory": mem})
    if how == "circuit" and build.psus:
        psus = [p.model_copy(update={"circuit": data.draw(st.integers(1, 2))}) for p in build.psus]
        return build.model_copy(update={"psus": tuple(psus)})
    positions = [s.position for s in cat.of_kind("board")[0].slots]
    if how in ("slot", "mount") and cards:
        k = data.draw(st.integers(0, len(cards) - 1))
        change = {"slot": data.draw(st.sampled_from(positions))} if how == "slot" else {}
        if how == "mount":
            change = {"mount": data.draw(st.sampled_from(["direct", "riser"])), "port": None}
            change["slot"] = cards[k].slot or positions[0]
        cards[k] = cards[k].model_copy(update=change)
    elif how == "drop" and cards:
        cards.pop(data.draw(st.integers(0, len(cards) - 1)))
    elif how == "add" and build.psus:
        g = data.draw(st.sampled_from([e.id for e in cat.of_kind("gpu")]))
        slot = data.draw(st.sampled_from(positions))
        cards.append(GpuUse(id=g, slot=slot, mount=data.draw(st.sampled_from(["direct", "riser"])), psu=1))
    return build.model_copy(update={"gpus": tuple(cards)})


@pytest.mark.slow
@settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), max_examples=300)
@given(problems(), st.data())
def test_checker_verdict_equals_model_feasibility_long(problem: Any, data: Any) -> None:
    test_checker_verdict_equals_model_feasibility.hypothesis.inner_test(problem, data)  # type: ignore[attr-defined]
