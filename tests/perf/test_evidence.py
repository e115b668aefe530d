"""Evidence tiers and bands: every figure has likely and conservative values; the solver and the checker
use the same edge (conservative by default, likely on request)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from perf_fixtures import gpu, llm, quant

from planner.perf import Device, Workload, band, device_tier, estimate
from planner.perf.constants import constants

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _measured_id() -> tuple[str, str]:
    """A device id the calibration runs measured under llama.cpp/cuda, and its family."""
    ev = constants()["evidence"]["llama.cpp/cuda"]
    assert "rtx-3090" in ev["devices"] and "ampere" in ev["families"]
    return "rtx-3090", "ampere"


def test_tiers_follow_what_was_measured(rtx3090: Device) -> None:
    dev_id, _family = _measured_id()
    assert device_tier(replace(rtx3090, id=dev_id), "llama.cpp/cuda") == "measured"
    assert (
        device_tier(replace(rtx3090, id="never-measured-card", bandwidth_gbs=777), "llama.cpp/cuda")
        == "family"
    )
    unknown = replace(rtx3090, id="never-measured-card", architecture="kepler", bandwidth_gbs=777)
    assert device_tier(unknown, "llama.cpp/cuda") == "prior"
    assert device_tier(replace(rtx3090, id=dev_id), "llama.cpp/sycl") == "prior"


def test_bands_widen_as_evidence_weakens() -> None:
    for kind in ("decode", "prompt"):
        lows = [float(band(kind, t)["low"]) for t in ("measured", "family", "prior")]  # type: ignore[arg-type]
        assert 0 < lows[2] <= lows[1] <= lows[0] < 1.05
        assert all("held-out" in str(band(kind, t)["basis"]) for t in ("measured", "family", "prior"))  # type: ignore[arg-type]


def test_conservative_is_the_band_low_edge_of_each_devices_tier(rtx3090: Device) -> None:
    work = Workload(llm(), quant("q4-0", 4.54), prompt=512, generate=128)
    measured = estimate([replace(rtx3090, id="rtx-3090")], work)
    unknown = estimate(
        [replace(rtx3090, id="never-measured", architecture="kepler", cuda_supported=True)], work
    )
    assert measured.evidence == "measured" and unknown.evidence == "prior"
    low = float(band("decode", "measured")["low"])
    assert measured.decode_conservative == pytest.approx(measured.decode_tokens_per_s * low, rel=1e-6)
    assert measured.batch_conservative == pytest.approx(measured.batch_tokens_per_s * low, rel=1e-6)
    plow = float(band("prompt", "measured")["low"])
    assert measured.prefill_conservative == pytest.approx(measured.prefill_tokens_per_s * plow, rel=1e-6)
    assert unknown.decode_conservative < unknown.decode_tokens_per_s * low  # wider band for a prior
    assert any("rest on priors" in w for w in unknown.warnings)
    data = measured.to_json()
    assert data["evidence"] == "measured" and data["decode_tokens_per_s_conservative"] > 0


def test_a_prior_card_must_win_by_a_margin() -> None:
    # Same speed on paper; the unmeasured architecture loses at the conservative edge.
    work = Workload(llm(), quant("q4-0", 4.54))
    known = gpu("known", 936, 71, id="rtx-3090")
    strange = gpu("strange", 936, 71, architecture="kepler")
    a, b = estimate([known], work), estimate([strange], work)
    assert a.decode_conservative and b.decode_conservative
    assert a.decode_conservative > b.decode_conservative


def _solve(edge: str, need: float):  # type: ignore[no-untyped-def]
    from tiny import base_parts, make_catalog, request, rules, solve_checked
    from tiny import gpu as tiny_gpu

    card = tiny_gpu("card", usd=500, memory_gb=24, bandwidth_gbs=600, cooling="blower")
    cat = make_catalog([*base_parts(), card], with_models=True)
    req = request(
        workload={"model": "llama-2-7b", "quant": "q4_0", "estimate": edge},
        objective="cost",
        require={"min_decode_tokens_per_s": need, "min_gpus": 1},
    )
    return cat, req, solve_checked(cat, req, rules())


def test_solver_and_checker_agree_on_the_edge() -> None:
    from tiny import rules

    from planner.check.context import Ctx
    from planner.check.workload import estimate_build

    cat, req, out = _solve("likely", 1.0)
    est = estimate_build(Ctx(cat, req, rules(), out.builds[0]))
    assert est is not None and est.decode_conservative is not None and est.decode_tokens_per_s is not None
    between = (est.decode_conservative + est.decode_tokens_per_s) / 2
    # A target between the two edges: met at the likely value, missed at the conservative one.
    assert _solve("likely", between)[2].status in ("optimal", "feasible")
    assert _solve("conservative", between)[2].status == "infeasible"
