"""Physical facts about parts under the effective rules, shared by the model builder and the checker."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from planner.schema import Accessory, Breakout, Chassis, Gpu, Psu, Riser
from planner.schema.request import Site
from planner.schema.rules import Rules

LOW_LINE_MAX_V = 150  # 100-127 V mains is "low line" for server PSUs; 200-240 V is high line.
# Chassis cooling_capacity_w figures are stated at this case-air rise (constraints/default.yaml says why).
CATALOGUE_AIR_RISE_C = 10.0
W_TO_BTU_H = 3.412  # 1 W = 3.412 BTU/h


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


def psu_class(psu: Psu) -> Literal["atx3", "atx2", "server"]:
    """The transient class of a PSU: ATX 3.x, older ATX, or server."""
    return "server" if psu.form == "server" else ("atx3" if psu.atx_version in ("3.0", "3.1") else "atx2")


def psu_peak_w(psu: Psu, volts: float, rules: Rules) -> float:
    """Millisecond peak a PSU rides through."""
    return psu_rating_w(psu, volts) * rules.power.psu_transient_tolerance[psu_class(psu)]


def efficiency(psu: Psu, rules: Rules) -> float:
    """Fraction of wall power delivered as DC."""
    return rules.power.efficiency.get(psu.efficiency, rules.power.efficiency.get("unrated", 0.8))


def transient_factor(gpu: Gpu, rules: Rules) -> float:
    """GPU millisecond peak over TDP."""
    table = rules.power.transient_factor
    return table.get(gpu.architecture.lower(), table.get("default", 1.5))


def card_w(gpu: Gpu, limit_w: float | None = None) -> float:
    """Sustained draw of one card: its power limit when one is set, else its default board power."""
    return gpu.tdp_w if limit_w is None else limit_w


def card_peak_w(gpu: Gpu, rules: Rules, limit_w: float | None = None) -> float:
    """Peak draw of one card: its excursions scale with the power target the firmware regulates to."""
    return card_w(gpu, limit_w) * transient_factor(gpu, rules)


def limit_range(gpu: Gpu, rules: Rules) -> tuple[float, float]:
    """(lowest, highest) power limit the card's driver accepts, W: catalogue data, else the rules' default."""
    if gpu.power_limit_range is not None:
        return gpu.power_limit_range.min_w, gpu.power_limit_range.max_w
    pl = rules.power_limits
    return gpu.tdp_w * pl.default_min_fraction, gpu.tdp_w * pl.default_max_fraction


def limit_levels(gpu: Gpu, rules: Rules) -> list[float | None]:
    """Power limits the solver may set on a card, highest first: None (the default) and each level of the
    rules that lies within the card's range, in whole watts."""
    low, high = limit_range(gpu, rules)
    out: list[float | None] = [None]
    for level in sorted(set(rules.power_limits.levels), reverse=True):
        watts = float(math.floor(gpu.tdp_w * level))
        if level < 1 and low - 1e-9 <= watts <= high + 1e-9 and watts not in out:
            out.append(watts)
    return out


def hpwr_as_8pin(gpu: Gpu, rules: Rules) -> int:
    """8-pin leads an adapter needs to feed this card's 12VHPWR/12-pin socket: the adapter the card ships
    with where the rules name it (the RTX 30 FE 12-pin adapter takes two), else by default board power."""
    named = rules.power.adapter_leads.get(gpu.architecture.lower())
    if named is not None:
        return named
    return max(2, min(4, math.ceil(gpu.tdp_w / rules.power.adapter_8pin_per_w)))


def eps_as_8pin() -> int:
    """PCIe 8-pin leads a dual-8-pin-to-EPS adapter takes for one EPS socket (as P40 owners use)."""
    return 2


def width_slots(gpu: Gpu) -> int:
    """Back-plate positions a card covers."""
    return math.ceil(gpu.slot_width - 1e-9)


def span_slots(gpu: Gpu, chassis: Chassis | None, rules: Rules) -> int:
    """Positions a directly mounted card keeps from other direct cards: its width plus the open-air gap
    the rules ask for in a case (a riser cable may still use a gap position: it does not block air)."""
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


def riser_gen(riser: Riser, rules: Rules) -> int | None:
    """The fastest PCIe generation (3 to 5) the riser holds a link at, or None when it holds none."""
    return next((gen for gen in (5, 4, 3) if riser_ok(riser, gen, rules)), None)


def breakout_fits(breakout: Breakout, psu: Psu) -> bool:
    """A breakout board takes this server PSU."""
    return psu.family in breakout.fits_families


def fits_shroud(accessory: Accessory, gpu: Gpu) -> bool:
    """A fan shroud for this passive card."""
    return accessory.accessory_kind == "fan-shroud" and accessory.fits(gpu.id)


def case_heat_share(gpu: Gpu, rules: Rules) -> float:
    """Share of a card's power that heats the air inside its enclosure: a blower cooler pushes most of
    its heat out through the bracket; open-air, passive and liquid-cooled cards leave it all inside."""
    return 1 - rules.cooling.blower_exhaust_share if gpu.cooling == "blower" else 1.0


def cooling_capacity_w(chassis: Chassis, rules: Rules) -> float | None:
    """Heat a closed case moves at the allowed case-air rise (airflow scales linearly with it); None for an
    open frame, which room air cools."""
    if chassis.chassis_kind == "open-frame":
        return None
    return chassis.cooling_capacity_w * rules.cooling.case_air_rise_c / CATALOGUE_AIR_RISE_C


def psu_places(chassis: Chassis) -> tuple[int, bool]:
    """(PSUs it holds, whether server PSUs count too): open frames hold PSUs of any form on shelves or
    brackets; closed cases hold ATX units in bays and leave server PSUs outside."""
    if chassis.chassis_kind == "open-frame":
        return (chassis.psu_mounts or chassis.psu_bays), True
    return chassis.psu_bays, False
