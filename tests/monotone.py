"""Monotonicity cases (tests/test_monotone.py, benchmarks/monotone.py): a random small world (a tiny
catalogue, a request, user rules) and the same world with one thing loosened. The looser world's optimum
must be at least as good by the request's own objectives, and it must have a build whenever the tighter
one has. Each kind of change returns (tight, loose) around the drawn world: relaxing it or tightening it.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tiny import GPU_KINDS, board, breakout, chassis, cpu, dimm, gpu, make_catalog, psu, riser, rules, system

from planner.api import Problem, candidates
from planner.schema.request import Request
from planner.schema.rules import ConstraintFile
from planner.solver.solve import SENSE, Params

MODELS = ("qwen2-5-7b", "llama-3-1-8b", "qwen2-5-14b", "mistral-small-3-24b", "qwen3-30b-a3b")
NOISE = ("quiet", "normal", "loud")
ENCLOSURES = ("tower", "open-frame", "rack")
APIS = ("cuda", "rocm", "vulkan", "sycl", "cpu")
VENDORS = ("NVIDIA", "AMD", "Intel")


@dataclass
class World:
    """Plain data a problem is made from, so that one field can be edited."""

    entries: list[dict[str, Any]]
    request: dict[str, Any]
    user_rules: list[dict[str, Any]] = field(default_factory=list)

    def edit(self, *path: str, value: Any) -> World:
        """A copy with request[path] set (None deletes it)."""
        out = copy.deepcopy(self)
        d = out.request
        for key in path[:-1]:
            d = d.setdefault(key, {})
        if value is None:
            d.pop(path[-1], None)
        else:
            d[path[-1]] = value
        return out

    def get(self, *path: str, default: Any = None) -> Any:
        d = self.request
        for key in path:
            if not isinstance(d, dict) or key not in d:
                return default
            d = d[key]
        return d

    def problem(self) -> Problem:
        parsed = ConstraintFile.model_validate({"rules": self.user_rules}).rules
        catalog = make_catalog(self.entries, with_models=True)
        return Problem(catalog, Request.model_validate(self.request), rules(rules=parsed))


# ---- random worlds ------------------------------------------------------------------------------


def _prices(rnd: random.Random, usd: float) -> list[dict[str, Any]]:
    """A new price, a used one, or both (so that the allowed markets matter)."""
    new = {"usd": usd, "date": "2025-01-01", "condition": "new"}
    used = {"usd": round(usd * rnd.choice([0.5, 0.7])), "date": "2025-01-01", "condition": "used"}
    return rnd.choice([[new], [new], [used], [new, used]])


def card(rnd: random.Random, id: str) -> dict[str, Any]:
    kind = rnd.choice(["ampere", "ampere", "ampere", "kepler", "rdna3", "gfx906", "arc"])
    entry = gpu(
        id,
        memory_gb=rnd.choice([8, 12, 16, 24, 48]),
        bandwidth_gbs=rnd.choice([300, 450, 700, 900, 1000]),
        tdp_w=rnd.choice([75, 150, 250, 350, 450]),
        width=rnd.choice([1, 2, 2, 2.5, 3]),
        cooling=rnd.choice(["blower", "blower", "open-air", "open-air", "passive"]),
        length_mm=rnd.choice([170, 267, 336]),
        power={"pcie_8pin": rnd.randint(0, 3)},
        **GPU_KINDS[kind],
    )
    entry["prices"] = _prices(rnd, rnd.randrange(80, 900, 10))
    return entry


def part(rnd: random.Random, kind: str, id: str) -> dict[str, Any]:
    """One catalogue part of a kind, with random figures."""
    if kind == "gpu":
        return card(rnd, id)
    if kind == "board":
        positions = rnd.choice([[1, 3, 5, 7], [1, 3, 5], [1, 2, 3, 4], [1, 4, 7], [1, 3]])
        slots = [
            {"position": q, "size": 16, "lanes": rnd.choice([8, 16, 16]), "gen": rnd.choice([3, 4]), "link": "cpu"}
            for q in positions
        ]
        entry = board(id, slots=slots)
    elif kind == "cpu":
        entry = cpu(id, lanes=rnd.choice([24, 64, 128]), tdp_w=rnd.choice([65, 150, 280]))
    elif kind == "memory":
        entry = dimm(id, size_gb=rnd.choice([8, 16, 32, 64]))
    elif kind == "chassis":
        enclosure = "tower" if id.endswith("-a") else rnd.choice(ENCLOSURES)
        entry = chassis(
            id,
            kind=enclosure,
            expansion=rnd.choice([4, 7, 8, 8]),
            risers=rnd.choice([0, 2, 6]) if enclosure != "open-frame" else rnd.choice([4, 8]),
            cooling_w=rnd.choice([800, 1500, 3000]),
            passive=enclosure == "rack" or rnd.random() < 0.2,
            max_len=rnd.choice([300, 340]),
            bays=rnd.randint(1, 2),
        )
    elif kind == "psu":
        if not id.endswith("-a") and rnd.random() < 0.5:  # the first PSU feeds the board: ATX
            entry = psu(id, watts=rnd.choice([1200, 2000]), form="server", family="srv")
        else:
            entry = psu(id, watts=rnd.choice([650, 850, 1000, 1300, 2000]), pcie_8pin=rnd.randint(2, 8))
    elif kind == "breakout":
        entry = breakout(id)
    elif kind == "riser":
        entry = riser(id, gen=rnd.choice([3, 4]), length_mm=rnd.choice([150, 300]))
    else:
        entry = system(id, memory_gb=rnd.choice([64, 128]), gpu_memory_gb=48)
    base = entry["prices"][0]["usd"]
    entry["prices"] = _prices(rnd, round(base * rnd.choice([0.5, 1, 2])))
    return entry


PART_KINDS = ("gpu", "board", "cpu", "memory", "chassis", "psu", "breakout", "riser", "system")


def world(rnd: random.Random) -> World:
    """A small catalogue and a request over it."""
    entries = [part(rnd, k, f"{k}-a") for k in ("board", "cpu", "memory", "chassis", "psu")]
    entries += [part(rnd, "gpu", f"g{i}") for i in range(rnd.randint(2, 5))]
    for k in ("cpu", "memory", "chassis", "psu", "riser", "system"):
        if rnd.random() < (0.5 if k in ("psu", "chassis") else 0.3):
            entries.append(part(rnd, k, f"{k}-b"))
    if any(e["kind"] == "psu" and e["form"] == "server" for e in entries):
        entries.append(part(rnd, "breakout", "breakout-a"))
    req: dict[str, Any] = {"budget_usd": rnd.randrange(800, 8000, 100)}
    require: dict[str, Any] = {"max_gpus": rnd.choice([0, 1, 2, 3, 4, 4, 6])}
    if rnd.random() < 0.15:
        require["min_gpus"] = rnd.randint(0, require["max_gpus"])
    objectives = ["vram", "bandwidth", "cost"]
    if rnd.random() < 0.6:
        wl = {"model": rnd.choice(MODELS), "context": rnd.choice([2048, 8192]), "offload": rnd.random() < 0.5}
        if rnd.random() < 0.15:
            wl.update(backend="vllm", quant="awq-4bit-g128")
        req["workload"] = wl
        objectives += ["decode", "decode", "prefill", "batch_throughput"]
        if rnd.random() < 0.3:
            require["min_decode_tokens_per_s"] = rnd.choice([5, 20, 40])
    objective = rnd.choice([*objectives, None])
    if objective is not None:
        req["objective"] = objective
    if objective == "cost" or rnd.random() < 0.2:
        require["min_vram_gb"] = rnd.choice([0, 8, 16, 24, 24, 48])
    if rnd.random() < 0.3:
        require["vendors"] = rnd.sample(VENDORS, rnd.randint(1, 2))
    if rnd.random() < 0.3:
        require["condition"] = [rnd.choice(["new", "used"])]
    if rnd.random() < 0.3:
        require["chassis_kinds"] = rnd.sample(ENCLOSURES, rnd.randint(1, 3))
    req["require"] = require
    backend = req.get("workload", {}).get("backend", "llama.cpp")
    req["software"] = {
        "mixed_vendors": backend == "llama.cpp" and rnd.random() < 0.3,
        "legacy": rnd.random() < 0.3,
    }
    if rnd.random() < 0.2:
        req["software"]["runtimes"] = rnd.sample(APIS[:3], rnd.randint(1, 3))
    circuits = [{"volts": rnd.choice([120, 230]), "amps": rnd.choice([10, 15, 20]), "count": rnd.randint(1, 2)}]
    req["site"] = {"circuits": circuits, "noise": rnd.choice(NOISE)}
    if rnd.random() < 0.2:
        req["owned"] = [{"id": rnd.choice([e["id"] for e in entries]), "count": 1}]
        req["allow_unused_owned"] = rnd.random() < 0.5
    rules_ = [user_rule(rnd, entries) for _ in range(rnd.choice([0, 0, 1, 2]))]
    return World(entries, req, rules_)


def user_rule(rnd: random.Random, entries: list[dict[str, Any]]) -> dict[str, Any]:
    some = {"ids": [rnd.choice([e["id"] for e in entries])]}
    cards = {"kind": "gpu", "where": {"cooling": rnd.choice(["blower", "open-air", "passive"])}}
    select = rnd.choice([some, cards, {"kind": "gpu"}])
    kind = rnd.choice(["forbid", "require", "at_most", "at_least", "limit", "if_then"])
    rule: dict[str, Any] = {"kind": kind, "name": f"{kind} rule"}
    if kind == "limit":
        attribute, top = rnd.choice(
            [("wall_w", 1200), ("sustained_w", 900), ("gpu_count", 2), ("total_cost_usd", 2500), ("psu_count", 1)]
        )
        return {**rule, "attribute": attribute, "max": top}
    if kind == "if_then":
        return {**rule, "if": select, "then": {"ids": [rnd.choice([e["id"] for e in entries])]}}
    rule["select"] = select
    if kind in ("at_most", "at_least"):
        rule["count"] = rnd.randint(1, 2)
    return rule


# ---- one thing loosened: each returns (tight, loose) around the drawn world, or None ------------------

Pair = tuple[World, World] | None


def _around(w: World, rnd: random.Random, path: tuple[str, ...], lower: Any, higher: Any) -> Pair:
    """The world as the tight side with `higher` loose, or as the loose side with `lower` tight."""
    if higher is not None and (lower is None or rnd.random() < 0.5):
        return w, w.edit(*path, value=higher)
    if lower is not None:
        return w.edit(*path, value=lower), w
    return None


def budget(w: World, rnd: random.Random) -> Pair:
    b, k = w.request["budget_usd"], rnd.choice([1.1, 1.3, 1.6, 2.5])
    return _around(w, rnd, ("budget_usd",), round(b / k), round(b * k))


def max_gpus(w: World, rnd: random.Random) -> Pair:
    m, lo, d = w.get("require", "max_gpus", default=8), w.get("require", "min_gpus", default=0), rnd.randint(1, 2)
    return _around(w, rnd, ("require", "max_gpus"), m - d if m - d >= lo else None, m + d)


def min_gpus(w: World, rnd: random.Random) -> Pair:
    n, hi, d = w.get("require", "min_gpus", default=0), w.get("require", "max_gpus", default=8), rnd.randint(1, 2)
    return _around(w, rnd, ("require", "min_gpus"), n + d if n + d <= hi else None, max(0, n - d) if n else None)


def _flag(*path: str, needs: Callable[[World], bool] = lambda w: True) -> Callable[[World, random.Random], Pair]:
    """Allowing something (false -> true) only widens the choice."""

    def pair(w: World, rnd: random.Random) -> Pair:
        return (w.edit(*path, value=False), w.edit(*path, value=True)) if needs(w) else None

    return pair


def _llama_cpp(w: World) -> bool:
    return w.get("workload", "backend", default="llama.cpp") == "llama.cpp"


def _listed(path: tuple[str, ...], universe: tuple[str, ...], empty_is_any: bool = False) -> Callable:
    """A listed set of allowed values with one more value in the loose world (or, where an empty list
    means any, the list dropped)."""

    def pair(w: World, rnd: random.Random) -> Pair:
        have = list(w.get(*path, default=[]) or [])
        if not have:
            some = rnd.sample(universe, rnd.randint(1, len(universe) - 1))
            if empty_is_any:
                return w.edit(*path, value=some), w
            # The empty list is not "any" here: compare two listed sets instead.
            more = [*some, rnd.choice([v for v in universe if v not in some])]
            return w.edit(*path, value=some), w.edit(*path, value=more)
        missing = [v for v in universe if v not in have]
        wider = [*have, rnd.choice(missing)] if missing else None
        if empty_is_any and (wider is None or rnd.random() < 0.3):
            wider = []
        narrower = None
        if len(have) > 1:
            dropped = rnd.choice(have)
            narrower = [v for v in have if v != dropped]
        if wider is not None and (narrower is None or rnd.random() < 0.5):
            return w, w.edit(*path, value=wider)
        return (w.edit(*path, value=narrower), w) if narrower is not None else None

    return pair


def chassis_kinds(w: World, rnd: random.Random) -> Pair:
    if w.get("require", "chassis_kinds") is None:
        # Left out, the kinds follow the noise level; listing those plus one more allows more.
        default = Request.model_validate(w.request).chassis_kinds()
        missing = [k for k in ENCLOSURES if k not in default]
        return (w, w.edit("require", "chassis_kinds", value=[*default, rnd.choice(missing)])) if missing else None
    return _listed(("require", "chassis_kinds"), ENCLOSURES)(w, rnd)


def condition(w: World, rnd: random.Random) -> Pair:
    have = w.get("require", "condition", default=["new", "used"])
    if len(have) == 2:
        return w.edit("require", "condition", value=[rnd.choice(have)]), w
    return w, w.edit("require", "condition", value=["new", "used"])


def user_rule_removed(w: World, rnd: random.Random) -> Pair:
    if w.user_rules and rnd.random() < 0.6:
        fewer = copy.deepcopy(w)
        fewer.user_rules.pop(rnd.randrange(len(w.user_rules)))
        return w, fewer
    more = copy.deepcopy(w)
    more.user_rules.append(user_rule(rnd, w.entries))
    return more, w


def circuit(w: World, rnd: random.Random) -> Pair:
    circuits = w.request["site"]["circuits"]
    i = rnd.randrange(len(circuits))
    c = circuits[i]
    step = rnd.choice(["amps", "count", "another"])
    bigger = copy.deepcopy(circuits)
    if step == "amps":
        bigger[i] = {**c, "amps": c["amps"] + rnd.choice([5, 10])}
    elif step == "count" and c["count"] < 8:
        bigger[i] = {**c, "count": c["count"] + 1}
    else:
        bigger.append({"volts": rnd.choice([120, 230]), "amps": rnd.choice([10, 15, 20])})
    return w, w.edit("site", "circuits", value=bigger)


def noise(w: World, rnd: random.Random) -> Pair:
    level = NOISE.index(w.get("site", "noise", default="normal"))
    louder = NOISE[level + 1] if level + 1 < len(NOISE) else None
    quieter = NOISE[level - 1] if level > 0 else None
    return _around(w, rnd, ("site", "noise"), quieter, louder)


def owned_part(w: World, rnd: random.Random) -> Pair:
    """One more owned part, which may be left unused: it can only make a build cheaper."""
    tight = w.edit("allow_unused_owned", value=True)
    owned = copy.deepcopy(tight.request.get("owned", []))
    pid = rnd.choice([e["id"] for e in w.entries])
    for o in owned:
        if o["id"] == pid:
            o["count"] += 1
            break
    else:
        owned.append({"id": pid, "count": rnd.randint(1, 2)})
    return tight, tight.edit("owned", value=owned)


# Figures a near-copy of a part may differ in: what dominance pruning and "cheapest of a kind" compare.
TWEAKS: dict[str, dict[str, list[Any]]] = {
    "gpu": {
        "memory_gb": [8, 16, 24, 48],
        "bandwidth_gbs": [300, 700, 1000],
        "tdp_w": [75, 250, 450],
        "slot_width": [1, 2, 3],
        "length_mm": [170, 336],
        "cooling": ["blower", "open-air", "passive"],
        "power": [{"pcie_8pin": 0}, {"pcie_8pin": 3}, {"pcie_6pin": 1}, {"hpwr_12v": 1}],
        "fp16_tflops": [20, 140],
        "pcie_lanes": [8, 16],
        "pcie_gen": [3, 4],
    },
    "chassis": {
        "psu_bays": [1, 2],
        "expansion_slots": [4, 8],
        "riser_positions": [0, 6],
        "max_gpu_length_mm": [280, 340],
        "cooling_capacity_w": [800, 3000],
        "passive_airflow": [False, True],
        "form_factors": [["atx"], ["atx", "e-atx"]],
    },
    "psu": {
        "watts": [850, 2000],
        "efficiency": ["bronze", "titanium"],
        "atx_version": ["2.x", "3.1"],
        "connectors": [{"pcie_8pin": 2, "eps_8pin": 1}, {"pcie_8pin": 8, "eps_8pin": 2, "hpwr_12v": 1}],
    },
    "breakout": {"connectors": [{"pcie_6pin": 2}, {"pcie_6pin": 12}]},
    "cpu": {"pcie_lanes": [24, 128], "tdp_w": [65, 280], "memory_speed_mts": [2133, 3200], "cores": [8, 32]},
    "memory": {"size_gb": [8, 64]},
    "riser": {"pcie_gen": [3, 4], "length_mm": [150, 450], "lanes": [4, 16]},
    "board": {"memory_slots": [8, 16], "max_memory_gb": [256, 2048]},
    "system": {"gpu_memory_gb": [32, 64], "bandwidth_gbs": [200, 800], "power_w": [100, 400]},
}


def variant(rnd: random.Random, entry: dict[str, Any], id: str) -> dict[str, Any]:
    """A near-copy of a part: the same figures but one, at a price a little below, equal or above."""
    out = copy.deepcopy(entry)
    out["id"] = out["name"] = id
    tweaks = TWEAKS.get(out["kind"], {})
    if tweaks:
        field_ = rnd.choice(sorted(tweaks))
        out[field_] = copy.deepcopy(rnd.choice(tweaks[field_]))
    if out["kind"] == "cpu":
        out["memory_bandwidth_gbs"] = out["memory_channels"] * out["memory_speed_mts"] * 8 / 1000
        out["threads"] = 2 * out["cores"]
    if out["kind"] == "psu" and out["form"] == "server":
        out["connectors"], out["atx_version"] = {}, "none"
    out["watts_low_line"] = out["watts"] if out["kind"] == "psu" else None
    if out["watts_low_line"] is None:
        del out["watts_low_line"]
    factor = rnd.choice([0.8, 0.95, 1.0, 1.0, 1.2])
    out["prices"] = [{**p, "usd": max(1, round(p["usd"] * factor))} for p in out["prices"]]
    return out


def catalogue_part(w: World, rnd: random.Random, used: tuple[str, ...] = ()) -> Pair:
    """One part more: a new one, or (more often) a near-copy of one the world has, preferably of one its
    best build uses (a cheaper near-copy is what dominance pruning would wrongly put in its place)."""
    bigger = copy.deepcopy(w)
    if rnd.random() < 0.8:
        pool = [e for e in w.entries if e["id"] in used and rnd.random() < 0.8] or w.entries
        bigger.entries.append(variant(rnd, rnd.choice(pool), "variant"))
    else:
        kind = rnd.choice(PART_KINDS)
        bigger.entries.append(part(rnd, kind, f"{kind}-new"))
    return w, bigger


def min_target(w: World, rnd: random.Random) -> Pair:
    """A lower minimum VRAM or decode speed."""
    path = ("require", rnd.choice(["min_vram_gb", "min_decode_tokens_per_s"]))
    if path[1] == "min_decode_tokens_per_s" and "workload" not in w.request:
        return None
    have = w.get(*path, default=0)
    return _around(w, rnd, path, have + rnd.choice([4, 16]), max(0, have - rnd.choice([4, 16])) if have else None)


RELAXATIONS: dict[str, Callable[[World, random.Random], Pair]] = {
    "budget": budget,
    "max_gpus": max_gpus,
    "min_gpus": min_gpus,
    "offload": _flag("workload", "offload", needs=lambda w: "workload" in w.request),
    "vendors": _listed(("require", "vendors"), VENDORS, empty_is_any=True),
    "condition": condition,
    "chassis_kinds": chassis_kinds,
    "runtimes": _listed(("software", "runtimes"), APIS),
    "mixed_vendors": _flag("software", "mixed_vendors", needs=_llama_cpp),
    "legacy": _flag("software", "legacy"),
    "user_rule": user_rule_removed,
    "circuit": circuit,
    "noise": noise,
    "owned": owned_part,
    "allow_unused_owned": _flag("allow_unused_owned", needs=lambda w: bool(w.request.get("owned"))),
    "catalogue": catalogue_part,
    "systems": _flag("require", "systems"),
    "allow_power_limits": _flag("allow_power_limits"),
    "min_target": min_target,
}


# ---- judging one case ----------------------------------------------------------------------------


@dataclass
class Verdict:
    """What one case showed: ok, a violation, or nothing to compare (unproven, tight side infeasible)."""

    kind: str
    direction: str  # "relax": the drawn world is the tight side; "tighten": it is the loose side
    outcome: str  # ok | violation | unproven | no claim
    detail: str = ""


_SOLVED: dict[str, tuple[str, dict[str, int] | None, Any]] = {}


def optimum(w: World, params: Params) -> tuple[str, dict[str, int] | None, Any]:
    """Status, objective values (solver units) and the best build of the whole planner for a world."""
    memo = repr((w, params))
    if memo in _SOLVED:
        return _SOLVED[memo]
    found = candidates(w.problem(), params)
    out = (found.status, *found.ranked[0][::-1]) if found.ranked else (found.status, None, None)
    if len(_SOLVED) > 64:
        _SOLVED.clear()
    _SOLVED[memo] = out  # type: ignore[assignment]
    return out  # type: ignore[return-value]


def part_ids(build: Any) -> tuple[str, ...]:
    """Every catalogue id a build uses."""
    if build is None:
        return ()
    ids = [build.system, build.board, build.server, build.cpu, build.chassis]
    ids.append(build.memory.id if build.memory else None)
    ids += [g.id for g in build.gpus] + [r.id for r in build.risers] + [b.id for b in build.bridges]
    ids += [p.id for p in build.psus] + [p.breakout for p in build.psus]
    return tuple(i for i in ids if i)


def key(values: dict[str, int], objectives: tuple[str, ...]) -> list[int]:
    """Smaller is better, objective by objective."""
    return [-values[o] if SENSE[o] == "max" else values[o] for o in objectives]


def judge(kind: str, tight: World, loose: World, direction: str, params: Params) -> Verdict:
    ts, tv, tb = optimum(tight, params)
    if ts == "infeasible":
        return Verdict(kind, direction, "no claim", "the tight world has no build")
    ls, lv, lb = optimum(loose, params)
    if ts == "optimal" and ls == "infeasible":
        return Verdict(kind, direction, "violation", f"the loose world has no build; the tight one has {tb}")
    if ts != "optimal" or ls != "optimal" or tv is None or lv is None:
        return Verdict(kind, direction, "unproven", f"{ts} / {ls}")
    objectives = Request.model_validate(tight.request).objectives()
    if key(lv, objectives) > key(tv, objectives):
        shown = {o: (tv[o], lv[o]) for o in objectives}
        return Verdict(kind, direction, "violation", f"(tight, loose) {shown}\ntight: {tb}\nloose: {lb}")
    return Verdict(kind, direction, "ok")


def draw_case(rnd: random.Random, params: Params, kind: str | None = None) -> tuple[str, World, World, str] | None:
    """A random world and one change of the given kind (or a random kind) around it."""
    w = world(rnd)
    kind = kind or rnd.choice(sorted(RELAXATIONS))
    if kind == "catalogue":
        pair = catalogue_part(w, rnd, part_ids(optimum(w, params)[2]))
    else:
        pair = RELAXATIONS[kind](w, rnd)
    if pair is None:
        return None
    tight, loose = pair
    return kind, tight, loose, "relax" if same(tight, w) else "tighten"


def same(a: World, b: World) -> bool:
    """Whether two worlds pose the same problem (a default written out changes nothing)."""
    ra, rb = Request.model_validate(a.request), Request.model_validate(b.request)
    return (a.entries, a.user_rules, ra.model_dump(), ra.chassis_kinds()) == (
        b.entries,
        b.user_rules,
        rb.model_dump(),
        rb.chassis_kinds(),
    )


def describe(tight: World, loose: World) -> str:
    """What differs between the two worlds, for a failure message."""
    if tight.entries != loose.entries:
        ids = {e["id"] for e in tight.entries}
        return f"catalogue + {[e for e in loose.entries if e['id'] not in ids]}"
    if tight.user_rules != loose.user_rules:
        return f"rules {tight.user_rules} -> {loose.user_rules}"
    return f"request {tight.request} -> {loose.request}"
