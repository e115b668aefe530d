"""Measured runs (the shipped calibration CSVs and the user's own file) as typed records, and the ones
that match an estimate's configuration: exactly (same hardware, model, quant, backend, test) or nearly
(same hardware and model; the differences named).
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from planner.data.catalog import Catalog, data_dir
from planner.data.hardware import HardwareError, equivalents, parse_hardware, per_catalog, tokens
from planner.data.load import InputError, Problem

COLUMNS = (
    "source",
    "hardware",
    "gpu_count",
    "interconnect",
    "model",
    "params_b",
    "quant",
    "test",
    "tokens_per_s",
    "backend",
    "notes",
)
SHIPPED = ("measured.csv", "measured-extra.csv")
RUNTIMES = ("cuda", "rocm", "vulkan", "metal", "sycl", "cpu")
_TEST = re.compile(r"^(pp|tg)(\d*)(?:_\w+)?(?:\s*@\s*d(\d+))?$")


def user_file() -> Path:
    """The user's calibration file: $XDG_CONFIG_HOME/rig-planner/measured.csv (~/.config by default)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "rig-planner" / "measured.csv"


def parse_test(test: str) -> tuple[str, int | None, int] | None:
    """("decode" | "prompt", tokens or None when not stated, depth) of a llama-bench style test name."""
    m = _TEST.match(test.strip().lower().replace(" ", ""))
    if m is None:
        return None
    return (
        "prompt" if m.group(1) == "pp" else "decode",
        int(m.group(2)) if m.group(2) else None,
        int(m.group(3) or 0),
    )


def test_name(kind: str, tokens: int, depth: int = 0) -> str:
    """llama-bench's name for a test: tg128, pp512, tg128@d4096."""
    return f"{'pp' if kind == 'prompt' else 'tg'}{tokens}" + (f"@d{depth}" if depth else "")


def runtime_of(notes: str, backend: str) -> str | None:
    """The GPU runtime a row names (cuda, rocm, vulkan, metal ...) when it names exactly one."""
    if backend not in ("llama.cpp", "ik_llama.cpp"):
        return None
    said = {
        ("rocm" if w == "hip" else w)
        for w in re.findall(r"\b(cuda|rocm|hip|vulkan|metal|sycl)\b", notes.lower())
    }
    return said.pop() if len(said) == 1 else None


@dataclass(frozen=True)
class Run:
    """One measured run, as its CSV row says it, with where it was read."""

    source: str
    hardware: str
    gpu_count: int
    model: str
    quant: str
    test: str
    tokens_per_s: float
    backend: str
    notes: str
    file: str
    line: int
    user: bool

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def source_label(self) -> str:
        """A short name of where the figure comes from."""
        if self.user:
            return "your run"
        m = re.search(r"github\.com/([^/]+/)?([^/]+)/(discussions|pull|issues)/(\d+)", self.source)
        if m:
            return f"{m.group(2)} {m.group(3).rstrip('s')} {m.group(4)}"
        return self.source.split("@")[0][:60]


def read_runs(path: Path | str, user: bool = False, label: str | None = None) -> list[Run]:
    """Rows of one measured-runs CSV; a malformed row is an InputError naming its line."""
    name = label or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, None, "", f"cannot read measured runs: {exc}")]) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return []
    if tuple(rows[0]) != COLUMNS:
        raise InputError(
            [Problem(name, 1, "header", "not a measured-runs file", f"the header is {','.join(COLUMNS)}")]
        )
    out, problems = [], []
    for k, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        try:
            if len(row) != len(COLUMNS):
                raise ValueError(f"{len(row)} columns, expected {len(COLUMNS)}")
            r = dict(zip(COLUMNS, row, strict=True))
            if parse_test(r["test"]) is None:
                raise ValueError(f"test {r['test']!r} is not llama-bench style (pp512, tg128, tg128@d4096)")
            out.append(
                Run(
                    r["source"],
                    r["hardware"],
                    int(r["gpu_count"]),
                    r["model"],
                    r["quant"],
                    r["test"],
                    float(r["tokens_per_s"]),
                    r["backend"],
                    r["notes"],
                    name,
                    k,
                    user,
                )
            )
        except ValueError as exc:
            problems.append(Problem(name, k, "", f"malformed measured run: {exc}", "fix or delete the line"))
    if problems:
        raise InputError(problems)
    return out


@functools.lru_cache(maxsize=1)
def shipped_runs() -> tuple[Run, ...]:
    """The measured runs the package ships (calibration/*.csv)."""
    folder = data_dir("calibration")
    return tuple(run for name in SHIPPED for run in read_runs(folder / name, label=f"calibration/{name}"))


@functools.lru_cache(maxsize=1)
def name_map() -> dict[str, Any]:
    """calibration/calibration_map.yaml: CSV hardware and model names to catalogue ids."""
    return (
        yaml.safe_load((data_dir("calibration") / "calibration_map.yaml").read_text(encoding="utf-8")) or {}
    )


Config = tuple[tuple[frozenset[str], int], ...]


