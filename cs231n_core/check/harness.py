"""The machinery of the self-check: one task's Trial, its scored parts, their report.

A case (in ``cases/<module>.py``) calls the student's functions through a Trial
and scores each result under one of the task's parts as ``parts.PARTS`` describes
them, the same parts the graded check scores (``what`` says which aspect of the
part a line checks, ``mode`` in which mode). Two lines are not parts of any task:
"no warnings" and "inputs unchanged" point at habits that make code fragile.

Provided whole: use it, do not edit it.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from cs231n_core.check.diagnoses import PREFIX, diagnose
from cs231n_core.check.diagnoses.rules import Outcome, Seen
from cs231n_core.check.parts import FLOAT32_TOL, GRAD_TOL, PARTS, PUBLIC_TOL
from cs231n_core.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)

PACKAGE = __name__.split(".", 1)[0]
PACKAGE_DIR = Path(__file__).resolve().parents[1]
DATA_FILE = PACKAGE_DIR / "public_expected.npz"
TASKS_KEY = "_tasks"  # data file keys _tasks/id, _tasks/points, _tasks/notebook

TOL = PUBLIC_TOL
TOL32 = FLOAT32_TOL
NOISE = 1e-9  # centered differences of an O(1) loss cannot resolve gradients below this

ModuleLoader = Callable[[str], ModuleType]


# ====================================================================== results


@dataclass
class PartResult:
    """One checked part of a task: a returned array, a gradient, a statistic, a property."""

    name: str  # the part, then what of it this line checks and in which mode
    status: str  # "pass", "fail" or "skip"
    detail: str = ""
    part: str | None = None  # a part of parts.PARTS[task id]; None for the two habits
    mode: str = ""
    tol: float | None = None  # the tolerance this line was held to, if any

    def line(self) -> str:
        text = f"{self.name}: {self.detail}" if self.detail else self.name
        return f"{text} {self.status.upper()}"


@dataclass
class CheckResult:
    """The outcome of one task's public check.

    status is "pass", "fail", "not implemented" or "error"; ``passed`` is True
    only for "pass". ``message`` explains a task that stopped early (not
    implemented, an exception, an unusable return value).
    """

    task_id: str
    status: str
    parts: list[PartResult] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    mistake: str = ""  # the likely mistake its failures point at ("" when none is known)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def label(self) -> str:
        return {"pass": "PASS", "error": "ERROR"}.get(self.status, "FAIL")

    def headline(self) -> str:
        """One line for the table: what failed first, or how many parts passed."""
        if self.status == "pass":
            checked = sum(p.status == "pass" for p in self.parts)
            return f"{checked}/{len(self.parts)} parts" + (
                f" ({len(self.parts) - checked} skipped)" if checked < len(self.parts) else ""
            )
        if self.status == "not implemented":
            needs = re.search(r"needs (\S+), which", self.message)
            return "not implemented yet" + (f" (needs {needs.group(1)})" if needs else "")
        if self.message and self.status != "fail":
            return " ".join(ln.strip() for ln in self.message.splitlines()[:3])
        failed = [p for p in self.parts if p.status == "fail"]
        if failed:
            return f"{failed[0].name}: {failed[0].detail}"
        return self.message.splitlines()[0] if self.message else "no part was checked"

    def report(self) -> str:
        """The printed block: the task, each part with its error and range, the verdict."""
        lines = [f"{self.task_id}: {self.label}"]
        lines += [f"  {p.line()}" for p in self.parts]
        if self.message:
            lines += [f"  {ln}" for ln in self.message.splitlines()]
        if self.mistake:
            lines.append(f"  {PREFIX}{self.mistake}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def _ipython_display_(self) -> None:
        # check_task has printed the report already; echoing it again (or a repr,
        # which nbgrader would try to read as a partial score) adds nothing.
        return None


class CheckResults(list):
    """The results of check(): a plain list that a notebook does not echo."""

    def _ipython_display_(self) -> None:
        return None


class CheckFailed(AssertionError):
    """Raised by check_task when a task does not pass (the report is printed above it)."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(f"{result.task_id} did not pass its public check ({result.headline()})")


class CheckAbort(Exception):
    """Stops a task's check early, e.g. when a function returns something unusable."""


class _DataError(Exception):
    """The data file has no stored answer that this version of the checks needs."""


@dataclass(frozen=True)
class ForwardStatus:
    """How a forward output compares with its stored answer (see Trial.forward_check).

    correct: the values are right (to float32 precision at least); skip: why a
    numerical gradient of this forward cannot be trusted (None when it can).
    """

    correct: bool
    skip: str | None


