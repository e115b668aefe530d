"""Pydantic errors as one readable line each: the file's own keys, union branches collapsed, values cut."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from planner.data.problems import Problem, nearest, one_of, short

if TYPE_CHECKING:
    from planner.data.load import Document

# More problems than this in one file are summarised: nobody reads 50,000 "unknown field" lines.
MAX_PROBLEMS = 40

_HINTS = {
    "extra_forbidden": "remove it or fix its spelling",
    "missing": "add it",
    "greater_than": "check the value and its unit",
    "greater_than_equal": "check the value and its unit",
    "less_than": "check the value and its unit (the field name says which)",
    "less_than_equal": "check the value and its unit (the field name says which)",
    "float_parsing": "give a plain number, without units",
    "float_type": "give a plain number, without units",
    "int_parsing": "give a whole number, without units",
    "int_type": "give a whole number, without units",
    "int_from_float": "give a whole number",
    "finite_number": "give a plain finite number",
    "string_pattern_mismatch": "use lowercase letters, digits and single hyphens",
    "union_tag_not_found": "add a kind: field",
    "date_from_datetime_inexact": "write the date as YYYY-MM-DD",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD",
    "date_type": "write the date as YYYY-MM-DD",
    "date_parsing": "write the date as YYYY-MM-DD",
    "string_too_long": "shorten it",
    "too_long": "shorten the list",
}

# What a value of each failing type was expected to be, in words (also used to describe union branches).
_EXPECTED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "none_required": "null",
}


def literal_options(expected: str) -> list[str]:
    """The allowed values from pydantic's "'a', 'b' or 'c'" (or "1, 2 or 4") text."""
    quoted = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    return quoted or [v for v in re.split(r", | or ", expected) if v]


