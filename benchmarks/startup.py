"""Start-up benchmark: wall and CPU time of short planner commands run as a user runs them (a new process
each time), with the catalogue cache warm and cold. Prints a table; asserts nothing.

    python benchmarks/startup.py [--repeat 7]

Wall time on a shared machine moves with its load (printed above the table): the minimum is the figure to
compare with the targets (--help 0.3 s, catalog list 0.5 s); CPU time (user + system) hardly moves.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLANNER = shutil.which("planner", path=str(Path(sys.executable).parent)) or "planner"

CASES: list[tuple[str, list[str], str, float | None]] = [
    ("python -c pass (floor)", [sys.executable, "-c", "pass"], "warm", None),
    ("planner --version", [PLANNER, "--version"], "warm", None),
    ("planner --help", [PLANNER, "--help"], "warm", 0.3),
    ("planner solve --help", [PLANNER, "solve", "--help"], "warm", None),
    ("planner catalog list", [PLANNER, "catalog", "list"], "warm", 0.5),
    ("planner catalog list", [PLANNER, "catalog", "list"], "cold", None),
    (
        "planner catalog list --kind gpu --json",
        [PLANNER, "catalog", "list", "--kind", "gpu", "--json"],
        "warm",
        None,
    ),
    ("planner fit --gpu rtx-3090:2", [PLANNER, "fit", "--gpu", "rtx-3090:2"], "warm", None),
    (
        "planner fit --system mac-studio-m3-ultra-80c-512gb",
        [PLANNER, "fit", "--system", "mac-studio-m3-ultra-80c-512gb"],
        "warm",
        None,
    ),
]


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit code) of one run with output thrown away."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="rig-planner-startup-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": "160"}
    subprocess.run([PLANNER, "catalog", "validate"], env=env, stdout=subprocess.DEVNULL, check=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {args.repeat} runs each\n")
    print(f"| {'command':<52} | cache | wall min | wall median | CPU median | target | exit |")
    print(f"|{'-' * 54}|-------|---------:|------------:|-----------:|-------:|-----:|")
    for label, argv, state, target in CASES:
        walls, cpus, codes = [], [], set()
        for _ in range(args.repeat):
            run_env = env
            if state == "cold":
                run_env = {**env, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="rig-planner-cold-")}
            wall, cpu, code = run_once(argv, run_env)
            walls.append(wall)
            cpus.append(cpu)
            codes.add(code)
        goal = f"{target:.1f} s" if target else ""
        print(
            f"| {label:<52} | {state:<5} | {min(walls):6.2f} s | {statistics.median(walls):9.2f} s "
            f"| {statistics.median(cpus):8.2f} s | {goal:>6} | {','.join(map(str, sorted(codes))):>4} |"
        )
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
