"""Owned parts as people write them in a request: `owned: detect` (this machine's hardware) and
strings such as "2x RTX 3090" or "M2 Ultra 192GB", turned into the {id, count} items the schema takes."""

from __future__ import annotations

import sys
from typing import Any

from planner.data.catalog import Catalog
from planner.data.hardware import KINDS, HardwareError, match_name, parse_hardware
from planner.data.load import Document, InputError, Problem

DETECT = "detect"


def _detected(doc: Document, catalog: Catalog, where: list[str | int]) -> list[dict[str, Any]]:
    from planner.data.detect import detect_machine

    found = detect_machine(catalog)
    for line in found.lines():
        print(f"{doc.path}: owned: {line}", file=sys.stderr)  # say what was found: it decides the build
    parts = found.parts()
    if not parts:
        raise InputError(
            [
                Problem(
                    doc.path,
                    doc.line_of(where),
                    "owned",
                    "detect found no catalogue hardware on this machine",
                    "list the parts instead, e.g. owned: [2x RTX 3090]",
                )
            ]
        )
    return [{"id": p.id, "count": n} for p, n in parts]


def expand_owned(doc: Document, catalog: Catalog) -> Any:
    """The request data with `owned` in schema form; InputError naming the line of words that match no part."""
    data = doc.data
    owned = data.get("owned") if isinstance(data, dict) else None
    if owned is None:
        return data
    items = [owned] if isinstance(owned, str) else owned
    if not isinstance(items, list):
        return data  # the schema reports the wrong type
    out: list[Any] = []
    problems = []
    for i, item in enumerate(items):
        where: list[str | int] = ["owned"] if isinstance(owned, str) else ["owned", i]
        try:
            if isinstance(item, str) and item.strip().lower() == DETECT:
                out.extend(_detected(doc, catalog, where))
            elif isinstance(item, str):
                out.extend({"id": p.entry.id, "count": p.count} for p in parse_hardware(item, catalog).items)
            elif isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"] not in catalog:
                part, _, _ = match_name(item["id"], catalog, KINDS)
                out.append({**item, "id": part.id})
            else:
                out.append(item)
        except HardwareError as exc:
            if isinstance(item, dict):
                out.append(item)  # the id check reports it with the nearest ids
                continue
            place = "owned" if len(where) == 1 else f"owned[{where[1]}]"
            problems.append(Problem(doc.path, doc.line_of(where), place, exc.message, exc.hint))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return {**data, "owned": out}
