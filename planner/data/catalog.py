"""The part catalogue: the shipped YAML folders plus user overlays and price lists, validated as a whole."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from pydantic import Field

from planner.data.load import InputError, Problem, nearest, parse, read_yaml, short
from planner.schema import ENTRY_ADAPTER, CatalogEntry, Entry, Part, Price
from planner.schema.common import PriceDate, Ref, Strict

E = TypeVar("E", bound=Entry)
# Far above the shipped catalogue (largest file ~100 entries, all files ~600 entries, 0.5 MB).
MAX_ENTRIES = 5_000
MAX_ENTRY_PROBLEMS = 20
MAX_USER_BYTES = 20_000_000


def data_dir(name: str) -> Path:
    """The shipped catalog/ or constraints/ folder, in a wheel or in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_data" / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped folder {name}/ not found beside the planner package")


@dataclass(frozen=True)
class Origin:
    """Where an entry was read from."""

    file: str
    line: int | None


@dataclass
class Catalog:
    """All entries by id, with where each came from."""

    entries: dict[str, CatalogEntry] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)

    def __contains__(self, entry_id: str) -> bool:
        return entry_id in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str, kind: str | None = None) -> CatalogEntry:
        """The entry with this id (of this kind), or an InputError suggesting the nearest ids."""
        entry = self.entries.get(entry_id)
        if entry is None or (kind is not None and entry.kind != kind):
            pool = [e.id for e in self.entries.values() if kind is None or e.kind == kind]
            what = f"{kind} " if kind else ""
            hint = nearest(entry_id, pool) or f"see `planner catalog list --kind {kind or 'gpu'}`"
            message = f"unknown {what}id {short(entry_id)}"
            if entry is not None:
                message = f"{entry_id} is a {entry.kind}, not a {kind}"
            raise InputError([Problem("catalogue", None, entry_id, message, hint)])
        return entry

    def of_kind(self, kind: str) -> list[Any]:
        """Every entry of one kind, in id order (typed Any: callers know the kind they asked for)."""
        return sorted((e for e in self.entries.values() if e.kind == kind), key=lambda e: e.id)

    def kinds(self) -> dict[str, int]:
        """Count of entries per kind."""
        counts: dict[str, int] = {}
        for e in self.entries.values():
            counts[e.kind] = counts.get(e.kind, 0) + 1
        return dict(sorted(counts.items()))


class PriceOverride(Strict):
    """One line of a user price list: a new price for one part in one condition."""

    id: Ref = Field(description="Catalogue id of the part.")
    usd: float = Field(gt=0, le=500_000, description="Price in US dollars for one unit.")
    date: PriceDate = Field(description="When this price was observed.")
    condition: Literal["new", "used"] = Field(description="new or used market.")
    basis: str = Field(default="user price list", description="Where the price comes from.")


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Every .yaml/.yml file under the given files and folders, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml")))
        else:
            out.append(p)
    return out


def _read_entries(path: Path, problems: list[Problem]) -> list[tuple[CatalogEntry, Origin]]:
    try:
        doc = read_yaml(path)
    except InputError as exc:
        problems.extend(exc.problems)
        return []
    if doc.data is None:
        return []
    if not isinstance(doc.data, list):
        problems.append(
            Problem(
                doc.path, 1, "", "top level is not a list of entries", "start each entry with '- kind: ...'"
            )
        )
        return []
    if len(doc.data) > MAX_ENTRIES:
        message = f"{len(doc.data):,} entries; the limit is {MAX_ENTRIES:,} per file"
        problems.append(Problem(doc.path, None, "", message, "split the file"))
        return []
    out = []
    found = 0
    for i, raw in enumerate(doc.data):
        try:
            entry = parse(doc, ENTRY_ADAPTER, raw, (i,))
        except InputError as exc:
            found += 1
            if found <= MAX_ENTRY_PROBLEMS:
                problems.extend(_named(p, i, raw) for p in exc.problems)
            continue
        out.append((entry, Origin(doc.path, doc.line_of((i,)))))
    if found > MAX_ENTRY_PROBLEMS:
        rest = found - MAX_ENTRY_PROBLEMS
        problems.append(Problem(doc.path, None, "", f"{rest} more bad entries not shown", "fix these first"))
    return out


def _cached_entries(path: Path, problems: list[Problem], cache: Any) -> list[tuple[CatalogEntry, Origin]]:
    """A file's entries from the cache when its contents are unchanged; otherwise parsed, and cached when
    they hold no problem (a file with problems is parsed every time, so its problems are reported)."""
    key, hit = cache.get(path)
    if hit is not None:
        entries, lines = hit
        return [(e, Origin(str(path), line)) for e, line in zip(entries, lines, strict=True)]
    found: list[Problem] = []
    items = _read_entries(path, found)
    if found:
        problems.extend(found)
    else:
        cache.put(path, key, [e for e, _ in items], [o.line for _, o in items])
    return items


