"""Hidden checks, one per registered task, run by the trusted grader.

A check draws fresh inputs from ``run.rng``, calls the student's function through
``run.call`` (which executes it in the worker process), computes the expected
answer with the reference in this process, and scores named parts::

    @check("layers.affine_backward")  # its parts: cs231n_core/check/parts.py
    def _(run: TaskRun) -> None:
        ...
        dx, dw, db = run.returns(run.call(dout, cache), 3)
        run.close("dx", dx, ref_dx)

Each part earns its weight when it passes; a part never reached (because an
earlier call failed) earns nothing and its feedback says why. Feedback names the
part, the measured error and the tolerance; it never shows inputs or expected values.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.isolation.session import RemoteObject, WorkerFailure, WorkerSession
from autograder.isolation.worker import Slot, Unsupported, encode
from cs231n_core.check.diagnoses.rules import Seen
from cs231n_core.check.parts import DEFAULT_TOL, FLOAT32_TOL, PARTS, weights

# A trusted object the student's code called back into, as an exception names it.
_REMOTE = re.compile(r"remote:\d+")


class CheckAbort(Exception):
    """Stops a check early; the parts not yet scored fail with this reason.

    The parts it had passed fail too (``TaskRun.fail_unsettled``): the function raised on
    an input the check grades, so passes on earlier inputs do not show that it works.
    Only the parts of sections that ran through (``TaskRun.independently``) stand.
    """


class SectionsStopped(CheckAbort):
    """Independent sections stopped by exceptions: their parts are failed already, and
    every other part keeps its score."""


@dataclass
class PartResult:
    name: str
    weight: float
    passed: bool
    message: str
    seen: Seen | None = None  # what a failure looked like, for the diagnoses


@dataclass
class BackwardCase:
    """One input of a backward check: the forward pass's arguments, dout, the reference's
    cache and forward output for them, and the check's own expected answer.

    Cases that each ``owns`` parts (scored on that case alone) are independent
    sections ``where``: an exception of the backward pass in one fails only its parts.
    """

    forward_args: tuple[Any, ...]
    dout: Any
    ref_cache: Any
    ref_out: Any
    expected: Any = None
    forward_kwargs: dict[str, Any] = field(default_factory=dict)
    where: str = ""
    owns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A section of a check, independent of the others (``TaskRun.independently``).

    ``where`` says which inputs it covers ("in test mode"); an exception in ``run``
    fails the parts it ``owns``. It may score other parts too (shared ones, such as
    "inputs unchanged", which any section can judge): an exception leaves those alone.
    """

    where: str
    owns: tuple[str, ...]
    run: Callable[[], None]


