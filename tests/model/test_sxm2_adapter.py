"""SXM2 modules on PCIe adapter boards: a card that needs an adapter is built only with one, one per card, paid
for in the build; the checker holds a build to it; the shipped V100 SXM2 entries and their adapter agree."""

import pytest
from tiny import accessory, base_build, base_parts, gpu, make_catalog, request, rules, solve_checked

from planner.check import check_build
from planner.cli import run
from planner.data.stack import card_serves
from planner.instance.resolve import resolve
from planner.schema.result import EstimateResult

ADAPTER = "sxm2-adapter"


def sxm(id="sxm", usd=10):
    return gpu(id, usd=usd, cooling="blower", needs=[ADAPTER])


def board_for(*ids, usd=40):
    return accessory("carrier", usd=usd, kind=ADAPTER, fits=ids)


def vram_build(entries, **req):
    out = solve_checked(make_catalog(entries), request(objective="vram", **req), rules())
    return out.builds[0] if out.builds else None


def ids(build, kind):
    return [(p.id, p.count) for p in getattr(build, kind)]


def test_each_card_that_needs_an_adapter_buys_one():
    build = vram_build([*base_parts(), sxm(), board_for("sxm")])
    cards = sum(1 for g in build.gpus if g.id == "sxm")
    assert cards > 0
    assert ids(build, "accessories") == [("carrier", cards)]


def test_without_a_fitting_adapter_the_card_is_not_built():
    plain = gpu("plain", usd=900, cooling="blower", memory_gb=8)
    for extra in ([], [board_for("other-card")]):
        build = vram_build([*base_parts(), sxm(), plain, *extra])
        assert build is not None and {g.id for g in build.gpus} == {"plain"}
        assert not build.accessories


def cheapest_build(entries):
    """The cheapest build with a card from these entries, checked by the checker."""
    out = solve_checked(
        make_catalog([*base_parts(), *entries]), request(objective="cost", require={"min_gpus": 1}), rules()
    )
    return out.builds[0]


def test_the_adapter_is_paid_for_within_the_budget():
    # Only the adapter's price tells these two apart: the cheaper total wins under a cost objective.
    cheap_card = [sxm("dear-board", usd=10), board_for("dear-board", usd=500)]
    dear_card = [sxm("cheap-board", usd=100), accessory("carrier-b", usd=5, kind=ADAPTER, fits=("cheap-board",))]
    build = cheapest_build([*cheap_card, *dear_card])
    assert [g.id for g in build.gpus] == ["cheap-board"]
    assert ids(build, "accessories") == [("carrier-b", 1)]


def test_a_cheaper_shroud_makes_a_dearer_passive_card_the_cheaper_build():
    # The same kind of accessory question for shrouds: dominance must not drop a card for its own price alone.
    cheap_card = [gpu("p-dear-shroud", usd=10, cooling="passive"), accessory("s-a", usd=500, fits=("p-dear-shroud",))]
    dear_card = [gpu("p-cheap-shroud", usd=100, cooling="passive"), accessory("s-b", usd=5, fits=("p-cheap-shroud",))]
    build = cheapest_build([*cheap_card, *dear_card])
    assert [g.id for g in build.gpus] == ["p-cheap-shroud"]
    assert ids(build, "accessories") == [("s-b", 1)]


def test_checker_wants_an_adapter_per_card():
    cat = make_catalog([*base_parts(), sxm("g"), board_for("g")])
    bare = base_build()
    assert any(ADAPTER in str(v) for v in check_build(bare, cat, request(), rules()))
    fitted = base_build(accessories=[{"id": "carrier", "count": 1}])
    assert not any(ADAPTER in str(v) for v in check_build(fitted, cat, request(), rules()))


SXM2 = ("tesla-v100-sxm2-16gb", "tesla-v100-sxm2-32gb")


@pytest.mark.parametrize("gpu_id", SXM2)
def test_shipped_v100_sxm2_needs_the_adapter_and_runs_like_volta(catalog, gpu_id):
    card, pcie = catalog.get(gpu_id, "gpu"), catalog.get("tesla-v100-16gb-pcie", "gpu")
    # NVIDIA V100 datasheet, SXM2 column.
    assert (card.bandwidth_gbs, card.tdp_w, card.fp32_tflops, card.fp16_tflops) == (900, 300, 15.7, 125)
    assert card.needs == (ADAPTER,)
    assert any(a.accessory_kind == ADAPTER and a.fits(gpu_id) for a in catalog.of_kind("accessory"))
    # Volta: the same runtimes and last CUDA release as the PCIe V100 (CUDA 12.x, not 13).
    req = request()
    assert card_serves(catalog, req, card) == card_serves(catalog, req, pcie)
    assert card_serves(catalog, req, card)["cuda"].last.startswith("12.")


def test_shipped_sxm2_cards_are_options_only_with_an_adapter_to_hand(catalog):
    # The shipped adapter has no price (none observed): the cards wait for an owned or user-priced adapter.
    def options(**req):
        inst = resolve(catalog, request(**req), rules(), prune=False)
        return {o.id for o in inst.gpus} & set(SXM2)

    assert options() == set()
    assert options(owned=[{"id": "sxm2-pcie-adapter-board", "count": 2}]) == set(SXM2)


def test_estimate_two_v100_sxm2_32gb_on_a_70b(capsys):
    code = run(["estimate", "--gpu", "tesla-v100-sxm2-32gb:2", "--model", "llama-3-3-70b", "--quant", "q4_k_m",
                "--json"])
    data = EstimateResult.model_validate_json(capsys.readouterr().out)
    assert code == 0 and data.fits and data.decode_tokens_per_s and data.decode_tokens_per_s > 0
