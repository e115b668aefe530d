"""Monotonicity benchmark: thousands of random small worlds, each solved with one thing loosened or
tightened (tests/monotone.py); prints per kind how many pairs were tried, how many could be compared
(both sides proven optimal, or the tight side feasible), and how many violations were found.

    python benchmarks/monotone.py [--cases 2000] [--seed 0] [--kind budget] [--show 3] [--jobs 1]

A violation prints its seed: `--seed N --cases 1 --show 1` replays it. Asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import random  # noqa: E402

from monotone import RELAXATIONS, Verdict, describe, draw_case, judge  # noqa: E402

from planner.solver.solve import Params  # noqa: E402

PARAMS = Params(time_limit_s=30, workers=1, seed=0)


def one(args: tuple[int, str | None]) -> tuple[int, Verdict | None, str]:
    seed, kind = args
    case = draw_case(random.Random(seed), PARAMS, kind)
    if case is None:
        return seed, None, ""
    kind_, tight, loose, direction = case
    try:
        verdict = judge(kind_, tight, loose, direction, PARAMS)
    except Exception as exc:  # an internal error is a finding too
        verdict = Verdict(kind_, direction, "error", f"{type(exc).__name__}: {exc}")
    return seed, verdict, describe(tight, loose) if verdict.outcome in ("violation", "error") else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0, help="first seed; case i uses seed + i")
    ap.add_argument("--kind", choices=sorted(RELAXATIONS), default=None)
    ap.add_argument("--show", type=int, default=3, help="violations to print in full")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = ap.parse_args()
    start = time.monotonic()
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    found: list[tuple[int, Verdict, str]] = []
    work = [(args.seed + i, args.kind) for i in range(args.cases)]
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            results = list(pool.map(one, work, chunksize=4))
    else:
        results = [one(w) for w in work]
    for seed, verdict, diff in results:
        if verdict is None:
            continue
        t = tally[verdict.kind]
        t["tried"] += 1
        t[verdict.direction] += 1
        t[verdict.outcome] += 1
        if verdict.outcome in ("violation", "error"):
            found.append((seed, verdict, diff))
    print(f"{'kind':<20} {'tried':>6} {'relax':>6} {'tighten':>8} {'compared':>9} {'no claim':>9} "
          f"{'unproven':>9} {'violations':>11} {'errors':>7}")
    total: Counter[str] = Counter()
    for kind in sorted(tally):
        t = tally[kind]
        total.update(t)
        print(_row(kind, t))
    print(_row("all", total))
    print(f"\n{args.cases} cases drawn from seed {args.seed} in {time.monotonic() - start:.0f} s")
    for seed, verdict, diff in found[: args.show]:
        print(f"\n{verdict.outcome} ({verdict.kind}, {verdict.direction}) seed {seed}: {diff}\n  {verdict.detail}")
    if len(found) > args.show:
        print(f"\n... and {len(found) - args.show} more: seeds {[s for s, _, _ in found[args.show:]]}")


def _row(kind: str, t: Counter[str]) -> str:
    compared = t["ok"] + t["violation"]
    return (
        f"{kind:<20} {t['tried']:>6} {t['relax']:>6} {t['tighten']:>8} {compared:>9} {t['no claim']:>9} "
        f"{t['unproven']:>9} {t['violation']:>11} {t['error']:>7}"
    )


if __name__ == "__main__":
    main()
