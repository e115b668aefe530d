"""The link between cards in the model, as the throughput model sees it: the slowest PCIe link in use
(its inverse bandwidth bounded by every mount and card in use), chipset latency, the layer-split hops,
and NVLink bridges bought for two cards in tensor parallel where the bridge makes them faster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner import perf
from planner.instance.coeffs import (
    AS_PER_BYTE,
    FS_PER_BYTE,
    INV_SCALE,
    NO_BRIDGE,
    HopCoeff,
    TensorCoeff,
    hop_coeff,
    inv_bandwidth,
)
from planner.instance.resolve import bridge_gbs
from planner.model.core import BuildModel
from planner.schema import Server

TIME_KEYS = ("decode", "prefill", "batch")
ROUGH_KEYS = ("decode", "batch")


@dataclass
class LinkVars:
    """The slowest link between cards: its inverse bandwidth in as/byte, whether a card is on chipset
    lanes, and each (card kind, mount kind) pair that may be in use with its bandwidth and the literals
    that say it is (a pair bounds the slowest link when all of them hold)."""

    inv_as: Any
    chipset: Any
    inv_as_max: int
    pairs: list[tuple[float, list[Any]]]


def timed_keys(bm: BuildModel) -> tuple[str, ...]:
    """The times an objective or a target reads (others are never read, so their link terms can go)."""
    req = bm.inst.request
    objectives = req.objectives()
    wanted = {
        "decode": "decode" in objectives or bool(req.require.min_decode_tokens_per_s),
        "prefill": "prefill" in objectives or bool(req.require.min_prefill_tokens_per_s),
        "batch": "batch_throughput" in objectives or bool(req.require.min_batch_tokens_per_s),
    }
    return tuple(key for key in TIME_KEYS if wanted[key])


def _gbs(gen: int, lanes: int) -> float:
    mg = perf.constants.section("multi_gpu")
    return perf.links.PCIE_GBS_PER_LANE.get(gen, 1.969) * lanes * float(mg["pcie_efficiency"])


def _mounts(bm: BuildModel) -> list[tuple[Any, int, tuple[int, int, str], Any]]:
    """(variable, most cards it carries, (gen, lanes, lane source), literal it depends on or None) of every
    way a card can be mounted."""
    inst, s = bm.inst, bm.slots
    out: list[tuple[Any, int, tuple[int, int, str], Any]] = []

    def slot(b: int, q: int) -> Any:
        return next(sl for sl in inst.boards[b].entry.slots if sl.position == q)

    for (b, q, _cls), v in s.direct.items():
        sl = slot(b, q)
        out.append((v, 1, (sl.gen, sl.lanes, sl.link), None))
    # A card on a riser gets the connector's lanes at the generation its riser holds (when that riser is
    # the one chosen).
    for (mount, b, q), picks in s.picks.items():
        if mount == "port":
            port = inst.boards[b].entry.ports[q]
            out += [(v, port.count, (gen, port.lanes, port.link), y) for v, _r, gen, y in picks]
        else:
            sl = slot(b, q)
            lanes = sl.lanes // 2 if mount == "bifurcated" else sl.lanes
            out += [(v, 1, (gen, lanes, sl.link), y) for v, _r, gen, y in picks]
    for (b, _cls), v in s.bay.items():
        entry = inst.boards[b].entry
        assert isinstance(entry, Server)
        # Bays are wired to the barebone's slots in order; the model does not know which bays are
        # used, so it takes the slowest of them (the checker may find the link faster, never slower).
        wired = entry.slots[: entry.gpu_positions]
        if wired:
            worst = min(wired, key=lambda sl: _gbs(sl.gen, sl.lanes))
            out.append((v, entry.gpu_positions, (worst.gen, worst.lanes, worst.link), None))
    return out


def slowest_link(bm: BuildModel) -> LinkVars:
    """The link variables (created once): the inverse bandwidth is at least that of every pair of a
    card kind and a mount kind in use, the lane width and generation being the lower of the two."""
    if bm.link is not None:
        return bm.link  # type: ignore[no-any-return]
    m, inst, g = bm.m, bm.inst, bm.gpus
    tiers: dict[tuple[int, int, str], Any] = {}
    for v, most, tier, chosen in _mounts(bm):
        if tier not in tiers:
            tiers[tier] = m.NewBoolVar(f"link_used[gen{tier[0]}x{tier[1]}:{tier[2]}]")
        m.Add(v <= most * tiers[tier] + (0 if chosen is None else most * (1 - chosen)))
    # Card kinds by their own link; a dual-GPU card without a switch splits its slot (split = chips).
    caps: dict[tuple[int, int, int], Any] = {}
    for i, opt in enumerate(inst.gpus):
        e = opt.entry
        cap = (e.pcie_gen, e.pcie_lanes, e.gpus_per_card if e.requires_bifurcation else 1)
        if cap not in caps:
            caps[cap] = m.NewBoolVar(f"card_link[gen{cap[0]}x{cap[1]}/{cap[2]}]")
        m.Add(g.n[i] <= bm.max_gpus * caps[cap])
    # A split card cannot use a mount too narrow to split (the placement rules keep it off one).
    pairs = [
        (_gbs(min(t[0], c[0]), min(t[1] // c[2], c[1])), [tiers[t], caps[c]])
        for t in tiers
        for c in caps
        if t[1] // c[2]
    ]
    pairs += [(_gbs(c[0], c[1] // c[2]), [caps[c]]) for c in caps]
    inv_as_max = max([inv_bandwidth(gbs, AS_PER_BYTE) for gbs, _ in pairs] + [1])
    inv_as = m.NewIntVar(0, inv_as_max, "link_inv_as_per_byte")
    for gbs, lits in pairs:
        m.Add(inv_as >= inv_bandwidth(gbs, AS_PER_BYTE) * (sum(lits) - len(lits) + 1))
    chipset = m.NewBoolVar("link_chipset")
    for t, used in tiers.items():
        if t[2] == "chipset":
            m.Add(chipset >= used)
    bm.link = LinkVars(inv_as, chipset, inv_as_max, pairs)
    return bm.link


def layer_hops(bm: BuildModel, wl: Any, times: dict[str, list[Any]]) -> None:
    """Layer split passes the hidden state from card to card: each chip after the first costs what the
    throughput model charges for one more card under the build's runtime, a fixed part plus bytes over
    the slowest link (taking the dearest kind of card in use, which is exact when the cards charge
    alike)."""
    m, inst, g = bm.m, bm.inst, bm.gpus
    link = slowest_link(bm)
    most = bm.max_gpus * max([o.entry.gpus_per_card for o in inst.gpus] or [1])
    chips = m.NewIntVar(0, most, "gpu_chips")
    m.Add(chips == sum(v * o.entry.gpus_per_card for o, v in zip(inst.gpus, g.n, strict=True)))
    hops = m.NewIntVar(0, most, "layer_hops")
    m.Add(hops >= chips - 1)
    charges = _hop_groups(bm, wl)
    if not charges:
        return
    # hops x the slowest link's inverse bandwidth, without a product: for each (card, mount) pair that may
    # be in use, a bound that holds when it is; the largest binds. Scaled finely, with int64 headroom (at
    # 1e17 the runtime-conditioned bounds made CP-SAT presolve call a feasible model infeasible).
    invs = [inv_bandwidth(gbs, FS_PER_BYTE) for gbs, _ in link.pairs]
    top = {
        key: max(
            c[k] * most + c[3 + k] * most * max(invs, default=0) // INV_SCALE + 1
            for _, groups in charges
            for c in groups
        )
        for k, key in enumerate(TIME_KEYS)
    }
    keys = timed_keys(bm)
    totals = {key: m.NewIntVar(0, top[key], f"hop_time_{key}_ns") for key in keys}
    kinds: dict[tuple[int, ...], Any] = {}
    for runtime, groups in charges:
        # The cheapest kind's charge holds whatever cards are used (no indicator, a tight LP); dearer kinds
        # add their own bound only when one of them is in the build. Under a runtime literal, only when
        # the build runs on that runtime (its hops are that runtime's, which the checker charges).
        cheapest = HopCoeff(*(min(c[k] for c in groups) for k in range(6)))
        for c, members in [(cheapest, []), *((c, mm) for c, mm in groups.items() if c != cheapest)]:
            cond: list[Any] = [] if runtime is None else [runtime]
            if members:
                cond.append(_kind(bm, kinds, members))
            for key in keys:
                _charge(bm, key, c, cond, hops, totals[key], top[key], invs, link)
    for key, t in totals.items():
        times[key].append(t)


def _hop_groups(bm: BuildModel, wl: Any) -> list[tuple[Any, dict[HopCoeff, list[int]]]]:
    """(runtime literal or None, card options grouped by what a hop costs them): per runtime where the
    build picks one (a card's hop differs by runtime: a ROCm hop may cost what a Vulkan one does not),
    else each card's dearest hop over the runtimes it may run on."""
    inst = bm.inst
    out: list[tuple[Any, dict[HopCoeff, list[int]]]] = []
    if bm.runtime and inst.rt_hops:
        for api, lit in sorted(bm.runtime.items()):
            groups: dict[HopCoeff, list[int]] = {}
            for i, opt in enumerate(inst.gpus):
                c = (inst.rt_hops.get(opt.key) or {}).get(api)
                if c is not None:
                    groups.setdefault(c, []).append(i)
            if groups:
                out.append((lit, groups))
        return out
    groups = {}
    for i, opt in enumerate(inst.gpus):
        c = inst.hops.get(opt.key) or hop_coeff(opt.entry, wl, opt.watts / opt.entry.tdp_w)
        groups.setdefault(c, []).append(i)
    return [(None, groups)] if groups else []


def _kind(bm: BuildModel, kinds: dict[tuple[int, ...], Any], members: list[int]) -> Any:
    """A literal that is true when any of these card options is in the build (one per set of options)."""
    key = tuple(members)
    if key not in kinds:
        lit = bm.m.NewBoolVar(f"hop_kind[{bm.inst.gpus[members[0]].id}]")
        for i in members:
            bm.m.Add(bm.gpus.n[i] <= bm.max_gpus * lit)
        kinds[key] = lit
    return kinds[key]


def _charge(
    bm: BuildModel,
    key: str,
    c: HopCoeff,
    cond: list[Any],
    hops: Any,
    total: Any,
    top: int,
    invs: list[int],
    link: LinkVars,
) -> None:
    """total >= what `hops` hops of this kind cost at the slowest link, when every literal of `cond`
    holds."""
    m = bm.m
    k = TIME_KEYS.index(key)
    fixed, per_inv = c[k], c[3 + k]
    scale = 1  # whole ns: rounding each hop's link part up costs under a ns; finer scales needed
    big = top  # big-M coefficients of 1e15+ that broke CP-SAT's LP (wrong "infeasible" and "optimal")
    off = len(cond) - sum(cond)
    if key in ROUGH_KEYS:
        # Per token a hop moves one hidden state: the link changes it by microseconds in tens of
        # milliseconds. Charged at the slowest link the model could use (never below the checker),
        # it keeps the search from proving optimality over slot choices worth 1e-4.
        worst = scale * fixed + -(-per_inv * max(invs, default=0) * scale // INV_SCALE)
        m.Add(scale * total >= worst * hops - big * off)
        return
    m.Add(scale * total >= scale * fixed * hops - big * off)
    for inv, (_, lits) in zip(invs, link.pairs, strict=True):
        coef = scale * fixed + -(-per_inv * inv * scale // INV_SCALE)
        held = len(lits) - sum(lits) + off
        m.Add(scale * total >= coef * hops - big * held)


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
    keys = timed_keys(bm)
    for k, key in enumerate(TIME_KEYS):
        base, per_inv, chip, nv = c[k], c[3 + k], c[6 + k], c[9 + k]
        times[key].append(y * base)
        if key not in keys:
            continue  # nothing reads this time: its link terms would only slow the search
        # comm >= per_inv x inv / INV_SCALE + chip, written as scale x comm >= coef x inv + ...: the scale is
        # fine enough that rounding the coefficient up costs well under a nanosecond, and no finer: big-M
        # coefficients near 1e17 made CP-SAT's LP call feasible models infeasible (see _charge).
        most_ns = per_inv * link.inv_as_max // INV_SCALE + max(chip, 0) + 1
        scale = max(1, min(10**9, 10**15 // most_ns))
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
