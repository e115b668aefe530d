"""The least-squares core of fit_constants.py: terms -> parameters, Levenberg-Marquardt in log space.

Each row's predicted time is a sum of the model's terms, each seconds x prod(param ** sign). A param
is a runtime's base value times effects by level (family, memory kind, vendor, quant class, flash
attention), so log(param) = base + sum(effects): linear inside each term. The fit minimises the
squared log error of each row (Huber-weighted, sources balanced) plus ridge penalties that pull each
base toward its prior and each effect toward 1, so a level seen on one device cannot become a
per-device fudge. Only effects seen on at least two devices exist at all.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # small dense algebra: threads only contend on 2 cores

import numpy as np
from priors import FALLBACKS, FAMILY_KIN, prior_sigma, prior_value

from calibration import Row
from planner.perf.constants import kin_keys

# Which levels a parameter's effects may key on: the physics each level stands for.
EFFECT_LEVELS: dict[str, tuple[str, ...]] = {
    "bandwidth": ("family", "memory", "vendor", "quant"),
    "compute": ("family", "memory", "vendor", "units", "quant"),
    "dequant": ("family", "vendor", "quant"),
    "attention": ("fa", "vendor", "units"),
    "decode_attention": ("fa", "vendor", "units"),
    "kv_attention": ("fa", "vendor"),
    "layer_us": ("family", "vendor"),
    "token_us": ("vendor",),
    "hop_us": (),
    "allreduce_us": (),
    "sync_us": (),
    "numa": (),
    "pcie": (),
    "link": (),
}
RUNTIME_SIGMA = 1.0
FIXED_SIGMA = 0.1  # a prior this tight is a physical rate, not fitted per runtime either  # a runtime scales its fallback's value freely where its rows say so (log std)
MIN_DEVICES = 2  # an effect needs this many distinct devices, so one card cannot set its family's value
EFFECT_SIGMA = 0.2  # an effect moves its parameter by ~20 % before its prior resists (log std)
# Except the GPU units a prompt kernel runs on: the shader path against the FP32 rate and the tensor
# path against the matrix peak are different bases (~100 % vs ~40 %), a first-order difference.
WIDE_EFFECTS = {("compute", "units", "shader"): 1.0, ("compute", "units", "tensor"): 1.0}
ROW_SIGMA = 0.1  # typical log error of one measured row (run-to-run, build and setup differences)
HUBER = 0.1  # log-error beyond which a row's weight falls off: robust to odd setups (VMs, PR branches)


@dataclass(frozen=True)
class Key:
    """A fitted quantity: a runtime's base value (level None) or one effect on it."""

    runtime: str  # "global" for the prior shared by all runtimes
    name: str
    level: str | None = None
    value: str | None = None


def chain(runtime: str) -> list[str]:
    out = [runtime]
    while out[-1] in FALLBACKS and FALLBACKS[out[-1]][0] not in out:
        out.append(FALLBACKS[out[-1]][0])
    return out


def effect_levels(runtime: str, name: str) -> tuple[str, ...]:
    """Levels a runtime may fit effects on: all for runtimes with kernels of their own (llama.cpp's
    backends, the fork's CPU kernels); only the quant class for the rest, which run llama.cpp's or
    their own GEMV kernels on the same GPUs and inherit the architecture effects they fall back on."""
    if runtime.startswith("llama.cpp/") or runtime == "ik_llama.cpp/cpu":
        return EFFECT_LEVELS[name]
    return tuple(level for level in EFFECT_LEVELS[name] if level == "quant")


