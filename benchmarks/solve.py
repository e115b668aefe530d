"""Solve benchmark: time and deterministic work to a proven optimum on the shipped catalogue and on one
three times the size (benchmarks/variants.py), brute force beside the solver on a reduced catalogue, and
a determinism check (the same answer from two runs, one beside a busy process). Prints tables; asserts
nothing.

    python benchmarks/solve.py [--quick] [--catalogue shipped|tripled|both] [--cases standard|examples|all]

Times include resolving the catalogue and building the model. "work" is CP-SAT's deterministic time,
the unit of --effort: the same on any machine at any load, where seconds are not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from planner.data.catalog import load_catalog  # noqa: E402
from planner.data.inputs import load_request, load_rules  # noqa: E402
from planner.instance.resolve import resolve  # noqa: E402
from planner.schema.request import Request  # noqa: E402
from planner.solver.engine import DEFAULT_EFFORT  # noqa: E402
from planner.solver.solve import Params, solve  # noqa: E402

WORKLOAD = {"model": "llama-3-3-70b", "quant": "q4_k_m", "context": 8192}
SITE = {"circuits": [{"volts": 120, "amps": 20, "count": 2}]}
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))


def standard_cases() -> list[tuple[str, dict]]:
    """Up to 1, 2, 4 and 8 GPUs under three budgets for VRAM, and decode speed for a 70B model."""
    cases = []
    for gpus in (1, 2, 4, 8):
        for budget in (2000, 5000, 10000):
            cases.append(
                (f"vram, {gpus} GPUs, ${budget:,}", {"budget_usd": budget, "require": {"max_gpus": gpus}})
            )
    for gpus in (1, 2, 4, 8):
        fields = {"budget_usd": 5000, "require": {"max_gpus": gpus}, "workload": WORKLOAD}
        cases.append((f"decode 70B, {gpus} GPUs, $5,000", fields))
    return cases


def requests(cat, which: str) -> list[tuple[str, Request]]:
    out = []
    if which in ("standard", "all"):
        out += [(n, Request.model_validate({**f, "site": SITE})) for n, f in standard_cases()]
    if which in ("examples", "all"):
        out += [(f"examples/{p.name}", load_request(p, cat).request) for p in EXAMPLES]
    return out


def catalogue_table(label: str, cat, which: str, effort: float) -> None:
    rules = load_rules()
    print(f"{label} catalogue: time and work to a proven optimum (effort limit {effort:g})")
    print(f"{'case':<40} {'seconds':>8} {'work':>7} {'status':>9} {'GPUs':>5}  best")
    seconds, works, proven, rows = [], [], 0, requests(cat, which)
    for name, req in rows:
        t = time.perf_counter()
        out = solve(resolve(cat, req, rules), Params(effort=effort, time_limit_s=3600))
        secs = time.perf_counter() - t
        seconds.append(secs)
        works.append(out.work)
        proven += out.status in ("optimal", "infeasible")
        gpus = len(out.builds[0].gpus) if out.builds else 0
        best = (
            ", ".join(f"{k} {v}" for k, v in out.values[0].items() if k in req.objectives())
            if out.values
            else "-"
        )
        print(f"{name:<40} {secs:>8.2f} {out.work:>7.2f} {out.status:>9} {gpus:>5}  {best}")
    print(
        f"{label}: {proven}/{len(rows)} proven; seconds median {statistics.median(seconds):.2f}, worst "
        f"{max(seconds):.2f}; work median {statistics.median(works):.2f}, worst {max(works):.2f}\n"
    )


def brute_versus_solver(repeat: int) -> None:
    from brute import brute_force
    from tiny import base_parts, board, gpu, make_catalog, psu, request, rules

    # Six card types with different GB per dollar and watts, a five-slot board, two PSU types: the
    # top part selections by VRAM fail on slots, power or leads, so brute force has to search.
    cards = [
        gpu(
            f"g{i}",
            usd=120 + 110 * i,
            memory_gb=(8, 12, 16, 24, 32, 48)[i],
            tdp_w=120 + 45 * i,
            width=(1, 2, 2, 2, 3, 2)[i],
            cooling=("blower", "open-air")[i % 2],
        )
        for i in range(6)
    ]
    slots = [{"position": p, "size": 16, "lanes": 8, "gen": 4, "link": "cpu"} for p in (1, 2, 3, 5, 7)]
    parts = [p for p in base_parts() if p["kind"] not in ("board", "psu")]
    cat = make_catalog(
        [
            *parts,
            board(slots=slots),
            psu("p1", watts=1000, pcie_8pin=4, usd=90),
            psu("p2", watts=1600, pcie_8pin=8, usd=250),
            *cards,
        ]
    )
    req = request(budget_usd=3500, objective=["vram", "cost"], require={"max_gpus": 4})
    r = rules(power={"max_psus": 2})
    tb, truth = _timed(lambda: brute_force(cat, req, r), repeat)
    ts, out = _timed(lambda: solve(resolve(cat, req, r), Params()), repeat)
    print(
        "Reduced catalogue (6 GPU types, 1 board, 2 PSU types, up to 4 cards): brute force beside the solver"
    )
    print(f"  brute force {tb:6.2f} s -> vram {truth[1]['vram']:g} GB, cost ${truth[1]['cost']:,.0f}")
    print(
        f"  solver      {ts:6.2f} s -> vram {out.values[0]['vram'] / 1024:g} GB, cost ${out.values[0]['cost']:,}"
        f" ({out.status}, work {out.work:.3f})\n"
    )


def determinism(path: Path) -> None:
    """The same request twice through the CLI: alone, then beside two busy processes."""
    exe = Path(sys.executable).with_name("planner")
    cmd = [str(exe), "solve", str(path), "--json"]

    def answer() -> tuple[float, dict]:
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        data = json.loads(out.stdout)
        return time.perf_counter() - t, data

    quiet_s, quiet = answer()
    spin = "import time\nt = time.time()\nwhile time.time() - t < 600: pass\n"
    busy = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(os.cpu_count() or 2)]
    try:
        busy_s, loaded = answer()
    finally:
        for p in busy:
            p.kill()
    same = _answer(quiet) == _answer(loaded)
    print(
        f"Determinism: `planner solve {path.relative_to(REPO)}` alone and beside {len(busy)} busy processes"
    )
    for label, secs, data in (("alone", quiet_s, quiet), ("busy", busy_s, loaded)):
        best = data["builds"][0] if data["builds"] else None
        cost = f"${best['total_cost_usd']:,.0f}" if best else "-"
        print(f"  {label:<6} {secs:6.2f} s, work {data.get('effort', 0):.3f}, {data['status']}, {cost}")
    print(f"  same answer: {'yes' if same else 'NO'}\n")


def _answer(data: dict) -> tuple:
    """What must not depend on the machine: status, the builds and their figures (not the timings)."""
    builds = [json.dumps(b["build"], sort_keys=True) for b in data["builds"]]
    return data["status"], data.get("effort"), data.get("objective_values"), builds


def _timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="examples on the shipped catalogue only")
    ap.add_argument("--catalogue", choices=("shipped", "tripled", "both"), default="both")
    ap.add_argument("--cases", choices=("standard", "examples", "all"), default="all")
    ap.add_argument("--effort", type=float, default=DEFAULT_EFFORT)
    args = ap.parse_args()
    shipped = load_catalog()
    if args.quick:
        args.catalogue, args.cases = "shipped", "examples"
    if args.catalogue in ("shipped", "both"):
        catalogue_table("Shipped", shipped, args.cases, args.effort)
    if args.catalogue in ("tripled", "both"):
        from variants import tripled

        catalogue_table("Tripled", tripled(shipped, seed=0), args.cases, args.effort)
    brute_versus_solver(1 if args.quick else 3)
    determinism(REPO / "examples" / "budget.yaml")


if __name__ == "__main__":
    main()
