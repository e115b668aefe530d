"""The only code that runs CpSolver: deterministic work budgets, the wall-clock safety net, Ctrl-C.

A request's search is bounded by CP-SAT's deterministic time (a count of work, the same on any
machine at any load) shared by every solve the request makes; the wall-clock limit is a safety net
whose use is reported. Each solve runs in a helper thread so that Ctrl-C stops it cleanly.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from ortools.sat.python import cp_model

from planner.solver.progress import Progress

# Deterministic seconds of search for one request (solve or explanation; about a second each on a
# 2-core laptop). Every shipped example is proven optimal well within it (the hardest, DeepSeek-R1 with
# offload, in 28) and so is every example on a catalogue three times the size (the hardest, the same, in
# 76; four-gpu-5000 once took 144 there, past the old 150): benchmarks/solve.py prints the work each took.
# Most requests need 1 to 5; only a request that cannot be proven spends it all.
DEFAULT_EFFORT = 250.0
# A frontier is a few dozen solves, each smaller (bounds fixed, hinted by its neighbour).
DEFAULT_FRONTIER_EFFORT = 300.0
# Wall-clock safety net, seconds: only a machine far slower or busier than a 2-core laptop reaches it.
DEFAULT_TIME_LIMIT = 300.0
TRACE = bool(os.environ.get("PLANNER_TRACE"))  # one line per CP-SAT run on stderr (benchmarks, debugging)


@dataclass
class Params:
    """Search limits and solver settings for one request."""

    effort: float = DEFAULT_EFFORT  # deterministic seconds (CP-SAT's deterministic time)
    time_limit_s: float = DEFAULT_TIME_LIMIT  # wall-clock safety net
    # One worker: the search is then a function of the model alone (same request, same build), and
    # measured on 2 cores it is also faster than two (benchmarks/solve.py).
    workers: int = 1  # 0: one per core (not deterministic)
    seed: int = 0
    log: bool = False
    progress: bool | None = None  # None: when stderr is a terminal


@dataclass
class Solved:
    """One CP-SAT run: status, the solver (to read values), and what stopped it if not proven."""

    status: str  # optimal | feasible | infeasible | unknown
    solver: Any = None
    stopped_by: str | None = None  # deterministic | wall | interrupt, when the search was cut short
    work: float = 0.0  # deterministic seconds used

    @property
    def found(self) -> bool:
        return self.status in ("optimal", "feasible")

    def solution(self) -> list[int]:
        return list(self.solver.ResponseProto().solution)

    def gap(self) -> float:
        """Relative distance between the best build and the best bound (0 when proven)."""
        if self.status == "optimal":
            return 0.0
        value, bound = self.solver.ObjectiveValue(), self.solver.BestObjectiveBound()
        return abs(value - bound) / max(1.0, abs(value))


STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}


class Budget:
    """The work and time one request may still spend, shared by all its solves, and whether the user
    pressed Ctrl-C. `limit_hit` names the limit that cut a solve short, if any did."""

    def __init__(self, params: Params | None = None, label: str = "solving", claim: bool = True) -> None:
        self.params = params or Params()
        self.work_left = self.params.effort
        self.start = time.monotonic()
        self.deadline = self.start + self.params.time_limit_s
        self.interrupted = False
        self.limit_hit: str | None = None
        self.progress = Progress(label, self.params.progress)
        self._running: set[Any] = set()  # solvers searching now (stopped on Ctrl-C from another thread)
        self._lanes: list[Budget] = []  # shares searching side by side
        # Re-entrant: the Ctrl-C handler runs on the main thread, which may hold the lock at that moment.
        self._lock = threading.RLock()
        self._claimed = claim and _claim(self)
        if _stopped:
            self.interrupted = True  # Ctrl-C came before this search began: it returns at once

    @property
    def work_used(self) -> float:
        return self.params.effort - self.work_left

    def seconds(self) -> float:
        return time.monotonic() - self.start

    def exhausted(self) -> bool:
        return self.interrupted or self.work_left <= 0 or time.monotonic() >= self.deadline

    def note_limit(self, solved: Solved) -> None:
        """Remember the first limit that cut a result-bearing solve short."""
        if solved.stopped_by and self.limit_hit is None and solved.stopped_by != "interrupt":
            self.limit_hit = solved.stopped_by

    def interrupt(self) -> None:
        """Ctrl-C: stop searching; further Ctrl-C are ignored until the request ends (no traceback)."""
        global _stopped
        self.stop()
        _stopped = _stopped or _saved is not None  # only while a request holds Ctrl-C

    def stop(self) -> None:
        """Stop this budget's searches, and those of its lanes (from any thread, or the signal handler)."""
        with self._lock:
            self.interrupted = True
            for solver in self._running:
                solver.stop_search()
        for lane in self._lanes:
            lane.stop()

    def share(self, lanes: int) -> list[Budget]:
        """Equal parts of what is left, for searches that run side by side (each deterministic alone)."""
        left = max(0.0, self.deadline - time.monotonic())
        params = replace(self.params, effort=self.work_left / lanes, time_limit_s=left, progress=False)
        self._lanes = [Budget(params, self.progress.label, claim=False) for _ in range(lanes)]
        if self.interrupted:
            for lane in self._lanes:
                lane.interrupted = True
        return self._lanes

    def absorb(self, lanes: list[Budget]) -> None:
        """Count the work of the lanes and what stopped them."""
        for lane in lanes:
            self.work_left -= lane.work_used
            self.interrupted = self.interrupted or lane.interrupted
            self.limit_hit = self.limit_hit or lane.limit_hit

    def close(self) -> None:
        """End of the search: clear the progress line, and give Ctrl-C back its usual meaning unless a
        request scope (the whole request, results included) holds it."""
        self.progress.done()
        if self._claimed:
            self._claimed = False
            _unclaim(self)