class Index:
    """The parameters one fit estimates, and which of them each term factor of each row multiplies.

    log(param) = global value + the scale of each runtime on the term's fallback chain + for each
    level the effect of the nearest runtime on the chain that fits one. A runtime fits an effect for
    a level's key when its own rows show that key on two devices and the level takes two keys.
    """

    def __init__(self, rows: Sequence[Row]) -> None:
        devices: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
        scales: set[tuple[str, str]] = set()
        names: set[str] = set()
        for r in rows:
            for t in r.terms:
                if t.ctx is None:
                    continue
                levels = t.ctx.as_dict()
                device = r.identities[t.share] if 0 <= t.share < len(r.identities) else r.main
                for name, _ in t.factors:
                    names.add(name)
                    scales.update((rt, name) for rt in chain(t.ctx.runtime))
                    for level in effect_levels(t.ctx.runtime, name):
                        if level in levels:
                            devices[(t.ctx.runtime, name, level, levels[level])].add(device)
        keys_per_level: dict[tuple[str, str, str], int] = defaultdict(int)
        for rt, name, level, _ in devices:
            keys_per_level[(rt, name, level)] += 1
        effects = {
            Key(rt, name, level, value)
            for (rt, name, level, value), devs in devices.items()
            if len(devs) >= MIN_DEVICES and keys_per_level[(rt, name, level)] > 1
        }
        self.keys: list[Key] = sorted(
            [Key("global", n) for n in names] + [Key(rt, n) for rt, n in scales] + list(effects), key=str
        )
        self.pos = {k: i for i, k in enumerate(self.keys)}

    def columns(self, runtime: str, name: str, levels: dict[str, str]) -> list[int]:
        """Parameter columns whose sum is log(param) for this runtime, name and context."""
        path = chain(runtime)
        cols = [self.pos[Key("global", name)]]
        cols += [self.pos[Key(rt, name)] for rt in path if Key(rt, name) in self.pos]
        for level in EFFECT_LEVELS[name]:
            if level not in levels:
                continue
            for key in kin_keys(level, levels[level], FAMILY_KIN):
                hit = next((self.pos[k] for rt in path if (k := Key(rt, name, level, key)) in self.pos), None)
                if hit is not None:
                    cols.append(hit)
                    break
        return cols


@dataclass
class Problem:
    """Rows flattened to arrays: term seconds, the row of each term, and the sparse log-param design."""

    seconds: np.ndarray
    row_of: np.ndarray
    entry_term: np.ndarray  # design entries: (term, column, sign)
    entry_col: np.ndarray
    entry_val: np.ndarray
    fixed_seconds: np.ndarray  # per row: terms with no parameter
    target: np.ndarray  # log measured seconds
    weight: np.ndarray
    n_params: int

    def log_coef(self, theta: np.ndarray) -> np.ndarray:
        return np.bincount(
            self.entry_term, weights=self.entry_val * theta[self.entry_col], minlength=len(self.seconds)
        )

    def jacobian(self, share: np.ndarray) -> np.ndarray:
        """d log(row time) / d theta, rows x params."""
        n = len(self.target)
        flat = self.row_of[self.entry_term] * self.n_params + self.entry_col
        out = np.bincount(flat, weights=self.entry_val * share[self.entry_term], minlength=n * self.n_params)
        return out.reshape(n, self.n_params)


def build(rows: Sequence[Row], index: Index) -> Problem:
    secs, owners = [], []
    e_term: list[int] = []
    e_col: list[int] = []
    e_val: list[float] = []
    fixed = np.zeros(len(rows))
    for i, r in enumerate(rows):
        for t in r.terms:
            if not t.factors or t.ctx is None:
                fixed[i] += t.seconds
                continue
            levels = t.ctx.as_dict()
            cols: dict[int, float] = defaultdict(float)
            for name, sign in t.factors:
                for c in index.columns(t.ctx.runtime, name, levels):
                    cols[c] += sign
            j = len(secs)
            secs.append(t.seconds)
            owners.append(i)
            for c, v in cols.items():
                e_term.append(j)
                e_col.append(c)
                e_val.append(v)
    per_source: dict[str, int] = defaultdict(int)
    for r in rows:
        per_source[r.source] += 1
    # Balance sources: each publication weighs as the square root of its row count, not linearly.
    weight = np.array([1 / math.sqrt(per_source[r.source]) for r in rows])
    weight *= len(rows) / weight.sum()
    target = np.array([math.log((1 if r.kind == "decode" else r.workload.prompt) / r.measured) for r in rows])
    return Problem(
        np.array(secs),
        np.array(owners, dtype=int),
        np.array(e_term, dtype=int),
        np.array(e_col, dtype=int),
        np.array(e_val),
        fixed,
        target,
        weight,
        len(index.keys),
    )


