"""Typed results and the statements reports make: the link between cards is what the build has (NVLink
only with a bridge part), each card's link comes from its slot, devices are labelled as what they are."""

import pytest
from results_checks import check_stated_facts, check_width, render_build

from planner.api import Problem, build_result, check_problem, load_problem, solve_problem
from planner.schema.build import Build
from planner.schema.request import Request
from planner.schema.result import BuildResult, Result

ROMED = {
    "board": "romed8-2t",
    "cpu": "epyc-7302p",
    "memory": {"id": "samsung-32gb-ddr4-3200-rdimm", "count": 8},
    "chassis": "fractal-torrent",
    "psus": [{"id": "hx1500i-2023"}],
}


@pytest.fixture(scope="module")
def problem(catalog, default_rules):
    workload = {"model": "qwen2-5-32b", "quant": "awq-4bit-g128", "backend": "vllm", "split": "tensor"}
    return Problem(catalog, Request(budget_usd=100_000, workload=workload), default_rules)


def _two(gpu, slots, bridges=()):
    cards = [{"id": gpu, "slot": q, "mount": "direct", "psu": 1} for q in slots]
    return Build.model_validate({**ROMED, "gpus": cards, "bridges": [{"id": b} for b in bridges]})


@pytest.mark.parametrize("gpu", ["rtx-3090", "instinct-mi50-32gb"])
def test_cards_without_a_bridge_talk_over_pcie(problem, catalog, gpu):
    result = build_result(_two(gpu, [1, 5]), problem)
    assert result.card_link is not None and result.card_link.kind == "pcie" and result.card_link.bridge is None
    text = render_build(result, 140)
    assert "NVLink" not in text and "card link: PCIe gen4 x16" in text
    check_stated_facts(text, result, catalog)


def test_a_bridge_at_its_spacing_gives_nvlink_and_a_faster_tensor_split(problem, catalog):
    plain = build_result(_two("rtx-3090", [1, 5]), problem)
    bridged = build_result(_two("rtx-3090", [1, 5], ["geforce-rtx-nvlink-bridge-30-4-slot"]), problem)
    assert bridged.violations == [] and bridged.card_link.kind == "nvlink"
    assert bridged.card_link.bridge == "geforce-rtx-nvlink-bridge-30-4-slot"
    assert bridged.throughput.prefill_tokens_per_s > plain.throughput.prefill_tokens_per_s
    assert "NVLink bridge 56.25 GB/s" in render_build(bridged, 140)
    check_stated_facts(render_build(bridged, 140), bridged, catalog)
    # The 3-slot bridge does not reach cards four positions apart: a broken rule, and no NVLink claimed.
    wrong = build_result(_two("rtx-3090", [1, 5], ["geforce-rtx-nvlink-bridge-30-3-slot"]), problem)
    assert wrong.card_link.kind == "pcie" and any(v.startswith("NVLink bridge") for v in wrong.violations)


def test_each_card_gets_its_slots_link_not_its_own_maximum(catalog, default_rules):
    # proart-b550-creator: slot 6 is a chipset x4 (gen3) slot; an RTX 5090 is a gen5 x16 card.
    build = Build.model_validate(
        {
            **ROMED,
            "board": "proart-b550-creator",
            "cpu": "ryzen-9-5900x",
            "memory": {"id": "kingston-fury-beast-16gb-ddr4-3200", "count": 2},
            "gpus": [
                {"id": "rtx-5090", "slot": 1, "mount": "riser", "psu": 1},
                {"id": "rtx-3090", "slot": 6, "mount": "riser", "psu": 1},
            ],
        }
    )
    wl = {"model": "llama-3-1-8b", "quant": "q4_k_m"}
    result = build_result(build, Problem(catalog, Request(budget_usd=100_000, workload=wl), default_rules))
    by_slot = {c.slot: c for c in result.cards}
    assert (by_slot[6].gen, by_slot[6].lanes, by_slot[6].via) == (3, 4, "chipset")
    assert by_slot[1].gen == 4 and by_slot[1].slot_gen == 4  # the board's gen4 slot caps the gen5 card
    assert result.card_link.text.startswith("PCIe gen3 x4 via chipset")
    check_stated_facts(render_build(result, 140), result, catalog)


def test_solve_problem_returns_the_typed_result(tmp_path):
    req = tmp_path / "r.yaml"
    req.write_text("budget_usd: 1500\nrequire: {max_gpus: 1, chassis_kinds: [tower]}\n")
    result = solve_problem(load_problem(req))
    assert isinstance(result, Result) and isinstance(result.best, BuildResult)
    assert Result.model_validate_json(result.model_dump_json()) == result
    assert result.best.cards[0].number == 1 and result.best.power.psus[0].number == 1
    assert [lim.name for lim in result.best.why.limits][:1] and result.best.why.limits[0].text
    check_width(render_build(result.best, 80), 80)


def test_check_problem_reports_the_same_numbering_as_the_file(tmp_path, catalog, default_rules):
    path = tmp_path / "b.yaml"
    path.write_text(
        "board: romed8-2t\ncpu: epyc-7302p\nmemory: {id: samsung-32gb-ddr4-3200-rdimm, count: 8}\n"
        "chassis: fractal-torrent\npsus: [{id: hx1500i-2023}, {id: hx1500i-2023}]\n"
        "gpus: [{id: rtx-3090, psu: 2}, {id: rtx-3090, psu: 1}]\n"
    )
    checked = check_problem(path, Problem(catalog, Request(budget_usd=100_000), default_rules))
    assert [c.psu for c in checked.build.cards] == [2, 1]
    assert {p.number: p.feeds for p in checked.build.power.psus} == {1: [2], 2: [1]}


def test_next_step_solves_again_with_the_binding_limit_moved():
    from tiny import base_parts, gpu, make_catalog, rules

    cat = make_catalog([*base_parts(), gpu("small", usd=400, memory_gb=16), gpu("big", usd=600, memory_gb=48)])
    # The platform costs $780: $1,200 buys the 16 GB card and leaves $20.
    problem = Problem(cat, Request(budget_usd=1_200, require={"max_gpus": 1}), rules())
    result = solve_problem(problem, next_step=True)
    assert result.best.gpu_count == 1 and result.best.vram_gb == 16
    binding = [lim.name for lim in result.best.why.limits if lim.binds]
    assert binding[0] == "budget"
    # A quarter more budget ($1,500) buys the 48 GB card.
    assert result.best.why.next_step == "with $1,500 (+$300): 1x big, $1,380, VRAM 16.0 -> 48.0 GB"
