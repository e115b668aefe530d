"""Write the bad-input corpus (tests/data/bad/corpus), and run one case of it as the `planner` command would.

    python tests/make_bad_corpus.py      # regenerate the corpus from tests/bad_values.py and tests/bad_files.py

Each case runs in a forked child (the parent has the catalogue loaded once), with a hang guard, its
files copied to a scratch folder first. tests/test_badinput.py and benchmarks/badinput.py use it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bad_files
import bad_values
from bad_cases import Case, mutations

CORPUS = Path(__file__).resolve().parent / "data" / "bad" / "corpus"
MANIFEST = CORPUS / "cases.json"
OUTCOMES = ("ok", "internal error", "silent acceptance", "hang", "unclear message", "wrong verdict", "n/a")


def all_cases() -> list[Case]:
    groups = [
        bad_values.malformed(),
        bad_values.wrong_types(),
        bad_values.numbers(),
        bad_values.newer_rules(),
        bad_values.dates(),
        bad_values.encodings(),
        bad_values.ids(),
        bad_values.duplicates(),
        bad_files.huge(),
        bad_files.aliases(),
        bad_files.files(),
        bad_files.contradictions(),
        bad_files.flags(),
        bad_files.outputs(),
        bad_files.signals_and_limits(),
        mutations(40),
    ]
    cases = [c for g in groups for c in g]
    names = [f"{c.cls}/{c.name}" for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


def write(root: Path = CORPUS) -> int:
    """Write every case's files under root/<class>/<name>/ and the manifest; return the case count."""
    if root.exists():
        shutil.rmtree(root)
    cases = all_cases()
    for c in cases:
        for name, data in c.files.items():
            path = root / c.cls / c.name / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    root.mkdir(parents=True, exist_ok=True)
    (root / "cases.json").write_text(json.dumps([c.manifest() for c in cases], indent=1) + "\n")
    return len(cases)


def load_cases() -> list[dict[str, Any]]:
    return json.loads(MANIFEST.read_text())  # type: ignore[no-any-return]


@dataclass
class Run:
    """What one case did: exit code (None on a hang), output, time, and whether input files survived."""

    code: int | None
    out: str
    err: str
    seconds: float
    files: list[str]
    untouched: bool
    skipped: str = ""


def run_case(case: dict[str, Any], timeout: float = 120.0) -> Run:
    """Copy the case's files to a scratch folder, do its setup, run the command in a forked child."""
    scratch = Path(tempfile.mkdtemp(prefix="badinput-"))
    try:
        src = CORPUS / case["cls"] / case["name"]
        if src.exists():
            shutil.copytree(src, scratch, dirs_exist_ok=True)
        args = [a.replace("{dir}", str(scratch)) for a in case["args"]]
        skipped = _setup(case.get("setup", ""), scratch, args)
        if skipped:
            return Run(0, "", "", 0.0, [], True, skipped)
        before = _snapshot(scratch)
        code, out, err, seconds = _fork_run(args, timeout, case.get("setup", ""))
        after = _snapshot(scratch)
        untouched = all(after.get(k) == v for k, v in before.items())
        return Run(code, out, err, seconds, sorted({*before, *_paths(args, scratch)}), untouched)
    finally:
        for p in scratch.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o700)
            elif p.is_file() and not p.is_symlink():
                p.chmod(0o600)
        shutil.rmtree(scratch, ignore_errors=True)


def _paths(args: list[str], scratch: Path) -> list[str]:
    return [a for a in args if a.startswith("/")]


def _snapshot(root: Path) -> dict[str, bytes]:
    out = {}
    for p in root.rglob("*"):
        if p.is_file() and not p.is_symlink() and os.access(p, os.R_OK) and p.stat().st_size < 50_000_000:
            out[str(p)] = p.read_bytes()
    return out


def _setup(step: str, d: Path, args: list[str]) -> str:
    """Make what git cannot hold; returns a reason when the case cannot apply here."""
    request = d / "request.yaml"
    if step.startswith("gen:"):
        bad_files.GENERATED[step.removeprefix("gen:")](d)
    elif step == "fifo":
        os.mkfifo(request)
    elif step == "fifo-in-folder":
        (d / "parts").mkdir()
        os.mkfifo(d / "parts" / "x.yaml")
    elif step == "broken-symlink":
        request.symlink_to(d / "gone.yaml")
    elif step == "symlink-loop":
        request.symlink_to(request)
    elif step == "unreadable":
        if os.geteuid() == 0:
            return "root reads any file"
        request.chmod(0)
    elif step.startswith("rename-bytes:"):
        old = d / step.removeprefix("rename-bytes:")
        new = Path(os.fsdecode(os.fsencode(str(d)) + b"/\xff" + os.fsencode(old.name)))
        old.rename(new)
        args[:] = [a.replace(str(old), str(new)) for a in args]
    elif step.startswith("rename:"):
        new = d / step.removeprefix("rename:")
        request.rename(new)
        args[:] = [a.replace(str(request), str(new)) for a in args]
    return ""