@dataclass
class TaskRun:
    """The state of one task's check: the inputs' generator, the worker, the parts scored."""

    task_id: str
    parts: dict[str, float]
    rng: np.random.Generator
    session: WorkerSession
    results: dict[str, PartResult] = field(default_factory=dict)
    # The provided modules a worker of this submission loads from the grader's copy.
    provided: tuple[str, ...] = ()
    # The grader's copies of the arguments of the latest call of the task's function.
    last_call: tuple[tuple[Any, ...], dict[str, Any]] = ((), {})
    # Parts owned by sections that ran through: an exception elsewhere leaves them alone.
    settled: set[str] = field(default_factory=set)

    @property
    def target(self) -> str:
        return self.task_id.split(".", 1)[1]

    # ----------------------------------------------------------- calling

    def call(
        self, *args: Any, target: str | None = None, keep: str | None = None, **kwargs: Any
    ) -> Any:
        """Call the student's function with these arguments; return its decoded result.

        ``target`` names another function of the same module (e.g. the forward pass
        whose cache a backward check needs); ``keep`` keeps the raw result in the
        worker so later arguments can refer to it as ``Slot(keep, index)``.
        """
        return self.call_full(args, kwargs, target=target, keep=keep)["value"]

    def call_full(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
        *,
        target: str | None = None,
        state: dict[str, Any] | None = None,
        return_attrs: tuple[str, ...] = (),
        remotes: dict[int, RemoteObject] | None = None,
        keep: str | None = None,
    ) -> dict[str, Any]:
        """Like call, but return value, arguments after the call and requested attributes.

        ``remotes`` maps positions in ``args`` to trusted objects the student's code
        may call back into (the reference stands behind them).
        """
        if target is None or target == self.target:
            self.last_call = (args, dict(kwargs or {}))
        encoded = None
        if remotes:

            encoded = [
                self.session.remote(remotes[i]) if i in remotes else encode(a)
                for i, a in enumerate(args)
            ]
        try:
            return self.session.call(
                target or self.target,
                args,
                kwargs,
                state=state,
                return_attrs=return_attrs,
                encoded_args=encoded,
                keep=keep,
            )
        except WorkerFailure as failure:
            raise CheckAbort(_failure_text(failure)) from None

    def returns(self, value: Any, count: int, what: str = "the return value") -> tuple[Any, ...]:
        """Unpack a tuple return value of known length, or abort with a clear message."""
        if type(value) is not tuple or len(value) != count:
            raise CheckAbort(f"{what} should be a tuple of {count} items, got {_describe(value)}")
        return value

    def independently(self, *sections: Section) -> None:
        """Run sections that score independent parts: an exception stops only its own section.

        A stopped section fails the parts it owns (a pass it scored before the exception
        included: its input was not handled), so no later section can pass them; the
        other sections still run and score theirs. The reasons are reported together
        once each, with where they happened.
        """
        stopped: dict[str, tuple[str, list[str]]] = {}  # same reason -> (reason, where)
        for section in sections:
            unknown = [p for p in section.owns if p not in self.parts]
            if not section.owns or unknown:
                owns = unknown or "no part"
                raise KeyError(f"{self.task_id}: section {section.where!r} owns {owns}")
            try:
                section.run()
                self.settled.update(section.owns)
            except CheckAbort as exc:
                # Reasons that differ only in the trusted objects they name are one reason.
                key = _REMOTE.sub("remote", str(exc))
                stopped.setdefault(key, (str(exc), []))[1].append(section.where)
                for part in section.owns:
                    self._stop(part)
        if stopped:
            raise SectionsStopped(
                "\n".join(f"{'; '.join(where)}: {reason}" for reason, where in stopped.values())
            )

    def fail_unsettled(self) -> None:
        """Fail every part not owned by a section that ran through: an exception escaped
        the check, so what passed before it was judged on part of the inputs only."""
        for part in self.parts:
            if part not in self.settled:
                self._stop(part)

    def _stop(self, part: str) -> None:
        """Fail ``part`` because an exception stopped a section that owns it."""
        result = self.results.get(part)
        if result is not None and not result.passed:
            return  # its first failure stays, for the feedback and the diagnoses
        how = "not checked" if result is None else "stopped by an exception"
        self.results[part] = PartResult(part, self.parts[part], False, f"{part}: {how} (see below)")

    def check_backward(
        self,
        forward: str,
        cases: Sequence[BackwardCase],
        score: Callable[[BackwardCase, Any, Any], None],
        forward_problem: Callable[[BackwardCase, Any], str | None] | None = None,
    ) -> None:
        """Grade a backward pass on the cache of the student's own forward pass.

        The student's forward pass runs on every case first (its caches stay in the
        worker: they may hold anything). When every output is right, the backward
        pass is graded on those caches only, so a forward/backward pair must agree
        with itself. When the forward pass fails (it raises, or an output is wrong
        by ``forward_problem``, by default against ``ref_out``), the backward pass
        is graded on the reference's caches instead and every part says so: the
        forward's bug is that task's loss. ``score(case, grads, out)`` records parts;
        ``out`` is the forward output that goes with the cache used.
        """
        problem, outs = self._own_forward(forward, cases, forward_problem or _forward_problem)
        if problem is None:

            def own(i: int, case: BackwardCase) -> Callable[[], None]:
                def grade() -> None:
                    grads = self.call(case.dout, Slot(f"forward{i}", 1))
                    # The student's cache stays in the worker. Their forward output matched
                    # the reference's, so the diagnoses read the reference's cache instead.
                    self.last_call = ((case.dout, case.ref_cache), {})
                    score(case, grads, outs[i])

                return grade

            self._each_case(cases, [own(i, case) for i, case in enumerate(cases)])
            return

        def reference(case: BackwardCase) -> Callable[[], None]:
            return lambda: score(case, self.call(case.dout, case.ref_cache), case.ref_out)

        note = f" (graded with the reference's cache, since {problem})"
        try:
            self._each_case(cases, [reference(case) for case in cases])
        except CheckAbort as exc:
            raise type(exc)(f"{exc}{note}") from None
        finally:
            for result in self.results.values():
                result.message += note

    def _each_case(self, cases: Sequence[BackwardCase], grades: list[Callable[[], None]]) -> None:
        """Run each case's grading: as independent sections when every case owns its parts."""
        if cases and all(case.owns for case in cases):
            self.independently(
                *(Section(c.where, c.owns, grade) for c, grade in zip(cases, grades))
            )
            return
        for grade in grades:
            grade()

    def _own_forward(
        self,
        forward: str,
        cases: Sequence[BackwardCase],
        problem_of: Callable[[BackwardCase, Any], str | None],
    ) -> tuple[str | None, list[Any]]:
        """Run the student's forward pass on each case, keeping its caches in the worker:
        why it cannot be trusted (None when every output is right), and the outputs."""
        outs: list[Any] = []
        for i, case in enumerate(cases):
            try:
                value = self.call(
                    *case.forward_args, target=forward, keep=f"forward{i}", **case.forward_kwargs
                )
            except CheckAbort:
                return f"your {forward} raised an exception", outs
            if type(value) is not tuple or len(value) != 2:
                return f"your {forward} does not return (out, cache)", outs
            problem = problem_of(case, value[0])
            if problem is not None:
                return f"your {forward} {problem}", outs
            outs.append(value[0])
        return None, outs

    # ----------------------------------------------------------- scoring

    def record(
        self, part: str, passed: bool, message: str = "", got: Any = None, expected: Any = None
    ) -> bool:
        """Score ``part``; a failure keeps what was compared (``got``, ``expected``) and
        the call behind it, which the diagnoses read."""
        if part not in self.parts:
            raise KeyError(f"{self.task_id}: undeclared part {part!r}")
        if part in self.results and not self.results[part].passed:
            return False  # a part that failed once stays failed
        seen = None
        if not passed:
            seen = Seen(message, got, expected, self.last_call[0], self.last_call[1])
        self.results[part] = PartResult(part, self.parts[part], passed, message, seen)
        return passed

    def close(
        self,
        part: str,
        got: Any,
        expected: np.ndarray,
        tol: float | None = None,
        allow_float32: bool = True,
    ) -> bool:
        """Score ``got`` against ``expected``: exact ndarray type, shape, dtype, finiteness, error.

        The error is max|got - expected| / max|expected| (scaled by the answer's size,
        so equivalent formulas that round differently pass). Float64 answers are held
        to ``tol`` (default 1e-6); a float32 answer, where allowed, to 1e-4.
        """
        expected = np.asarray(expected)
        problem = array_problem(
            got, expected.shape, allow_float32=allow_float32, want_float=expected.dtype.kind == "f"
        )
        if problem:
            return self.record(part, False, f"{part}: {problem}", got, expected)
        got_arr = np.asarray(got, dtype=np.float64)
        limit = tol if tol is not None else PARTS[self.task_id][part].tol
        if got.dtype == np.float32 and expected.dtype != np.float32:
            limit = max(limit, FLOAT32_TOL)
        err = scaled_error(got_arr, expected)
        if err > limit:
            return self.record(
                part,
                False,
                f"{part}: relative error {err:.2e} exceeds the tolerance {limit:.0e}; "
                f"{entries_off(got_arr, expected, limit)}",
                got,
                expected,
            )
        return self.record(part, True, f"{part}: relative error {err:.1e} (tolerance {limit:.0e})")

    def close_scalar(self, part: str, got: Any, expected: float, tol: float | None = None) -> bool:
        if type(got) not in (float, int) and not (
            isinstance(got, np.generic) and np.asarray(got).dtype.kind in "fiu"
        ):
            return self.record(part, False, f"{part}: expected a number, got {_describe(got)}")
        value = float(got)
        if not np.isfinite(value):
            return self.record(part, False, f"{part}: is {value}", value, expected)
        limit = tol if tol is not None else DEFAULT_TOL
        err = abs(value - expected) / max(abs(expected), 1e-12)
        if err > limit:
            return self.record(
                part,
                False,
                f"{part}: relative error {err:.2e} exceeds the tolerance {limit:.0e}",
                value,
                expected,
            )
        return self.record(part, True, f"{part}: relative error {err:.1e} (tolerance {limit:.0e})")

    def equal(self, part: str, got: Any, expected: Any, what: str = "") -> bool:
        ok = type(got) is type(expected) and got == expected
        text = "matches" if ok else f"is wrong (got {describe(got)})"
        return self.record(part, ok, f"{part}: {what or 'value'} {text}", got, expected)

    def check(
        self,
        part: str,
        condition: bool,
        failure: str,
        success: str = "",
        got: Any = None,
        expected: Any = None,
    ) -> bool:
        """Score ``part`` by ``condition``; ``got`` and ``expected`` are kept for diagnoses."""
        return self.record(
            part,
            bool(condition),
            f"{part}: {success or 'ok'}" if condition else f"{part}: {failure}",
            got,
            expected,
        )


