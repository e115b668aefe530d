"""Run the bad-input corpus (tests/data/bad/corpus) through the `planner` command and count outcomes per class.

    python benchmarks/badinput.py [--class NAME] [--verbose] [--no-timing]

Every case runs as the console command would (in a forked child, with a hang guard of 120 s). The
target is 0 internal errors, 0 silent acceptances, 0 hangs, 0 unclear messages and 0 wrong verdicts.
Cases that depend on wall-clock time (Ctrl-C, time limits) run here only, never in the tests.
The agreement of solver and checker is measured by tests/test_agreement.py (its failures count here as
"solver-checker disagreements" when run with --agreement).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from make_bad_corpus import OUTCOMES, classify, load_cases, run_case


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--class", dest="cls", help="only this class")
    ap.add_argument("--verbose", action="store_true", help="print every case that is not ok")
    ap.add_argument("--no-timing", action="store_true", help="skip the cases that depend on wall-clock time")
    ap.add_argument("--agreement", action="store_true", help="also run the solver-checker agreement property")
    opts = ap.parse_args()
    from planner.data.catalog import load_catalog

    load_catalog()  # parsed once in the parent: every forked case starts with it cached
    cases = [
        c for c in load_cases() if opts.cls in (None, c["cls"]) and not (opts.no_timing and c.get("timing"))
    ]
    table: dict[str, Counter[str]] = defaultdict(Counter)
    bad = []
    slowest = (0.0, "")
    start = time.monotonic()
    for case in cases:
        r = run_case(case)
        outcome, why = classify(case, r)
        table[case["cls"]][outcome] += 1
        slowest = max(slowest, (r.seconds, f"{case['cls']}/{case['name']}"))
        if outcome not in ("ok", "n/a"):
            bad.append((case, outcome, why))
    cols = [o for o in OUTCOMES if any(t[o] for t in table.values()) or o != "n/a"]
    print(f"{'class':<20}{'cases':>6}" + "".join(f"{o:>19}" for o in cols))
    total: Counter[str] = Counter()
    for cls in sorted(table):
        row = table[cls]
        total.update(row)
        print(f"{cls:<20}{sum(row.values()):>6}" + "".join(f"{row[o]:>19}" for o in cols))
    print(f"{'all':<20}{sum(total.values()):>6}" + "".join(f"{total[o]:>19}" for o in cols))
    print(
        f"\n{len(cases)} cases in {time.monotonic() - start:.0f} s; slowest {slowest[1]} ({slowest[0]:.1f} s)"
    )
    if opts.agreement:
        print("\nsolver-checker agreement (tests/test_agreement.py):", _agreement())
    for case, outcome, why in bad:
        pending = f"  [pending: {case['pending']}]" if case.get("pending") else ""
        if opts.verbose or not pending:
            print(f"  {outcome:<18} {case['cls']}/{case['name']}: {why}{pending}")
    return 0


def _agreement() -> str:
    import subprocess

    tests = Path(__file__).resolve().parent.parent / "tests" / "test_agreement.py"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        capture_output=True,
        text=True,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()[-200:]
    return f"{'0 disagreements' if done.returncode == 0 else 'DISAGREEMENT FOUND'} ({last})"


if __name__ == "__main__":
    sys.exit(main())
