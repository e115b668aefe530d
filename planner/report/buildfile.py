"""A solved build saved as a build file (`planner solve --save-build`): the same schema `planner check`
reads, with the request's workload and site so that checking it reproduces the solve's figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from planner.report.files import MARKER, write_text
from planner.schema.build import Build
from planner.schema.request import Owned, Request

SUFFIXES = (".yaml", ".yml")


def build_document(build: Build, request: Request) -> dict[str, Any]:
    """The build as a build file: its parts and placement, plus the workload and site it was solved for."""
    used = build.part_counts()
    # What `planner check` needs to reproduce the solve's figures: the workload, the site, the owned
    # parts the build uses and the markets it was priced in.
    owned = tuple(Owned(id=o.id, count=min(o.count, used[o.id])) for o in request.owned if o.id in used)
    update: dict[str, Any] = {"workload": request.workload, "site": request.site, "owned": owned}
    if set(request.require.condition) != {"new", "used"}:
        update["condition"] = request.require.condition
    doc: dict[str, Any] = build.model_copy(update=update).model_dump(mode="json", exclude_defaults=True)
    if "site" not in doc:
        doc["site"] = {}  # the default site, said so: one 120 V / 15 A circuit
    return doc


def build_yaml(build: Build, request: Request, source: str, note: str = "") -> str:
    header = [
        f"# {MARKER} build, written by `planner solve {source} --save-build`.",
        "# Edit it freely and check it with `planner check FILE`; rig-planner overwrites this file only",
        "# while this line block stays at the top.",
    ]
    if note:
        header.append(f"# {note}")
    body = yaml.safe_dump(build_document(build, request), sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(header) + "\n" + body


def save_build(path: Path, build: Build, request: Request, source: str, note: str = "") -> None:
    """Write the build file (never over a file rig-planner did not write)."""
    write_text(path, "--save-build", SUFFIXES, build_yaml(build, request, source, note))