def entries_off(got: np.ndarray, expected: np.ndarray, limit: float) -> str:
    """How many entries are off by more than ``limit`` (relative to the largest expected one).

    A summary figure: it tells a slip in a few entries from a wrong formula without
    showing any hidden value.
    """
    scale = max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1e-12)
    off = int(np.count_nonzero(np.abs(got - expected) > limit * scale))
    share = 100 * off / max(expected.size, 1)
    return f"{off} of the {expected.size} entries are off ({share:.0f}%)"


def scaled_error(got: np.ndarray, expected: np.ndarray) -> float:
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    diff = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    return diff / max(scale, 1e-12)


def _forward_problem(case: BackwardCase, out: Any) -> str | None:
    """Why a forward output differs from the reference's (float32 work to FLOAT32_TOL)."""
    expected = np.asarray(case.ref_out)
    problem = array_problem(out, expected.shape)
    if problem:
        return f"returns an output with {problem}"
    limit = FLOAT32_TOL if out.dtype == np.float32 else DEFAULT_TOL
    err = scaled_error(np.asarray(out, dtype=np.float64), expected)
    if err > limit:
        return f"gives a wrong output (relative error {err:.1e})"
    return None


def array_problem(
    got: Any, shape: tuple[int, ...], allow_float32: bool = True, want_float: bool = True
) -> str | None:
    """Why ``got`` is not an acceptable answer array of this shape (None if it is)."""
    if type(got) is not np.ndarray:
        return f"expected a numpy.ndarray, got {_describe(got)}"
    if got.shape != tuple(shape):
        return f"shape {got.shape} but expected {tuple(shape)}"
    if want_float:
        ok = {np.dtype(np.float64)} | ({np.dtype(np.float32)} if allow_float32 else set())
        if got.dtype not in ok:
            return f"dtype {got.dtype} but expected {' or '.join(sorted(d.name for d in ok))}"
        if not np.all(np.isfinite(got)):
            nan, inf = int(np.isnan(got).sum()), int(np.isinf(got).sum())
            return f"contains NaN or inf ({nan} NaN and {inf} infinite of {got.size} entries)"
    return None


