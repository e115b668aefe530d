"""The link between cards in the model, as the throughput model sees it: the slowest PCIe link in use
(its inverse bandwidth bounded by every mount and card in use), chipset latency, the layer-split hops,
and NVLink bridges bought for two cards in tensor parallel where the bridge makes them faster."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from planner import perf
from planner.instance.coeffs import AS_PER_BYTE, FS_PER_BYTE, INV_SCALE, NO_BRIDGE, TensorCoeff, inv_bandwidth
from planner.instance.resolve import bridge_gbs
from planner.model.core import BuildModel
from planner.schema import Server

TIME_KEYS = ("decode", "prefill", "batch")


@dataclass
class LinkVars:
    """The slowest link between cards: inverse bandwidth in fs/byte and in as/byte (the same bound at
    two resolutions), and whether a card is on chipset lanes."""

    inv: Any
    inv_as: Any
    chipset: Any
    inv_max: int
    inv_as_max: int


def _gbs(gen: int, lanes: int) -> float:
    mg = perf.constants.section("multi_gpu")
    return perf.links.PCIE_GBS_PER_LANE.get(gen, 1.969) * lanes * float(mg["pcie_efficiency"])


def _mounts(bm: BuildModel) -> list[tuple[Any, int, tuple[int, int, str]]]:
    """(variable, most cards it carries, (gen, lanes, lane source)) of every way a card can be mounted."""
    inst, s = bm.inst, bm.slots
    out: list[tuple[Any, int, tuple[int, int, str]]] = []

    def slot(b: int, q: int) -> Any:
        return next(sl for sl in inst.boards[b].entry.slots if sl.position == q)

    for (b, q, _cls), v in s.direct.items():
        sl = slot(b, q)
        out.append((v, 1, (sl.gen, sl.lanes, sl.link)))
    for (b, q), v in s.riser.items():
        sl = slot(b, q)
        out.append((v, 1, (sl.gen, sl.lanes, sl.link)))
    for (b, q), v in s.bifurcated.items():
        sl = slot(b, q)
        out.append((v, 1, (sl.gen, sl.lanes // 2, sl.link)))
    for (b, k), v in s.port.items():
        port = inst.boards[b].entry.ports[k]
        out.append((v, port.count, (port.gen, port.lanes, port.link)))
    for (b, _cls), v in s.bay.items():
        entry = inst.boards[b].entry
        assert isinstance(entry, Server)
        # Bays are wired to the barebone's slots in order; the model does not know which bays are
        # used, so it takes the slowest of them (the checker may find the link faster, never slower).
        wired = entry.slots[: entry.gpu_positions]
        if wired:
            worst = min(wired, key=lambda sl: _gbs(sl.gen, sl.lanes))
            out.append((v, entry.gpu_positions, (worst.gen, worst.lanes, worst.link)))
    return out


def slowest_link(bm: BuildModel) -> LinkVars:
    """The link variables (created once): the inverse bandwidth is at least that of every pair of a
    card kind and a mount kind in use, the lane width and generation being the lower of the two."""
    if bm.link is not None:
        return bm.link  # type: ignore[no-any-return]
    m, inst, g = bm.m, bm.inst, bm.gpus
    tiers: dict[tuple[int, int, str], Any] = {}
    for v, most, tier in _mounts(bm):
        if tier not in tiers:
            tiers[tier] = m.NewBoolVar(f"link_used[gen{tier[0]}x{tier[1]}:{tier[2]}]")
        m.Add(v <= most * tiers[tier])
    # Card kinds by their own link; a dual-GPU card without a switch splits its slot (split = chips).
    caps: dict[tuple[int, int, int], Any] = {}
    for i, opt in enumerate(inst.gpus):
        e = opt.entry
        cap = (e.pcie_gen, e.pcie_lanes, e.gpus_per_card if e.requires_bifurcation else 1)
        if cap not in caps:
            caps[cap] = m.NewBoolVar(f"card_link[gen{cap[0]}x{cap[1]}/{cap[2]}]")
        m.Add(g.n[i] <= bm.max_gpus * caps[cap])
    pairs = {(t, c): _gbs(min(t[0], c[0]), min(t[1] // c[2], c[1])) for t in tiers for c in caps}
    own = {c: _gbs(c[0], c[1] // c[2]) for c in caps}
    bounds = []
    for unit, name in ((FS_PER_BYTE, "fs"), (AS_PER_BYTE, "as")):
        most = max([inv_bandwidth(gbs, unit) for gbs in [*pairs.values(), *own.values()]] + [1])
        inv = m.NewIntVar(0, most, f"link_inv_{name}_per_byte")
        for (t, c), gbs in pairs.items():
            m.Add(inv >= inv_bandwidth(gbs, unit) * (tiers[t] + caps[c] - 1))
        for c, gbs in own.items():
            m.Add(inv >= inv_bandwidth(gbs, unit) * caps[c])
        bounds.append((inv, most))
    chipset = m.NewBoolVar("link_chipset")
    for t, used in tiers.items():
        if t[2] == "chipset":
            m.Add(chipset >= used)
    (inv, inv_max), (inv_as, inv_as_max) = bounds
    bm.link = LinkVars(inv, inv_as, chipset, inv_max, inv_as_max)
    return bm.link


def layer_hops(bm: BuildModel, wl: Any, times: dict[str, list[Any]]) -> None:
    """Layer split passes the hidden state from card to card: (chips - 1) hops per token (per prompt
    micro-batch for prefill), each a fixed latency plus the bytes over the slowest link."""
    m, inst, g = bm.m, bm.inst, bm.gpus
    link = slowest_link(bm)
    most = bm.max_gpus * max([o.entry.gpus_per_card for o in inst.gpus] or [1])
    chips = m.NewIntVar(0, most, "gpu_chips")
    m.Add(chips == sum(v * o.entry.gpus_per_card for o, v in zip(inst.gpus, g.n, strict=True)))
    hops = m.NewIntVar(0, most, "layer_hops")
    m.Add(hops >= chips - 1)
    hop_inv = m.NewIntVar(0, most * link.inv_max, "layer_hops_x_inv")
    m.AddMultiplicationEquality(hop_inv, [hops, link.inv])
    hidden = wl.model.hidden_size
    ubatches = math.ceil(wl.prompt / max(1, wl.ubatch)) if wl.prompt else 0
    # The hop's fixed cost and the achieved share of the link, at the request's edge of the band, as
    # planner/instance/coeffs.py reads them off the throughput model (the worst over the card options).
    options = [c for c in bm.coeff.values() if c.hop_latency_ns]
    hop_lat_ns = float(max((c.hop_latency_ns for c in options), default=0))
    byte_scale = max((c.hop_bytes_scale for c in options), default=1.0)
    prompt_factor = max((c.hop_prompt_factor for c in options), default=1.0)
    per_key = {
        "decode": (1, math.ceil(hidden * 2 * byte_scale)),
        "batch": (1, math.ceil(hidden * wl.batch * 2 * byte_scale)),
        "prefill": (ubatches, math.ceil(hidden * wl.ubatch * 2 * byte_scale * prompt_factor)),
    }
    for key, (count, nbytes) in per_key.items():
        if count == 0:
            continue
        lat_ns = hop_lat_ns * (prompt_factor if key == "prefill" else 1.0)
        # ns = count x (latency + bytes x fs/byte / 1e6), rounded up so the model never understates it.
        t = m.NewIntVar(0, 10**12, f"hop_time_{key}_ns")  # x FS_PER_BYTE stays within int64
        m.Add(
            t * int(FS_PER_BYTE)
            >= count * nbytes * hop_inv + math.ceil(count * lat_ns * FS_PER_BYTE) * hops
        )
        times[key].append(t)


def tensor_link(
    bm: BuildModel, i: int, n: int, y: Any, c: TensorCoeff, times: dict[str, list[Any]]
) -> None:
    """Tensor parallel on N cards of option i: the base times plus two all-reduces per layer over the
    slowest PCIe link (chipset latency included), or over an NVLink bridge bought for the pair."""
    m = bm.m
    link = slowest_link(bm)
    bridged = [b for b, (bv, bridge) in bm.bridges.items() if _fits(bm, i, bridge)] if n == 2 else []
    on_nvlink = sum(bm.bridges[b][0] for b in bridged) if bridged else 0
    both = None
    if bridged and c.decode_nvlink < NO_BRIDGE:
        # Exactly "these two cards, bridged": the NVLink time replaces the PCIe terms.
        both = m.NewBoolVar(f"tensor_nvlink[{i}x{n}]")
        m.Add(both <= y)
        m.Add(both <= on_nvlink)
        m.Add(both >= y + on_nvlink - 1)
    for k, key in enumerate(TIME_KEYS):
        base, per_inv, chip, nv = c[k], c[3 + k], c[6 + k], c[9 + k]
        times[key].append(y * base)
        # comm >= per_inv x inv / INV_SCALE + chip, written as scale x comm >= coef x inv + ...: the scale is
        # as fine as int64 allows (rounding the coefficient up then costs well under a nanosecond).
        most_ns = per_inv * link.inv_as_max // INV_SCALE + max(chip, 0) + 1
        scale = max(1, min(10**9, 10**17 // most_ns))
        coef = -(-per_inv * scale // INV_SCALE)
        # Rounding coef up adds up to inv_as / scale ns: room for it, or a slow link reads as infeasible.
        most_ns += link.inv_as_max // scale + 2
        big = scale * most_ns
        comm = m.NewIntVar(0, most_ns, f"tensor_comm_{key}[{i}x{n}]")
        pcie = coef * link.inv_as + scale * chip * link.chipset - big * (1 - y) - big * on_nvlink
        m.Add(scale * comm >= pcie)
        times[key].append(comm)
        if both is not None:
            times[key].append(both * (nv - base))
    bm.tensor_pairs.setdefault(i, []).append((n, y))


def _fits(bm: BuildModel, i: int, bridge: Any) -> bool:
    """Whether the model may bridge option i with this bridge: it fits and is the fastest that does
    (the tensor coefficients were computed over that bandwidth)."""
    gpu = bm.gpus.entry(i)
    return gpu.nvlink in bridge.entry.fits and bridge.entry.bandwidth_gbs == bridge_gbs(bm.inst.bridges, gpu)


def nvlink_bridges(bm: BuildModel) -> None:
    """In tensor parallel, an NVLink bridge may join two identical cards sitting directly in slots its
    spacing apart (it is a part: it costs its price). Which cards it joins is settled by bridge_pairs."""
    if bm.split != "tensor" or bm.inst.request.workload is None:
        return
    m, s = bm.m, bm.slots
    occupied: dict[tuple[int, int], list[Any]] = {}
    for (b, q, _cls), v in s.direct.items():
        occupied.setdefault((b, q), []).append(v)
    for bridge in bm.inst.bridges:
        beta = m.NewBoolVar(f"bridge[{bridge.id}]")
        pairs = []
        for (b, q), here in occupied.items():
            there = occupied.get((b, q + bridge.entry.slot_spacing))
            if there:
                p = m.NewBoolVar(f"bridged[{bridge.id}:{b}:{q}]")
                m.Add(p <= sum(here))
                m.Add(p <= sum(there))
                pairs.append(p)
        m.Add(beta <= sum(pairs))
        bm.bridges[bridge.id] = (beta, bridge)
    if bm.bridges:
        m.Add(sum(v for v, _ in bm.bridges.values()) <= 1)


def bridge_pairs(bm: BuildModel) -> None:
    """A bridge joins two cards of an option it fits, in tensor parallel on exactly those two."""
    for beta, bridge in bm.bridges.values():
        able = [y for i, pairs in bm.tensor_pairs.items() if _fits(bm, i, bridge) for n, y in pairs if n == 2]
        bm.m.Add(beta <= sum(able))
