"""Detect this machine: read nvidia-smi, rocm-smi, system_profiler, lscpu and /proc/meminfo where present,
map what they print to catalogue ids (nearest match and what differs), and say what was found.

The command runner is injected so tests replay recorded outputs; nothing here raises on a missing,
failing, hanging or garbage-printing tool: each becomes a note.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.data.catalog import Catalog
from planner.data.hardware import HardwareError, match_name

Runner = Callable[[Sequence[str], float], str]  # stdout; raises FileNotFoundError, TimeoutError, OSError
TIMEOUT_S = 5.0


class ToolFailed(Exception):
    """A tool ran but failed (non-zero exit)."""


def run_command(argv: Sequence[str], timeout: float) -> str:
    """Run a probe and return its stdout: FileNotFoundError when absent, TimeoutError when it hangs."""
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TimeoutError from None
    if done.returncode != 0:
        raise ToolFailed(f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[:80]}")
    return done.stdout


def read_text(path: str) -> str:
    return Path(path).read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class Found:
    """One kind of device a tool reported, how many, and the catalogue part it maps to (if any)."""

    tool: str
    name: str
    count: int
    memory_gb: float | None = None
    part: Any = None  # catalogue entry
    differs: tuple[str, ...] = ()

    def line(self) -> str:
        mem = f", {self.memory_gb:g} GB" if self.memory_gb else ""
        head = f"{self.count}x {self.name}" if self.count > 1 else self.name
        if self.part is None:
            return f"{head} ({self.tool}{mem}): not in the catalogue" + (
                f"; {self.differs[0]}" if self.differs else ""
            )
        tail = f" (differs: {'; '.join(self.differs)})" if self.differs else ""
        return f"{head} ({self.tool}{mem}) -> {self.part.id}{tail}"


@dataclass
class Detection:
    """What was found on this machine, and what could not be read (with why)."""

    devices: list[Found] = field(default_factory=list)
    cpu: Found | None = None
    ram_gb: float | None = None
    notes: list[str] = field(default_factory=list)

    def parts(self) -> list[tuple[Any, int]]:
        """Catalogue parts found (GPUs or a system, then the CPU) with counts."""
        out = [(f.part, f.count) for f in self.devices if f.part is not None]
        if self.cpu is not None and self.cpu.part is not None and not any(p.kind == "system" for p, _ in out):
            out.append((self.cpu.part, self.cpu.count))
        return out

    def lines(self) -> list[str]:
        out = [f"detected: {f.line()}" for f in self.devices]
        if self.cpu is not None:
            out.append(f"detected: {self.cpu.line()}")
        if self.ram_gb:
            out.append(f"detected: {self.ram_gb:g} GB usable RAM (/proc/meminfo)")
        return out + [f"not read: {n}" for n in self.notes]


def _probe(runner: Runner, argv: Sequence[str], notes: list[str], timeout: float) -> str | None:
    tool = argv[0]
    try:
        return runner(argv, timeout)
    except FileNotFoundError:
        notes.append(f"{tool} is not installed")
    except TimeoutError:
        notes.append(f"{tool} did not answer within {timeout:g} s")
    except (ToolFailed, OSError) as exc:
        notes.append(f"{tool} failed ({exc})")
    return None


def _garbage(tool: str, text: str) -> str:
    shown = re.sub(r"\s+", " ", text).strip()[:60]
    return f"{tool} printed something unexpected: {shown!r}"


def _map(
    tool: str, name: str, count: int, memory: float | None, catalog: Catalog, kinds: Sequence[str]
) -> Found:
    """Map a device name (and memory) to the catalogue: exact, else the nearest part and what differs."""
    words = re.sub(r"\((r|tm)\)|\bprocessor\b|\b\d+-core\b|\bcpu\b.*@.*$", " ", name, flags=re.IGNORECASE)
    tries = [f"{words} {memory:g}GB"] if memory else []
    for text in (*tries, words):
        try:
            part, _, _ = match_name(text, catalog, kinds)
        except HardwareError:
            continue
        return Found(tool, name, count, memory, part, _memory_differs(part, memory))
    try:
        part, differs, _ = match_name(words, catalog, kinds, lenient=True)
    except HardwareError as exc:
        return Found(tool, name, count, memory, None, (exc.hint,) if exc.hint else ())
    return Found(
        tool, name, count, memory, part, ("nearest match only", *differs, *_memory_differs(part, memory))
    )


def _memory_differs(part: Any, memory: float | None) -> tuple[str, ...]:
    have = getattr(part, "memory_gb", None)
    if memory and have and abs(have - memory) > 1:
        return (f"memory: found {memory:g} GB, {part.id} has {have:g} GB",)
    return ()


def _group(rows: list[tuple[str, float | None]]) -> list[tuple[str, float | None, int]]:
    counts: dict[tuple[str, float | None], int] = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    return [(n, m, c) for (n, m), c in counts.items()]


def nvidia(text: str) -> list[tuple[str, float | None]]:
    """Rows of `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits` (MiB -> GB)."""
    out: list[tuple[str, float | None]] = []
    for line in text.strip().splitlines():
        name, sep, mem = line.rpartition(",")
        if not sep or not name.strip():
            raise ValueError(line)
        mem = mem.strip()
        if re.fullmatch(r"\d+(\.\d+)?", mem):
            out.append((name.strip(), float(round(float(mem) / 1024))))
        elif mem.startswith("[") or mem.lower() in ("n/a", "not supported"):
            out.append((name.strip(), None))  # unified-memory parts report no dedicated memory
        else:
            raise ValueError(line)
    return out


def rocm(products: str, memory: str | None) -> list[tuple[str, float | None]]:
    """Rows of `rocm-smi --showproductname --json` with `--showmeminfo vram --json` (bytes -> GB)."""
    names = json.loads(products)
    mems = json.loads(memory) if memory else {}
    if not isinstance(names, dict) or not isinstance(mems, dict):
        raise ValueError("not a JSON object")
    out: list[tuple[str, float | None]] = []
    for card, info in sorted(names.items()):
        if not card.startswith("card") or not isinstance(info, dict):
            continue
        fields = {k.lower(): v for k, v in info.items()}
        name = fields.get("card series") or fields.get("card sku") or fields.get("card model")
        if not isinstance(name, str):
            raise ValueError(f"{card} has no card series")
        total = (mems.get(card) or {}).get("VRAM Total Memory (B)")
        gb = float(round(int(total) / 1024**3)) if total and str(total).isdigit() else None
        out.append((name, gb))
    return out


def apple(text: str) -> tuple[str, float | None]:
    """(chip words with GPU cores, unified memory GB) from `system_profiler SP... -json`."""
    data = json.loads(text)
    hw = data["SPHardwareDataType"][0]
    chip = str(hw["chip_type"])
    mem = re.match(r"(\d+)\s*GB", str(hw.get("physical_memory", "")))
    cores = next(
        (d.get("sppci_cores") for d in data.get("SPDisplaysDataType", []) if d.get("sppci_cores")), None
    )
    return (f"{chip} {cores}-core GPU" if cores else chip), (float(mem.group(1)) if mem else None)


def lscpu(text: str) -> tuple[str, int]:
    """(model name, sockets) from `lscpu`."""
    fields = dict(
        (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in text.splitlines()) if v
    )
    if "Model name" not in fields:
        raise ValueError("no Model name line")
    sockets = fields.get("Socket(s)", "1")
    return fields["Model name"], int(sockets) if sockets.isdigit() else 1


def meminfo(text: str) -> float:
    """Total RAM in GB (GiB, rounded) from /proc/meminfo."""
    m = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.MULTILINE)
    if m is None:
        raise ValueError("no MemTotal line")
    return float(round(int(m.group(1)) / 1024**2))


def detect_machine(
    catalog: Catalog,
    runner: Runner | None = None,
    reader: Callable[[str], str] | None = None,
    timeout: float = TIMEOUT_S,
) -> Detection:
    """Read the local hardware with whatever tools exist; never raises for a missing or broken tool."""
    runner = runner or run_command
    reader = reader or read_text
    found = Detection()
    notes = found.notes
    gpu_kinds = ("gpu", "system")
    if (
        out := _probe(
            runner,
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
            notes,
            timeout,
        )
    ) is not None:
        try:
            rows = nvidia(out)
            found.devices += [_map("nvidia-smi", n, c, m, catalog, gpu_kinds) for n, m, c in _group(rows)]
        except ValueError:
            notes.append(_garbage("nvidia-smi", out))
    if (out := _probe(runner, ["rocm-smi", "--showproductname", "--json"], notes, timeout)) is not None:
        mem = _probe(runner, ["rocm-smi", "--showmeminfo", "vram", "--json"], notes, timeout)
        try:
            rows = rocm(out, mem)
            found.devices += [_map("rocm-smi", n, c, m, catalog, gpu_kinds) for n, m, c in _group(rows)]
        except (ValueError, AttributeError, TypeError):
            notes.append(_garbage("rocm-smi", out))
    if (
        out := _probe(
            runner, ["system_profiler", "SPHardwareDataType", "SPDisplaysDataType", "-json"], notes, timeout
        )
    ) is not None:
        try:
            chip, unified = apple(out)
            found.devices.append(_map("system_profiler", chip, 1, unified, catalog, ("system",)))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            notes.append(_garbage("system_profiler", out))
    if (out := _probe(runner, ["lscpu"], notes, timeout)) is not None:
        try:
            name, sockets = lscpu(out)
            found.cpu = _map("lscpu", name, sockets, None, catalog, ("cpu",))
        except ValueError:
            notes.append(_garbage("lscpu", out))
    try:
        found.ram_gb = meminfo(reader("/proc/meminfo"))
    except OSError:
        notes.append("/proc/meminfo is not readable (not Linux?)")
    except ValueError:
        notes.append("/proc/meminfo has no MemTotal line")
    return found
