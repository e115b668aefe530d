"""Re-derive planner/perf/constants.yaml from calibration/measured.csv.

Decode: t = bytes / (f x bandwidth) + c x layers; linear least squares in relative error, one per-layer
cost c per runtime and one bandwidth fraction f per look-up level (family/segment, family, vendor,
runtime default). Prompt: t = FLOPs / (g x peak) + fixed; g per level is the geometric mean of the
rows' achieved/peak ratios, and the peak (FP16 basis or FP32 SM rate) is chosen per runtime by which
predicts left-out devices better. Held-out rows (DGX Spark depth runs, multi-GPU) never enter a fit.
Run: .venv/bin/python benchmarks/fit_constants.py [--check]
"""

from __future__ import annotations

import copy
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from priors import base_constants, copy_bands, fill_prior_runtimes

from calibration import Row, load_rows, pctl, predict, unit_step_seconds
from planner.perf import use_constants
from planner.perf.constants import CONSTANTS_FILE

MIN_DEVICES_PER_SEGMENT = 2
PEAKS = ("fp16", "fp32")
# Per-layer cost prior: ~10 kernels per layer x ~5 us launch + sync. It weighs as much as
# PRIOR_ROWS measured rows, so it decides c only where bandwidths barely vary (ROCm, one-card sets).
PRIOR_US_PER_LAYER = 50.0
PRIOR_ROWS = 3.0


def solve(matrix: list[list[float]], rhs: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the normal equations are tiny)."""
    n = len(rhs)
    a = [[*row, rhs[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-18:
            a[col][col] = 1e-18
        for r in range(n):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col], strict=True)]
    return [a[i][n] / a[i][i] for i in range(n)]


def level_keys(row: Row, segments: set[str]) -> list[str]:
    """Look-up levels a row's device reads, most specific first."""
    d = row.devices[0]
    seg = f"{d.family}/{d.segment}"
    return ([seg] if seg in segments else []) + [d.family, f"vendor:{d.vendor_key}", "default"]


def segments_of(rows: list[Row]) -> set[str]:
    """family/segment groups worth their own constants: two devices, or a unified-memory system."""
    per: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        per[f"{r.devices[0].family}/{r.devices[0].segment}"].add(r.device_label)
    return {s for s, names in per.items() if len(names) >= MIN_DEVICES_PER_SEGMENT or s.endswith("/system")}


def fit_decode(rows: list[Row], segments: set[str]) -> tuple[float, dict[str, float]]:
    """(us per layer, {group: 1/f}) minimising sum((a_g x + c z) / t - 1)^2 with a_g >= 1, c >= 0."""
    key = {id(r): level_keys(r, segments)[0] for r in rows}
    groups = sorted(set(key.values()))
    index = {g: i for i, g in enumerate(groups)}
    n = len(groups) + 1
    fixed: dict[int, float] = {}
    sol = [1.0] * n
    for _ in range(n + 1):
        ata = [[0.0] * n for _ in range(n)]
        atb = [0.0] * n
        for r in rows:
            t = 1 / r.measured
            vec = [0.0] * n
            vec[index[key[id(r)]]] = r.features["x"] / t
            vec[-1] = r.workload.model.layers * 1e-6 / t
            for i in range(n):
                atb[i] += vec[i]
                for j in range(n):
                    ata[i][j] += vec[i] * vec[j]
        weight = PRIOR_ROWS * ata[-1][-1] / len(rows)
        ata[-1][-1] += weight
        atb[-1] += weight * PRIOR_US_PER_LAYER
        for i, value in fixed.items():
            ata[i], atb[i] = [0.0] * n, value
            ata[i][i] = 1.0
        sol = solve(ata, atb)
        bad = {i: (0.0 if i == n - 1 else 1.0) for i, v in enumerate(sol) if v < (0 if i == n - 1 else 1)}
        if not bad.keys() - fixed.keys():
            break
        fixed.update(bad)
    return max(0.0, sol[-1]), {g: max(1.0, sol[index[g]]) for g in groups}


def slope(rows: list[Row], c_us: float) -> float:
    """1/f for these rows with the per-layer cost held at c_us (closed form)."""
    num = den = 0.0
    for r in rows:
        t = 1 / r.measured
        u = r.features["x"] / t
        num += u * (1 - c_us * 1e-6 * r.workload.model.layers / t)
        den += u * u
    return max(1.0, num / den) if den else 1.0


def fraction(rows: list[Row], peak: str) -> float:
    """Compute fraction: geometric mean over rows of (seconds at fraction 1) / (measured - fixed)."""
    logs = []
    for r in rows:
        s, o = r.features[f"s_{peak}"], r.features[f"o_{peak}"]
        t = r.workload.prompt / r.measured
        logs.append(math.log(s / max(t - o, 0.05 * t)))
    return math.exp(sum(logs) / len(logs))