def describe(value: Any) -> str:
    """A returned value as feedback names it: its type, and an array's shape and dtype."""
    if isinstance(value, Unsupported):
        return f"a value of type {value.type_name}"
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a value of type {type(value).__name__}"


def _describe(value: Any) -> str:
    """describe, with a tuple's length (where a tuple of results was expected)."""
    if type(value) is tuple:
        return f"a tuple of {len(value)} items"
    return describe(value)


def _failure_text(failure: WorkerFailure) -> str:
    if failure.kind == "exception":
        return "your code raised an exception:\n" + failure.message
    return failure.message


# ----------------------------------------------------------------- registry of checks


@dataclass(frozen=True)
class Check:
    task_id: str
    parts: dict[str, float]
    run: Callable[[TaskRun], None]
    # Reference functions the student's module may call instead of its own siblings,
    # e.g. {"layers.affine_forward": ref.affine_forward} for the net's loss.
    proxies: Callable[[], dict[str, Callable[..., Any]]] | None = None
    # What honest code may spend on this task, in seconds: its share of the module's budget.
    seconds: float = 1.0


CHECKS: dict[str, Check] = {}
__all__ = [
    "CHECKS", "BackwardCase", "CheckAbort", "Section", "Slot", "TaskRun", "check", "load_checks"
]
CHECK_MODULES = (
    "layers",
    "normalization",
    "initializers",
    "optim",
    "classifiers",
    "solver",
    "preprocessing",
    "tuning",
)


def check(
    task_id: str,
    proxies: Callable[[], dict[str, Callable[..., Any]]] | None = None,
    seconds: float = 1.0,
) -> Callable[[Callable[[TaskRun], None]], Callable[[TaskRun], None]]:
    """Register the hidden check of one task; its parts are those ``parts.PARTS`` describes.

    ``seconds``: what honest code may need for it (a training run needs more than the
    default second), added to the time budget of the task's module.
    """

    def register(fn: Callable[[TaskRun], None]) -> Callable[[TaskRun], None]:
        if task_id in CHECKS:
            raise ValueError(f"two checks for {task_id}")
        CHECKS[task_id] = Check(task_id, weights(task_id), fn, proxies, seconds)
        return fn

    return register


def load_checks() -> dict[str, Check]:
    for name in CHECK_MODULES:
        try:
            importlib.import_module(f"autograder.checks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"autograder.checks.{name}":
                raise
    return CHECKS