def _fork_run(args: list[str], timeout: float, setup: str) -> tuple[int | None, str, str, float]:
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(args, out_f.fileno(), err_f.fileno())
        code = _wait(pid, start, timeout, {"sigint": [25.0], "sigint-twice": [25.0, 25.3]}.get(setup, []))
        seconds = time.monotonic() - start
        texts = []
        for f in (out_f, err_f):
            f.seek(0)
            texts.append(f.read().decode("utf-8", "backslashreplace"))
    return code, texts[0], texts[1], seconds


def _child(args: list[str], out: int, err: int) -> None:
    """Behave as the console command: default Ctrl-C, output to the files, exit with run()'s code."""
    from planner.cli import run

    code = 99
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)  # noqa: SIM115
        code = run(args)
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code & 0xFF)


def _wait(pid: int, start: float, timeout: float, signals: list[float]) -> int | None:
    """The child's exit code, sending SIGINT at the given seconds; None (and the child killed) on a hang."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        elapsed = time.monotonic() - start
        if done:
            return os.waitstatus_to_exitcode(status)
        if signals and elapsed >= signals[0]:
            os.kill(pid, signal.SIGINT)
            signals.pop(0)
        if elapsed > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        time.sleep(0.01)


def classify(case: dict[str, Any], r: Run) -> tuple[str, str]:
    """(outcome, why) of one run against what the case expects."""
    from planner.data.problems import clean

    if r.skipped:
        return "n/a", r.skipped
    expect, code, text = case["expect"], r.code, r.out + r.err
    if code is None:
        return "hang", f"no answer in {r.seconds:.0f} s"
    if code == 4 or code < 0 or code == 99 or "Traceback" in text or "internal error" in r.err:
        return "internal error", (r.err.strip().splitlines() or ["(no message)"])[-1][:300]
    if not r.untouched:
        return "wrong verdict", "a file the user wrote was changed"
    allowed = {
        "reject": {1, 2},
        "usage": {1, 2},
        "infeasible": {1, 3},
        "valid": {0, 3},
        "survive": {0, 1, 2, 3},
        "any-answer": {0, 1, 2, 3},
        "interrupted": {130},
        "not-silent": {0, 1, 3},
        "within-limit": {0, 1, 3},
    }[expect]
    if code not in allowed:
        outcome = "silent acceptance" if code == 0 else "wrong verdict"
        return outcome, f"exit {code}, expected {sorted(allowed)}"
    if expect == "interrupted" and "interrupted" not in text:
        return "unclear message", "exit 130 without saying it was interrupted"
    if (
        expect == "not-silent"
        and code == 0
        and re.search(r'"status": "unknown"', r.out)
        and not r.err.strip()
    ):
        return "silent acceptance", "status unknown, exit 0, no message"
    if expect == "within-limit":
        if os.getloadavg()[0] > (os.cpu_count() or 1):
            return "n/a", "the machine is too loaded to time a limit"
        limit = float(case["args"][case["args"].index("--time-limit") + 1])
        if r.seconds > limit + 10:
            return "wrong verdict", f"{r.seconds:.1f} s with a {limit:g} s limit"
    if code == 1 and expect != "any-answer":
        prefixes = [clean(p, 300) for p in r.files] + ["command line"]
        for line in r.err.splitlines():
            named = any(line.startswith(p + ":") or line.startswith(p + "/") for p in prefixes)
            if line.strip() and not named and not _shipped(line) and not line.startswith("... and "):
                return "unclear message", f"does not start with the file's name: {line[:200]}"
            if len(line) > 1200:
                return "unclear message", f"a line of {len(line)} characters"
    if code in (1, 2) and case.get("place") and case["place"] not in r.err:
        return "unclear message", f"the message does not name {case['place']!r}: {r.err.strip()[:300]}"
    return "ok", ""


def _shipped(line: str) -> bool:
    """Problems in the shipped files (e.g. the default constraints a user section replaced)."""
    from planner.data.catalog import data_dir

    return any(line.startswith(str(data_dir(n))) for n in ("constraints", "catalog"))


if __name__ == "__main__":
    print(f"{write()} cases written to {CORPUS}")