def _prompt_features(key: str, rows: list[Row], constants: dict[str, Any]) -> None:
    """Seconds at compute fraction 1 (s) and fixed seconds (o) per peak, from two model runs."""
    from planner.perf.prefill import prefill_seconds
    from planner.perf.split import choose_layout

    for peak in PEAKS:
        runs = []
        for g in (1.0, 2.0):
            trial = copy.deepcopy(constants)
            table = trial["runtimes"].setdefault(key, {})
            for node in [
                table.setdefault("default", {}),
                *table.get("family", {}).values(),
                *table.get("vendor", {}).values(),
            ]:
                node["prompt"] = {"compute_fraction": g, "peak": peak}
            with use_constants(trial):
                runs.append(
                    [
                        prefill_seconds(choose_layout(r.devices, r.workload, None).placement, r.workload)
                        for r in rows
                    ]
                )
        for r, a, b in zip(rows, *runs, strict=True):
            r.features[f"s_{peak}"] = 2 * (a - b)
            r.features[f"o_{peak}"] = max(0.0, 2 * b - a)


def _put(table: dict[str, Any], level: str, group: str, values: dict[str, Any]) -> None:
    if level == "default":
        table.setdefault("default", {})[group] = values
    elif level.startswith("vendor:"):
        table.setdefault("vendor", {}).setdefault(level[7:], {})[group] = values
    else:
        table.setdefault("family", {}).setdefault(level, {})[group] = values


def _devices(rows: list[Row]) -> str:
    names = sorted({r.device_label for r in rows})
    shown = ", ".join(names[:5]) + (f" +{len(names) - 5} more" if len(names) > 5 else "")
    return f"{len(rows)} rows, {len(names)} devices ({shown})"


