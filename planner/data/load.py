"""Read YAML files into schema objects; every YAML or validation failure becomes one InputError.

Files are bounded before they are parsed (size, encoding) and before they are built (entries, depth,
text length, aliases), so no input can make the planner hang or eat memory.
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from planner.data.messages import dotted, problems_from
from planner.data.problems import InputError, Problem, nearest, one_of, short
from planner.data.shape import check_shape, count_items

__all__ = ["Document", "InputError", "Problem", "nearest", "one_of", "parse", "read_yaml", "short"]

T = TypeVar("T")

# Far above any real file (the largest shipped catalogue file is 50 kB); shape.py bounds the rest.
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: its data and a way to find the line of any place in it."""

    path: str
    data: Any
    node: yaml.Node | None
    # Mapping nodes indexed by key on first use: locating N errors costs N lookups, not N full scans.
    _index: dict[int, dict[str, yaml.Node]] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """1-based line of the deepest node along loc that exists in the file."""
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for key in loc:
            child = self._child(node, key)
            if child is None:
                break
            node = child
            line = node.start_mark.line + 1
        return line

    def _child(self, node: yaml.Node | None, key: str | int) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            index = self._index.get(id(node))
            if index is None:
                index = {}
                for k, v in node.value:
                    # Point unknown-key errors at the key, others at the value; the first of duplicates.
                    index.setdefault(str(k.value), v if isinstance(v, yaml.CollectionNode) else k)
                self._index[id(node)] = index
            return index.get(str(key))
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            return node.value[key]  # type: ignore[no-any-return]
        return None


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class BadValue(yaml.constructor.ConstructorError):
    """A well-formed value that its tag cannot build: 2025-13-01, !!float on text."""

    def __init__(self, node: yaml.Node, exc: Exception) -> None:
        tag = str(node.tag).rsplit(":", 1)[-1]
        what = {"timestamp": "date", "int": "whole number", "float": "number"}.get(tag, tag)
        super().__init__(None, None, f"{short(node.value)} is not a valid {what} ({exc})", node.start_mark)
        self.hint = "write a real date, or quote the text" if tag == "timestamp" else "fix the value"


class _Loader(_BASE):  # type: ignore[valid-type,misc]
    """The safe loader whose constructors report bad values (month 13, !!float on text) as YAML errors."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            raise BadValue(node, exc) from None


def _fail(name: str, line: int | None, message: str, hint: str = "") -> InputError:
    return InputError([Problem(name, line, "", message, hint)])


def _read_text(path: Path, name: str) -> str:
    """The file as text, refused early when it is missing, not a file, too big or not UTF-8."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _fail(name, None, "file not found", "check the path") from None
    except OSError as exc:
        raise _fail(name, None, f"cannot read file: {exc.strerror or exc}", "check the path") from None
    if stat.S_ISDIR(info.st_mode):
        raise _fail(name, None, "is a folder, not a file", "give the path of a YAML file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end.
        raise _fail(name, None, "is not a regular file", "give the path of a YAML file")
    if info.st_size > MAX_FILE_BYTES:
        size = f"{info.st_size / 1e6:.1f} MB"
        raise _fail(name, None, f"file is {size}; the limit is {MAX_FILE_BYTES / 1e6:g} MB", "split it")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _fail(name, None, f"cannot read file: {exc.strerror or exc}", "check its permissions") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _fail(name, None, f"file is over {MAX_FILE_BYTES / 1e6:g} MB", "split it")
    return _decode(raw, name)


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) and not raw.startswith(b"\xff\xfe\x00\x00"):
        try:
            return raw.decode("utf-16")  # YAML allows UTF-16 with a byte-order mark (Windows "Unicode")
        except UnicodeDecodeError:
            raise _fail(name, None, "broken UTF-16 text", "save it as UTF-8") from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise _fail(
            name,
            line,
            "contains NUL bytes: binary, or UTF-16/32 without a byte-order mark",
            "save it as UTF-8",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise _fail(name, line, f"not UTF-8 text (byte 0x{byte})", "save it as UTF-8") from None


def read_yaml(path: Path | str) -> Document:
    """Parse one file with safe_load semantics, keeping the node tree for line numbers."""
    name = str(path)
    text = _read_text(Path(path), name)
    too_many = count_items(name, text)
    if too_many:
        raise InputError(too_many)
    try:
        # One parse (libyaml when present) gives both the node tree for line numbers and the data.
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                shape = check_shape(name, node)
                if shape:
                    raise InputError(shape)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except BadValue as exc:
        at = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise _fail(name, at, str(exc.problem), exc.hint) from None
    except yaml.reader.ReaderError as exc:
        where = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        what = f"character U+{char:04X} is not allowed ({exc.reason})"
        raise _fail(name, where, f"malformed YAML: {what}", "remove it, or write it as an escape") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        raise _fail(name, line, f"malformed YAML: {what}", "fix the YAML syntax") from None
    return Document(name, data, node)


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
        raise InputError(problems_from(doc, exc, loc, payload, model)) from None
    except RecursionError:
        raise InputError(
            [Problem(doc.path, doc.line_of(loc), dotted(loc), "nested too deeply", "flatten it")]
        ) from None
