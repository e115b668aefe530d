"""Hardware as people say it: "2x RTX 3090", "3090:2", "M2 Ultra 192GB", "EPYC 9355 + RTX 4090" or ids.

One parser for every place that takes hardware (flags, request files, recorded runs, measured-run
names, detected devices), mapping words to catalogue GPUs, systems and CPUs, with did-you-mean.
"""

from __future__ import annotations

import itertools
import re
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from planner.data.catalog import Catalog
from planner.data.load import nearest

KINDS = ("gpu", "system", "cpu")
# Words that name a vendor, a brand or the device class: they tell no two catalogue parts apart.
_NOISE = {"nvidia", "geforce", "amd", "ati", "intel", "apple", "the", "gpu", "graphics", "card"}
_COUNT_BEFORE = re.compile(r"^(\d{1,2})\s*[x\u00d7*]\s*(.+)$", re.IGNORECASE)
_COUNT_AFTER = re.compile(r"^(.+?)(?:\s+[x\u00d7*]\s*|\s*:\s*)(\d+)$", re.IGNORECASE)
_SPLIT = re.compile(r"\s+\+\s+|\s*[,;]\s*")
# A word after a model number that makes it another product ("3090 Ti", "M2 Ultra", "4090 D"): a part
# whose id has one the user did not say is not what they meant.
_VARIANTS = {"ti", "super", "xt", "xtx", "gre", "ultra", "max", "pro", "d", "m", "mobile", "laptop", "nvl"}
_MEMORY = re.compile(r"\b(\d+(?:\.\d+)?)\s*(gb|gib)\b")


class HardwareError(ValueError):
    """Words that name no catalogue part, or several that differ; carries a hint."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Item:
    """`count` of one catalogue part, what was said for it, and what differs from what was said."""

    entry: Any  # Gpu | System | Cpu
    count: int
    said: str
    differs: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()  # other ids with identical figures (same chip and memory)

    @property
    def kind(self) -> str:
        return str(self.entry.kind)

    @property
    def ids(self) -> frozenset[str]:
        """This part's id and those of parts with the same figures (a measurement applies to all)."""
        return frozenset((self.entry.id, *self.same_as))


