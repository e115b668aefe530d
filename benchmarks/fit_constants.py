"""Re-derive planner/perf/constants.yaml from calibration/measured.csv and measured-extra.csv.

The model's time for each run is a sum of physical terms (planner/perf/terms.py); the fitter chooses
the parameters behind them (bandwidth share, per-layer and per-token cost, attention cost, matrix-peak
share, hop and all-reduce cost ...) per runtime, with effects by architecture family, memory kind,
vendor and quant class, by robust least squares in log space (fitter.py). Every row takes part.

Evidence bands (written to `bands:`): every row is predicted three times from constants fitted without
it, leaving out its whole source (publication), its device, and its architecture family. Each
prediction is labelled by the tier the row's devices would have had in that fit: `measured` (the
device and runtime still have other rows), `family` (its architecture still has rows under that
runtime) or `prior`.
The band of a tier is the 10th-90th percentile of measured / predicted over the predictions of that
tier; the low edge is what the solver optimises by default (the conservative value).
Run: .venv/bin/python benchmarks/fit_constants.py [--check]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # small dense algebra: threads only contend on 2 cores
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fitter import Index, Key, build, solve, to_constants
from priors import base_constants

from calibration import Row, load_rows, pctl, predict, row_terms
from planner.perf import use_constants
from planner.perf.constants import CONSTANTS_FILE
from planner.perf.evidence import signature
from planner.perf.split import choose_layout

OUTER = 3  # refits with terms recomputed (the slowest card / compute-or-memory choices may move)
TIERS = ("measured", "family", "prior")


def prepare(rows: Sequence[Row], constants: dict[str, Any]) -> None:
    """Cache each row's terms under these constants."""
    with use_constants(constants):
        for r in rows:
            r.terms = row_terms(r)


def _describe(rows: Sequence[Row]) -> str:
    names = sorted({r.device_label for r in rows})
    shown = ", ".join(names[:4]) + (f" +{len(names) - 4} more" if len(names) > 4 else "")
    return f"{len(rows)} rows, {len(names)} hardware ({shown})"


def _basis(rows: Sequence[Row], index: Index) -> dict[Key, str]:
    users: dict[Key, list[Row]] = defaultdict(list)
    for r in rows:
        seen: set[Key] = set()
        for t in r.terms:
            if t.ctx is None:
                continue
            for name, _ in t.factors:
                seen.add(Key("global", name))
                seen.add(Key(t.ctx.runtime, name))
        for k in seen:
            users[k].append(r)
    out = {k: f"fitted: {_describe(v)}" for k, v in users.items()}
    for k in index.keys:
        if k.runtime != "global" and k.level is None and k not in out:
            out[k] = "fitted through the runtimes that fall back on it"
    return out


_WARM: dict[Key, float] = {}  # the last full fit's parameters: held-out fits start from them


