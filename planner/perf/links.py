"""Links between cards: PCIe by generation and lanes (chipset slots add latency), NVLink bridges.

Tensor parallelism pays two all-reduces per layer over the slowest link; layer split pays one small
hop per card boundary. The software cost of each (the fitted hop_us / allreduce_us) is added in decode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.perf.constants import section
from planner.perf.device import Device

# Per-lane payload rate after line coding, GB/s, one direction.
PCIE_GBS_PER_LANE = {1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.877}


def pcie_line_gbs(device: Device) -> float:
    """Payload rate of the link this card actually gets (the slot may be narrower), GB/s one way."""
    gen = min(device.link_gen or device.pcie_gen, device.pcie_gen)
    lanes = min(device.link_lanes or device.pcie_lanes, device.pcie_lanes)
    return PCIE_GBS_PER_LANE.get(gen, 1.969) * lanes


def pcie_gbs(device: Device) -> float:
    """Achieved host<->card bandwidth of the link this card actually gets."""
    return pcie_line_gbs(device) * float(section("multi_gpu")["pcie_efficiency"])


@dataclass(frozen=True)
class Link:
    """The slowest link among cards: what multi-GPU traffic crosses."""

    kind: str  # pcie, nvlink or unified
    gbs: float
    latency_s: float
    gen: int | None = None
    lanes: int | None = None
    via: str | None = None

    @property
    def text(self) -> str:
        if self.kind == "nvlink":
            return f"NVLink bridge {self.gbs:g} GB/s"
        if self.kind == "unified":
            return "on-package"
        via = f" via {self.via}" if self.via and self.via != "cpu" else ""
        return f"PCIe gen{self.gen} x{self.lanes}{via} ({self.gbs:.1f} GB/s achieved)"


def slowest_link(devices: list[Device]) -> Link:
    """The link multi-device traffic is limited by: an NVLink bridge when the build has one joining
    exactly these two cards, else the slowest PCIe link the cards actually get."""
    mg = section("multi_gpu")
    nv = [d.nvlink_gbs for d in devices]
    # A bridge joins two cards; with more cards, traffic between unbridged pairs falls back to PCIe.
    if len(devices) == 2 and all(v is not None for v in nv):
        bw = min(v for v in nv if v is not None)
        return Link("nvlink", bw, float(mg["nvlink_latency_us"]) * 1e-6)
    worst: Link | None = None
    latency = float(mg["pcie_latency_us"])
    for d in devices:
        if d.link_via == "unified":
            continue
        bw = pcie_gbs(d)
        if worst is None or bw < worst.gbs:
            gen = min(d.link_gen or d.pcie_gen, d.pcie_gen)
            lanes = min(d.link_lanes or d.pcie_lanes, d.pcie_lanes)
            worst = Link("pcie", bw, 0.0, gen, lanes, d.link_via)
        if d.link_via == "chipset":
            latency = float(mg["pcie_latency_us"]) + float(mg["chipset_extra_latency_us"])
    if worst is None:
        return Link("unified", float(mg["nvlink_bridge_gbs"]), latency * 1e-6)
    return replace(worst, latency_s=latency * 1e-6)


def link_gbs(devices: list[Device]) -> tuple[float, float, str]:
    """(bandwidth GB/s, latency s, description) of the slowest link among these cards."""
    link = slowest_link(devices)
    return link.gbs, link.latency_s, link.text


def allreduce_s(devices: list[Device], hidden: int, tokens: int) -> float:
    """One ring all-reduce of `tokens` FP16 hidden states across the cards, seconds."""
    n = len(devices)
    if n < 2:
        return 0.0
    bw, latency, _ = link_gbs(devices)
    return latency + 2 * (n - 1) / n * hidden * tokens * 2 / (bw * 1e9)


def hop_bytes_s(devices: list[Device], hidden: int, tokens: int) -> float:
    """Moving `tokens` FP16 hidden states from one card to the next over the slowest link, seconds."""
    if len(devices) < 2:
        return 0.0
    bw, _, _ = link_gbs(devices)
    return hidden * tokens * 2 / (bw * 1e9)
