"""The rig gallery measured: for every documented rig in examples/rigs/ (and the broken variants), the
checker's verdict, cost, sustained / peak / wall watts per circuit, the power limits set, and the predicted
decode for its workload beside the owner's published figure where one exists. Prints tables; asserts
nothing (tests/test_rigs.py holds the verdicts).

    python benchmarks/rigs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from planner.api import check_problem, load_check  # noqa: E402
from planner.check.context import Ctx  # noqa: E402
from planner.check.power import circuit_loads, psu_loads, server_loads  # noqa: E402
from planner.perf.power_limit import clock_fraction, decode_fraction  # noqa: E402

RIGS = REPO / "examples" / "rigs"

# Decode figures owners published for the rig's own workload. None of the documented rigs' sources (as
# far as they are recorded in this repository) gives one for the workload the gallery file runs; what
# exists is said here so the table can show it and say what it is.
PUBLISHED: dict[str, str] = {
    "p40-x4-dual-xeon": "owners: 'nobody reports more than about 15 tokens/second' on P40s (seed notes; any model)",
    "trpro-4x-a6000-tower": "not this rig: 4x RTX 4090, gpt-oss-120b MXFP4, tg128 180 tok/s (llama.cpp PR 19378)",
}


def circuits(path: Path) -> list[str]:
    """'c1 sustained/peak/wall W' per circuit, recomputed by the checker."""
    problem = load_check(path)
    result = check_problem(path, problem)
    ctx = Ctx(problem.catalog, problem.request, problem.rules, result.build.build)
    walls = circuit_loads(ctx)
    n = len(walls)
    sustained, peak = [0.0] * n, [0.0] * n
    if ctx.server is not None:
        load, top, _, _ = server_loads(ctx)
        sustained = [load * w / max(1e-9, sum(walls)) for w in walls]
        peak = [top * w / max(1e-9, sum(walls)) for w in walls]
    else:
        for pl in psu_loads(ctx):
            if pl.circuit < n:
                sustained[pl.circuit] += pl.load_w
                peak[pl.circuit] += pl.peak_w
    return [
        f"c{i + 1} {sustained[i]:,.0f}/{peak[i]:,.0f}/{walls[i]:,.0f}"
        for i in range(n)
        if walls[i] or sustained[i]
    ]


def row(path: Path) -> tuple[str, ...]:
    result = check_problem(path, load_check(path))
    b = result.build
    verdict = (
        "holds" if result.ok else "breaks: " + "; ".join(sorted({v.split(":")[0] for v in result.violations}))
    )
    limits = sorted({f"{r.limit_w}/{r.default_w:g} W" for r in b.power_limits}) or ["stock"]
    tp = b.throughput
    decode = "-" if tp is None or tp.decode_tokens_per_s is None else f"{tp.decode_tokens_per_s:.1f}"
    workload = "-" if b.build.workload is None else f"{b.build.workload.model} {b.build.workload.quant}"
    return (
        path.stem,
        verdict,
        f"${b.total_cost_usd:,.0f}",
        " ".join(circuits(path)),
        ", ".join(limits),
        workload,
        decode,
        PUBLISHED.get(path.stem, "none published"),
    )


def table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> None:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def main() -> None:
    head = (
        "rig",
        "verdict",
        "cost",
        "circuit sustained/peak/wall W",
        "power limits",
        "workload",
        "decode tok/s",
        "owner's published figure",
    )
    print("Gallery (examples/rigs)\n")
    table([row(p) for p in sorted(RIGS.glob("*.yaml"))], head)
    print("\nBroken variants (examples/rigs/broken): each must break the rule its header names\n")
    table([row(p)[:5] for p in sorted((RIGS / "broken").glob("*.yaml"))], head[:5])
    print(
        "\nThroughput at a power limit (planner/perf/power_limit.py), as fractions of default-power speed\n"
    )
    shares = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5)
    table(
        [
            ("prompt / batched (clock)", *(f"{clock_fraction(s):.2f}" for s in shares)),
            ("decode, batch 1", *(f"{decode_fraction(s):.2f}" for s in shares)),
        ],
        ("share of default power", *(f"{s:.0%}" for s in shares)),
    )


if __name__ == "__main__":
    main()