# ====================================================================== formatting


def _e(x: float) -> str:
    """A relative error in short scientific notation: 2.1e-11."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{x:.1e}").replace("e+", "e")


def _tol(x: float) -> str:
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{x:.0e}").replace("e+", "e")


def _g(x: float) -> str:
    return f"{x:.4g}"


def _describe(value: Any) -> str:
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"a {type(value).__name__} (a subclass of numpy.ndarray; return a plain array)"
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} items"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    return f"a value of type {type(value).__name__}"


def _is_number(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating))


def _array_problem(got: Any, want: np.ndarray, exact_dtype: bool = False) -> str | None:
    """Why ``got`` cannot be compared with the answer ``want`` (None if it can).

    A float32 answer where float64 is expected is accepted (to a looser
    tolerance, see _limit), as the graded checks accept it, unless exact_dtype.
    """
    if type(got) is not np.ndarray:
        return f"expected a numpy array, got {_describe(got)}"
    if got.shape != want.shape:
        return f"shape {got.shape}, expected {want.shape}"
    if want.dtype.kind == "f":
        loose = want.dtype == np.float64 and not exact_dtype
        allowed = {want.dtype} | ({np.dtype(np.float32)} if loose else set())
        if got.dtype not in allowed:
            return f"dtype {got.dtype}, expected {want.dtype}"
        if not np.all(np.isfinite(got)):
            return "contains NaN or inf"
    return None


def _limit(got: np.ndarray, tol: float) -> tuple[float, str]:
    """The tolerance for got (float32 work is held to TOL32) and a word on why."""
    if got.dtype == np.float32 and tol < TOL32:
        return TOL32, "float32 result; "
    return tol, ""


def _values(got: np.ndarray, want: np.ndarray) -> str:
    """The entry furthest from the answer, with both values (the public inputs are no secret)."""
    if not want.size:
        return ""
    where = np.unravel_index(int(np.argmax(np.abs(got - want))), want.shape)
    index = ", ".join(str(int(i)) for i in where)
    got_at, want_at = _g(float(got[where])), _g(float(want[where]))
    return f"; furthest entry [{index}]: got {got_at}, expected {want_at}"


def _error_detail(err: float, limit: float, why: str = "", worst: str = "") -> str:
    where = f"worst: {worst}; " if worst else ""
    return f"relative error {_e(err)} ({where}{why}should be below {_tol(limit)})"


# ====================================================================== one task's check


@dataclass(frozen=True)
class Line:
    """A scored line: a part of the task, what aspect of it, in which mode."""

    part: str
    what: str = ""
    mode: str = ""

    @property
    def name(self) -> str:
        extra = ", ".join(x for x in (self.what, f"{self.mode} mode" if self.mode else "") if x)
        return f"{self.part} ({extra})" if extra else self.part


class Trial:
    """What a case uses to call code and score parts.

    In record mode (used by the course's builder against the reference) the
    answers are stored instead of compared.
    """

    def __init__(
        self,
        task_id: str,
        modules: ModuleLoader,
        expected: Mapping[str, np.ndarray],
        record: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.task_id = task_id
        self._modules = modules
        self._expected = expected
        self._record = record
        self.parts: list[PartResult] = []
        self._modified_reported = False
        # The arguments of the latest call of the task's own function, and each failed
        # part's first failure: what the diagnoses read.
        self._last_call: tuple[tuple[Any, ...], dict[str, Any]] = ((), {})
        self._seen: dict[str, Seen] = {}

    # ------------------------------------------------------------ plumbing

    def mod(self, name: str) -> ModuleType:
        """The implementation of one module (yours, or the reference when recording)."""
        return self._modules(name)

    @property
    def recording(self) -> bool:
        return self._record is not None

    def _key(self, part: str) -> str:
        return f"{self.task_id}/{part}"

    def _store(self, key: str, value: Any) -> None:
        assert self._record is not None
        if key in self._record:
            raise RuntimeError(f"two answers stored under {key!r}")
        self._record[key] = np.array(value)

    def _answer(self, key: str) -> np.ndarray:
        if self._record is not None:
            return self._record[key]
        try:
            return self._expected[key]
        except KeyError:
            raise _DataError(key) from None

    def _answer_names(self, key: str) -> list[str]:
        source = self._record if self._record is not None else self._expected
        prefix = key + "/"
        names = [k[len(prefix) :] for k in source if k.startswith(prefix)]
        if not names:
            raise _DataError(key)
        return names

    def stored_line(self, part: str, what: str, mode: str) -> tuple[Line, str]:
        """A scored line and the key of its stored answer in the data file."""
        line = self.line(part, what, mode)
        return line, self._key(line.name)

    def line(self, part: str, what: str = "", mode: str = "") -> Line:
        """What a scored line checks: a part of this task (see parts.py), an aspect, a mode."""
        declared = PARTS.get(self.task_id, {})
        if part not in declared:
            raise KeyError(f"{self.task_id}: {part!r} is not one of its parts {list(declared)}")
        modes = declared[part].modes
        if modes and mode not in modes:
            raise KeyError(
                f"{self.task_id}: part {part!r} is checked in mode {modes}, not {mode!r}"
            )
        return Line(part, what, mode)

    def _part(
        self, line: Line, passed: bool, detail: str = "", tol: float | None = None,
        got: Any = None, want: Any = None,
    ) -> bool:
        status = "pass" if passed else "fail"
        self.parts.append(PartResult(line.name, status, detail, line.part, line.mode, tol))
        if not passed and line.part not in self._seen:
            self._seen[line.part] = Seen(detail, got, want, *self._last_call)
        return passed

    def mistake(self, abort: str | None) -> str:
        """The likely mistake the failed parts point at ("" when no rule matches)."""
        failed = {p.part for p in self.parts if p.part and p.status == "fail"}
        passed = {p.part for p in self.parts if p.part and p.status == "pass"} - failed
        outcome = Outcome(
            {k: v for k, v in self._seen.items() if k in failed}, frozenset(passed), abort
        )
        return diagnose(self.task_id, outcome) or ""

    def _habit(self, name: str, detail: str) -> None:
        """A failed habit ("inputs unchanged", "no warnings"): not a part, but it fails the task."""
        self.parts.append(PartResult(name, "fail", detail))

    def skip(self, part: str, reason: str, *, what: str = "", mode: str = "") -> None:
        """A part that cannot be checked yet (it needs something else to work first)."""
        line = self.line(part, what, mode)
        self.parts.append(PartResult(line.name, "skip", reason, line.part, line.mode))

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call fn; a failing part "inputs unchanged" notes any array argument it modified."""
        watched: list[tuple[str, np.ndarray, np.ndarray]] = []
        try:
            names = list(inspect.signature(fn).bind(*args, **kwargs).arguments)
        except (TypeError, ValueError):
            names = [f"#{i + 1}" for i in range(len(args))] + list(kwargs)
        for name, value in zip(names, [*args, *kwargs.values()]):
            if type(value) is np.ndarray:
                watched.append((name, value, value.copy()))
            elif isinstance(value, (list, tuple)):
                watched += [
                    (f"{name}[{i}]", v, v.copy())
                    for i, v in enumerate(value)
                    if type(v) is np.ndarray
                ]
        if getattr(fn, "__name__", None) == self.task_id.rsplit(".", 1)[1]:
            try:
                self._last_call = copy.deepcopy((args, kwargs))
            except Exception:  # an argument that cannot be copied: the diagnoses do without
                self._last_call = ((), {})
        result = fn(*args, **kwargs)
        for name, value, before in watched:
            if not self._modified_reported and not np.array_equal(value, before, equal_nan=True):
                self._modified_reported = True
                fname = getattr(fn, "__name__", "your function")
                self._habit(
                    "inputs unchanged",
                    f"{fname} modified its argument {name} in place; work on a copy",
                )
        return result

    def called_with(self, *args: Any, **kwargs: Any) -> None:
        """The arguments of the task's function behind the parts scored next, for a case
        that calls it through a wrapper (the diagnoses read them)."""
        self._last_call = copy.deepcopy((args, kwargs))

    def dependency(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a function of another task (e.g. the forward pass a backward check needs);
        its warnings are reported by that task's own check, not here."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.call(fn, *args, **kwargs)

    def unpack(self, value: Any, count: int, what: str) -> tuple:
        """value as a tuple of ``count`` items, or stop the check with a clear message."""
        if type(value) is not tuple or len(value) != count:
            raise CheckAbort(
                f"{what} should return a tuple of {count} items, got {_describe(value)}"
            )
        return value

    # ------------------------------------------------------------ scored parts

    def close(
        self, part: str, got: Any, want: np.ndarray,
        tol: float = TOL, note: str = "", exact_dtype: bool = False,
        *, what: str = "", mode: str = ""
    ) -> bool:
        """Score got against a known answer by its relative error."""
        line = self.line(part, what, mode)
        problem = _array_problem(got, want, exact_dtype)
        if problem:
            return self._part(line, False, problem + note, None, got, want)
        err = rel_error(got, want) if want.size else 0.0
        limit, why = _limit(got, tol)
        ok = err < limit
        detail = _error_detail(err, limit, why) + ("" if ok else _values(got, want) + note)
        return self._part(line, ok, detail, limit, got, want)

    def expect(
        self, part: str, got: Any, tol: float = TOL, note: str = "", exact_dtype: bool = False,
        *, what: str = "", mode: str = ""
    ) -> bool:
        """Score an array against the stored answer of this part (exact_dtype: a documented
        dtype, e.g. of float64 statistics, must be matched exactly)."""
        line, key = self.stored_line(part, what, mode)
        if self.recording:
            if type(got) is not np.ndarray:
                return self._part(line, False, f"the reference returned {_describe(got)}")
            self._store(key, got)
        return self.close(
            part, got, self._answer(key), tol, note, exact_dtype, what=what, mode=mode
        )

    def expect_number(
        self, part: str, got: Any, tol: float = TOL, note: str = "",
        *, what: str = "", mode: str = ""
    ) -> bool:
        """Score a number (a Python or numpy scalar) against the stored answer."""
        line, key = self.stored_line(part, what, mode)
        if not _is_number(got):
            return self._part(line, False, f"expected a number, got {_describe(got)}")
        if self.recording:
            self._store(key, float(got))
        want = float(self._answer(key))
        value = float(got)
        if not math.isfinite(value):
            return self._part(line, False, f"is {value}" + note, None, value, want)
        err = rel_error(value, want)
        ok = err < tol
        return self._part(
            line,
            ok,
            f"relative error {_e(err)} (should be below {_tol(tol)})"
            + ("" if ok else f"; got {_g(value)}, expected {_g(want)}{note}"),
            tol,
            value,
            want,
        )

    def expect_all(
        self, part: str, got: Any, tol: float = TOL, note: str = "", item: str = "",
        *, what: str = "", mode: str = ""
    ) -> bool:
        """Score a dict (or list) of arrays against stored answers; report the worst entry."""
        line, key = self.stored_line(part, what, mode)
        if isinstance(got, (list, tuple)):
            items = {f"{item}{i + 1}": v for i, v in enumerate(got)}
        elif isinstance(got, dict):
            items = {str(k): v for k, v in got.items()}
        else:
            return self._part(
                line, False, f"expected a dict or list of arrays, got {_describe(got)}"
            )
        if self.recording:
            for name, value in items.items():
                self._store(f"{key}/{name}", value)
        names = self._answer_names(key)
        missing = [n for n in names if n not in items]
        extra = [n for n in items if n not in names]
        if missing or extra:
            wrong = [f"missing {', '.join(missing)}"] if missing else []
            wrong += [f"unexpected {', '.join(extra)}"] if extra else []
            return self._part(line, False, "; ".join(wrong) + note)
        worst: tuple[float, float, float, str, str] = (-1.0, 0.0, tol, "", "")
        for name in names:
            want = self._answer(f"{key}/{name}")
            problem = _array_problem(items[name], want)
            if problem:
                return self._part(line, False, f"{name}: {problem}" + note)
            err = rel_error(items[name], want) if want.size else 0.0
            limit, why = _limit(items[name], tol)
            if err / limit >= worst[0]:
                worst = (err / limit, err, limit, why, name)
        _, err, limit, why, name = worst
        ok = err < limit
        shown = "" if ok else _values(items[name], self._answer(f"{key}/{name}")) + note
        return self._part(line, ok, _error_detail(err, limit, why, name) + shown, limit)

    def record_extra(self, part: str, value: Any) -> None:
        """In record mode, store a value a later check needs (e.g. a documented cache)."""
        if self._record is not None:
            self._store(self._key(part), value)

    def answer(self, part: str) -> np.ndarray:
        """A copy of the stored answer of a part (e.g. a forward output a backward pass needs)."""
        return np.array(self._answer(self._key(part)))

    def forward_check(self, part: str, got: Any, forward: str) -> ForwardStatus:
        """Compare a forward output with its stored answer without scoring it.

        Backward checks use it: their numerical gradients need a correct float64
        forward, and their failures may come from the forward's cache.
        """
        key = self._key(part)
        if self._record is not None and type(got) is np.ndarray and key not in self._record:
            self._store(key, got)
        want = self._answer(key)
        if _array_problem(got, want) is None:
            err = rel_error(got, want) if want.size else 0.0
            if got.dtype == want.dtype and err < TOL:
                return ForwardStatus(True, None)
            if err < TOL32:
                return ForwardStatus(
                    True, f"skipped: your {forward} computes in float32, too coarse for this"
                )
        return ForwardStatus(
            False, f"skipped: your {forward} does not give the expected output yet (see its check)"
        )

    def numerical(
        self,
        part: str,
        analytic: Any,
        f: Callable[[np.ndarray], Any],
        x: np.ndarray,
        dout: np.ndarray | None = None,
        tol: float = GRAD_TOL,
        skip: str | None = None,
        note: str = "",
        *,
        what: str = "vs numerical gradient",
        mode: str = "",
    ) -> bool | None:
        """Compare an analytic gradient with centered differences of f at x.

        With dout, f is array-valued and the gradient is that of sum(f(x) * dout);
        without, f returns a number.
        """
        line = self.line(part, what, mode)
        if skip:
            self.skip(part, skip, what=what, mode=mode)
            return None
        if type(analytic) is not np.ndarray or analytic.shape != x.shape:
            return self._part(
                line, False, f"expected an array of shape {x.shape}, got {_describe(analytic)}"
            )
        if analytic.dtype.kind != "f" or not np.all(np.isfinite(analytic)):
            return self._part(line, False, f"got {_describe(analytic)} with NaN, inf or no floats")
        point = np.array(x, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the forward's warnings belong to its own check
            if dout is None:
                numeric = eval_numerical_gradient(f, point, verbose=False)
            else:
                numeric = eval_numerical_gradient_array(f, point, dout)
        err = rel_error(numeric, analytic)
        limit, why = _limit(analytic, tol)
        ok = err < limit
        detail = _error_detail(err, limit, why) + ("" if ok else note)
        return self._part(line, ok, detail, limit, analytic, numeric)

    def within(
        self,
        part: str,
        label: str,
        value: float,
        lo: float,
        hi: float,
        *,
        what: str = "",
        mode: str = "",
    ) -> bool:
        """Score a statistic by the range it should fall in."""
        line = self.line(part, what, mode)
        ok = bool(math.isfinite(value) and lo <= value <= hi)
        return self._part(
            line, ok, f"{label} {_g(value)} (should be between {_g(lo)} and {_g(hi)})"
        )

    def holds(
        self,
        part: str,
        condition: Any,
        failure: str,
        success: str = "",
        *,
        what: str = "",
        mode: str = "",
    ) -> bool:
        """Score a property: success detail when it holds, the failure's reason when not."""
        line = self.line(part, what, mode)
        ok = bool(condition)
        return self._part(line, ok, success if ok else failure)

    def raises(
        self,
        part: str,
        error: type[BaseException],
        fn: Callable[..., Any],
        *args: Any,
        what: str = "",
        mode: str = "",
    ) -> bool:
        """Score that fn(*args) raises ``error``."""
        line = self.line(part, what, mode)
        try:
            fn(*args)
        except NotImplementedError:
            raise
        except error:
            return self._part(line, True)
        except Exception as exc:  # any other exception is this part's failure
            return self._part(
                line, False, f"raised {type(exc).__name__} instead of {error.__name__}"
            )
        return self._part(line, False, f"did not raise {error.__name__}")


def _task_named(exc: BaseException) -> str:
    """The task id a NotImplementedError names (a stub raises NotImplementedError(<task id>))."""
    return str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else ""


def _needs(trial: Trial, exc: NotImplementedError) -> str | None:
    """For a NotImplementedError of another task: the reason to skip a part that needs it."""
    other = _task_named(exc)
    if other and other != trial.task_id and "." in other:
        return f"needs {other}, which is not implemented yet"
    return None


# ====================================================================== cases

CASES: dict[str, Callable[[Trial], None]] = {}


def case(task_id: str) -> Callable[[Callable[[Trial], None]], Callable[[Trial], None]]:
    """Register the public check of one task (one per task of the course)."""

    def register(fn: Callable[[Trial], None]) -> Callable[[Trial], None]:
        if task_id in CASES:
            raise ValueError(f"two public checks for {task_id}")
        CASES[task_id] = fn
        return fn

    return register
