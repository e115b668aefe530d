"""The bad-input cases of tests/data/bad/corpus, by class: each a few files, a command line and what must happen.

expect: reject (exit 1, or 2 for usage), usage (exit 2), infeasible (exit 3, or 1), valid (0 or 3),
survive (anything but an internal error or a hang: random mutations), any-answer (the same, and
stderr may carry notes, e.g. what hardware detection found), interrupted (130).
`place` must appear in the message; `setup` names a step the runner does (files git cannot hold);
`timing` cases depend on wall-clock time and run only in benchmarks/badinput.py; `slow` ones run the
solver and stay out of the default test run (pytest -m slow); `pending` names the engineer whose branch
fixes the case.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
REQUEST = "budget_usd: 3000\nobjective: cost\nrequire: {min_gpus: 1, max_gpus: 1}\n"
BUILD = """board: mag-b650-tomahawk-wifi
cpu: ryzen-5-7600x
memory: {id: kingston-fury-beast-16gb-ddr5-5600, count: 2}
chassis: rsv-l4500u
gpus:
  - {id: gtx-1070, slot: 6, mount: direct, psu: 1}
psus:
  - {id: rm850x-2021}
"""
GPU = """- kind: gpu
  id: my-gpu
  name: My GPU
  vendor: NVIDIA
  source: test
  segment: consumer
  architecture: ampere
  year: 2021
  memory_gb: 24
  memory_type: GDDR6X
  bandwidth_gbs: 936
  fp16_tflops: 71
  fp16_basis: tensor-fp32-acc
  fp32_tflops: 35.6
  tdp_w: 350
  power: {pcie_8pin: 2}
  slot_width: 3
  length_mm: 313
  cooling: open-air
  pcie_gen: 4
  pcie_lanes: 16
  prices:
    - {usd: 700, date: 2025-01-01, condition: used}
"""
PRICES = "- {id: rtx-3090, usd: 650, date: 2025-06-01, condition: used}\n"
RULE = "rules:\n  - kind: at_most\n    name: two\n    select: {kind: gpu}\n    count: 2\n"


@dataclass
class Case:
    cls: str
    name: str
    files: dict[str, bytes]
    args: list[str]
    expect: str = "reject"
    place: str = ""
    setup: str = ""
    timing: bool = False
    slow: bool = False
    pending: str = ""
    notes: str = field(default="")

    def manifest(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "files" and v not in ("", False)}
        out["files"] = sorted(self.files)
        return out


def _b(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def request(
    cls: str, name: str, text: str | bytes, place: str = "", expect: str = "reject", **kw: Any
) -> Case:
    """A request checked through `planner check` (loads it fully, no solve), or solved when expect says."""
    if expect in ("infeasible",):
        args = ["solve", "{dir}/request.yaml", "--time-limit", "2"]
        return Case(cls, name, {"request.yaml": _b(text)}, args, expect, place, slow=True, **kw)
    files = {"request.yaml": _b(text), "build.yaml": _b(BUILD)}
    args = ["check", "{dir}/build.yaml", "--request", "{dir}/request.yaml"]
    return Case(cls, name, files, args, expect, place, **kw)


def constraints(
    cls: str, name: str, text: str | bytes, place: str = "", expect: str = "reject", **kw: Any
) -> Case:
    files = {"request.yaml": _b(REQUEST), "build.yaml": _b(BUILD), "rules.yaml": _b(text)}
    args = [
        "check",
        "{dir}/build.yaml",
        "--request",
        "{dir}/request.yaml",
        "--constraints",
        "{dir}/rules.yaml",
    ]
    return Case(cls, name, files, args, expect, place, **kw)


def catalog(
    cls: str, name: str, text: str | bytes, place: str = "", expect: str = "reject", **kw: Any
) -> Case:
    return Case(
        cls, name, {"parts.yaml": _b(text)}, ["catalog", "validate", "{dir}/parts.yaml"], expect, place, **kw
    )


def prices(
    cls: str, name: str, text: str | bytes, place: str = "", expect: str = "reject", **kw: Any
) -> Case:
    args = ["catalog", "validate", "--prices", "{dir}/prices.yaml"]
    return Case(cls, name, {"prices.yaml": _b(text)}, args, expect, place, **kw)


def build(cls: str, name: str, text: str | bytes, place: str = "", expect: str = "reject", **kw: Any) -> Case:
    return Case(cls, name, {"build.yaml": _b(text)}, ["check", "{dir}/build.yaml"], expect, place, **kw)


def cli(cls: str, name: str, args: list[str], place: str = "", expect: str = "usage", **kw: Any) -> Case:
    return Case(cls, name, kw.pop("files", {}), args, expect, place, **kw)


def gpu_with(**changes: Any) -> str:
    entry = yaml.safe_load(GPU)[0]
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return yaml.safe_dump([entry], sort_keys=False, allow_unicode=True)


def mutations(n: int, seed: int = 15) -> list[Case]:
    """Random edits of the shipped examples (a fixed seed): a value replaced, a key dropped or renamed."""
    rng = random.Random(seed)
    junk: list[Any] = [
        None,
        -1,
        0,
        1e308,
        "",
        "x" * 300,
        [],
        {},
        True,
        "2025-13-01",
        10**20,
        "nvdia",
        [1, [2]],
    ]
    examples = sorted((REPO / "examples").glob("*.yaml"))
    out = []
    for k in range(n):
        path = rng.choice(examples)
        data = yaml.safe_load(path.read_text())
        node, key = _random_place(rng, data)
        action = rng.choice(["value", "drop", "rename"]) if isinstance(node, dict) else "value"
        if action == "value":
            node[key] = rng.choice(junk)
        elif action == "drop":
            node.pop(key)
        else:
            node[f"{key}x"] = node.pop(key)
        text = yaml.safe_dump(data, sort_keys=False)
        out.append(request("mutations", f"{k:03d}-{path.stem}-{action}", text, expect="survive"))
    return out


def _random_place(rng: random.Random, data: Any) -> tuple[Any, Any]:
    node, key = data, rng.choice(list(data))
    while isinstance(node[key], dict | list) and node[key] and rng.random() < 0.6:
        node = node[key]
        key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
    return node, key
