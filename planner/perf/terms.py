"""Time as a sum of physical terms: seconds at unit constants times a product of fitted parameters.

Every figure the model gives is built from terms such as "these bytes over this card's bandwidth"
(divided by the achieved bandwidth share) or "this many layers" (times the per-layer cost). The
estimate evaluates them with the shipped constants; the fitter reads the same terms to fit the
parameters, so the fitted physics is exactly the physics the planner runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planner.perf.constants import derived_cache, param
from planner.perf.device import Device
from planner.perf.peaks import matrix_path
from planner.schema.llm import Quant

if TYPE_CHECKING:
    from planner.perf.placement import Share
    from planner.perf.workload import Workload

# Parameters that are shares of a peak (time divides by them) and costs (time multiplies by them).
FRACTIONS = ("bandwidth", "compute", "dequant", "attention", "decode_attention", "numa", "pcie", "link")
COSTS = ("kv_attention", "layer_us", "token_us", "hop_us", "allreduce_us", "sync_us")


def quant_class(quant: Quant) -> str:
    """Kernel family of a weight format: float, q8, legacy (Q4_0 ...), k, iq, mxfp4, or the format family."""
    if quant.family != "gguf":
        return quant.family
    name = quant.id.lower().replace("_", "-")
    if "mxfp4" in name:
        return "mxfp4"
    if name.startswith(("f16", "bf16", "f32")):
        return "float"
    if name.startswith("iq"):
        return "iq"
    if name.startswith("q8"):
        return "q8"
    return "k" if "-k" in name else "legacy"


@dataclass(frozen=True)
class Ctx:
    """Where a term's parameters are looked up: the runtime, and the levels its effects key on."""

    runtime: str
    levels: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, str]:
        return dict(self.levels)


def make_ctx(runtime: str, device: Device, quant: Quant | None, flash: bool, split: str = "single") -> Ctx:
    """The lookup context of one device running one workload under one runtime (quant None: any)."""
    levels = [
        ("family", device.family),
        ("memory", device.memory_kind),
        ("vendor", device.vendor_key),
        # The units the runtime's kernels drive (a tensor card under a Vulkan driver without
        # cooperative matrices runs on its shaders): the matrix-peak share differs by path.
        ("units", matrix_path(device, runtime)),
        ("fa", "on" if flash else "off"),
        ("split", split),
    ]
    if quant is not None:
        levels.append(("quant", quant_class(quant)))
    return Ctx(runtime, tuple(levels))


_COEFFICIENTS = derived_cache()


@dataclass(frozen=True)
class Term:
    """`seconds` at unit parameters, times the product of param ** sign over `factors`."""

    seconds: float
    factors: tuple[tuple[str, int], ...]
    ctx: Ctx | None
    share: int = -1  # the share (device) it belongs to; -1 for terms of the whole layout
    label: str = ""

    def coefficient(self) -> float:
        if not self.factors or self.ctx is None:
            return 1.0
        key = (self.ctx, self.factors)
        got = _COEFFICIENTS.get(key)
        if got is None:
            levels = self.ctx.as_dict()
            got = 1.0
            for name, sign in self.factors:
                got *= param(self.ctx.runtime, name, levels) ** sign
            _COEFFICIENTS[key] = got
        return got

    def value(self) -> float:
        return self.seconds * self.coefficient()

    def scaled(self, k: float) -> Term:
        return Term(self.seconds * k, self.factors, self.ctx, self.share, self.label)


def total(terms: Iterable[Term]) -> float:
    """Seconds: the sum of the terms' values."""
    return math.fsum(t.value() for t in terms)


def by_share(terms: Iterable[Term]) -> dict[int, float]:
    """Seconds per share (-1 collects the layout's shared terms)."""
    out: dict[int, float] = {}
    for t in terms:
        out[t.share] = out.get(t.share, 0.0) + t.value()
    return out


def share_ctx(share: Share, workload: Workload, mode: str) -> Ctx:
    """Lookup context of one share: its runtime, device and the workload's quant and attention kernel."""
    return make_ctx(share.runtime.key, share.device, workload.quant, workload.flash_attention, mode)


def bandwidth_factors(device: Device) -> tuple[tuple[str, int], ...]:
    """A byte stream divides by the achieved share, and on a multi-socket host by the NUMA gain."""
    if device.kind == "cpu" and device.sockets > 1:
        return (("bandwidth", -1), ("numa", -1))
    return (("bandwidth", -1),)
