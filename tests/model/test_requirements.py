"""Requirements: GPU count range, minimum VRAM, vendors, NVLink, and the cost objective."""

from tiny import base_parts, gpu, make_catalog, request, rules, solve_checked

CARDS = [
    gpu("nv", usd=700, memory_gb=24, cooling="blower"),
    gpu("amd", usd=300, memory_gb=16, cooling="blower", vendor="AMD"),
    gpu("link", usd=900, memory_gb=24, cooling="blower", nvlink="nvlink-test"),
]
PLATFORM = 780


def solved(**req):
    return solve_checked(make_catalog([*base_parts(), *CARDS]), request(**req), rules())


def test_cheapest_build_meeting_min_vram():
    out = solved(objective="cost", require={"min_vram_gb": 40})
    # Three 16 GB cards ($900) beat 16 + 24 GB ($1,000).
    assert sorted(g.id for g in out.builds[0].gpus) == ["amd", "amd", "amd"]
    assert out.values[0]["cost"] == PLATFORM + 900


def test_vendor_filter():
    out = solved(objective="cost", require={"min_vram_gb": 40, "vendors": ["nvidia"]})
    assert sorted(g.id for g in out.builds[0].gpus) == ["nv", "nv"]


def test_nvlink_requirement():
    out = solved(objective="cost", require={"min_vram_gb": 40, "nvlink": True})
    assert sorted(g.id for g in out.builds[0].gpus) == ["link", "link"]


def test_min_and_max_gpus():
    out = solved(objective="vram", require={"max_gpus": 1})
    assert [g.id for g in out.builds[0].gpus] in (["nv"], ["link"])
    out = solved(objective="cost", require={"min_gpus": 2})
    assert sorted(g.id for g in out.builds[0].gpus) == ["amd", "amd"]


def test_impossible_vram_is_infeasible():
    assert solved(objective="cost", require={"min_vram_gb": 500}).status == "infeasible"