# Ctrl-C while a request runs (a request scope or an open budget) stops its searches: the handler below
# replaces Python's KeyboardInterrupt there, so no Ctrl-C, however timed, loses the best build so far or
# prints a traceback. Once a search has been stopped, more Ctrl-C are ignored until the request ends.
_scopes = 0  # open request scopes
_open: list[Budget] = []  # budgets that claimed the handler and are not closed
_saved: Any = None  # the SIGINT handler before ours
_stopped = False  # a Ctrl-C has stopped this request's search


def _on_sigint(signum: int, frame: Any) -> None:
    global _stopped
    _stopped = True
    for budget in list(_open):
        budget.stop()


def _claim(budget: Budget | None) -> bool:
    """Take Ctrl-C for a request (only the main thread can; elsewhere nothing is claimed)."""
    global _saved
    if threading.current_thread() is not threading.main_thread():
        return False
    if _saved is None:
        current = signal.getsignal(signal.SIGINT)
        if current is signal.SIG_IGN or current is None:
            return False  # Ctrl-C is ignored or not Python's to handle: leave it so
        signal.signal(signal.SIGINT, _on_sigint)
        _saved = current
    if budget is not None:
        _open.append(budget)
    return True


def _unclaim(budget: Budget | None) -> None:
    global _saved, _stopped
    if budget is not None and budget in _open:
        _open.remove(budget)
    main = threading.current_thread() is threading.main_thread()
    if _scopes == 0 and not _open and _saved is not None and main:
        signal.signal(signal.SIGINT, _saved)
        _saved = None
        _stopped = False


@contextmanager
def request_scope() -> Iterator[None]:
    """One request (solve or frontier, with its results): Ctrl-C stops its searches, and once it has,
    more Ctrl-C are ignored until the request has its answer, so the best build so far is not lost."""
    global _scopes
    claimed = _claim(None)
    _scopes += claimed
    try:
        yield
    finally:
        if claimed:
            _scopes -= 1
            _unclaim(None)


