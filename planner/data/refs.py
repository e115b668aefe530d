"""Names a constraint file or a build file gives, checked against the catalogue (ids, fields, values).

A rule that names nothing real would silently select nothing; a build that names a port the board
lacks, or a breakout on a PSU that takes none, is not a build.
"""

from __future__ import annotations

from typing import Any

from planner.data.catalog import Catalog
from planner.data.load import Document, Problem, nearest, one_of, short
from planner.schema.build import Build
from planner.schema.rules import ConstraintFile, Select


def check_rule_refs(doc: Document, cf: ConstraintFile, catalog: Catalog) -> list[Problem]:
    """Every id a rule selects exists; every where-field has the value somewhere in the catalogue."""
    out: list[Problem] = []
    for i, rule in enumerate(cf.rules):
        if rule.kind == "limit":
            continue
        selects = (
            [("if", rule.if_), ("then", rule.then)] if rule.kind == "if_then" else [("select", rule.select)]
        )
        for key, select in selects:
            out.extend(_select_problems(doc, ("rules", i, key), select, catalog))
    if cf.power is not None:
        archs = {g.architecture.lower() for g in catalog.of_kind("gpu")}
        named = [("transient_factor", a) for a in cf.power.transient_factor]
        named += [("adapter_leads", a) for a in cf.power.adapter_leads]
        for table, arch in named:
            if arch != "default" and arch.lower() not in archs:
                loc = ("power", table, arch)
                out.append(
                    Problem(
                        doc.path,
                        doc.line_of(loc),
                        f"power.{table}.{arch}",
                        f"no GPU has architecture {short(arch)}",
                        nearest(arch, archs)
                        or "use the architecture names of `planner catalog list --kind gpu`",
                    )
                )
    return out


def _select_problems(
    doc: Document, loc: tuple[str | int, ...], select: Select, catalog: Catalog
) -> list[Problem]:
    out = []
    place = f"rules[{loc[1]}].{loc[2]}"
    for j, pid in enumerate(select.ids):
        entry = catalog.entries.get(pid)
        if entry is None or (select.kind is not None and entry.kind != select.kind):
            pool = [e.id for e in catalog.entries.values() if select.kind in (None, e.kind)]
            what = f"{select.kind} " if select.kind else "part "
            out.append(
                Problem(
                    doc.path,
                    doc.line_of((*loc, "ids", j)),
                    f"{place}.ids[{j}]",
                    f"no {what}with id {short(pid)}",
                    nearest(pid, pool) or "see `planner catalog list`",
                )
            )
    entries = [e for e in catalog.entries.values() if select.kind in (None, e.kind)]
    for key, want in select.where.items():
        have = [getattr(e, key) for e in entries if hasattr(e, key)]
        line = doc.line_of((*loc, "where", key))
        if any(not isinstance(v, str | int | float | bool) for v in have if v is not None):
            out.append(
                Problem(
                    doc.path, line, f"{place}.where.{key}", f"cannot select by {key}: it is not one value", ""
                )
            )
            continue
        values = {_norm(v) for v in have}
        for w in want if isinstance(want, tuple) else (want,):
            if _norm(w) not in values:
                what = select.kind or "part"
                shown = sorted({str(v) for v in have if v is not None})
                out.append(
                    Problem(
                        doc.path,
                        line,
                        f"{place}.where.{key}",
                        f"no {what} has {key} {short(w)}; the catalogue has {one_of(shown) if shown else 'none'}",
                        nearest(str(w), shown),
                    )
                )
    return out


def _norm(value: Any) -> Any:
    """How a rule compares values (resolve.matches): text ignores case, numbers compare as numbers."""
    return value.lower() if isinstance(value, str) else value


def check_build_refs(build: Build, doc: Document, catalog: Catalog) -> list[Problem]:
    """Ports the board has, breakouts only on server PSUs that take them, each riser id once."""
    out = []
    board = catalog.entries.get(build.board or build.server or "")
    ports = len(getattr(board, "ports", ()) or ())
    for i, g in enumerate(build.gpus):
        if g.port is not None and board is not None and g.port >= ports:
            have = f"ports 0-{ports - 1}" if ports else "no ports"
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(("gpus", i, "port")),
                    f"gpus[{i}].port",
                    f"{board.id} has {have}",
                    "give a port index the board has, or mount the card in a slot",
                )
            )
    for i, p in enumerate(build.psus):
        psu = catalog.entries.get(p.id)
        brk = catalog.entries.get(p.breakout) if p.breakout else None
        if psu is None or psu.kind != "psu" or p.breakout is None:
            continue
        if not psu.needs_breakout:
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(("psus", i, "breakout")),
                    f"psus[{i}].breakout",
                    f"{psu.id} is an ATX unit with its own leads: it takes no breakout board",
                    "remove the breakout",
                )
            )
        elif brk is not None and brk.kind == "breakout" and psu.family not in brk.fits_families:
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(("psus", i, "breakout")),
                    f"psus[{i}].breakout",
                    f"{brk.id} takes {one_of(brk.fits_families)} PSUs, not {psu.family}",
                    "use a breakout for this PSU's family",
                )
            )
    first: dict[str, int] = {}
    for i, r in enumerate(build.risers):
        if r.id in first:
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(("risers", i, "id")),
                    f"risers[{i}].id",
                    f"{r.id} is listed twice (first at line {doc.line_of(('risers', first[r.id], 'id'))})",
                    "give it once, with count: N",
                )
            )
        first.setdefault(r.id, i)
    return out
