"""A cache of parsed catalogue files in the user's cache directory ($XDG_CACHE_HOME/rig-planner), keyed on
each file's contents: parsing YAML is most of a command's start-up, validating its JSON again is cheap.

The cache is JSON, never pickle, and is validated by the same schema on every read; a file that is
corrupt, foreign (another format or planner code) or unreadable is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1
MAX_FILES = 512  # parsed files kept; enough for the shipped catalogue and many versions of user overlays
NAME = "catalog.json"
MAX_CACHE_BYTES = 256_000_000  # MAX_FILES loader-bounded files as JSON stay far below this


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/rig-planner (default ~/.cache), or None when RIG_PLANNER_NO_CACHE is set."""
    if os.environ.get("RIG_PLANNER_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG spec: a relative path is invalid and ignored
        base = str(Path.home() / ".cache")
    return Path(base) / "rig-planner"


@functools.cache
def code_key() -> str:
    """A digest of the code that turns YAML into entries (the schema and the loaders): a cache written by
    other code is foreign, whatever its format number says."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for folder in ("schema", "data"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _adapter() -> Any:
    """A validator of a list of catalogue entries (built on first use: it costs a few milliseconds)."""
    from pydantic import TypeAdapter

    from planner.schema import CatalogEntry

    return TypeAdapter(list[CatalogEntry])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _content_key(path: Path) -> str | None:
    """The digest of a regular file within the loader's size limit; None for anything else (a FIFO would
    block, a device never end): the loader then reads it and reports what is wrong."""
    from planner.data.load import MAX_FILE_BYTES

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    return _digest(raw) if len(raw) <= MAX_FILE_BYTES else None


class EntryCache:
    """Parsed entries per file content: get() returns the entries of unchanged files, put() records new
    ones, save() writes the cache back atomically when something changed. Never raises on cache trouble."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = cache_dir() if folder is None else folder
        self._files: dict[str, dict[str, Any]] | None = None  # read on first use: often none is needed
        self.used: set[str] = set()
        self.dirty = False
        self.code = ""

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        if self._files is None:
            try:
                self.code = code_key()
                self._files = self._read(self.folder / NAME) if self.folder is not None else {}
            except (OSError, ValueError):
                self._files = {}
        return self._files

    def _read(self, path: Path) -> dict[str, dict[str, Any]]:
        """The cached files, or {} when the cache is missing, corrupt or written by other code."""
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
                return {}  # not a file this code wrote: something else put it there
            raw = path.read_bytes()
        except OSError:
            return {}
        head, _, body = raw.partition(b"\n")
        try:
            header = json.loads(head)
            if header != {"format": FORMAT, "code": self.code, "sha256": _digest(body)}:
                return {}
            files = json.loads(body)
        except ValueError:
            return {}
        if not isinstance(files, dict):
            return {}
        return {k: v for k, v in files.items() if isinstance(v, dict)}

    def get(self, path: Path) -> tuple[str | None, tuple[list[Any], list[int | None]] | None]:
        """The file's content key, and (entries, line of each entry) when it was parsed before with these
        contents (None otherwise, and for a damaged record: the file is parsed again)."""
        if self.folder is None:
            return None, None
        key = _content_key(path)
        if key is None:
            return None, None
        self.used.add(key)
        record = self.files.get(key)
        if record is None:
            return key, None
        try:
            entries = _adapter().validate_json(record["entries"])
            lines = list(record["lines"])
        except (KeyError, TypeError, ValueError):
            return key, None
        if len(lines) != len(entries) or not all(x is None or type(x) is int for x in lines):
            return key, None
        return key, (entries, lines)

    def put(self, path: Path, before: str | None, entries: list[Any], lines: list[int | None]) -> None:
        """Record a file's entries, unless it changed while it was parsed (its key no longer matches)."""
        if self.folder is None:
            return
        key = _content_key(path)
        if key is None or key != before:
            return
        self.used.add(key)
        self.files[key] = {"entries": _adapter().dump_json(entries).decode(), "lines": lines}
        self.dirty = True

    def save(self) -> None:
        """Write the cache (files used now first, then others up to MAX_FILES) with a temporary file and a
        rename, so a reader never sees half a cache; silently skip when the folder is not writable."""
        if self.folder is None or not self.dirty:
            return
        keep = [k for k in self.files if k in self.used]
        keep += [k for k in self.files if k not in self.used][: max(0, MAX_FILES - len(keep))]
        body = json.dumps({k: self.files[k] for k in keep}, separators=(",", ":")).encode()
        header = json.dumps({"format": FORMAT, "code": self.code, "sha256": _digest(body)}).encode()
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".catalog-", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(header + b"\n" + body)
            os.replace(tmp, self.folder / NAME)
            tmp = None
            self.dirty = False
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