def _priors(index: Index) -> tuple[np.ndarray, np.ndarray]:
    mean = np.zeros(len(index.keys))
    strength = np.zeros(len(index.keys))
    # Bayesian weighting: rows count as (error / ROW_SIGMA)^2, a prior as ((log value - mean) / sigma)^2.
    for i, k in enumerate(index.keys):
        if k.runtime == "global":
            mean[i] = math.log(prior_value(k.name))
            sigma = prior_sigma(k.name)
        else:
            # A runtime scales its fallback freely, except where the prior is a physical rate no runtime
            # changes (the PCIe payload share): a scale there would only absorb one setup's oddities.
            runtime_sigma = prior_sigma(k.name) if prior_sigma(k.name) <= FIXED_SIGMA else RUNTIME_SIGMA
            sigma = runtime_sigma if k.level is None else WIDE_EFFECTS.get((k.name, k.level, k.value), EFFECT_SIGMA)
        strength[i] = (ROW_SIGMA / sigma) ** 2
    return mean, strength


def solve(
    problem: Problem, index: Index, start: np.ndarray | None = None, iterations: int = 60
) -> np.ndarray:
    """Levenberg-Marquardt on the weighted, Huber-robust log errors plus the ridge priors."""
    mean, strength = _priors(index)
    theta = mean.copy() if start is None else start.copy()
    n_rows = len(problem.target)
    lam = 1e-2

    def evaluate(th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = problem.seconds * np.exp(problem.log_coef(th))
        pred = np.bincount(problem.row_of, weights=values, minlength=n_rows) + problem.fixed_seconds
        return values, pred

    def cost(th: np.ndarray) -> float:
        _, pred = evaluate(th)
        r = np.log(pred) - problem.target
        return float(np.sum(problem.weight * _huber(r)) + np.sum(strength * (th - mean) ** 2))

    current = cost(theta)
    for _ in range(iterations):
        values, pred = evaluate(theta)
        resid = np.log(pred) - problem.target
        w = problem.weight * np.minimum(1.0, HUBER / np.maximum(np.abs(resid), 1e-12))
        # d log(pred) / d theta: each term's share of its row's time times its design row.
        share = values / pred[problem.row_of]
        jac = problem.jacobian(share)
        jw = jac * w[:, None]
        grad = jw.T @ resid + strength * (theta - mean)
        hess = jw.T @ jac + np.diag(strength)
        step = np.linalg.solve(hess + lam * np.diag(np.diag(hess) + 1e-9), -grad)
        trial = theta + step
        new = cost(trial)
        if new < current:
            done = current - new < 1e-7 * current
            theta, current, lam = trial, new, max(lam / 3, 1e-6)
            if done:
                break
        else:
            lam *= 4
            if lam > 1e6:
                break
    return theta


def _huber(r: np.ndarray) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= HUBER, r**2, 2 * HUBER * a - HUBER**2)


def to_constants(
    base: dict[str, Any], index: Index, theta: np.ndarray, basis: dict[Key, str]
) -> dict[str, Any]:
    """The fitted values written into a copy of the base constants."""
    import copy

    out = copy.deepcopy(base)
    for k, v in zip(index.keys, theta, strict=True):
        value = round(float(math.exp(v)), 5)
        if k.runtime == "global":
            out["params"][k.name] = {"value": value, "basis": basis.get(k, out["params"][k.name]["basis"])}
            continue
        table = out["runtimes"].setdefault(k.runtime, {})
        if k.level is None:
            if abs(v) > 1e-4:
                table.setdefault("params", {})[k.name] = {"scale": value, "basis": basis.get(k, "fitted")}
        else:
            table.setdefault("effects", {}).setdefault(k.name, {}).setdefault(k.level, {})[k.value] = value
    return out
