"""Load request files and constraint files (defaults plus user files) into their schema objects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.data.catalog import Catalog, data_dir
from planner.data.load import Document, InputError, Problem, nearest, parse, read_yaml
from planner.schema.request import Request
from planner.schema.rules import ConstraintFile, Rules


def load_rules(user_files: Sequence[Path | str] = ()) -> Rules:
    """The shipped defaults with each user file applied: sections replace, rules add up."""
    default = data_dir("constraints") / "default.yaml"
    docs = [read_yaml(default), *(read_yaml(p) for p in user_files)]
    problems: list[Problem] = []
    sections: dict[str, object] = {}
    rules: list[tuple[str, Any]] = []
    for doc in docs:
        if doc.data is None:
            continue
        try:
            cf: ConstraintFile = parse(doc, ConstraintFile)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        for name in ("power", "pcie", "cooling", "memory"):
            value = getattr(cf, name)
            if value is not None:
                sections[name] = value
        rules.extend((f"{doc.path}#{i + 1}", rule) for i, rule in enumerate(cf.rules))
    if problems:
        raise InputError(problems)
    missing = [n for n in ("power", "pcie", "cooling", "memory") if n not in sections]
    if missing:
        raise InputError([Problem(str(default), None, "", f"sections missing: {', '.join(missing)}", "")])
    return Rules(**sections, rules=tuple(rules))  # type: ignore[arg-type]


@dataclass(frozen=True)
class LoadedRequest:
    """A validated request and the document it came from (for locating later errors)."""

    request: Request
    doc: Document


def load_request(path: Path | str, catalog: Catalog) -> LoadedRequest:
    """Parse a request and check every id it names against the catalogue."""
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError([Problem(doc.path, 1, "", "a request is a mapping", "start with budget_usd: ...")])
    from planner.data.owned import expand_owned

    req: Request = parse(doc, Request, data=expand_owned(doc, catalog))
    problems = []
    for i, owned in enumerate(req.owned):
        if owned.id not in catalog:
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of(("owned", i, "id")),
                    f"owned[{i}].id",
                    f"unknown part {owned.id!r}",
                    nearest(owned.id, catalog.entries),
                )
            )
    if req.workload is not None:
        models = [e.id for e in catalog.of_kind("llm")]
        if req.workload.model not in models:
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of(("workload", "model")),
                    "workload.model",
                    f"unknown model {req.workload.model!r}",
                    nearest(req.workload.model, models) or "see `planner catalog list --kind llm`",
                )
            )
        from planner.perf import QuantError, check_quant_backend, resolve_quant

        try:
            quant = resolve_quant(req.workload.quant, {q.id: q for q in catalog.of_kind("quant")})
            check_quant_backend(quant, req.workload.backend)
        except (QuantError, ValueError) as exc:
            where = doc.line_of(("workload", "quant"))
            problems.append(
                Problem(
                    doc.path, where, "workload.quant", str(exc), "see `planner catalog list --kind quant`"
                )
            )
    from planner.data.stack import request_problems

    for loc, message, hint in request_problems(req):
        problems.append(Problem(doc.path, doc.line_of(loc), ".".join(loc), message, hint))
    if problems:
        raise InputError(problems)
    return LoadedRequest(req, doc)
