"""Physical facts about parts under the effective rules, shared by the model builder and the checker."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from planner.schema import Breakout, Chassis, Gpu, Psu, Riser
from planner.schema.request import Site
from planner.schema.rules import Rules

LOW_LINE_MAX_V = 150  # 100-127 V mains is "low line" for server PSUs; 200-240 V is high line.


@dataclass(frozen=True)
class CircuitSlot:
    """One wall circuit, with the continuous watts it may carry."""

    index: int
    volts: float
    amps: float
    limit_w: float

    @property
    def label(self) -> str:
        return f"circuit {self.index + 1} ({self.volts:g} V / {self.amps:g} A)"


def circuits(site: Site, rules: Rules) -> list[CircuitSlot]:
    """Every circuit instance of the site, with its continuous limit."""
    derate = site.continuous_derating or rules.power.continuous_derating
    out: list[CircuitSlot] = []
    for c in site.circuits:
        for _ in range(c.count):
            out.append(CircuitSlot(len(out), c.volts, c.amps, c.volts * c.amps * derate))
    return out


def psu_rating_w(psu: Psu, volts: float) -> float:
    """What a PSU delivers on a circuit of this voltage (server PSUs derate at low line)."""
    return psu.watts_low_line if volts <= LOW_LINE_MAX_V else psu.watts


def psu_sustained_w(psu: Psu, volts: float, rules: Rules) -> float:
    """Sustained DC load the rules allow on a PSU."""
    return psu_rating_w(psu, volts) * (1 - rules.power.psu_load_headroom)


def psu_peak_w(psu: Psu, volts: float, rules: Rules) -> float:
    """Millisecond peak a PSU rides through."""
    tol = rules.power.psu_transient_tolerance
    klass: Literal["atx3", "atx2", "server"] = (
        "server" if psu.form == "server" else ("atx3" if psu.atx_version in ("3.0", "3.1") else "atx2")
    )
    return psu_rating_w(psu, volts) * tol[klass]


def efficiency(psu: Psu, rules: Rules) -> float:
    """Fraction of wall power delivered as DC."""
    return rules.power.efficiency.get(psu.efficiency, rules.power.efficiency.get("unrated", 0.8))


def transient_factor(gpu: Gpu, rules: Rules) -> float:
    """GPU millisecond peak over TDP."""
    table = rules.power.transient_factor
    return table.get(gpu.architecture.lower(), table.get("default", 1.5))


def card_peak_w(gpu: Gpu, rules: Rules) -> float:
    """Peak draw of one card."""
    return gpu.tdp_w * transient_factor(gpu, rules)


def hpwr_as_8pin(gpu: Gpu, rules: Rules) -> int:
    """8-pin leads an adapter needs to feed this card's 12VHPWR/12-pin socket."""
    return max(2, min(4, math.ceil(gpu.tdp_w / rules.power.adapter_8pin_per_w)))


def eps_as_8pin() -> int:
    """PCIe 8-pin leads a dual-8-pin-to-EPS adapter takes for one EPS socket (as P40 owners use)."""
    return 2


def width_slots(gpu: Gpu) -> int:
    """Back-plate positions a card covers."""
    return math.ceil(gpu.slot_width - 1e-9)


def span_slots(gpu: Gpu, chassis: Chassis | None, rules: Rules) -> int:
    """Positions a directly mounted card keeps free: its width plus the open-air gap in a case."""
    closed = chassis is None or chassis.chassis_kind != "open-frame"
    gap = rules.cooling.open_air_gap_slots if (closed and gpu.cooling == "open-air") else 0
    return width_slots(gpu) + gap


def riser_ok(riser: Riser, gen: int, rules: Rules) -> bool:
    """A riser holds a link of this generation: rated for it, and short enough if a passive ribbon."""
    if riser.riser_kind == "usb-x1" or riser.lanes < rules.pcie.min_lanes_per_gpu:
        return False
    if riser.pcie_gen < gen:
        return False
    if riser.riser_kind == "ribbon":
        limit = rules.pcie.riser_max_length_mm.get(gen)
        return limit is None or riser.length_mm <= limit
    return True


def breakout_fits(breakout: Breakout, psu: Psu) -> bool:
    """A breakout board takes this server PSU."""
    return psu.family in breakout.fits_families