def run(
    model: cp_model.CpModel,
    budget: Budget,
    cap: float | None = None,
    stage: str = "",
    show: Callable[[float], str] | None = None,
) -> Solved:
    """Solve `model` within the budget (and at most `cap` deterministic seconds of it)."""
    if budget.interrupted:
        return Solved("unknown", stopped_by="interrupt")
    work = budget.work_left if cap is None else min(cap, budget.work_left)
    wall = budget.deadline - time.monotonic()
    if work <= 0:
        return Solved("unknown", stopped_by="deterministic")
    if wall <= 0:
        return Solved("unknown", stopped_by="wall")
    p = budget.params
    s = cp_model.CpSolver()
    s.parameters.max_deterministic_time = work
    s.parameters.max_time_in_seconds = wall
    s.parameters.num_workers = p.workers or max(1, min(8, os.cpu_count() or 1))
    s.parameters.random_seed = p.seed
    s.parameters.catch_sigint_signal = False  # Ctrl-C is ours (see _wait)
    # Measured on the full catalogue (benchmarks/solve.py): probing costs more than it prunes here,
    # and the tighter LP of linearization level 2 is what proves optimality quickly.
    s.parameters.cp_model_probing_level = 0
    s.parameters.linearization_level = 2
    s.parameters.log_search_progress = p.log
    if p.log:
        s.log_callback = lambda line: print(line, file=sys.stderr)
    with budget._lock:
        if budget.interrupted:
            return Solved("unknown", stopped_by="interrupt")
        budget._running.add(s)
    try:
        status = STATUS.get(_wait(s, model, budget, stage, show), "unknown")
    finally:
        with budget._lock:
            budget._running.discard(s)
    if status == "unknown" and s.ResponseProto().status == cp_model.MODEL_INVALID:
        raise RuntimeError(f"invalid CP-SAT model: {s.ResponseProto().solution_info}")
    used = s.ResponseProto().deterministic_time
    budget.work_left -= used
    if TRACE:
        print(f"[trace] {stage or 'solve'}: {status}, work {used:.3f}, {s.WallTime():.2f} s", file=sys.stderr)
    stopped = None
    if status not in ("optimal", "infeasible"):
        if budget.interrupted:
            stopped = "interrupt"
        elif time.monotonic() >= budget.deadline - 0.01:
            stopped = "wall"
        else:
            stopped = "deterministic"
    return Solved(status, s, stopped, used)


def _wait(
    s: cp_model.CpSolver,
    model: cp_model.CpModel,
    budget: Budget,
    stage: str,
    show: Callable[[float], str] | None,
) -> Any:
    """Run the solve in a helper thread; the main thread shows progress and turns Ctrl-C into a stop."""
    if threading.current_thread() is not threading.main_thread():
        return s.Solve(model)  # signals reach only the main thread: nothing to catch here
    tracker = _Tracker(budget, stage, show)
    done = threading.Event()
    result: list[Any] = []

    def target() -> None:
        try:
            result.append(s.Solve(model, tracker if budget.progress.enabled else None))
        finally:
            done.set()

    threading.Thread(target=target, name="cp-sat", daemon=True).start()
    while not done.is_set():
        try:
            done.wait(0.25)
            tracker.show()
        except KeyboardInterrupt:
            budget.interrupt()
            s.stop_search()
    if not result:
        raise RuntimeError("the CP-SAT solve ended without a status")
    return result[0]


class _Tracker(cp_model.CpSolverSolutionCallback):
    """Keeps the latest incumbent and bound for the progress line (read by the main thread)."""

    def __init__(self, budget: Budget, stage: str, show: Callable[[float], str] | None) -> None:
        super().__init__()
        self.budget, self.stage, self.fmt = budget, stage, show
        self.best: float | None = None
        self.bound: float | None = None

    def on_solution_callback(self) -> None:
        self.best, self.bound = self.ObjectiveValue(), self.BestObjectiveBound()

    def show(self) -> None:
        if not self.budget.progress.enabled:
            return
        parts = [self.stage] if self.stage else []
        if self.best is not None and self.bound is not None:
            fmt = self.fmt or (lambda v: f"{v:g}")
            gap = abs(self.best - self.bound) / max(1.0, abs(self.best))
            parts.append(f"best {fmt(self.best)}, bound {fmt(self.bound)}, gap {gap:.1%}")
        else:
            parts.append("no build yet")
        self.budget.progress.update(" · ".join(parts), self.budget)
