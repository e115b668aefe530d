"""Output files (build sheets, saved builds, charts): checked before any work is done, and never written
over a file rig-planner did not write (each file it writes carries a marker)."""

from __future__ import annotations

import os
from pathlib import Path

from planner.data.load import InputError, Problem

MARKER = "rig-planner"


def _problem(flag: str, path: Path, message: str, hint: str) -> InputError:
    return InputError([Problem("command line", None, flag, f"{path}: {message}", hint)])


def check_output(path: Path, flag: str, suffixes: tuple[str, ...]) -> None:
    """Raise an InputError (exit 1) unless `path` can be written: known suffix, existing writable folder,
    and either no file there yet or one that rig-planner wrote."""
    if path.suffix.lower() not in suffixes:
        raise _problem(flag, path, "unknown format", f"end the file name in {' or '.join(suffixes)}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise _problem(flag, path, f"folder {folder} does not exist", "create it first or choose another path")
    if path.is_dir():
        raise _problem(flag, path, "is a folder", "give a file name")
    if path.exists():
        if not written_by_us(path):
            raise _problem(
                flag, path, "file exists and was not written by rig-planner", "choose another name or move it"
            )
        if not os.access(path, os.W_OK):
            raise _problem(flag, path, "file is not writable", "check its permissions")
    elif not os.access(folder, os.W_OK):
        raise _problem(flag, path, f"cannot write in folder {folder}", "choose a folder you can write to")


def written_by_us(path: Path) -> bool:
    """Whether the file carries rig-planner's marker near its start."""
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return MARKER.encode() in head


def write_text(path: Path, flag: str, suffixes: tuple[str, ...], text: str) -> None:
    """Check the path again (it may have appeared since) and write the text."""
    check_output(path, flag, suffixes)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _problem(flag, path, f"could not write: {exc.strerror}", "choose another path") from None
