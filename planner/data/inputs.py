"""Load request files and constraint files (defaults plus user files) into their schema objects.

Everything a file names is checked against the catalogue here, with the nearest ids as the hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.data.catalog import Catalog, data_dir
from planner.data.load import Document, InputError, Problem, nearest, one_of, parse, read_yaml, short
from planner.data.messages import dotted
from planner.data.refs import check_rule_refs
from planner.schema import Part
from planner.schema.request import Request
from planner.schema.rules import ConstraintFile, Rules

SECTIONS = ("power", "power_limits", "pcie", "cooling", "memory")



def load_rules(user_files: Sequence[Path | str] = (), catalog: Catalog | None = None) -> Rules:
    """The shipped defaults with each user file applied: sections replace, rules add up.

    With a catalogue, every id, kind, field and value a rule names must exist in it.
    """
    default = data_dir("constraints") / "default.yaml"
    problems: list[Problem] = []
    docs = []
    for p in (default, *user_files):
        try:
            docs.append(read_yaml(p))
        except InputError as exc:
            problems.extend(exc.problems)
    sections: dict[str, object] = {}
    rules: list[tuple[str, Any]] = []
    for doc in docs:
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(
                Problem(
                    doc.path, 1, "", "a constraint file is a mapping", "start with power:, pcie: or rules:"
                )
            )
            continue
        try:
            cf: ConstraintFile = parse(doc, ConstraintFile)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if catalog is not None and doc.path != str(default):
            # The shipped defaults name architectures beyond the catalogue on purpose (future parts).
            problems.extend(check_rule_refs(doc, cf, catalog))
        for name in SECTIONS:
            value = getattr(cf, name)
            if value is not None:
                sections[name] = value
        rules.extend((f"{doc.path}#{i + 1}", rule) for i, rule in enumerate(cf.rules))
    if problems:
        raise InputError(problems)
    missing = [n for n in SECTIONS if n not in sections]
    if missing:
        raise InputError([Problem(str(default), None, "", f"sections missing: {', '.join(missing)}", "")])
    return Rules(**sections, rules=tuple(rules))  # type: ignore[arg-type]


@dataclass(frozen=True)
class LoadedRequest:
    """A validated request and the document it came from (for locating later errors)."""

    request: Request
    doc: Document


def load_request(path: Path | str, catalog: Catalog) -> LoadedRequest:
    """Parse a request and check every id and name it gives against the catalogue."""
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError([Problem(doc.path, 1, "", "a request is a mapping", "start with budget_usd: ...")])
    from planner.data.owned import expand_owned

    req: Request = parse(doc, Request, data=expand_owned(doc, catalog))
    problems = _owned_problems(doc, req, catalog) + _vendor_problems(doc, req, catalog)
    if req.workload is not None:
        problems += _workload_problems(doc, req, catalog)
    from planner.data.stack import request_problems

    for loc, message, hint in request_problems(req):
        problems.append(Problem(doc.path, doc.line_of(loc), dotted(loc), message, hint))
    if problems:
        raise InputError(problems)
    return LoadedRequest(req, doc)


def _owned_problems(doc: Document, req: Request, catalog: Catalog) -> list[Problem]:
    out = []
    first: dict[str, int] = {}
    written = doc.data.get("owned") if isinstance(doc.data, dict) else None
    # Words ("2x RTX 3090", detect) may expand to several items: then only the list's line is known.
    aligned = isinstance(written, list) and len(written) == len(req.owned)
    for i, owned in enumerate(req.owned):
        where = doc.line_of(("owned", i, "id") if aligned else ("owned",))
        entry = catalog.entries.get(owned.id)
        if entry is None:
            parts = [e.id for e in catalog.entries.values() if isinstance(e, Part)]
            hint = nearest(owned.id, parts) or "see `planner catalog list`"
            out.append(Problem(doc.path, where, f"owned[{i}].id", f"unknown part {short(owned.id)}", hint))
        elif not isinstance(entry, Part):
            out.append(
                Problem(
                    doc.path,
                    where,
                    f"owned[{i}].id",
                    f"{owned.id} is a {entry.kind}, not a part",
                    "remove it",
                )
            )
        if owned.id in first:
            # Two entries for one id would silently become one: the count must be said once.
            line = doc.line_of(("owned", first[owned.id], "id") if aligned else ("owned",))
            out.append(
                Problem(
                    doc.path,
                    where,
                    f"owned[{i}].id",
                    f"{owned.id} is listed twice (first at line {line})",
                    "give it once, with count: N",
                )
            )
        first.setdefault(owned.id, i)
    return out


def _vendor_problems(doc: Document, req: Request, catalog: Catalog) -> list[Problem]:
    """Allowed vendors must be GPU vendors of the catalogue: a typo would silently remove every GPU."""
    known = sorted({g.vendor for g in catalog.of_kind("gpu")}, key=str.lower)
    lower = {v.lower() for v in known}
    out = []
    for i, vendor in enumerate(req.require.vendors):
        if vendor.lower() not in lower:
            out.append(
                Problem(
                    doc.path,
                    doc.line_of(("require", "vendors", i)),
                    f"require.vendors[{i}]",
                    f"no GPU vendor {short(vendor)}: the catalogue has {one_of(known)}",
                    nearest(vendor, known) or "use one of those names",
                )
            )
    return out


def _workload_problems(doc: Document, req: Request, catalog: Catalog) -> list[Problem]:
    from planner.perf import QuantError, check_quant_backend, resolve_quant

    wl = req.workload
    assert wl is not None
    out = []
    models = [e.id for e in catalog.of_kind("llm")]
    if wl.model not in models:
        out.append(
            Problem(
                doc.path,
                doc.line_of(("workload", "model")),
                "workload.model",
                f"unknown model {short(wl.model)}",
                nearest(wl.model, models) or "see `planner catalog list --kind llm`",
            )
        )
    try:
        quant = resolve_quant(wl.quant, {q.id: q for q in catalog.of_kind("quant")})
        check_quant_backend(quant, wl.backend)
    except ValidationError:
        # A made-up format (e.g. exl2 at 99 bits per weight) that no file can have.
        out.append(_quant_problem(doc, f"no such quantisation as {short(wl.quant)}"))
    except (QuantError, ValueError) as exc:
        out.append(_quant_problem(doc, str(exc)))
    return out


def _quant_problem(doc: Document, message: str) -> Problem:
    where = doc.line_of(("workload", "quant"))
    return Problem(doc.path, where, "workload.quant", message, "see `planner catalog list --kind quant`")


def workload_problems(doc: Document, holder: Any, catalog: Catalog) -> list[Problem]:
    """The workload block of a request or a build file (both keep it under `workload:`), checked against
    the catalogue."""
    return _workload_problems(doc, holder, catalog)
