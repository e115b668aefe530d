"""Read YAML files into schema objects; every YAML or validation failure becomes one InputError."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, located as precisely as the file allows."""

    file: str
    line: int | None
    location: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        loc = f" {self.location}:" if self.location else ""
        hint = f" {self.hint}" if self.hint else ""
        msg = self.message.rstrip(".")
        return f"{where}:{loc} {msg}.{hint}"


@dataclass
class InputError(Exception):
    """Bad input: a list of problems, each naming its file, line and place."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: its data and a way to find the line of any place in it."""

    path: str
    data: Any
    node: yaml.Node | None

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based line of the deepest node along loc that exists in the file."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            child = _child(node, key)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == str(key):
                # Point unknown-key errors at the key, others at the value.
                return v if isinstance(v, (yaml.MappingNode, yaml.SequenceNode)) else k
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path | str) -> Document:
    """Parse one file with safe_load semantics, keeping the node tree for line numbers."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "file not found", "check the path")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, None, "", f"cannot read file: {exc}")]) from None
    try:
        # One parse (libyaml when present) gives both the node tree for line numbers and the data.
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            [Problem(name, line, "", f"malformed YAML: {what}", "fix the YAML syntax")]
        ) from None
    return Document(name, data, node)


_HINTS = {
    "extra_forbidden": "remove it or fix its spelling",
    "missing": "add it",
    "literal_error": "use one of the allowed values",
    "greater_than": "check the value and its unit",
    "greater_than_equal": "check the value and its unit",
    "less_than": "check the value and its unit (the field name says which)",
    "less_than_equal": "check the value and its unit (the field name says which)",
    "float_parsing": "give a plain number, without units",
    "int_parsing": "give a whole number, without units",
    "string_pattern_mismatch": "use lowercase letters, digits and single hyphens",
    "union_tag_invalid": "use one of the known kinds",
    "union_tag_not_found": "add a kind: field",
}


def problems_from(
    doc: Document, error: ValidationError, prefix: Sequence[str | int] = (), data: Any = None
) -> list[Problem]:
    """Turn a pydantic error into located problems, one per failing place."""
    out = []
    errors = error.errors()
    for err in errors:
        # A list whose only item failed also reports itself as too short: the item's error says it all.
        if err["type"] == "too_short" and any(
            e["loc"][: len(err["loc"])] == err["loc"] and e is not err for e in errors
        ):
            continue
        loc = [*prefix, *_file_path(data if data is not None else doc.data, err["loc"])]
        message = err["msg"].removeprefix("Value error, ")
        hint = _HINTS.get(err["type"], "")
        if err["type"] == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}"
        if err["type"] == "literal_error" and isinstance(err.get("input"), str):
            allowed = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
            hint = nearest(err["input"], allowed, n=1) or hint
        out.append(Problem(doc.path, doc.line_of(loc), _dotted(loc), message, hint))
    return out


def _file_path(data: Any, loc: Sequence[str | int]) -> list[str | int]:
    """The error's location as keys of the file: drops the discriminator tags unions insert (e.g. 'gpu')."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return out


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(
    doc: Document, model: type[BaseModel] | TypeAdapter[T], data: Any = None, loc: Sequence[str | int] = ()
) -> Any:
    """Validate data (default: the whole document) against a model; raise located problems."""
    payload = doc.data if data is None else data
    try:
        if isinstance(model, TypeAdapter):
            return model.validate_python(payload)
        return model.model_validate(payload)
    except ValidationError as exc:
        raise InputError(problems_from(doc, exc, loc, payload)) from None


def nearest(name: str, known: Iterable[str], n: int = 3) -> str:
    """A hint naming the closest known ids, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=n, cutoff=0.5)
    return f"did you mean {', '.join(close)}?" if close else ""