_SHIPPED: dict[tuple[str, int, int], list[tuple[CatalogEntry, Origin]]] = {}


def _shipped_entries(path: Path, problems: list[Problem], cache: Any) -> list[tuple[CatalogEntry, Origin]]:
    """A shipped file's entries, parsed once per process while the file is unchanged (entries are frozen).

    Every command loads the whole catalogue; scripts and tests that load it many times pay once (and a
    new process reads the disk cache, see _cached_entries).
    """
    try:
        info = path.stat()
    except OSError:
        return _cached_entries(path, problems, cache)
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key not in _SHIPPED:
        found: list[Problem] = []
        items = _cached_entries(path, found, cache)
        if found:
            problems.extend(found)
            return items
        _SHIPPED[key] = items
    return list(_SHIPPED[key])


def _named(problem: Problem, index: int, raw: object) -> Problem:
    """Name the entry by its id rather than its index when it has one."""
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(entry_id, str):
        return problem
    location = entry_id + problem.location.removeprefix(f"[{index}]")
    return Problem(problem.file, problem.line, location, problem.message, problem.hint)


def _add(
    cat: Catalog, items: list[tuple[CatalogEntry, Origin]], problems: list[Problem], replace: bool
) -> None:
    seen_here: dict[str, Origin] = {}
    for entry, origin in items:
        # Within one set of files an id may appear once; user files may replace shipped ids.
        first = seen_here.get(entry.id) or (cat.origins.get(entry.id) if not replace else None)
        if first is not None:
            problems.append(
                Problem(
                    origin.file,
                    origin.line,
                    entry.id,
                    f"duplicate id (first defined at {first.file}:{first.line})",
                    "give each entry its own id",
                )
            )
            continue
        seen_here[entry.id] = origin
        cat.entries[entry.id] = entry
        cat.origins[entry.id] = origin


def apply_prices(cat: Catalog, path: Path, problems: list[Problem]) -> None:
    """Override prices by id and condition from a user price list (a YAML list of PriceOverride)."""
    try:
        doc = read_yaml(path)
    except InputError as exc:
        problems.extend(exc.problems)
        return
    if not isinstance(doc.data, list):
        problems.append(Problem(doc.path, 1, "", "a price list is a list of {id, usd, date, condition}", ""))
        return
    first: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(doc.data):
        try:
            over = parse(doc, PriceOverride, raw, (i,))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        key = (over.id, over.condition)
        if key in first:
            # The later line would silently win: one price per part and market.
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of((i, "id")),
                    f"[{i}].id",
                    f"a second {over.condition} price for {over.id} (first at line {doc.line_of((first[key],))})",
                    "keep one",
                )
            )
            continue
        first[key] = i
        entry = cat.entries.get(over.id)
        if not isinstance(entry, Part):
            problems.append(
                Problem(
                    doc.path,
                    doc.line_of((i, "id")),
                    f"[{i}].id",
                    f"no part with id {short(over.id)}"
                    + (f" ({over.id} is a {entry.kind})" if entry else ""),
                    nearest(over.id, [e.id for e in cat.entries.values() if isinstance(e, Part)]),
                )
            )
            continue
        price = Price(usd=over.usd, date=over.date, condition=over.condition, basis=over.basis)
        kept = tuple(p for p in entry.prices if p.condition != over.condition)
        cat.entries[over.id] = cast(CatalogEntry, entry.model_copy(update={"prices": (*kept, price)}))


def _unknown_refs(
    cat: Catalog, kind: str, field_name: str, known: set[str], message: str, hint: str
) -> list[Problem]:
    """One problem per value of entry.field_name (a tuple) that is not among `known`, with the nearest."""
    out = []
    for e in cat.of_kind(kind):
        for value in getattr(e, field_name):
            if value not in known:
                o = cat.origins[e.id]
                where = f"{e.id}.{field_name}"
                out.append(
                    Problem(o.file, o.line, where, message.format(value), nearest(value, known) or hint)
                )
    return out


