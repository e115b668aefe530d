"""Frontier benchmark: 20-point cost <-> objective frontiers on the shipped catalogue (and, with
--tripled, on a catalogue three times the size), with the time, the deterministic work and the
points proven. Prints a table; asserts nothing.

    python benchmarks/frontier.py [--points 20] [--effort 600] [--tripled]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from planner.data.catalog import load_catalog  # noqa: E402
from planner.data.inputs import load_request, load_rules  # noqa: E402
from planner.instance.resolve import resolve  # noqa: E402
from planner.schema.request import Request  # noqa: E402
from planner.solver import engine  # noqa: E402
from planner.solver.frontier import frontier  # noqa: E402
from planner.solver.solve import Params  # noqa: E402

SITE = {"circuits": [{"volts": 120, "amps": 20, "count": 2}]}
CASES = {
    "VRAM, $10,000, up to 8 GPUs": {"budget_usd": 10000, "require": {"max_gpus": 8}, "site": SITE},
    "VRAM, $5,000, up to 4 GPUs": {"budget_usd": 5000, "require": {"max_gpus": 4}, "site": SITE},
    "decode 70B Q4, $5,000": {
        "budget_usd": 5000,
        "workload": {"model": "llama-3-3-70b", "quant": "q4_k_m"},
        "site": SITE,
    },
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--effort", type=float, default=engine.DEFAULT_FRONTIER_EFFORT)
    ap.add_argument("--tripled", action="store_true", help="also on the catalogue tripled by variants")
    args = ap.parse_args()
    rules = load_rules()
    catalogues = [("shipped", load_catalog())]
    if args.tripled:
        from variants import tripled

        catalogues.append(("tripled", tripled(catalogues[0][1], seed=0)))
    print(f"{'catalogue':<9} {'case':<30} {'points':>6} {'proven':>6} {'work':>7} {'seconds':>8}  cost range")
    for label, cat in catalogues:
        cases = [(n, Request.model_validate(f)) for n, f in CASES.items()]
        cases.append(("examples/budget.yaml", load_request(REPO / "examples" / "budget.yaml", cat).request))
        for name, req in cases:
            t = time.perf_counter()
            params = Params(effort=args.effort, time_limit_s=3600)
            _, pts, work = _run(resolve(cat, req, rules), args.points, params)
            secs = time.perf_counter() - t
            span = f"${pts[0].cost:,} - ${pts[-1].cost:,}" if pts else "-"
            proven = sum(p.proven for p in pts)
            print(f"{label:<9} {name:<30} {len(pts):>6} {proven:>6} {work:>7.2f} {secs:>8.1f}  {span}")
    print(f"target: a {args.points}-point frontier, every point proven, in <= 10 s on the 2-core machine")


def _run(inst, points, params):
    """The frontier and the deterministic work it took."""
    budget = engine.Budget(params, "frontier")
    objective, pts = frontier(inst, points, budget=budget)
    budget.close()
    return objective, pts, budget.work_used


if __name__ == "__main__":
    main()
