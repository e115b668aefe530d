"""Accuracy of the throughput model on the measured runs, beside the plain speed-of-light formula.

Prints per backend and test kind: rows, median and p90 absolute percentage error of the model (with
the shipped constants, and leave-one-device-out with --lodo), and of speed of light (bandwidth / model
bytes for decode; peak FLOP/s / (2 x params) for prompt). Run: .venv/bin/python benchmarks/accuracy.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibration import Row, ape, load_rows, pctl, predict, speed_of_light

TARGETS = {"decode": (8.0, 20.0), "prompt": (15.0, None)}
ORDER = (
    "llama.cpp CUDA",
    "llama.cpp ROCm",
    "llama.cpp Vulkan",
    "llama.cpp Metal",
    "exllama",
    "exllamav2",
    "DGX Spark depth runs",
)


def table(rows: list[Row], lodo: dict[int, float] | None) -> list[str]:
    """Formatted lines, one per (group, kind), plus overall lines."""
    by: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        label = r.group + (" multi-GPU (held out)" if int(r.raw["gpu_count"]) > 1 else "")
        by[(label, r.kind)].append(r)
    head = f"{'backend':34} {'test':7} {'n':>4} | {'model med':>9} {'p90':>6} |"
    head += f" {'LODO med':>8} {'p90':>6} |" if lodo is not None else ""
    head += f" {'SoL med':>8} {'p90':>6}"
    lines = [head, "-" * len(head)]
    keys = sorted(by, key=lambda k: (next((i for i, o in enumerate(ORDER) if k[0].startswith(o)), 99), k))
    for key in [*keys, ("ALL single-device (in fit)", "decode"), ("ALL single-device (in fit)", "prompt")]:
        members = by.get(key) or [
            r for r in rows if not r.held_out and r.kind == key[1] and key[0].startswith("ALL")
        ]
        model = [ape(predict(r), r.measured) for r in members]
        sol = [ape(speed_of_light(r), r.measured) for r in members]
        line = (
            f"{key[0]:34} {key[1]:7} {len(members):4d} | {pctl(model, 0.5):8.1f}% {pctl(model, 0.9):5.1f}% |"
        )
        if lodo is not None:
            cv = [ape(lodo[id(r)], r.measured) for r in members if id(r) in lodo]
            line += f" {pctl(cv, 0.5):7.1f}% {pctl(cv, 0.9):5.1f}% |" if cv else f" {'held out':>8} {'':>6} |"
        line += f" {pctl(sol, 0.5):7.1f}% {pctl(sol, 0.9):5.1f}%"
        lines.append(line)
    return lines


def verdict(rows: list[Row]) -> list[str]:
    """Targets and whether the shipped model meets them on the single-device rows."""
    out = []
    for kind, (med_target, p90_target) in TARGETS.items():
        errs = [ape(predict(r), r.measured) for r in rows if r.kind == kind and int(r.raw["gpu_count"]) <= 1]
        med, p90 = pctl(errs, 0.5), pctl(errs, 0.9)
        ok = med <= med_target and (p90_target is None or p90 <= p90_target)
        want = f"median <= {med_target:g} %" + (f", p90 <= {p90_target:g} %" if p90_target else "")
        out.append(
            f"target {kind}: {want}; got median {med:.1f} %, p90 {p90:.1f} % -> {'MET' if ok else 'NOT MET'}"
        )
    return out


def main() -> int:
    rows, skipped = load_rows()
    lodo = None
    if "--lodo" in sys.argv:
        from fit_constants import fit_all, leave_one_device_out

        lodo = leave_one_device_out(rows, fit_all(rows))
    print(f"{len(rows)} rows scored, {len(skipped)} skipped (no bandwidth figure for the hardware)")
    print("\n".join(table(rows, lodo)))
    print()
    print("\n".join(verdict(rows)))
    worst = sorted(rows, key=lambda r: -ape(predict(r), r.measured))[:8]
    print("\nworst rows:")
    for r in worst:
        p = predict(r)
        print(
            f"  {r.group:22} {r.device_label:24} {r.raw['model']:20} {r.raw['test']:16} "
            f"measured {r.measured:9.1f} model {p:9.1f} ({(p / r.measured - 1) * 100:+.0f} %) [{r.hw_source}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
