"""Solve-time benchmark: full catalogue with 1, 2, 4 and 8 GPUs allowed under a few budgets, the
end-to-end time of `planner solve examples/budget.yaml`, and brute force beside the solver on a reduced
catalogue. Prints tables; asserts nothing.

    python benchmarks/solve.py [--repeat 3] [--workers 0]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from planner.data.catalog import load_catalog  # noqa: E402
from planner.data.inputs import load_rules  # noqa: E402
from planner.instance.resolve import resolve  # noqa: E402
from planner.schema.request import Request  # noqa: E402
from planner.solver.solve import Params, solve  # noqa: E402

WORKLOAD = {"model": "llama-3-3-70b", "quant": "q4_k_m", "context": 8192}


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def full_catalogue(repeat: int, workers: int) -> None:
    cat, rules = load_catalog(), load_rules()
    print("Full catalogue: median solve time (resolve + model + CP-SAT), proven status")
    print(
        f"{'objective':<22} {'max GPUs':>8} {'budget':>8} {'median s':>9} {'status':>9} {'GPUs':>5} {'value':>12}"
    )
    cases = []
    for gpus in (1, 2, 4, 8):
        for budget in (2000, 5000, 10000):
            cases.append(("vram,bandwidth,cost", {}, gpus, budget))
    for gpus in (1, 2, 4, 8):
        cases.append(("decode,cost (70B Q4)", {"workload": WORKLOAD}, gpus, 5000))
    all_times = []
    for label, extra, gpus, budget in cases:
        req = Request.model_validate(
            {
                "budget_usd": budget,
                "require": {"max_gpus": gpus},
                "site": {"circuits": [{"volts": 120, "amps": 20, "count": 2}]},
                **extra,
            }
        )

        def run(req=req):
            return solve(resolve(cat, req, rules), Params(time_limit_s=60, workers=workers, seed=0))

        t, out = timed(run, repeat)
        all_times.append(t)
        value = out.values[0].get("decode" if "decode" in label else "vram") if out.values else None
        n = len(out.builds[0].gpus) if out.builds else 0
        print(f"{label:<22} {gpus:>8} {budget:>8} {t:>9.2f} {out.status:>9} {n:>5} {value!s:>12}")
    print(f"median over all cases: {statistics.median(all_times):.2f} s; worst {max(all_times):.2f} s\n")


def end_to_end(repeat: int) -> None:
    exe = Path(sys.executable).with_name("planner")
    cmd = [str(exe), "solve", str(REPO / "examples" / "budget.yaml")]
    t, _ = timed(lambda: subprocess.run(cmd, capture_output=True, check=True), repeat)
    print(f"End to end: `planner solve examples/budget.yaml` median {t:.2f} s over {repeat} run(s)\n")


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
    tb, truth = timed(lambda: brute_force(cat, req, r), repeat)
    ts, out = timed(lambda: solve(resolve(cat, req, r), Params(time_limit_s=60)), repeat)
    print("Reduced catalogue (6 GPU types, 1 board, 2 PSU types, up to 4 cards): brute force vs solver")
    print(f"  brute force {tb:.2f} s -> vram {truth[1]['vram']:g} GB, cost ${truth[1]['cost']:,.0f}")
    print(
        f"  solver      {ts:.2f} s -> vram {out.values[0]['vram'] / 1024:g} GB, cost ${out.values[0]['cost']:,}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="one run per case, fewer cases")
    args = ap.parse_args()
    full_catalogue(1 if args.quick else args.repeat, args.workers)
    end_to_end(1 if args.quick else args.repeat)
    brute_versus_solver(1 if args.quick else args.repeat)


if __name__ == "__main__":
    main()
