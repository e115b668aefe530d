"""Plain aligned text tables for long listings (the catalogue has hundreds of rows): a hundred times faster
to print than a rich Table, which measures every cell, and as easy to read, grep and paste."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence

GAP = "  "


def text_width() -> int:
    """Columns to fill, as the rich reports use: the terminal's; when piped, $COLUMNS or 160."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    try:
        return max(40, int(os.environ.get("COLUMNS", "160")))
    except ValueError:
        return 160


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int) -> list[int]:
    """Each column's width: its longest cell, the widest columns narrowed until the table fits `total`."""
    out = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    floor = [min(w, max(len(h), 6)) for w, h in zip(out, headers, strict=True)]
    while sum(out) + len(GAP) * (len(out) - 1) > total:
        i = max(range(len(out)), key=lambda k: out[k] - floor[k])
        if out[i] <= floor[i]:
            break  # nothing left to narrow: let the terminal wrap
        out[i] -= 1
    return out


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], total: int = 160) -> str:
    """A titled table: a header, a rule under it, one line per row; cells cut with … to fit `total`."""
    cols = widths(headers, rows, total)
    numeric = [
        all(_is_number(r[i]) for r in rows if r[i]) and any(r[i] for r in rows) for i in range(len(cols))
    ]

    def line(cells: Sequence[str]) -> str:
        out = []
        for cell, w, right in zip(cells, cols, numeric, strict=True):
            text = _cut(cell, w)
            out.append(text.rjust(w) if right else text.ljust(w))
        return GAP.join(out).rstrip()

    lines = [title, line(headers), GAP.join("-" * w for w in cols)]
    lines += [line(r) for r in rows]
    return "\n".join(lines)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").lstrip("$"))
    except ValueError:
        return False
    return True
