"""Frontier benchmark: a 20-point cost <-> objective frontier on the full catalogue, time and points found.
Prints a table; asserts nothing.

    python benchmarks/frontier.py [--points 20] [--time-limit 120]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from planner.data.catalog import load_catalog  # noqa: E402
from planner.data.inputs import load_rules  # noqa: E402
from planner.instance.resolve import resolve  # noqa: E402
from planner.schema.request import Request  # noqa: E402
from planner.solver.frontier import frontier  # noqa: E402
from planner.solver.solve import Params  # noqa: E402

CASES = {
    "VRAM, $10,000, up to 8 GPUs": {"budget_usd": 10000, "require": {"max_gpus": 8}},
    "VRAM, $5,000, up to 4 GPUs": {"budget_usd": 5000, "require": {"max_gpus": 4}},
    "decode 70B Q4, $5,000": {"budget_usd": 5000, "workload": {"model": "llama-3-3-70b", "quant": "q4_k_m"}},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--time-limit", type=float, default=120)
    args = ap.parse_args()
    cat, rules = load_catalog(), load_rules()
    print(f"{'case':<32} {'points':>6} {'proven':>6} {'seconds':>8}  cost range")
    for name, fields in CASES.items():
        req = Request.model_validate(
            {**fields, "site": {"circuits": [{"volts": 120, "amps": 20, "count": 2}]}}
        )
        t = time.perf_counter()
        _, pts = frontier(resolve(cat, req, rules), args.points, Params(time_limit_s=args.time_limit))
        secs = time.perf_counter() - t
        span = f"${pts[0].cost:,} - ${pts[-1].cost:,}" if pts else "-"
        print(f"{name:<32} {len(pts):>6} {sum(p.proven for p in pts):>6} {secs:>8.1f}  {span}")
    print(f"target: a {args.points}-point frontier in <= 10 s on the 2-core machine")


if __name__ == "__main__":
    main()