def cross_check(cat: Catalog) -> list[Problem]:
    """Rules that span entries: sockets and series that some CPU has, breakouts for server PSUs."""
    problems = []
    cpus = cat.of_kind("cpu")
    sockets = {c.socket for c in cpus}
    series = {c.series for c in cpus}
    for kind in ("board", "server"):
        for b in cat.of_kind(kind):
            o = cat.origins[b.id]
            if b.socket not in sockets:
                problems.append(
                    Problem(
                        o.file,
                        o.line,
                        f"{b.id}.socket",
                        f"socket {b.socket!r} is not the socket of any CPU",
                        nearest(b.socket, sockets) or "add a CPU for it or fix the socket name",
                    )
                )
            elif not set(b.cpu_series) & series:
                problems.append(
                    Problem(
                        o.file,
                        o.line,
                        f"{b.id}.cpu_series",
                        "no CPU in the catalogue belongs to these series",
                        "add a CPU of one of them or fix the series names",
                    )
                )
    # Values that must name something another entry has: bridges fit some GPU's NVLink, quants made for
    # some models name LLMs, models that exist in some quants only name quants.
    links = {g.nvlink for g in cat.of_kind("gpu")}
    problems += _unknown_refs(
        cat, "bridge", "fits", links, "no GPU has nvlink {!r}", "use a GPU's nvlink value"
    )
    llms, quants = {e.id for e in cat.of_kind("llm")}, {e.id for e in cat.of_kind("quant")}
    problems += _unknown_refs(cat, "quant", "models", llms, "no llm with id {!r}", "")
    problems += _unknown_refs(cat, "llm", "quants", quants, "no quant with id {!r}", "")
    families = {f for b in cat.of_kind("breakout") for f in b.fits_families}
    for p in cat.of_kind("psu"):
        if p.needs_breakout and p.family not in families:
            o = cat.origins[p.id]
            problems.append(
                Problem(
                    o.file,
                    o.line,
                    f"{p.id}.family",
                    f"no breakout board fits family {p.family!r}",
                    "add a breakout entry for it",
                )
            )
    return problems


STALE_AFTER_MONTHS = 12  # issue 10: reports flag prices older than a year


def price_age_months(price: Price, today: dt.date | None = None) -> int:
    """Whole months from the price's date to today (0 within the month after it was observed)."""
    today = today or dt.date.today()
    months = (today.year - price.date.year) * 12 + today.month - price.date.month
    return months - (today.day < price.date.day)


def is_stale(price: Price, max_months: int = STALE_AFTER_MONTHS, today: dt.date | None = None) -> bool:
    """Whether a price is older than max_months: dated before the same day max_months ago."""
    today = today or dt.date.today()
    year, month = divmod(today.year * 12 + today.month - 1 - max_months, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return price.date < dt.date(year, month + 1, day)


def stale_prices(cat: Catalog, max_months: int, today: dt.date | None = None) -> list[Problem]:
    """One problem per price older than max_months, naming the part, condition, date and age."""
    out = []
    in_file_order = sorted(cat.entries, key=lambda i: (cat.origins[i].file, cat.origins[i].line or 0))
    for entry_id in in_file_order:
        entry = cat.entries[entry_id]
        if not isinstance(entry, Part):
            continue
        o = cat.origins[entry_id]
        for k, p in enumerate(entry.prices):
            if is_stale(p, max_months, today):
                out.append(
                    Problem(
                        o.file,
                        o.line,
                        f"{entry_id}.prices[{k}]",
                        f"{p.condition} price dated {p.date} is {price_age_months(p, today)} months old"
                        f" (limit {max_months})",
                        "refresh it from a dated source, or override it with --prices",
                    )
                )
    return out


def load_catalog(
    extra: Sequence[Path | str] = (),
    prices: Sequence[Path | str] = (),
    shipped: bool = True,
) -> Catalog:
    """Load the shipped catalogue, then user files that add or replace parts, then price lists."""
    from planner.data.cache import EntryCache

    problems: list[Problem] = []
    cat = Catalog()
    cache = EntryCache()
    if shipped:
        for path in yaml_files([data_dir("catalog")]):
            _add(cat, _shipped_entries(path, problems, cache), problems, replace=False)
    user_items: list[tuple[CatalogEntry, Origin]] = []
    for raw in extra:
        p = Path(raw)
        if not p.exists():
            problems.append(Problem(str(p), None, "", "no such file or folder", "check the --catalog path"))
            continue
        files = yaml_files([p])
        size = sum(f.stat().st_size for f in files if f.is_file())
        if size > MAX_USER_BYTES:
            # Checked before parsing: each file is bounded by read_yaml, a folder of them here.
            message = f"{len(files)} files of {size / 1e6:.1f} MB; the limit is {MAX_USER_BYTES / 1e6:g} MB"
            problems.append(Problem(str(p), None, "", message, "give only the parts you need"))
            continue
        for path in files:
            user_items.extend(_cached_entries(path, problems, cache))
    cache.save()
    _add(cat, user_items, problems, replace=True)
    for raw in prices:
        apply_prices(cat, Path(raw), problems)
    if not problems:
        problems.extend(cross_check(cat))
    if problems:
        raise InputError(problems)
    return cat
