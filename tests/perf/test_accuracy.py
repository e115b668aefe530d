"""A loose regression bound on the calibration runs shipped in calibration/."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))


def _rows():  # type: ignore[no-untyped-def]
    import calibration  # benchmarks/calibration.py, on the path above

    # The data ships in the repository: its absence is a failure, never a skip.
    assert (calibration.calibration_dir() / "measured.csv").is_file(), calibration.calibration_dir()
    rows, _ = calibration.load_rows()
    # With the data present, failing to map most rows to catalogue parts is a regression, not a skip.
    assert len(rows) >= 200, f"only {len(rows)} calibration rows mapped to catalogue GPUs and LLMs"
    return calibration, rows


def test_median_decode_error_is_small() -> None:
    calibration, rows = _rows()
    errs = [
        calibration.ape(calibration.predict(r), r.measured)
        for r in rows
        if r.kind == "decode" and not r.held_out
    ]
    assert statistics.median(errs) < 15


def test_median_prompt_error_is_small() -> None:
    calibration, rows = _rows()
    errs = [
        calibration.ape(calibration.predict(r), r.measured)
        for r in rows
        if r.kind == "prompt" and not r.held_out
    ]
    assert statistics.median(errs) < 25


def test_held_out_depth_runs_stay_bounded() -> None:
    calibration, rows = _rows()
    errs = [
        calibration.ape(calibration.predict(r), r.measured)
        for r in rows
        if r.group.startswith("DGX") and r.kind == "decode"
    ]
    assert errs, "the DGX Spark depth runs are missing from the calibration rows"
    assert statistics.median(errs) < 20