@dataclass(frozen=True)
class Hardware:
    """A set of parts: GPUs with counts, or one system, or CPU sockets, or a CPU with GPUs."""

    items: tuple[Item, ...] = field(default=())

    def of_kind(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    def label(self) -> str:
        """Canonical words ("2x rtx-3090 + epyc-9355") that parse back to the same hardware."""
        return " + ".join(f"{i.count}x {i.entry.id}" if i.count > 1 else i.entry.id for i in self.items)

    def key(self) -> tuple[tuple[str, int], ...]:
        """(id, count) pairs, merged and sorted: equal for equal hardware however it was written."""
        counts: dict[str, int] = {}
        for i in self.items:
            counts[i.entry.id] = counts.get(i.entry.id, 0) + i.count
        return tuple(sorted(counts.items()))


def _norm_text(text: str) -> str:
    text = text.lower().replace("_", " ")
    return _MEMORY.sub(lambda m: f" {float(m.group(1)):g}gb ", text)


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers of a name, memory written as one token ("24 GB" -> "24gb")."""
    return [t for t in re.findall(r"[a-z0-9]+(?:\.[0-9]+)?gb|[a-z0-9]+", _norm_text(text)) if t not in _NOISE]


def _parts(token: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?gb|\d+|[a-z]+", token)


def _covers(have: set[str], token: str) -> bool:
    # "3090ti" or "rtx3090" is covered by "3090" and "ti" / "rtx" written apart.
    return token in have or all(p in have for p in _parts(token))


@dataclass(frozen=True)
class _Candidate:
    entry: Any
    words: frozenset[str]  # every token of id, name and memory
    id_words: frozenset[str]  # tokens of the id alone: what a close match should not add much to
    variants: frozenset[str]  # variant words right after a model number in the id ("ti" in rtx-3090-ti)


_CACHE: dict[int, tuple[weakref.ref[Catalog], dict[Any, Any]]] = {}


def per_catalog(catalog: Catalog, key: Any, compute: Callable[[], Any]) -> Any:
    """`compute()` once per catalogue object and key (name lookups repeat for every measured row)."""
    ref, store = _CACHE.get(id(catalog), (None, None))
    if ref is None or ref() is not catalog or store is None:
        store = {}
        _CACHE[id(catalog)] = (weakref.ref(catalog), store)
    if key not in store:
        store[key] = compute()
    return store[key]


def _candidates(catalog: Catalog, kinds: Sequence[str]) -> list[_Candidate]:
    return per_catalog(catalog, ("candidates", tuple(kinds)), lambda: _build_candidates(catalog, kinds))  # type: ignore[no-any-return]


def _build_candidates(catalog: Catalog, kinds: Sequence[str]) -> list[_Candidate]:
    out = []
    for kind in kinds:
        for e in catalog.of_kind(kind):
            words = set(tokens(e.id.replace("-", " "))) | set(tokens(e.name))
            memory = getattr(e, "memory_gb", None)
            if memory:
                words.add(f"{memory:g}gb")
            id_words = tokens(e.id.replace("-", " "))
            variants = {
                w for prev, w in itertools.pairwise(id_words) if w in _VARIANTS and re.search(r"\d", prev)
            }
            out.append(_Candidate(e, frozenset(words), frozenset(id_words), frozenset(variants)))
    return out


def _signature(entry: Any) -> tuple[Any, ...]:
    """Figures that decide speed and fit: parts sharing them are the same for a measurement."""
    return (
        entry.kind,
        getattr(entry, "architecture", None),
        getattr(entry, "memory_gb", None),
        getattr(entry, "bandwidth_gbs", getattr(entry, "memory_bandwidth_gbs", None)),
        getattr(entry, "fp16_tflops", None),
        getattr(entry, "gpus_per_card", None),
        getattr(entry, "cores", None),
    )


def equivalents(entry: Any, catalog: Catalog) -> tuple[str, ...]:
    """Other catalogue ids of the same kind with the same figures (e.g. GB10 boxes of two brands)."""
    sig = _signature(entry)
    return tuple(e.id for e in catalog.of_kind(entry.kind) if e.id != entry.id and _signature(e) == sig)


def _describe(entry: Any) -> str:
    memory = getattr(entry, "memory_gb", None)
    if not memory or f"{memory:g}gb" in tokens(entry.name):
        return f"{entry.id} ({entry.name})"
    return f"{entry.id} ({entry.name}, {memory:g} GB)"


def match_name(
    name: str, catalog: Catalog, kinds: Sequence[str] = KINDS, lenient: bool = False
) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """The catalogue part `name` means: (entry, what differs, ids with the same figures).

    Strict: every word must belong to the part, else HardwareError with the nearest parts. Lenient
    (detected devices): the part covering most words, with the words it lacks named as differences.
    """
    said = name.strip()
    if not said:
        raise HardwareError("no hardware named", "write e.g. 2x RTX 3090, 3090:2 or an id")
    slug = re.sub(r"[^a-z0-9.]+", "-", said.lower()).strip("-")
    pool = _candidates(catalog, kinds)
    if not pool:
        raise HardwareError(f"the catalogue has no {_kinds_word(kinds)}")
    for c in pool:
        if c.entry.id == slug:
            return c.entry, (), equivalents(c.entry, catalog)
    want = tokens(said)
    if not want:
        raise HardwareError(f"{said!r} names no part", "write the model, e.g. RTX 3090 or M2 Ultra 192GB")
    said_words = set(want) | {p for t in want for p in _parts(t)}
    scored = []
    for c in pool:
        unsaid = [t for t in want if not _covers(set(c.words), t)]
        missing = unsaid + [f"no {v!r}" for v in sorted(c.variants - said_words)]
        extra = len(c.id_words - said_words)
        scored.append((len(missing), extra, c.entry.id, c, missing, len(unsaid)))
    scored.sort(key=lambda s: s[:3])
    best_missing = scored[0][0]
    if best_missing and not lenient:
        raise HardwareError(f"no {_kinds_word(kinds)} called {said!r}", _near_hint(said, slug, scored, pool))
    if scored[0][5] == len(want):
        raise HardwareError(f"no {_kinds_word(kinds)} like {said!r}", _near_hint(said, slug, scored, pool))
    top = [s for s in scored if s[0] == best_missing and s[1] == scored[0][1]]
    chosen = top[0][3].entry
    same = equivalents(chosen, catalog)
    rivals = [s[3].entry for s in top[1:] if s[3].entry.id not in same]
    if rivals:
        options = ", ".join(_describe(e) for e in [chosen, *rivals][:5])
        raise HardwareError(f"{said!r} could be {options}", "say which, e.g. add the memory or use the id")
    differs = tuple(
        f"{chosen.id} is the {t[4:-1]} model"
        if t.startswith("no ")
        else f"{said!r} says {t!r}, {chosen.id} does not"
        for t in top[0][4]
    )
    return chosen, differs, same


def _kinds_word(kinds: Sequence[str]) -> str:
    return "/".join(kinds) if len(kinds) < len(KINDS) else "GPU, system or CPU"


def _near_hint(said: str, slug: str, scored: list[Any], pool: list[_Candidate]) -> str:
    want = len(tokens(said))
    close = [s[2] for s in sorted(scored, key=lambda s: (s[5], s[1]))[:3] if s[5] < want]
    by_spelling = nearest(slug, [c.entry.id for c in pool]).removeprefix("did you mean ").rstrip("?")
    names = list(dict.fromkeys([*(n for n in by_spelling.split(", ") if n), *close]))[:4]
    return f"did you mean {', '.join(names)}?" if names else "see `planner catalog list --kind gpu`"


def split_count(part: str) -> tuple[str, int]:
    """("RTX 3090", 2) from "2x RTX 3090", "RTX 3090 x2" or "3090:2"; count 1 when none is given."""
    part = part.strip()
    if m := _COUNT_BEFORE.match(part):
        return m.group(2).strip(), int(m.group(1))
    if m := _COUNT_AFTER.match(part):
        return m.group(1).strip(), int(m.group(2))
    return part, 1


def parse_hardware(
    text: str | Iterable[str], catalog: Catalog, kinds: Sequence[str] = KINDS, max_count: int = 64
) -> Hardware:
    """Parse one or several hardware phrases into catalogue parts with counts (HardwareError if not)."""
    phrases = [text] if isinstance(text, str) else list(text)
    items = []
    for phrase in phrases:
        for part in (p for p in _SPLIT.split(phrase) if p.strip()):
            name, count = split_count(part)
            if not 1 <= count <= max_count:
                raise HardwareError(f"{part.strip()!r}: count {count} is outside 1-{max_count}")
            entry, differs, same = match_name(name, catalog, kinds)
            items.append(Item(entry, count, part.strip(), differs, same))
    if not items:
        raise HardwareError("no hardware named", "write e.g. 2x RTX 3090, 3090:2 or an id")
    return Hardware(tuple(items))