def fit(rows: Sequence[Row], outer: int = OUTER, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Constants fitted on `rows`; with outer > 0 the rows' terms are recomputed between refits."""
    import numpy as np

    base = base or base_constants()
    constants = base
    for _ in range(max(1, outer)):
        if outer > 0:
            prepare(rows, constants)
        index = Index(rows)
        start = None
        if _WARM:
            from fitter import _priors

            start = _priors(index)[0]
            for i, k in enumerate(index.keys):
                start[i] = _WARM.get(k, start[i])
        theta = solve(build(rows, index), index, start=None if start is None else np.asarray(start))
        constants = to_constants(base, index, theta, _basis(rows, index))
        if outer > 0:
            _WARM.clear()
            _WARM.update(zip(index.keys, (float(v) for v in theta), strict=True))
    constants["evidence"] = evidence(rows)
    return constants


def evidence(rows: Sequence[Row]) -> dict[str, Any]:
    """Per runtime: the devices (ids and chip signatures) and families the rows measured."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        placement = choose_layout(r.devices, r.workload, r.host).placement
        for s in placement.shares:
            if s.layers_share <= 0:
                continue
            e = out[s.runtime.key]
            e["devices"].add(s.device.id.split("#")[0])
            e["signatures"].add(signature(s.device))
            e["families"].add(s.device.family)
    return {rt: {k: sorted(v) for k, v in sorted(e.items())} for rt, e in sorted(out.items())}


def row_tier(row: Row, ev: dict[str, Any]) -> str:
    """The tier the row's weakest device has under evidence `ev` (from a fit that did not see the row)."""
    worst = 0
    placement = choose_layout(row.devices, row.workload, row.host).placement
    for s in placement.shares:
        if s.layers_share <= 0:
            continue
        e = ev.get(s.runtime.key) or {}
        if s.device.id.split("#")[0] in e.get("devices", ()) or signature(s.device) in e.get(
            "signatures", ()
        ):
            tier = 0
        elif s.device.family in e.get("families", ()):
            tier = 1
        else:
            tier = 2
        worst = max(worst, tier)
    return TIERS[worst]


Prediction = tuple[float, str]  # (tokens/s from a fit that did not see the row, the row's tier there)


def held_out(
    rows: Sequence[Row], unit: Callable[[Row], str], leaves: Callable[[Row, str], bool]
) -> dict[int, Prediction]:
    """Predict every row from a fit without its unit (source or device); terms stay as cached."""
    out: dict[int, Prediction] = {}
    for name in sorted({unit(r) for r in rows}):
        train = [r for r in rows if not leaves(r, name)]
        test = [r for r in rows if unit(r) == name]
        if not train or not test:
            continue
        constants = fit(train, outer=0)
        with use_constants(constants):
            for r in test:
                out[id(r)] = (predict(r), row_tier(r, constants["evidence"]))
    return out


def leave_one_source_out(rows: Sequence[Row]) -> dict[int, Prediction]:
    return held_out(rows, lambda r: r.source, lambda r, name: r.source == name)


def leave_one_device_out(rows: Sequence[Row]) -> dict[int, Prediction]:
    # A row is held out of the fit when any of its devices is the one left out; it is scored once,
    # under its main device.
    return held_out(rows, lambda r: r.main, lambda r, name: name in r.identities)


def families(row: Row) -> set[str]:
    """Architecture families of every device in the row."""
    return {d.family for d in [*row.devices, *([row.host] if row.host else [])]}


def leave_one_family_out(rows: Sequence[Row]) -> dict[int, Prediction]:
    # An architecture no run measured, under any runtime: the situation of a Kepler or a new chip.
    def main_family(r: Row) -> str:
        d = r.devices[0] if r.devices else r.host
        assert d is not None
        return d.family

    return held_out(rows, main_family, lambda r, name: name in families(r))


def bands(rows: Sequence[Row], *predictions: dict[int, Prediction]) -> dict[str, Any]:
    """Per kind and tier: 10th-90th percentile of measured / predicted over held-out predictions."""
    ratios: dict[tuple[str, str], list[float]] = defaultdict(list)
    for preds in predictions:
        for r in rows:
            if id(r) in preds:
                value, tier = preds[id(r)]
                ratios[(r.kind, tier)].append(r.measured / value)
    out: dict[str, Any] = {}
    for kind in ("decode", "prompt"):
        out[kind] = {}
        wider: list[float] = []
        for tier in TIERS:
            got = ratios.get((kind, tier), [])
            # A tier is never tighter than the better-evidenced ones: pool them in when it has few rows.
            wider = [*wider, *got]
            sample = got if len(got) >= 30 else wider
            low, high = pctl(sample, 0.1), pctl(sample, 0.9)
            if tier != "measured":
                prev = out[kind][TIERS[TIERS.index(tier) - 1]]
                low, high = min(low, prev["low"]), max(high, prev["high"])
            out[kind][tier] = {
                "low": round(low, 3),
                "high": round(high, 3),
                "rows": len(got),
                "basis": f"10th-90th percentile of measured/predicted over {len(got)} held-out predictions "
                f"of this tier (leave-one-source-out, -device-out and -family-out)"
                + ("" if len(got) >= 30 else f", pooled with the better tiers ({len(sample)})")
                + ("; never tighter than the tier above" if tier != "measured" else ""),
            }
    return out


def annotate(constants: dict[str, Any], rows: Sequence[Row]) -> None:
    """Append the in-sample error of the rows each runtime's parameters serve to its basis."""
    with use_constants(constants):
        errs: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            errs[r.runtime_key].append(abs(predict(r) / r.measured - 1) * 100)
    for rt, table in constants["runtimes"].items():
        if rt in errs and "params" in table:
            e = errs[rt]
            table["basis"] = (
                f"{table.get('basis', 'fitted')}; in-sample over {len(e)} rows: median |err| "
                f"{pctl(e, 0.5):.1f} %, p90 {pctl(e, 0.9):.1f} %"
            ).removeprefix("; ")


def main() -> int:
    rows, skipped = load_rows()
    constants = fit(rows)
    prepare(rows, constants)
    loso = leave_one_source_out(rows)
    lodo = leave_one_device_out(rows)
    lofo = leave_one_family_out(rows)
    constants["bands"] = bands(rows, loso, lodo, lofo)
    annotate(constants, rows)
    text = yaml.safe_dump(constants, sort_keys=False, width=110, allow_unicode=True)
    header = (
        "# Throughput-model constants, written by benchmarks/fit_constants.py from calibration/measured.csv\n"
        "# and measured-extra.csv. Do not edit by hand: change the priors in benchmarks/priors.py or the data,\n"
        "# and re-run. Every value carries its basis (fitted rows, or the prior's reason); effects multiply a\n"
        "# runtime's base value by level (family, memory kind, vendor, quant class, flash attention).\n"
    )
    if "--check" in sys.argv:
        same = CONSTANTS_FILE.read_text(encoding="utf-8") == header + text
        print("constants.yaml is up to date" if same else "constants.yaml differs from a fresh fit")
        return 0 if same else 1
    CONSTANTS_FILE.write_text(header + text, encoding="utf-8")
    for label, preds in (("leave-one-source-out", loso), ("leave-one-device-out", lodo)):
        for kind in ("decode", "prompt"):
            errs = [
                abs(preds[id(r)][0] / r.measured - 1) * 100 for r in rows if id(r) in preds and r.kind == kind
            ]
            print(
                f"{label} {kind}: median |err| {pctl(errs, 0.5):.1f} %, p90 {pctl(errs, 0.9):.1f} % ({len(errs)} rows)"
            )
    for kind, tiers in constants["bands"].items():
        print(kind, {t: (b["low"], b["high"], b["rows"]) for t, b in tiers.items()})
    print(f"fitted on {len(rows)} rows ({len(skipped)} skipped); wrote {CONSTANTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
