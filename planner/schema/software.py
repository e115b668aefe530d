"""Catalogue kind `runtime`: a GPU compute stack (CUDA, ROCm, Vulkan, SYCL, Metal, CPU), its releases,
which devices each range of releases supports, and which inference backends run on it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from planner.schema.common import Entry, Strict
from planner.schema.llm import Backend

Api = Literal["cuda", "rocm", "vulkan", "sycl", "metal", "cpu"]
API_NAMES: dict[str, str] = {
    "cuda": "CUDA",
    "rocm": "ROCm",
    "vulkan": "Vulkan",
    "sycl": "SYCL (oneAPI)",
    "metal": "Metal",
    "cpu": "CPU",
}
Version = str  # "12.8", "6.4.1"
_VERSION = r"^\d+(\.\d+){0,2}$"
_CC = r"^\d+\.\d+$"


def version_key(version: str) -> tuple[int, ...]:
    """Release numbers compare numerically ("6.10" after "6.9")."""
    return tuple(int(x) for x in version.split("."))


class Release(Strict):
    """One release of a runtime and the oldest driver it needs."""

    version: Version = Field(pattern=_VERSION, description="Release number, e.g. 12.8 or 6.4.1.")
    date: dt.date | None = Field(default=None, description="Release date (YYYY-MM or YYYY-MM-01).")
    driver_min: str | None = Field(
        default=None, description="Oldest driver this release runs on (NVIDIA: Linux driver version)."
    )


class Support(Strict):
    """A range of releases that supports a group of devices."""

    vendor: Literal["nvidia", "amd", "intel", "apple", "cpu"] = Field(description="Device vendor.")
    cuda_cc: tuple[str, str] | None = Field(
        default=None, description="Compute capabilities covered, lowest and highest (NVIDIA)."
    )
    gfx: tuple[str, ...] = Field(default=(), description="AMD gfx targets covered (empty: any).")
    architectures: tuple[str, ...] = Field(
        default=(), description="Architecture families covered (empty: any of the vendor)."
    )
    first: Version | None = Field(
        default=None,
        pattern=_VERSION,
        description="First release known to support them (none: the oldest release listed already did).",
    )
    last: Version | None = Field(
        default=None, pattern=_VERSION, description="Last release that supports them (none: still supported)."
    )
    maintained: bool = Field(
        default=True,
        description="Whether this support still gets fixes (a driver branch or release still maintained). "
        "Devices whose every runtime is unmaintained are legacy: left out unless software.legacy.",
    )
    official: bool = Field(
        default=True,
        description="On the vendor's support list (false: works unofficially, e.g. with an override).",
    )
    setup: str = Field(default="", description="What the user must set for it to work (environment, driver).")

    @model_validator(mode="after")
    def check_ranges(self) -> Support:
        if self.cuda_cc is not None:
            import re

            if not all(re.match(_CC, c) for c in self.cuda_cc):
                raise ValueError("cuda_cc is [lowest, highest], e.g. ['5.0', '7.0']")
        if self.first and self.last and version_key(self.first) > version_key(self.last):
            raise ValueError(f"first release {self.first} is after last release {self.last}")
        return self


class BackendSupport(Strict):
    """An inference backend on this runtime: whether it splits tensors over cards, and what it needs."""

    backend: Backend = Field(description="Inference backend.")
    tensor_parallel: bool = Field(description="Whether it runs tensor parallel over several cards here.")
    cuda_cc_min: str | None = Field(
        default=None, pattern=_CC, description="Lowest compute capability it runs on (NVIDIA)."
    )
    gfx: tuple[str, ...] = Field(default=(), description="AMD gfx targets it supports (empty: any).")
    notes: str = Field(default="", description="Pitfalls, build flags.")


class Runtime(Entry):
    """A GPU compute stack: releases, device support per release range, and the backends on it."""

    kind: Literal["runtime"] = Field(description="Entry kind.")
    api: Api = Field(description="Which compute API this is.")
    mixes_vendors: bool = Field(
        default=False, description="Whether one process can drive cards of different vendors through it."
    )
    releases: tuple[Release, ...] = Field(default=(), description="Releases, oldest first.")
    support: tuple[Support, ...] = Field(min_length=1, description="Which devices which releases support.")
    backends: tuple[BackendSupport, ...] = Field(min_length=1, description="Backends that run on it.")

    @model_validator(mode="after")
    def check_releases_known(self) -> Runtime:
        known = {r.version for r in self.releases}
        order = [version_key(r.version) for r in self.releases]
        if order != sorted(order):
            raise ValueError("list releases oldest first")
        for s in self.support:
            for v in (s.first, s.last):
                if v is not None and v not in known:
                    raise ValueError(f"support names release {v}, which is not in releases; add it")
        return self
