"""Bad-input problems as data, and the helpers that keep every message one readable line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.schema.common import nearest, one_of

__all__ = ["FIELD_CHARS", "InputError", "Problem", "clean", "nearest", "one_of", "short"]

# A message names a value, it does not echo a file: anything longer is cut.
VALUE_CHARS = 60
FIELD_CHARS = {"file": 300, "location": 120, "message": 400, "hint": 300}


def clean(text: str, limit: int) -> str:
    """Text on one line: control characters escaped (a newline in a file name too), cut to the limit."""
    out = []
    for ch in text:
        code = ord(ch)
        # Control characters, line separators and lone surrogates (from undecodable file names) are escaped.
        if (
            code >= 32
            and code != 127
            and not 0x80 <= code < 0xA0
            and not 0xD800 <= code < 0xE000
            and ch not in "\u2028\u2029"
        ):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
    s = "".join(out)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def short(value: Any, limit: int = VALUE_CHARS) -> str:
    """A value as a message quotes it: repr-like, one line, cut to a sensible length."""
    if isinstance(value, str):
        body = clean(value, limit)
        return f"'{body}'"
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return clean(str(value), limit)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, located as precisely as the file allows."""

    file: str
    line: int | None
    location: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        name = clean(self.file, FIELD_CHARS["file"])
        where = f"{name}:{self.line}" if self.line else name
        loc = f" {clean(self.location, FIELD_CHARS['location'])}:" if self.location else ""
        hint = f" {clean(self.hint, FIELD_CHARS['hint'])}" if self.hint else ""
        msg = clean(self.message, FIELD_CHARS["message"]).rstrip(".")
        end = "" if msg.endswith(("?", "!")) else "."
        return f"{where}:{loc} {msg}{end}{hint}"


@dataclass
class InputError(Exception):
    """Bad input: a list of problems, each naming its file, line and place."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