def _by_level(rows: list[Row], segments: set[str]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        for level in level_keys(r, segments):
            out[level].append(r)
    return out


def fit_runtime(key: str, rows: list[Row], constants: dict[str, Any], peak: str | None = None) -> str | None:
    """Fit one runtime's table into `constants` (features must be cached); returns the peak used."""
    table: dict[str, Any] = {}
    segments = segments_of(rows)
    decode = [r for r in rows if r.kind == "decode"]
    prompt = [r for r in rows if r.kind == "prompt"]
    if decode:
        c_us, _ = fit_decode(decode, segments)
        for level, members in _by_level(decode, segments).items():
            _put(
                table,
                level,
                "decode",
                {
                    "bandwidth_fraction": round(1 / slope(members, c_us), 4),
                    "overhead_us_per_layer": round(c_us, 2),
                    "basis": f"fitted: {_devices(members)}",
                },
            )
    if prompt:
        peak = peak or choose_peak(prompt)
        for level, members in _by_level(prompt, segments).items():
            _put(
                table,
                level,
                "prompt",
                {
                    "compute_fraction": round(fraction(members, peak), 4),
                    "peak": peak,
                    "basis": f"fitted: {_devices(members)}",
                },
            )
    constants["runtimes"][key] = table
    return peak


def _lodo_prompt_error(rows: list[Row], peak: str) -> float:
    """Median error predicting each device's prompt rows from the others (closed form, for choosing the peak)."""
    errs = []
    for name in {r.device_label for r in rows}:
        keep = [r for r in rows if r.device_label != name]
        if not keep:
            continue
        segments = segments_of(keep)
        levels = _by_level(keep, segments)
        for r in rows:
            if r.device_label == name:
                level = next(lv for lv in level_keys(r, segments) if lv in levels)
                g = fraction(levels[level], peak)
                t = r.features[f"s_{peak}"] / g + r.features[f"o_{peak}"]
                errs.append(abs(r.workload.prompt / t / r.measured - 1) * 100)
    return pctl(errs, 0.5) if errs else 0.0


def choose_peak(rows: list[Row]) -> str:
    """The peak basis whose fractions transfer better to devices left out of the fit."""
    return min(PEAKS, key=lambda p: (_lodo_prompt_error(rows, p), p))


def prepare(rows: list[Row], constants: dict[str, Any]) -> None:
    """Cache each row's regressors: decode seconds at full bandwidth, prompt seconds at full compute."""
    by_key: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_key[r.runtime_key].append(r)
    for key, members in by_key.items():
        unit = copy.deepcopy(constants)
        unit["runtimes"][key] = {
            "default": {
                "decode": {"bandwidth_fraction": 1.0, "overhead_us_per_layer": 0.0},
                "prompt": {"compute_fraction": 1.0},
            }
        }
        with use_constants(unit):
            for r in members:
                if r.kind == "decode":
                    r.features["x"] = unit_step_seconds(r)
        decode = [r for r in members if r.kind == "decode" and not r.held_out]
        if decode:
            fit_runtime(key, decode, constants)
        _prompt_features(key, [r for r in members if r.kind == "prompt"], constants)


def annotate(constants: dict[str, Any], rows: list[Row]) -> None:
    """Append each fitted entry's in-sample error to its basis."""
    with use_constants(constants):
        pred = {id(r): predict(r) for r in rows}
    by_key: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.held_out:
            by_key[r.runtime_key].append(r)
    for key, members in by_key.items():
        table = constants["runtimes"][key]
        for kind in ("decode", "prompt"):
            kind_rows = [r for r in members if r.kind == kind]
            for level, level_rows in _by_level(kind_rows, segments_of(members)).items():
                node = (
                    table.get("default")
                    if level == "default"
                    else (
                        table.get("vendor", {}).get(level[7:])
                        if level.startswith("vendor:")
                        else table.get("family", {}).get(level)
                    )
                )
                if node and kind in node:
                    errs = [abs(pred[id(r)] / r.measured - 1) * 100 for r in level_rows]
                    node[kind]["basis"] += (
                        f"; in-sample median |err| {pctl(errs, 0.5):.1f} %, p90 {pctl(errs, 0.9):.1f} %"
                    )


def fit_all(rows: list[Row]) -> dict[str, Any]:
    """Constants fitted on every non-held-out row, on top of the priors (rows get cached features)."""
    constants = base_constants()
    prepare(rows, constants)
    by_key: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.held_out:
            by_key[r.runtime_key].append(r)
    for key in sorted(by_key):
        fit_runtime(key, by_key[key], constants)
    fill_prior_runtimes(constants)
    return constants


def leave_one_device_out(rows: list[Row], constants: dict[str, Any]) -> dict[int, float]:
    """Prediction for each fitted row from constants fitted without that row's device."""
    out: dict[int, float] = {}
    by_key: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.held_out:
            by_key[r.runtime_key].append(r)
    for key, members in by_key.items():
        peak = constants["runtimes"][key].get("default", {}).get("prompt", {}).get("peak")
        for name in sorted({r.device_label for r in members}):
            trial = copy.deepcopy(constants)
            fit_runtime(key, [r for r in members if r.device_label != name], trial, peak)
            with use_constants(trial):
                for r in members:
                    if r.device_label == name:
                        out[id(r)] = predict(r)
    return out


def bands(rows: list[Row], lodo: dict[int, float], constants: dict[str, Any]) -> None:
    """Uncertainty per runtime and test kind: 10th and 90th percentile of measured / predicted."""
    unc = constants.setdefault("uncertainty", {})
    by: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in rows:
        if id(r) in lodo:
            by[(r.runtime_key, r.kind)].append(r.measured / lodo[id(r)])
    for (key, kind), ratios in sorted(by.items()):
        unc.setdefault(key, {})[kind] = {
            "low": round(pctl(ratios, 0.1), 3),
            "high": round(pctl(ratios, 0.9), 3),
            "basis": f"10th-90th percentile of measured/predicted, leave-one-device-out, {len(ratios)} rows",
        }


def main() -> int:
    rows, skipped = load_rows()
    constants = fit_all(rows)
    lodo = leave_one_device_out(rows, constants)
    bands(rows, lodo, constants)
    copy_bands(constants)
    annotate(constants, rows)
    text = yaml.safe_dump(constants, sort_keys=False, width=110, allow_unicode=True)
    header = (
        "# Throughput-model constants, written by benchmarks/fit_constants.py from\n"
        "# calibration/measured.csv. Do not edit by hand: change the priors in benchmarks/priors.py\n"
        "# or the data, and re-run. Every entry carries its basis (fitted rows and error, or the prior's reason).\n"
    )
    if "--check" in sys.argv:
        same = CONSTANTS_FILE.read_text(encoding="utf-8") == header + text
        print("constants.yaml is up to date" if same else "constants.yaml differs from a fresh fit")
        return 0 if same else 1
    CONSTANTS_FILE.write_text(header + text, encoding="utf-8")
    for kind in ("decode", "prompt"):
        errs = [abs(lodo[id(r)] / r.measured - 1) * 100 for r in rows if id(r) in lodo and r.kind == kind]
        print(
            f"{kind}: leave-one-device-out median |err| {pctl(errs, 0.5):.1f} %, p90 {pctl(errs, 0.9):.1f} % "
            f"({len(errs)} rows)"
        )
    print(
        f"fitted on {sum(not r.held_out for r in rows)} of {len(rows)} usable rows ({len(skipped)} skipped); "
        f"wrote {CONSTANTS_FILE}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
