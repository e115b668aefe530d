"""Evidence behind an estimate: measured (this device and runtime are in the calibration runs), family
(its architecture was fitted under this runtime) or prior (nothing measured), and the error band of
that tier from the fitter's leave-one-out predictions. The conservative value is the band's low edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from planner.perf.constants import constants
from planner.perf.device import Device
from planner.perf.terms import Term

Tier = Literal["measured", "family", "prior"]
TIERS: tuple[Tier, ...] = ("measured", "family", "prior")
Kind = Literal["decode", "prompt"]


def signature(device: Device) -> str:
    """Figures that identify a chip whatever the product name (a Mac Studio and its M2 Ultra)."""
    return f"{device.family}|{device.bandwidth_gbs:.0f}|{device.fp16_tflops:.1f}"


def device_tier(device: Device, runtime: str) -> Tier:
    """How directly the calibration runs speak for this device under this runtime."""
    entry: Mapping[str, Any] = (constants().get("evidence") or {}).get(runtime) or {}
    if device.id in (entry.get("devices") or ()) or signature(device) in (entry.get("signatures") or ()):
        return "measured"
    if device.family in (entry.get("families") or ()):
        return "family"
    return "prior"


def weakest(tiers: Iterable[Tier]) -> Tier:
    """The least direct tier among several devices (prior when there is none)."""
    found = list(tiers)
    return max(found, key=TIERS.index) if found else "prior"


def band(kind: Kind, tier: Tier) -> dict[str, Any]:
    """Measured / predicted ratio band (10th-90th percentile) for this kind of figure and tier."""
    got = ((constants().get("bands") or {}).get(kind) or {}).get(tier)
    if not got:
        return {"low": 0.5, "high": 1.5, "basis": "no band recorded; wide prior"}
    return dict(got)


def conservative_seconds(terms: Iterable[Term], tiers: Mapping[int, Tier], kind: Kind) -> float:
    """Seconds at the band's low edge: each device's terms scaled by its own tier's low ratio.

    Per device, so that a well-measured card in a build does not take the margin of an unmeasured
    one. The layout's shared terms (hops, all-reduces, host round trips) rest on the few multi-device
    runs and take the prior tier's margin, whatever the cards. Linear in the terms, so the solver's
    per-layer coefficients carry the same edge the checker recomputes.
    """
    out = 0.0
    for t in terms:
        tier = tiers.get(t.share, "prior")
        out += t.value() / float(band(kind, tier)["low"])
    return out
