"""The shipped catalogue: loads, meets the coverage counts with real parts, and agrees with the seeds."""

import re

import pytest

from planner.schema import Part

COUNTS = {
    "gpu": 120,
    "cpu": 40,
    "board": 30,
    "memory": 10,
    "psu": 25,
    "breakout": 2,
    "chassis": 15,
    "riser": 8,
    "system": 10,
    "llm": 35,
    "quant": 20,
    "server": 1,
}


def test_catalogue_meets_coverage_counts(catalog):
    kinds = catalog.kinds()
    short = {k: (kinds.get(k, 0), n) for k, n in COUNTS.items() if kinds.get(k, 0) < n}
    assert not short, f"kinds below their count (have, need): {short}"


def test_every_part_has_a_dated_price_or_says_why_not(catalog):
    unpriced = []
    for e in catalog.entries.values():
        assert len(e.source) >= 3
        if isinstance(e, Part):
            if not e.prices:
                assert "price" in e.notes.lower(), f"{e.id} has no price and no note saying why"
                unpriced.append(e.id)
            for p in e.prices:
                assert p.condition in ("new", "used") and p.date.year >= 2015
    assert len(unpriced) <= 3


def test_ids_are_slugs(catalog):
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in catalog.entries)


@pytest.mark.parametrize(
    "part_id",
    [
        "gtx-1080-ti",
        "rtx-2080-ti",
        "titan-rtx",
        "rtx-3060-12gb",
        "rtx-3090",
        "rtx-3090-ti",
        "rtx-4060-ti-16gb",
        "rtx-4090",
        "rtx-5090",
        "quadro-rtx-8000",
        "rtx-a6000",
        "rtx-6000-ada",
        "tesla-k80",
        "tesla-m40-24gb",
        "tesla-p40",
        "tesla-p100-16gb",
        "tesla-t4",
        "a100-80gb-pcie",
        "h100-pcie",
        "l40s",
        "radeon-vii",
        "radeon-rx-7900-xtx",
        "instinct-mi50-32gb",
        "instinct-mi210",
        "arc-a770-16gb",
        "arc-b580",
        "arc-pro-b60",
    ],
)
def test_named_gpus_are_present(catalog, part_id):
    assert catalog.get(part_id, "gpu")


def test_seed_table_figures(catalog):
    # Seed: FP16 dense tensor TFLOP/s with FP32 accumulate, and bandwidths.
    assert catalog.get("rtx-4090").fp16_tflops == pytest.approx(165, rel=0.02)
    assert catalog.get("rtx-3090").fp16_tflops == pytest.approx(71, rel=0.02)
    assert catalog.get("rtx-3060-12gb").fp16_tflops == pytest.approx(25, rel=0.03)
    k80 = catalog.get("tesla-k80")
    assert (k80.gpus_per_card, k80.memory_gb, k80.bandwidth_gbs) == (2, 12, 240)
    assert not k80.software.cuda_supported
    p40 = catalog.get("tesla-p40")
    assert p40.fp16_basis == "shader-fp32" and p40.bandwidth_gbs == pytest.approx(347, rel=0.01)
    assert catalog.get("ryzen-9-7950x").memory_bandwidth_gbs == pytest.approx(83.2, rel=0.01)
    assert catalog.get("xeon-platinum-8280").memory_bandwidth_gbs == pytest.approx(140.8, rel=0.01)


def test_boards_slots_are_in_order_and_sockets_have_cpus(catalog):
    sockets = {c.socket for c in catalog.of_kind("cpu")}
    for b in catalog.of_kind("board") + catalog.of_kind("server"):
        assert b.socket in sockets
        positions = [s.position for s in b.slots]
        assert positions == sorted(set(positions))