def run_hardware(name: str, catalog: Catalog) -> Config | None:
    """The catalogue parts of a CSV hardware name (each with its same-figure equivalents), or None."""
    return per_catalog(catalog, ("run-hardware", name), lambda: _run_hardware(name, catalog))  # type: ignore[no-any-return]


def _run_hardware(name: str, catalog: Catalog) -> Config | None:
    entry = (name_map().get("hardware") or {}).get(name, {})
    if "skip" in entry:
        return None
    ids = entry.get("catalog")
    if ids is not None:
        ids = [ids] if isinstance(ids, str) else ids
        if not all(i in catalog for i in ids):
            return None
        counts: dict[str, int] = {}
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
        return tuple(
            (frozenset((i, *equivalents(catalog.entries[i], catalog))), n) for i, n in counts.items()
        )
    try:
        hw = parse_hardware(name, catalog)
    except HardwareError:
        return None
    return tuple((i.ids, i.count) for i in hw.items)


def model_id(name: str, catalog: Catalog) -> str | None:
    """The catalogue LLM id of a CSV model name, or None."""
    return per_catalog(catalog, ("model", name), lambda: _model_id(name, catalog))  # type: ignore[no-any-return]


def _model_id(name: str, catalog: Catalog) -> str | None:
    mapped = (name_map().get("models") or {}).get(name, name)
    slug = re.sub(r"[^a-z0-9]+", "-", mapped.lower()).strip("-")
    return slug if slug in catalog and catalog.entries[slug].kind == "llm" else None


def quant_id(name: str, catalog: Catalog) -> str | None:
    """The catalogue quant id of a CSV quant name (q4_0 -> q4-0), or None."""
    return per_catalog(catalog, ("quant", name), lambda: _quant_id(name, catalog))  # type: ignore[no-any-return]


def _quant_id(name: str, catalog: Catalog) -> str | None:
    from planner.perf import QuantError, resolve_quant

    try:
        return resolve_quant(name, {q.id: q for q in catalog.of_kind("quant")}).id
    except (QuantError, ValueError):
        return None


def same_hardware(config: Config, key: Sequence[tuple[str, int]]) -> bool:
    """Whether (id, count) pairs are the row's parts, each id being the part or one with its figures."""
    left = list(config)
    for part, n in key:
        hit = next((k for k, (ids, m) in enumerate(left) if part in ids and m == n), None)
        if hit is None:
            return False
        left.pop(hit)
    return not left


@dataclass(frozen=True)
class Wanted:
    """The configuration an estimate is for: parts, model, quant, backend, runtime and its tests."""

    hardware: tuple[tuple[str, int], ...]
    model: str
    quant: str
    backend: str
    runtime: str | None
    tests: dict[str, tuple[int, int]]  # kind -> (tokens, depth)


@dataclass(frozen=True)
class Match:
    """A measured run for this configuration, and what differs from it (nothing: an exact match)."""

    run: Run
    kind: str
    differs: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not self.differs


def _numbers(text: str) -> set[str]:
    """Digit-bearing words of a name ("rtx", "3090", "ti" -> {"3090"}; "M2 Ultra" -> {"m2"})."""
    return {p for t in tokens(text) for p in (t, *re.findall(r"\d+", t)) if re.search(r"\d", p)}


def find(wanted: Wanted, catalog: Catalog, runs: Iterable[Run]) -> list[Match]:
    """Runs on the same hardware with the same model: exact ones first, then the nearest, users' first."""
    out = []
    numbers = _numbers(" ".join(f"{i} {catalog.entries[i].name}" for i, _ in wanted.hardware if i in catalog))
    mapped = name_map().get("hardware") or {}
    for run in runs:
        if model_id(run.model, catalog) != wanted.model:
            continue
        if run.hardware not in mapped and not numbers & _numbers(run.hardware):
            continue  # shares no model number with the parts wanted: not worth parsing
        config = run_hardware(run.hardware, catalog)
        if config is None or not same_hardware(config, wanted.hardware):
            continue
        kind, tokens, depth = parse_test(run.test) or ("decode", None, 0)
        differs = []
        if quant_id(run.quant, catalog) != wanted.quant:
            differs.append(f"quant {run.quant}")
        if run.backend != wanted.backend:
            differs.append(f"backend {run.backend}")
        ran_on = runtime_of(run.notes, run.backend)
        if ran_on and wanted.runtime and ran_on != wanted.runtime:
            differs.append(f"runtime {ran_on}")
        want_tokens, want_depth = wanted.tests.get(kind, (None, 0))
        if tokens is None:
            differs.append(f"test {run.test} (length not stated)")
        elif (tokens, depth) != (want_tokens, want_depth):
            differs.append(f"test {run.test}")
        out.append(Match(run, kind, tuple(differs)))
    out.sort(key=lambda m: (len(m.differs), not m.run.user, m.kind, m.run.file, m.run.line))
    return out


def all_runs(user: Path | None = None) -> list[Run]:
    """Shipped runs and the user's (their default file unless another is given)."""
    return [*read_runs(user or user_file(), user=True), *shipped_runs()]