def message_of(err: Any, loc: Sequence[str | int], fields: Sequence[str] = ()) -> tuple[str, str]:
    """(message, hint) for one pydantic error at a location of the file."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    hint = _HINTS.get(kind, "")
    if kind == "extra_forbidden":
        return f"unknown field {short(loc[-1] if loc else '')}", nearest(
            str(loc[-1]), fields, 2, 0.75
        ) or hint
    if kind == "missing":
        return f"missing field {short(loc[-1] if loc else '')}", hint
    if kind == "literal_error":
        # Pydantic's own words list the allowed values ("Input should be 'quiet', 'normal' or 'loud'").
        options = literal_options(str(ctx.get("expected", "")))
        close = nearest(value, options, n=1) if isinstance(value, str) else ""
        return str(err["msg"]), close or "use one of the allowed values"
    if kind == "union_tag_invalid":
        tags = literal_options(str(ctx.get("expected_tags", "")))
        tag = ctx.get("tag", value)
        return f"unknown kind {short(tag)}: expected one of {one_of(tags)}", nearest(str(tag), tags) or ""
    if kind == "union_tag_not_found":
        return "missing field 'kind'", "add kind: with the kind of entry (gpu, cpu, psu, forbid, limit ...)"
    if kind == "invalid_key":
        return f"a key must be text, got {short(value)}", "quote the key"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {short(value)}", hint
    if kind == "finite_number":
        return f"must be a finite number, got {short(value)}", hint
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{err['msg']}, got {short(value)}", hint
    if kind == "string_pattern_mismatch":
        return f"{short(value)} is not a valid id", hint
    if kind == "string_too_long":
        n = len(value) if isinstance(value, str) else "?"
        return f"text of {n} characters; at most {ctx.get('max_length')}", hint
    if kind == "too_long":
        return f"{ctx.get('actual_length', 'too many')} items; at most {ctx.get('max_length')}", hint
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)", "add one"
    return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, "), hint


def problems_from(
    doc: Document,
    error: ValidationError,
    prefix: Sequence[str | int] = (),
    data: Any = None,
    model: Any = None,
) -> list[Problem]:
    """Turn a pydantic error into located problems, one per failing place of the file."""
    payload = data if data is not None else doc.data
    errors = error.errors()
    located = []
    for err in errors:
        path, branch_at = file_path(payload, err["loc"], err["type"])
        located.append((err, path, branch_at))
    out: list[Problem] = []
    for err, path, _ in _collapse(located, errors):
        loc = [*prefix, *path]
        if isinstance(err, tuple):
            message, hint = err
        else:
            fields = known_fields(model, path[:-1], payload) if err["type"] == "extra_forbidden" else ()
            message, hint = message_of(err, path, fields)
        out.append(Problem(doc.path, doc.line_of(loc), dotted(loc), message, hint))
        if len(out) == MAX_PROBLEMS and len(located) > MAX_PROBLEMS:
            rest = len(located) - MAX_PROBLEMS
            out.append(Problem(doc.path, None, "", f"{rest} more problem(s) not shown", "fix these first"))
            break
    return out


def _collapse(located: list[tuple[Any, list[Any], int | None]], errors: list[Any]) -> list[Any]:
    """Keep one problem per place: a union whose branches all failed says what each branch expected."""
    groups: dict[tuple[Any, ...], list[tuple[Any, list[Any], int | None]]] = {}
    plain = []
    for item in located:
        err, path, branch_at = item
        if err["type"] == "too_short" and _items_failed(err, errors):
            continue  # a list whose items failed also says it is too short: the items' errors say it all
        if branch_at is None:
            plain.append(item)
        else:
            groups.setdefault(tuple(path[:branch_at]), []).append(item)
    out = [(e, p, b) for e, p, b in plain]
    for place, items in groups.items():
        deeper = [it for it in items if len(it[1]) > len(place)]
        # The branch whose shape matched the value failed inside it (deeper), or on a bound (an empty
        # list for a list branch): its errors are the useful ones.
        shaped = deeper or [
            it for it in items if it[0]["type"] not in _EXPECTED and it[0]["type"] != "literal_error"
        ]
        if shaped:
            out.extend(shaped)
            continue
        value = items[0][0].get("input")
        words, close = [], ""
        for err, _, _ in items:
            if err["type"] == "literal_error":
                options = literal_options(str((err.get("ctx") or {}).get("expected", "")))
                words.append(f"one of {one_of(options)}")
                close = close or (nearest(value, options) if isinstance(value, str) else "")
            else:
                words.append(_EXPECTED.get(err["type"], str(err["msg"])))
        text = f"{short(value)} is not valid here: expected {' or '.join(dict.fromkeys(words))}"
        out.append(((text, close or "fix the value"), list(place), None))
    return out


def _items_failed(err: Any, errors: list[Any]) -> bool:
    n = len(err["loc"])
    return any(e is not err and len(e["loc"]) > n and e["loc"][:n] == err["loc"] for e in errors)


def file_path(data: Any, loc: Sequence[str | int], kind: str = "") -> tuple[list[str | int], int | None]:
    """The error's location as keys of the file, and where a union branch tag was dropped (if any).

    Pydantic inserts tags for union members (e.g. 'gpu', "literal['vram',...]"): they are not in the file.
    """
    out: list[str | int] = []
    branch_at: int | None = None
    node = data
    for n, part in enumerate(loc):
        if part == "[key]" or kind == "invalid_key":
            # A mapping key failed (pydantic appends "[key]"; an invalid key is itself the location).
            if part != "[key]" and not (isinstance(node, dict) and part in node):
                out.append(str(part))
            continue
        is_key = isinstance(node, dict) and part in node
        is_index = isinstance(node, list | tuple) and isinstance(part, int) and 0 <= part < len(node)
        if isinstance(part, str) and not is_key and not (kind == "missing" and n == len(loc) - 1):
            if not (isinstance(node, dict) and node.get("kind") == part) and branch_at is None:
                branch_at = len(out)  # a plain union's branch (a discriminated one tries one branch only)
            continue
        out.append(part)
        node = node[part] if (is_key or is_index) else None
    return out, branch_at


def dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def known_fields(model: Any, path: Sequence[str | int], data: Any) -> list[str]:
    """Field names (aliases where set) of the model that the mapping at path is validated against."""
    classes = _models(getattr(model, "_type", model))
    node = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else (node[part] if _indexable(node, part) else None)
        nxt: list[type[BaseModel]] = []
        for cls in classes:
            f = cls.model_fields.get(str(part)) if isinstance(part, str) else None
            nxt.extend(_models(f.annotation) if f else ([cls] if isinstance(part, int) else []))
        classes = nxt
    if isinstance(node, dict) and isinstance(node.get("kind"), str):
        tagged = [c for c in classes if _kind_of(c) == node["kind"]]
        classes = tagged or classes
    return sorted({f.alias or name for c in classes for name, f in c.model_fields.items()})


def _indexable(node: Any, part: Any) -> bool:
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _kind_of(cls: type[BaseModel]) -> Any:
    f = cls.model_fields.get("kind")
    args = typing.get_args(f.annotation) if f else ()
    return args[0] if args else None


def _models(tp: Any) -> list[type[BaseModel]]:
    """Every model class an annotation can hold (through Optional, unions, tuples and dict values)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _models(args[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        return [m for a in args if a is not Ellipsis for m in _models(a)]
    if origin is dict:
        return _models(args[1])
    return []
