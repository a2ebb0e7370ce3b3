"""Public self-checks: test your code on fixed inputs, from a notebook or from a shell.

From a notebook::

    from cs231n_core.check import check, check_task
    check_task("layers.affine_backward")   # one task: prints one block, raises if it fails
    check("batchnorm")                      # every task whose id contains "batchnorm"

From a shell (in the folder that holds ``cs231n_core/``)::

    python -m cs231n_core.check              # every task
    python -m cs231n_core.check layers       # the tasks of one module
    python -m cs231n_core.check -v batchnorm # with every part of every task
    python -m cs231n_core.check --list       # the task ids

Each check calls your functions on fixed inputs and compares what they return
with stored answers (``public_expected.npz``) and, for backward passes, with
centered-difference gradients of your own forward pass, as the CS231n notebooks
do. Every line shows the measured relative error next to the range it should be
in. Randomised functions (initialisers, dropout) are checked statistically.

A pass here is a good sign, not a grade: the graded checks use other inputs.
The checks always read your files as they are on disk, so an edit takes effect
without restarting the kernel.

Provided whole: use it, do not edit it.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.abc
import importlib.util
import inspect
import linecache
import math
import re
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from cs231n_core.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    rel_error,
)

PACKAGE = __package__ or "cs231n_core"
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_FILE = PACKAGE_DIR / "public_expected.npz"
TASKS_KEY = "_tasks"  # data file keys _tasks/id, _tasks/points, _tasks/notebook

TOL = 1e-7  # relative error against a stored float64 answer
GRAD_TOL = 1e-7  # relative error against a numerical gradient
TOL32 = 1e-4  # relative error of float32 work
NOISE = 1e-9  # centered differences of an O(1) loss cannot resolve gradients below this

ModuleLoader = Callable[[str], ModuleType]

__all__ = ["CheckFailed", "CheckResult", "PartResult", "check", "check_task", "main", "task_ids"]


# ====================================================================== results


@dataclass
class PartResult:
    """One checked part of a task: a returned array, a gradient, a statistic, a property."""

    name: str
    status: str  # "pass", "fail" or "skip"
    detail: str = ""

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


# ====================================================================== task list


def _load_data(path: Path = DATA_FILE) -> dict[str, np.ndarray]:
    if not path.exists():
        raise FileNotFoundError(
            f"{path.name} is missing next to check.py: restore cs231n_core/{path.name} from the "
            "assignment release"
        )
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


_DATA_CACHE: dict[str, Any] = {}


def _data() -> dict[str, np.ndarray]:
    stamp = DATA_FILE.stat().st_mtime_ns if DATA_FILE.exists() else None
    if _DATA_CACHE.get("stamp") != stamp or "data" not in _DATA_CACHE:
        _DATA_CACHE["data"] = _load_data()
        _DATA_CACHE["stamp"] = stamp
    return _DATA_CACHE["data"]


@dataclass(frozen=True)
class TaskInfo:
    id: str
    points: float
    notebook: str

    @property
    def module(self) -> str:
        return self.id.split(".", 1)[0]


def tasks(data: Mapping[str, np.ndarray] | None = None) -> list[TaskInfo]:
    """The course's tasks in order (written into the data file from the task registry)."""
    data = _data() if data is None else data
    ids = data[f"{TASKS_KEY}/id"]
    points = data[f"{TASKS_KEY}/points"]
    notebooks = data[f"{TASKS_KEY}/notebook"]
    return [TaskInfo(str(i), float(p), str(n)) for i, p, n in zip(ids, points, notebooks)]


def task_ids() -> list[str]:
    """Every task id, in the order of the course."""
    return [t.id for t in tasks()]


def select(pattern: str, ids: Sequence[str] | None = None) -> list[str]:
    """Task ids matching ``pattern``: all for "", else the id itself or its prefix
    (``layers``, ``solver.Solver``), else every id containing it (``batchnorm``)."""
    ids = task_ids() if ids is None else list(ids)
    if not pattern:
        return ids
    exact = [i for i in ids if i == pattern or i.startswith(pattern + ".")]
    return exact or [i for i in ids if pattern in i]


def _no_match_message(pattern: str, ids: Sequence[str]) -> str:
    close = difflib.get_close_matches(pattern, ids, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (
        f"no task matches {pattern!r}{hint}; run `python -m cs231n_core.check --list` "
        "to see the task ids"
    )


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


def _error_detail(err: float, limit: float, why: str = "", worst: str = "") -> str:
    where = f"worst: {worst}; " if worst else ""
    return f"relative error {_e(err)} ({where}{why}should be below {_tol(limit)})"


# ====================================================================== one task's check


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

    def _part(self, name: str, passed: bool, detail: str = "") -> bool:
        self.parts.append(PartResult(name, "pass" if passed else "fail", detail))
        return passed

    def skip(self, name: str, reason: str) -> None:
        """A part that cannot be checked yet (it needs something else to work first)."""
        self.parts.append(PartResult(name, "skip", reason))

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
        result = fn(*args, **kwargs)
        for name, value, before in watched:
            if not self._modified_reported and not np.array_equal(value, before, equal_nan=True):
                self._modified_reported = True
                fname = getattr(fn, "__name__", "your function")
                self._part(
                    "inputs unchanged",
                    False,
                    f"{fname} modified its argument {name} in place; work on a copy",
                )
        return result

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
        self,
        part: str,
        got: Any,
        want: np.ndarray,
        tol: float = TOL,
        note: str = "",
        exact_dtype: bool = False,
    ) -> bool:
        """Score got against a known answer by its relative error."""
        problem = _array_problem(got, want, exact_dtype)
        if problem:
            return self._part(part, False, problem + note)
        err = rel_error(got, want) if want.size else 0.0
        limit, why = _limit(got, tol)
        ok = err < limit
        return self._part(part, ok, _error_detail(err, limit, why) + ("" if ok else note))

    def expect(
        self, part: str, got: Any, tol: float = TOL, note: str = "", exact_dtype: bool = False
    ) -> bool:
        """Score an array against the stored answer of this part (exact_dtype: a documented
        dtype, e.g. of float64 statistics, must be matched exactly)."""
        key = self._key(part)
        if self.recording:
            if type(got) is not np.ndarray:
                return self._part(part, False, f"the reference returned {_describe(got)}")
            self._store(key, got)
        return self.close(part, got, self._answer(key), tol, note, exact_dtype)

    def expect_number(self, part: str, got: Any, tol: float = TOL, note: str = "") -> bool:
        """Score a number (a Python or numpy scalar) against the stored answer."""
        key = self._key(part)
        if not _is_number(got):
            return self._part(part, False, f"expected a number, got {_describe(got)}")
        if self.recording:
            self._store(key, float(got))
        want = float(self._answer(key))
        value = float(got)
        if not math.isfinite(value):
            return self._part(part, False, f"is {value}" + note)
        err = rel_error(value, want)
        ok = err < tol
        return self._part(
            part,
            ok,
            f"relative error {_e(err)} (should be below {_tol(tol)})" + ("" if ok else note),
        )

    def expect_all(
        self, part: str, got: Any, tol: float = TOL, note: str = "", item: str = ""
    ) -> bool:
        """Score a dict (or list) of arrays against stored answers; report the worst entry."""
        key = self._key(part)
        if isinstance(got, (list, tuple)):
            items = {f"{item}{i + 1}": v for i, v in enumerate(got)}
        elif isinstance(got, dict):
            items = {str(k): v for k, v in got.items()}
        else:
            return self._part(
                part, False, f"expected a dict or list of arrays, got {_describe(got)}"
            )
        if self.recording:
            for name, value in items.items():
                self._store(f"{key}/{name}", value)
        names = self._answer_names(key)
        missing = [n for n in names if n not in items]
        extra = [n for n in items if n not in names]
        if missing or extra:
            what = [f"missing {', '.join(missing)}"] if missing else []
            what += [f"unexpected {', '.join(extra)}"] if extra else []
            return self._part(part, False, "; ".join(what) + note)
        worst: tuple[float, float, float, str, str] = (-1.0, 0.0, tol, "", "")
        for name in names:
            want = self._answer(f"{key}/{name}")
            problem = _array_problem(items[name], want)
            if problem:
                return self._part(part, False, f"{name}: {problem}" + note)
            err = rel_error(items[name], want) if want.size else 0.0
            limit, why = _limit(items[name], tol)
            if err / limit >= worst[0]:
                worst = (err / limit, err, limit, why, name)
        _, err, limit, why, name = worst
        ok = err < limit
        return self._part(part, ok, _error_detail(err, limit, why, name) + ("" if ok else note))

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

    def best_of(self, *attempts: Callable[[], None]) -> None:
        """Run alternative ways of checking the same parts; keep the one that passes most.

        A backward pass is scored with the cache of your own forward pass and, if
        that falls short, with the cache its docstring describes: a bug in the
        forward pass then costs nothing here, and a cache of your own design is fine.
        """
        best: tuple[int, list[PartResult], BaseException | None] | None = None
        for attempt in attempts[:1] if self.recording else attempts:
            saved, self.parts = self.parts, []
            error: BaseException | None = None
            try:
                attempt()
            except NotImplementedError:
                self.parts = saved
                raise
            except (CheckAbort, Exception) as exc:  # this attempt failed; maybe another passes
                error = exc
            parts, self.parts = self.parts, saved
            score = sum(p.status == "pass" for p in parts) - len(parts) - (error is not None)
            if best is None or score > best[0]:
                best = (score, parts, error)
            if score == 0:
                break
        assert best is not None
        self.parts.extend(best[1])
        if best[2] is not None:
            raise best[2]

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
    ) -> bool | None:
        """Compare an analytic gradient with centered differences of f at x.

        With dout, f is array-valued and the gradient is that of sum(f(x) * dout);
        without, f returns a number.
        """
        if skip:
            self.skip(part, skip)
            return None
        if type(analytic) is not np.ndarray or analytic.shape != x.shape:
            return self._part(
                part, False, f"expected an array of shape {x.shape}, got {_describe(analytic)}"
            )
        if analytic.dtype.kind != "f" or not np.all(np.isfinite(analytic)):
            return self._part(part, False, f"got {_describe(analytic)} with NaN, inf or no floats")
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
        return self._part(part, ok, _error_detail(err, limit, why) + ("" if ok else note))

    def within(self, part: str, label: str, value: float, lo: float, hi: float) -> bool:
        """Score a statistic by the range it should fall in."""
        ok = bool(math.isfinite(value) and lo <= value <= hi)
        return self._part(
            part, ok, f"{label} {_g(value)} (should be between {_g(lo)} and {_g(hi)})"
        )

    def holds(self, part: str, condition: Any, failure: str, success: str = "") -> bool:
        """Score a property: success detail when it holds, the failure's reason when not."""
        ok = bool(condition)
        return self._part(part, ok, success if ok else failure)

    def raises(
        self, part: str, error: type[BaseException], fn: Callable[..., Any], *args: Any
    ) -> bool:
        """Score that fn(*args) raises ``error``."""
        try:
            fn(*args)
        except NotImplementedError:
            raise
        except error:
            return self._part(part, True)
        except Exception as exc:  # any other exception is this part's failure
            return self._part(
                part, False, f"raised {type(exc).__name__} instead of {error.__name__}"
            )
        return self._part(part, False, f"did not raise {error.__name__}")


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


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _magnitudes(
    rng: np.random.Generator, shape: tuple[int, ...], lo: float, hi: float
) -> np.ndarray:
    """Entries of magnitude in [lo, hi] with random signs."""
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries of magnitude in [0.1, 1] with random signs: no kink of relu & co nearby."""
    return _magnitudes(rng, shape, 0.1, 1.0)


def _forward_note(forward: str) -> str:
    return f"skipped: your {forward} does not give the expected output yet (see its own check)"


# ---------------------------------------------------------------------- layers


@case("layers.affine_forward")
def _affine_forward(t: Trial) -> None:
    layers = t.mod("layers")
    rng = _rng(1001)
    x = rng.standard_normal((4, 2, 3))
    w = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    out, _ = t.unpack(t.call(layers.affine_forward, x, w, b), 2, "affine_forward")
    t.expect("out", out)


@case("layers.affine_backward")
def _affine_backward(t: Trial) -> None:
    layers = t.mod("layers")
    rng = _rng(1002)
    x = rng.standard_normal((5, 2, 3))
    w = rng.standard_normal((6, 4))
    b = rng.standard_normal(4)
    dout = rng.standard_normal((5, 4))
    fwd = layers.affine_forward
    out, cache = t.unpack(t.dependency(fwd, x, w, b), 2, "affine_forward")
    status = t.forward_check("forward out", out, "layers.affine_forward")
    _scored_backward(
        t,
        layers.affine_backward,
        dout,
        cache,
        ["dx", "dw", "db"],
        status,
        "layers.affine_forward",
        documented=lambda: (x, w, b),
    )
    if status.skip:
        for name in ("dx", "dw", "db"):
            t.skip(f"{name} vs numerical gradient", status.skip)
        return
    _, cache = t.dependency(fwd, x, w, b)
    dx, dw, db = t.unpack(t.call(layers.affine_backward, dout, cache), 3, "affine_backward")
    t.numerical("dx vs numerical gradient", dx, lambda v: fwd(v, w, b)[0], x, dout)
    t.numerical("dw vs numerical gradient", dw, lambda v: fwd(x, v, b)[0], w, dout)
    t.numerical("db vs numerical gradient", db, lambda v: fwd(x, w, v)[0], b, dout)


def _scored_backward(
    t: Trial,
    backward: Callable[..., Any],
    dout: np.ndarray,
    cache: Any,
    names: Sequence[str],
    status: ForwardStatus,
    forward: str,
    documented: Callable[[], Any] | None = None,
    suffix: str = "",
) -> None:
    """Score a backward pass against stored answers: with the cache of your forward pass
    and, if that falls short, with the cache its docstring describes (when it fixes one)."""
    own_note = "" if status.correct else f" (from the cache of your {forward}, which fails)"

    def score(c: Any, note: str) -> None:
        grads = t.call(backward, dout, c)
        if len(names) > 1:
            grads = t.unpack(grads, len(names), backward.__name__)
        else:
            grads = (grads,)
        for name, value in zip(names, grads):
            t.expect(name + suffix, value, note=note)

    attempts = [lambda: score(cache, own_note)]
    if documented is not None:
        attempts.append(
            lambda: score(documented(), " (also with the cache the docstring describes)")
        )
    t.best_of(*attempts)


def _elementwise_forward(t: Trial, name: str, x: np.ndarray, **kwargs: Any) -> None:
    fn = getattr(t.mod("layers"), name)
    out, _ = t.unpack(t.call(fn, x, **kwargs), 2, name)
    t.expect("out", out)
    out32, _ = t.unpack(t.call(fn, x.astype(np.float32), **kwargs), 2, name)
    t.expect("out for float32 input", out32, tol=TOL32)


def _elementwise_backward(
    t: Trial,
    name: str,
    x_stored: np.ndarray,
    x_smooth: np.ndarray,
    seed: int,
    documented: Callable[[np.ndarray], Any],
    **kwargs: Any,
) -> None:
    """A backward pass of an elementwise layer: stored answers on x_stored (which may hold
    kinks such as exact zeros) and a numerical gradient on x_smooth (kink-free).
    documented(x_stored) is the cache the docstring describes."""
    layers = t.mod("layers")
    forward = getattr(layers, f"{name}_forward")
    backward = getattr(layers, f"{name}_backward")
    rng = _rng(seed)
    dout = rng.standard_normal(x_stored.shape)
    out, cache = t.unpack(t.dependency(forward, x_stored, **kwargs), 2, f"{name}_forward")
    status = t.forward_check("forward out", out, f"layers.{name}_forward")
    _scored_backward(
        t,
        backward,
        dout,
        cache,
        ["dx"],
        status,
        f"layers.{name}_forward",
        documented=lambda: documented(x_stored),
    )
    dout = rng.standard_normal(x_smooth.shape)
    out, cache = t.unpack(t.dependency(forward, x_smooth, **kwargs), 2, f"{name}_forward")
    status = t.forward_check("forward out (smooth input)", out, f"layers.{name}_forward")
    dx = t.call(backward, dout, cache) if not status.skip else None
    t.numerical(
        "dx vs numerical gradient",
        dx,
        lambda v: forward(v, **kwargs)[0],
        x_smooth,
        dout,
        skip=status.skip,
    )


def _with_zeros(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    x = rng.standard_normal(shape)
    x[0, :2] = 0.0  # the documented derivative at exactly 0
    return x


@case("layers.relu_forward")
def _relu_forward(t: Trial) -> None:
    _elementwise_forward(t, "relu_forward", _with_zeros(_rng(1003), (4, 5)))


@case("layers.relu_backward")
def _relu_backward(t: Trial) -> None:
    rng = _rng(1004)
    x, smooth = _with_zeros(rng, (4, 5)), _away_from_zero(rng, (3, 6))
    _elementwise_backward(t, "relu", x, smooth, 1104, lambda v: v)


@case("layers.leaky_relu_forward")
def _leaky_relu_forward(t: Trial) -> None:
    x = _with_zeros(_rng(1005), (4, 5))
    _elementwise_forward(t, "leaky_relu_forward", x, negative_slope=0.05)
    out, _ = t.unpack(t.call(t.mod("layers").leaky_relu_forward, x), 2, "leaky_relu_forward")
    t.expect("out with the default negative_slope", out)


@case("layers.leaky_relu_backward")
def _leaky_relu_backward(t: Trial) -> None:
    rng = _rng(1006)
    x, smooth = _with_zeros(rng, (4, 5)), _away_from_zero(rng, (3, 6))
    _elementwise_backward(
        t, "leaky_relu", x, smooth, 1106, lambda v: (v, 0.05), negative_slope=0.05
    )


@case("layers.prelu_forward")
def _prelu_forward(t: Trial) -> None:
    rng = _rng(1007)
    x = _with_zeros(rng, (5, 4))
    alpha = rng.uniform(0.1, 0.4, 4)
    out, _ = t.unpack(t.call(t.mod("layers").prelu_forward, x, alpha), 2, "prelu_forward")
    t.expect("out", out)


@case("layers.prelu_backward")
def _prelu_backward(t: Trial) -> None:
    layers = t.mod("layers")
    fwd = layers.prelu_forward
    rng = _rng(1008)
    alpha = rng.uniform(0.1, 0.4, 4)
    x = _with_zeros(rng, (5, 4))
    dout = rng.standard_normal((5, 4))
    out, cache = t.unpack(t.dependency(fwd, x, alpha), 2, "prelu_forward")
    status = t.forward_check("forward out", out, "layers.prelu_forward")
    _scored_backward(
        t,
        layers.prelu_backward,
        dout,
        cache,
        ["dx", "dalpha"],
        status,
        "layers.prelu_forward",
        documented=lambda: (x, alpha),
    )
    x = _away_from_zero(rng, (6, 4))
    dout = rng.standard_normal((6, 4))
    out, cache = t.unpack(t.dependency(fwd, x, alpha), 2, "prelu_forward")
    status = t.forward_check("forward out (smooth input)", out, "layers.prelu_forward")
    dx = dalpha = None
    if not status.skip:
        dx, dalpha = t.unpack(t.call(layers.prelu_backward, dout, cache), 2, "prelu_backward")
    t.numerical(
        "dx vs numerical gradient", dx, lambda v: fwd(v, alpha)[0], x, dout, skip=status.skip
    )
    t.numerical(
        "dalpha vs numerical gradient",
        dalpha,
        lambda v: fwd(x, v)[0],
        alpha,
        dout,
        skip=status.skip,
    )


def _with_extremes(rng: np.random.Generator, big: float) -> np.ndarray:
    """Random entries plus exact zeros and values of large magnitude (overflow traps)."""
    x = rng.standard_normal((4, 5))
    x[0] = [-big, -30.0, 0.0, 30.0, big]
    return x


@case("layers.elu_forward")
def _elu_forward(t: Trial) -> None:
    x = _with_extremes(_rng(1009), 800.0)
    _elementwise_forward(t, "elu_forward", x, alpha=0.7)
    out, _ = t.unpack(t.call(t.mod("layers").elu_forward, x), 2, "elu_forward")
    t.expect("out with the default alpha", out)


@case("layers.elu_backward")
def _elu_backward(t: Trial) -> None:
    rng = _rng(1010)
    x, smooth = _with_extremes(rng, 800.0), _away_from_zero(rng, (3, 6))
    _elementwise_backward(t, "elu", x, smooth, 1110, lambda v: (v, 0.7), alpha=0.7)


@case("layers.sigmoid_forward")
def _sigmoid_forward(t: Trial) -> None:
    _elementwise_forward(t, "sigmoid_forward", _with_extremes(_rng(1011), 1000.0))


@case("layers.sigmoid_backward")
def _sigmoid_backward(t: Trial) -> None:
    rng = _rng(1012)
    x, smooth = _with_extremes(rng, 1000.0), rng.standard_normal((3, 6))
    # The documented cache is the forward output, taken from the stored answers.
    _elementwise_backward(t, "sigmoid", x, smooth, 1112, lambda v: t.answer("forward out"))


@case("layers.tanh_forward")
def _tanh_forward(t: Trial) -> None:
    _elementwise_forward(t, "tanh_forward", _with_extremes(_rng(1013), 1000.0))


@case("layers.tanh_backward")
def _tanh_backward(t: Trial) -> None:
    rng = _rng(1014)
    x, smooth = _with_extremes(rng, 1000.0), rng.standard_normal((3, 6))
    _elementwise_backward(t, "tanh", x, smooth, 1114, lambda v: t.answer("forward out"))


def _maxout_inputs(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = _rng(seed)
    return (
        rng.standard_normal((4, 3)),
        rng.standard_normal((3, 3, 2)),
        rng.standard_normal((3, 2)),
    )


@case("layers.maxout_forward")
def _maxout_forward(t: Trial) -> None:
    x, w, b = _maxout_inputs(1015)
    out, _ = t.unpack(t.call(t.mod("layers").maxout_forward, x, w, b), 2, "maxout_forward")
    t.expect("out", out)


@case("layers.maxout_backward")
def _maxout_backward(t: Trial) -> None:
    layers = t.mod("layers")
    fwd = layers.maxout_forward
    x, w, b = _maxout_inputs(1016)
    dout = _rng(1116).standard_normal((4, 2))
    tied_w, tied_b = w.copy(), b.copy()
    tied_w[2], tied_b[2] = w[0], b[0]  # pieces 0 and 2 tie: the first one wins
    for suffix, (ww, bb) in (("", (w, b)), (" with tied pieces", (tied_w, tied_b))):
        out, cache = t.unpack(t.dependency(fwd, x, ww, bb), 2, "maxout_forward")
        status = t.forward_check("forward out" + suffix, out, "layers.maxout_forward")
        if t.recording:
            t.record_extra("winner" + suffix, cache[3])  # the reference's documented cache
        _scored_backward(
            t,
            layers.maxout_backward,
            dout,
            cache,
            ["dx", "dw", "db"],
            status,
            "layers.maxout_forward",
            suffix=suffix,
            documented=lambda ww=ww, bb=bb, suffix=suffix: (x, ww, bb, t.answer("winner" + suffix)),
        )
    # These inputs keep every winning piece at least 1e-2 ahead of the others, so the
    # centered differences never cross a kink (the tied inputs are not used here).
    out, cache = t.unpack(t.dependency(fwd, x, w, b), 2, "maxout_forward")
    status = t.forward_check("forward out", out, "layers.maxout_forward")
    grads: Any = (None, None, None)
    if not status.skip:
        grads = t.unpack(t.call(layers.maxout_backward, dout, cache), 3, "maxout_backward")
    dx, dw, db = grads
    t.numerical(
        "dx vs numerical gradient", dx, lambda v: fwd(v, w, b)[0], x, dout, skip=status.skip
    )
    t.numerical(
        "dw vs numerical gradient", dw, lambda v: fwd(x, v, b)[0], w, dout, skip=status.skip
    )
    t.numerical(
        "db vs numerical gradient", db, lambda v: fwd(x, w, v)[0], b, dout, skip=status.skip
    )


def _loss_case(t: Trial, name: str, seed: int) -> None:
    fn = getattr(t.mod("layers"), name)
    rng = _rng(seed)
    x = 1.5 * rng.standard_normal((6, 4))
    y = rng.integers(0, 4, 6)
    loss, dx = t.unpack(t.call(fn, x, y), 2, name)
    t.expect_number("loss", loss)
    t.expect("dx", dx)
    t.numerical("dx vs numerical gradient", dx, lambda v: fn(v, y)[0], x)
    big = 1e4 * rng.standard_normal((3, 5))
    y_big = rng.integers(0, 5, 3)
    loss, dx = t.unpack(t.call(fn, big, y_big), 2, name)
    t.expect_number("loss for scores of magnitude 1e4", loss)
    t.expect("dx for scores of magnitude 1e4", dx)


@case("layers.softmax_loss")
def _softmax_loss(t: Trial) -> None:
    _loss_case(t, "softmax_loss", 1017)


@case("layers.svm_loss")
def _svm_loss(t: Trial) -> None:
    # Every margin of these scores is at least 1e-2 away from 0 (no kink nearby).
    _loss_case(t, "svm_loss", 1018)


@case("layers.dropout_forward")
def _dropout_forward(t: Trial) -> None:
    fwd = t.mod("layers").dropout_forward
    rng = _rng(1019)
    x = 1.0 + rng.standard_normal((400, 500))
    p = 0.3
    out, _ = t.unpack(t.call(fwd, x, {"mode": "test", "p": p}), 2, "dropout_forward")
    t.holds(
        "test mode returns x unchanged",
        type(out) is np.ndarray and np.array_equal(out, x),
        f"got {_describe(out)} that differs from x",
    )
    out, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": p, "seed": 7}), 2, "dropout_forward")
    if type(out) is not np.ndarray or out.shape != x.shape:
        raise CheckAbort(f"train mode should return an array of x's shape, got {_describe(out)}")
    kept = out != 0
    # Expected value p with a standard deviation below 1e-3 over 200,000 units.
    t.within("fraction of units kept", "fraction", float(kept.mean()), p - 0.008, p + 0.008)
    t.close("kept units are x / p", out[kept], x[kept] / p)
    # mean(out) has mean mean(x) and standard deviation about 5e-3 here.
    mean = float(x.mean())
    t.within("mean of the output", "mean", float(out.mean()), mean - 0.04, mean + 0.04)
    again, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": p, "seed": 7}), 2, "dropout_forward")
    t.holds(
        "the same seed gives the same mask",
        type(again) is np.ndarray and np.array_equal(again, out),
        "two calls with seed 7 gave different outputs: draw the mask from "
        "np.random.default_rng(dropout_param['seed'])",
    )
    other, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": p, "seed": 8}), 2, "dropout_forward")
    t.holds(
        "another seed gives another mask",
        type(other) is np.ndarray and not np.array_equal(other, out),
        "seeds 7 and 8 gave the same output",
    )
    out1, _ = t.unpack(t.call(fwd, x, {"mode": "train", "p": 1.0}), 2, "dropout_forward")
    t.holds(
        "p = 1 keeps every unit",
        type(out1) is np.ndarray and np.allclose(out1, x, rtol=1e-12, atol=0),
        "with p = 1 the output should equal x",
    )
    x32 = x[:20].astype(np.float32)
    out32, _ = t.unpack(
        t.call(fwd, x32, {"mode": "train", "p": p, "seed": 3}), 2, "dropout_forward"
    )
    t.holds(
        "float32 input gives float32 output",
        type(out32) is np.ndarray and out32.dtype == np.float32,
        f"got {_describe(out32)}",
    )


@case("layers.dropout_backward")
def _dropout_backward(t: Trial) -> None:
    layers = t.mod("layers")
    rng = _rng(1020)
    x = _away_from_zero(rng, (6, 5))
    dout = rng.standard_normal((6, 5))
    param = {"mode": "train", "p": 0.6, "seed": 11}
    out, cache = t.unpack(
        t.dependency(layers.dropout_forward, x, dict(param)), 2, "dropout_forward"
    )
    if type(out) is not np.ndarray or out.shape != x.shape:
        raise CheckAbort(
            f"dropout_forward should return an array of x's shape, got {_describe(out)}"
        )
    dx = t.call(layers.dropout_backward, dout, cache)
    # Inverted dropout computes out = x * mask, so d out / dx is mask = out / x.
    t.close("dx in train mode equals dout * mask", dx, dout * (out / x))
    again, _ = t.unpack(t.dependency(layers.dropout_forward, x, dict(param)), 2, "dropout_forward")
    deterministic = type(again) is np.ndarray and np.array_equal(again, out)
    skip = (
        None
        if deterministic
        else ("skipped: needs layers.dropout_forward to give the same mask for the same seed")
    )
    t.numerical(
        "dx vs numerical gradient",
        dx,
        lambda v: layers.dropout_forward(v, dict(param))[0],
        x,
        dout,
        skip=skip,
    )
    _, cache = t.unpack(
        t.dependency(layers.dropout_forward, x, {"mode": "test", "p": 0.6}), 2, "dropout_forward"
    )
    dx = t.call(layers.dropout_backward, dout, cache)
    t.close("dx in test mode equals dout", dx, dout)


# ---------------------------------------------------------------------- preprocessing


@case("preprocessing.MeanSubtraction.fit")
def _mean_subtraction_fit(t: Trial) -> None:
    pre = t.mod("preprocessing")
    X = _rng(2001).normal(2.0, 3.0, (6, 3, 4, 5))
    image = pre.MeanSubtraction(mode="image")
    returned = t.call(image.fit, X)
    t.holds("fit returns self", returned is image, f"fit returned {_describe(returned)}")
    t.expect("mean_ in image mode", image.mean_, exact_dtype=True)
    channel = pre.MeanSubtraction(mode="channel")
    t.call(channel.fit, X)
    t.expect("mean_ in channel mode", channel.mean_, exact_dtype=True)
    f32 = pre.MeanSubtraction(mode="image")
    t.call(f32.fit, (X + 1000.0).astype(np.float32))
    t.expect("mean_ of float32 data (kept in float64)", f32.mean_, exact_dtype=True)


@case("preprocessing.MeanSubtraction.transform")
def _mean_subtraction_transform(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = _rng(2002)
    X = rng.normal(1.0, 2.0, (7, 3, 4, 5))
    # mean_ is set directly (any fitted value), so this check does not need your fit.
    image = pre.MeanSubtraction(mode="image")
    image.mean_ = rng.standard_normal((3, 4, 5))
    t.expect("out in image mode", t.call(image.transform, X))
    channel = pre.MeanSubtraction(mode="channel")
    channel.mean_ = rng.standard_normal(3)
    t.expect("out in channel mode", t.call(channel.transform, X))
    t.expect("out for float32 data", t.call(channel.transform, X.astype(np.float32)), tol=TOL32)


@case("preprocessing.Standardization.fit")
def _standardization_fit(t: Trial) -> None:
    pre = t.mod("preprocessing")
    X = _rng(2003).normal(-1.0, 4.0, (9, 6))
    X[:, 2] = 3.0  # a constant feature
    std = pre.Standardization()
    returned = t.call(std.fit, X)
    t.holds("fit returns self", returned is std, f"fit returned {_describe(returned)}")
    t.expect("mean_", std.mean_, exact_dtype=True)
    t.expect("std_", std.std_, exact_dtype=True)
    f32 = pre.Standardization()
    t.call(f32.fit, (X + 1000.0).astype(np.float32))
    t.expect("mean_ of float32 data (kept in float64)", f32.mean_, exact_dtype=True)
    t.expect("std_ of float32 data (kept in float64)", f32.std_, exact_dtype=True)


@case("preprocessing.Standardization.transform")
def _standardization_transform(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = _rng(2004)
    X = rng.normal(0.5, 2.0, (8, 5))
    std = pre.Standardization(eps=1e-3)
    std.mean_ = rng.standard_normal(5)
    std.std_ = rng.uniform(0.5, 2.0, 5)
    std.std_[1] = 0.0  # a constant training feature: eps keeps the division finite
    t.expect("out", t.call(std.transform, X))
    t.expect("out for float32 data", t.call(std.transform, X.astype(np.float32)), tol=TOL32)


@case("preprocessing.PCAWhitening.fit")
def _pca_fit(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = _rng(2005)
    X = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 5)) + rng.normal(0, 3, 5)
    pca = pre.PCAWhitening(n_components=3)
    returned = t.call(pca.fit, X)
    t.holds("fit returns self", returned is pca, f"fit returned {_describe(returned)}")
    t.expect("mean_", pca.mean_, exact_dtype=True)
    t.expect("components_", pca.components_, exact_dtype=True)
    t.expect("explained_variance_", pca.explained_variance_, exact_dtype=True)
    full = pre.PCAWhitening()
    t.call(full.fit, X)
    t.expect("components_ with n_components=None", full.components_, exact_dtype=True)


@case("preprocessing.PCAWhitening.transform")
def _pca_transform(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = _rng(2006)
    X = rng.normal(1.0, 2.0, (7, 5))
    q, _ = np.linalg.qr(rng.standard_normal((5, 3)))
    for whiten in (True, False):
        # The fitted state is set directly, so this check does not need your fit.
        pca = pre.PCAWhitening(n_components=3, whiten=whiten)
        pca.mean_ = rng.standard_normal(5)
        pca.components_ = q.T.copy()
        pca.explained_variance_ = np.array([4.0, 1.5, 0.2])
        t.expect(f"out with whiten={whiten}", t.call(pca.transform, X))
    t.expect("out for float32 data", t.call(pca.transform, X.astype(np.float32)), tol=TOL32)


# ---------------------------------------------------------------------- initializers


@case("initializers.zeros")
def _zeros(t: Trial) -> None:
    w = t.call(t.mod("initializers").zeros, 3, 7)
    t.holds(
        "shape (3, 7) and dtype float64",
        type(w) is np.ndarray and w.shape == (3, 7) and w.dtype == np.float64,
        f"got {_describe(w)}",
    )
    t.holds("all zero", type(w) is np.ndarray and not np.any(w), "some entries are not 0")
    w = t.call(t.mod("initializers").zeros, 4, 2, rng=_rng(0))
    t.holds("accepts rng", type(w) is np.ndarray and w.shape == (4, 2), f"got {_describe(w)}")


def _random_init(
    t: Trial,
    name: str,
    fan_in: int,
    fan_out: int,
    target_std: float,
    seed: int,
    spread: float = 0.03,
    gaussian: bool = False,
    **kwargs: Any,
) -> np.ndarray | None:
    """Shape, dtype, statistics and the use of rng of a random initialiser."""
    fn = getattr(t.mod("initializers"), name)
    w = t.call(fn, fan_in, fan_out, rng=_rng(seed), **kwargs)
    if not t.holds(
        f"shape ({fan_in}, {fan_out}) and dtype float64",
        type(w) is np.ndarray and w.shape == (fan_in, fan_out) and w.dtype == np.float64,
        f"got {_describe(w)}",
    ):
        return None
    # Over 10^5 entries the sample standard deviation is within 0.5% of the true
    # one with overwhelming probability; 3% leaves room only for wrong scales.
    lo, hi = (1 - spread) * target_std, (1 + spread) * target_std
    t.within("standard deviation", "std", float(w.std()), lo, hi)
    bound = 6 * target_std / math.sqrt(w.size)
    t.within("mean", "mean", float(w.mean()), -bound, bound)
    if gaussian:
        # A normal distribution puts 4.55% of its mass beyond 2 standard deviations;
        # the bounds are 6 standard errors of that share.
        p = math.erfc(math.sqrt(2))
        margin = 6 * math.sqrt(p * (1 - p) / w.size)
        share = float(np.mean(np.abs(w) > 2 * target_std))
        t.within(
            "share of entries beyond 2 std (normal: 0.0455)", "share", share, p - margin, p + margin
        )
    same = t.call(fn, fan_in, fan_out, rng=_rng(seed), **kwargs)
    t.holds(
        "the same rng seed gives the same weights",
        type(same) is np.ndarray and np.array_equal(same, w),
        "draw from the rng argument (not from np.random)",
    )
    other = t.call(fn, fan_in, fan_out, rng=_rng(seed + 1), **kwargs)
    t.holds(
        "another seed gives other weights",
        type(other) is np.ndarray and not np.array_equal(other, w),
        "draw from the rng argument",
    )
    fresh = [t.call(fn, fan_in, fan_out, **kwargs) for _ in range(2)]
    t.holds(
        "rng=None draws fresh weights",
        all(type(f) is np.ndarray and f.shape == w.shape for f in fresh)
        and not np.array_equal(fresh[0], fresh[1]),
        "two calls without rng gave the same weights (or no array)",
    )
    return w


@case("initializers.gaussian")
def _gaussian(t: Trial) -> None:
    _random_init(t, "gaussian", 400, 300, 0.05, 3001, gaussian=True, std=0.05)


@case("initializers.xavier")
def _xavier(t: Trial) -> None:
    _random_init(t, "xavier", 500, 200, 1 / math.sqrt(500), 3002, gaussian=True)


@case("initializers.glorot_uniform")
def _glorot_uniform(t: Trial) -> None:
    a = math.sqrt(6 / (400 + 300))
    w = _random_init(t, "glorot_uniform", 400, 300, a / math.sqrt(3), 3003)
    if w is not None:
        t.within("largest |w|", "max |w|", float(np.abs(w).max()), 0.99 * a, a)


@case("initializers.he")
def _he(t: Trial) -> None:
    _random_init(t, "he", 500, 200, math.sqrt(2 / 500), 3004, gaussian=True)


@case("initializers.orthogonal")
def _orthogonal(t: Trial) -> None:
    # Columns of a random orthogonal 200 x 60 matrix are unit vectors in R^200.
    w = _random_init(t, "orthogonal", 200, 60, 1 / math.sqrt(200), 3005, spread=0.05)
    if w is not None:
        # einsum: a threaded BLAS is slow on small products when the machine is busy.
        err = float(np.abs(np.einsum("ki,kj->ij", w, w) - np.eye(60)).max())
        t.holds(
            "orthonormal columns (w.T @ w = I)",
            err < 1e-10,
            f"max |w.T @ w - I| = {_e(err)} (should be below 1e-10)",
            f"max |w.T @ w - I| = {_e(err)} (should be below 1e-10)",
        )
    wide = t.call(t.mod("initializers").orthogonal, 40, 90, gain=math.sqrt(2), rng=_rng(3105))
    if t.holds(
        "shape (40, 90) with gain sqrt(2)",
        type(wide) is np.ndarray and wide.shape == (40, 90),
        f"got {_describe(wide)}",
    ):
        err = float(np.abs(np.einsum("ik,jk->ij", wide, wide) - 2 * np.eye(40)).max())
        t.holds(
            "orthogonal rows (w @ w.T = gain**2 I)",
            err < 1e-10,
            f"max |w @ w.T - 2 I| = {_e(err)} (should be below 1e-10)",
            f"max |w @ w.T - 2 I| = {_e(err)} (should be below 1e-10)",
        )
    # For a uniformly random orthogonal matrix the diagonal entries are positive or
    # negative with equal chance; QR without the sign fix makes most of them negative.
    draws = [w, wide]
    draws += [
        t.call(t.mod("initializers").orthogonal, *shape, rng=_rng(3205 + k))
        for k, shape in enumerate([(120, 100), (100, 120)])
    ]
    signs = [np.diagonal(d) < 0 for d in draws if type(d) is np.ndarray and d.ndim == 2]
    if signs:
        negative = np.concatenate(signs)
        half = 6 * 0.5 / math.sqrt(negative.size)  # 6 standard errors of a fair coin's share
        t.within(
            "share of negative diagonal entries (should be about 0.5)",
            "share",
            float(negative.mean()),
            0.5 - half,
            0.5 + half,
        )


@case("initializers.lsuv")
def _lsuv(t: Trial) -> None:
    init = t.mod("initializers")
    rng = _rng(3006)
    x = 0.5 + 2.0 * rng.standard_normal((200, 20))
    weights = [
        0.05 * rng.standard_normal((20, 30)),
        3.0 * rng.standard_normal((30, 25)),
        rng.standard_normal((25, 10)),
    ]
    new = t.call(init.lsuv, weights, x)
    t.expect_all("weights (ReLU)", new, item="layer ")
    # The stored answer has output variances of 1 with ReLU; 1.02 times its first layer
    # gives variances of 1.0404 in every layer, within tol: nothing should change.
    within = [t.answer(f"weights (ReLU)/layer {k}") for k in (1, 2, 3)]
    within[0] = within[0] * 1.02
    kept = t.call(init.lsuv, within, x)
    t.holds(
        "layers already within tol are returned unchanged",
        isinstance(kept, list)
        and len(kept) == 3
        and all(type(k) is np.ndarray and np.array_equal(k, w) for k, w in zip(kept, within)),
        "a layer whose output variance is already within tol of 1 must not be rescaled",
    )
    tol = 0.05
    new = t.call(init.lsuv, weights, x, activation=np.tanh, tol=tol)
    if not t.holds(
        "returns one array per layer",
        isinstance(new, list)
        and len(new) == 3
        and all(type(w) is np.ndarray and w.shape == v.shape for w, v in zip(new, weights)),
        f"got {_describe(new)}",
    ):
        return
    h = x
    for layer, (w, old) in enumerate(zip(new, weights), start=1):
        z = h @ w
        t.within(
            f"layer {layer} output variance (tanh)", "variance", float(np.var(z)), 1 - tol, 1 + tol
        )
        ratio = w / old
        t.holds(
            f"layer {layer} is a positive multiple of the given weights",
            np.all(ratio > 0) and np.ptp(ratio) <= 1e-9 * np.abs(ratio).max(),
            "rescale the whole matrix by one positive number",
        )
        h = np.tanh(z)
    zero = [np.zeros((20, 30)), weights[1]]
    t.raises("an all-zero layer raises ValueError", ValueError, init.lsuv, zero, x)
    w32 = [w.astype(np.float32) for w in weights]
    new32 = t.call(init.lsuv, w32, x.astype(np.float32))
    t.holds(
        "float32 weights stay float32",
        isinstance(new32, list) and all(getattr(w, "dtype", None) == np.float32 for w in new32),
        f"got {_describe(new32)}",
    )


# ---------------------------------------------------------------------- classifiers

_NET_NOTE = " (your net calls your layers: make sure their own checks pass)"


def _bare_net(classifiers: ModuleType, params: dict[str, np.ndarray], **attrs: Any) -> Any:
    """A FullyConnectedNet with these parameters, made without calling your __init__
    (loss only reads the attributes set here), so the loss check does not need it."""
    net = classifiers.FullyConnectedNet.__new__(classifiers.FullyConnectedNet)
    net.params = params
    net.num_layers = sum(1 for k in params if k.startswith("W"))
    net.reg = attrs.pop("reg", 0.0)
    net.dtype = attrs.pop("dtype", np.float64)
    net.normalization = attrs.pop("normalization", None)
    net.activation = attrs.pop("activation", "relu")
    keep = attrs.pop("dropout_keep_ratio", 1.0)
    net.use_dropout = keep != 1
    net.dropout_param = {"mode": "train", "p": keep, "seed": 5} if net.use_dropout else {}
    n_hidden = net.num_layers - 1
    if net.normalization == "batchnorm":
        net.bn_params = [{"mode": "train"} for _ in range(n_hidden)]
    elif net.normalization == "layernorm":
        net.bn_params = [{} for _ in range(n_hidden)]
    else:
        net.bn_params = []
    net.weight_init = None
    assert not attrs, attrs
    return net


def _net_params(
    rng: np.random.Generator, dims: Sequence[int], normalization: str | None, prelu: bool
) -> dict[str, np.ndarray]:
    params: dict[str, np.ndarray] = {}
    for i in range(1, len(dims)):
        params[f"W{i}"] = rng.standard_normal((dims[i - 1], dims[i])) / math.sqrt(dims[i - 1])
        params[f"b{i}"] = 0.1 * rng.standard_normal(dims[i])
        if i == len(dims) - 1:
            break
        if normalization:
            params[f"gamma{i}"] = rng.uniform(0.5, 1.5, dims[i])
            params[f"beta{i}"] = 0.1 * rng.standard_normal(dims[i])
        if prelu:
            params[f"alpha{i}"] = rng.uniform(0.1, 0.3, dims[i])
    return params


def _net_gradient_part(
    t: Trial, part: str, net: Any, X: np.ndarray, y: np.ndarray, grads: Any
) -> None:
    """Compare grads with centered differences of net.loss for every parameter.

    The error of a parameter is max |numeric - analytic| over its entries, relative
    to its largest gradient entry: entries near 0 (whose elementwise relative error
    is mostly rounding noise) then do not decide. A parameter whose true gradient is
    0 (a bias right before batchnorm) agrees when both gradients are at noise level.
    """
    worst: tuple[float, float, float, str, str] = (-1.0, 0.0, GRAD_TOL, "", "")
    for name in net.params:
        analytic = grads.get(name) if isinstance(grads, dict) else None
        if type(analytic) is not np.ndarray or analytic.shape != net.params[name].shape:
            t.holds(part, False, f"no gradient of the right shape for {name}")
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            numeric = eval_numerical_gradient(
                lambda _: net.loss(X, y)[0], net.params[name], verbose=False
            )
        ana = np.asarray(analytic, dtype=np.float64)
        scale = float(np.abs(numeric).max() + np.abs(ana).max())
        err = 0.0 if scale < NOISE else float(np.abs(numeric - ana).max()) / scale
        limit, why = _limit(analytic, GRAD_TOL)
        if err / limit >= worst[0]:
            worst = (err / limit, err, limit, why, name)
    _, err, limit, why, name = worst
    detail = _error_detail(err, limit, why, name)
    t.holds(part, err < limit, detail + _NET_NOTE, detail)


@case("classifiers.FullyConnectedNet.__init__")
def _net_init(t: Trial) -> None:
    classifiers = t.mod("classifiers")
    Net = classifiers.FullyConnectedNet
    net = t.call(
        Net, [6, 5], input_dim=8, num_classes=4, weight_scale=0.3, dtype=np.float64, seed=4001
    )
    t.expect_all("params (weight_scale=0.3, seed=4001)", net.params)
    net = t.call(
        Net,
        [4, 3],
        input_dim=5,
        num_classes=3,
        normalization="batchnorm",
        activation="prelu",
        dtype=np.float32,
        seed=4002,
    )
    t.expect_all("params with batchnorm and prelu, float32", net.params, tol=TOL32)
    net = t.call(Net, [4], input_dim=3, num_classes=2, normalization="layernorm", seed=4003)
    t.expect_all("params with layernorm, float32 by default", net.params, tol=TOL32)
    for name, kwargs in (("he", {}), ("gaussian", {"std": 0.2})):
        _named_init_part(t, Net, name, kwargs)


def _named_init_part(t: Trial, Net: Any, name: str, kwargs: dict[str, Any]) -> None:
    """weight_init=name draws W1, W2, W3 in order with your initializer and the net's rng."""
    part = f"weight_init='{name}' draws W1, W2, W3 with your initializers.{name}"
    dims = [8, 6, 5, 4]
    seed = 4004
    try:
        init = getattr(t.mod("initializers"), name)
        rng = _rng(seed)
        wanted = [init(dims[i], dims[i + 1], rng=rng, **kwargs) for i in range(3)]
        again = init(dims[0], dims[1], rng=_rng(seed), **kwargs)
    except NotImplementedError as exc:
        t.skip(part, f"skipped: {_needs(t, exc) or f'initializers.{name} is not implemented'}")
        return
    if not (type(again) is np.ndarray and np.array_equal(again, wanted[0])):
        t.skip(part, f"skipped: needs initializers.{name} to draw from its rng argument")
        return
    scale = {"weight_scale": kwargs["std"]} if "std" in kwargs else {}
    net = t.call(
        Net,
        dims[1:-1],
        input_dim=8,
        num_classes=4,
        weight_init=name,
        dtype=np.float64,
        seed=seed,
        **scale,
    )
    got = [net.params.get(f"W{i}") for i in (1, 2, 3)]
    args = ", ".join(["fan_in", "fan_out", *[f"{k}=weight_scale" for k in kwargs], "rng=rng"])
    t.holds(
        part,
        all(
            type(g) is np.ndarray and g.shape == w.shape and np.array_equal(g, w)
            for g, w in zip(got, wanted)
        ),
        f"call initializers.{name}({args}) for W1, W2, W3 in order, with the net's rng",
    )


@case("classifiers.FullyConnectedNet.loss")
def _net_loss(t: Trial) -> None:
    classifiers = t.mod("classifiers")
    rng = _rng(4005)
    dims = [6, 5, 4, 3]
    X = rng.standard_normal((4, 2, 3))
    y = rng.integers(0, 3, 4)

    net = _bare_net(classifiers, _net_params(rng, dims, None, False), reg=0.1)
    t.expect("scores (y=None)", t.call(net.loss, X), note=_NET_NOTE)
    loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    t.expect_number("loss (relu, reg=0.1)", loss, note=_NET_NOTE)
    t.expect_all("grads (relu, reg=0.1)", grads, note=_NET_NOTE)
    _net_gradient_part(t, "grads vs numerical gradient (relu, reg=0.1)", net, X, y, grads)

    for normalization, activation, reg in (
        ("batchnorm", "tanh", 0.0),
        ("layernorm", "prelu", 0.05),
    ):
        params = _net_params(rng, dims, normalization, activation == "prelu")
        net = _bare_net(
            classifiers, params, reg=reg, normalization=normalization, activation=activation
        )
        what = f"{normalization}, {activation}"
        loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
        t.expect_number(f"loss ({what})", loss, note=_NET_NOTE)
        t.expect_all(f"grads ({what})", grads, note=_NET_NOTE)
        _net_gradient_part(t, f"grads vs numerical gradient ({what})", net, X, y, grads)

    params = _net_params(rng, dims, "batchnorm", False)
    net = _bare_net(classifiers, params, normalization="batchnorm")
    for i, bn_param in enumerate(net.bn_params):
        bn_param["running_mean"] = 0.1 * rng.standard_normal(dims[i + 1])
        bn_param["running_var"] = rng.uniform(0.5, 2.0, dims[i + 1])
    t.expect("scores with batchnorm in test mode", t.call(net.loss, X), note=_NET_NOTE)

    for activation in ("leaky_relu", "elu", "sigmoid"):
        net = _bare_net(classifiers, _net_params(rng, dims, None, False), activation=activation)
        loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
        t.expect_number(f"loss ({activation})", loss, note=_NET_NOTE)
        t.expect_all(f"grads ({activation})", grads, note=_NET_NOTE)

    # Dropout with a seed is deterministic. Its stored answers apply only if your
    # dropout_forward draws the reference's masks for that seed (the docstring leaves
    # the drawing to you); tanh does not commute with dropout's scaling, so the order
    # of the layers matters.
    what = "dropout 0.75, tanh"
    net = _bare_net(
        classifiers, _net_params(rng, dims, None, False), dropout_keep_ratio=0.75, activation="tanh"
    )
    loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    again, _ = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    same_masks = True
    for width in dims[1:-1]:
        probe, _ = t.unpack(
            t.dependency(
                t.mod("layers").dropout_forward,
                np.ones((len(X), width)),
                {"mode": "train", "p": 0.75, "seed": 5},
            ),
            2,
            "dropout_forward",
        )
        same_masks &= (
            t.forward_check(f"dropout mask of width {width}", probe, "layers.dropout_forward").skip
            is None
        )
    if same_masks:
        # 1e-5: a float32 mask (1/p rounded) is a correct choice that moves these by ~1e-7.
        t.expect_number(f"loss ({what})", loss, tol=1e-5, note=_NET_NOTE)
        t.expect_all(f"grads ({what})", grads, tol=1e-5, note=_NET_NOTE)
    else:
        reason = "skipped: your dropout_forward draws other masks than the reference for a seed"
        t.skip(f"loss ({what})", reason)
        t.skip(f"grads ({what})", reason)
    part = f"grads vs numerical gradient ({what})"
    if loss != again:
        t.skip(
            part, "skipped: needs layers.dropout_forward to give the same mask for the same seed"
        )
    else:
        _net_gradient_part(t, part, net, X, y, grads)

    params = {k: v.astype(np.float32) for k, v in _net_params(rng, dims, None, False).items()}
    net = _bare_net(classifiers, params, dtype=np.float32)
    loss, grads = t.unpack(t.call(net.loss, X, y), 2, "loss(X, y)")
    t.holds(
        "float32 net: float32 gradients for every parameter",
        isinstance(grads, dict)
        and set(grads) == set(params)
        and all(getattr(g, "dtype", None) == np.float32 for g in grads.values()),
        "grads should have the keys and the dtype of net.params",
    )


# ---------------------------------------------------------------------- normalization


def _bn_inputs(seed: int, n: int, d: int) -> tuple[np.ndarray, ...]:
    rng = _rng(seed)
    x = rng.normal(5.0, 2.0, (n, d))
    gamma = rng.uniform(0.5, 1.5, d)
    beta = rng.standard_normal(d)
    dout = rng.standard_normal((n, d))
    running_mean = rng.standard_normal(d)
    running_var = rng.uniform(0.5, 2.0, d)
    return x, gamma, beta, dout, running_mean, running_var


@case("normalization.batchnorm_forward")
def _batchnorm_forward(t: Trial) -> None:
    fwd = t.mod("normalization").batchnorm_forward
    x, gamma, beta, _, rm, rv = _bn_inputs(5001, 8, 4)
    rm_in, rv_in = rm.copy(), rv.copy()
    bn_param = {
        "mode": "train",
        "momentum": 0.8,
        "eps": 1e-3,
        "running_mean": rm_in,
        "running_var": rv_in,
    }
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, bn_param), 2, "batchnorm_forward")
    t.expect("out in train mode", out)
    t.expect("running_mean after a train step", bn_param.get("running_mean"))
    t.expect("running_var after a train step", bn_param.get("running_var"))
    t.holds(
        "the running arrays passed in are not modified",
        np.array_equal(rm_in, rm) and np.array_equal(rv_in, rv),
        "store new arrays in bn_param instead of updating the old ones in place",
    )
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, bn_param), 2, "batchnorm_forward")
    t.expect("out in test mode", out)
    t.holds(
        "test mode leaves the running statistics alone",
        np.array_equal(bn_param["running_mean"], rm)
        and np.array_equal(bn_param["running_var"], rv),
        "the running statistics changed in test mode",
    )
    bn_param = {"mode": "train"}
    t.call(fwd, x, gamma, beta, bn_param)
    t.expect("running_mean from zeros with the default momentum", bn_param.get("running_mean"))
    t.expect("running_var from zeros with the default momentum", bn_param.get("running_var"))
    f32 = [a.astype(np.float32) for a in (x, gamma, beta)]
    out, _ = t.unpack(t.call(fwd, *f32, {"mode": "train"}), 2, "batchnorm_forward")
    t.expect("out for float32 input", out, tol=TOL32)
    t.raises("an unknown mode raises ValueError", ValueError, fwd, x, gamma, beta, {"mode": "eval"})


def _batchnorm_backward_case(t: Trial, name: str, seed: int) -> None:
    norm = t.mod("normalization")
    fwd, bwd = norm.batchnorm_forward, getattr(norm, name)
    x, gamma, beta, dout, rm, rv = _bn_inputs(seed, 6, 4)
    for mode in ("train", "test"):

        def param(mode: str = mode) -> dict[str, Any]:
            return {"mode": mode, "running_mean": rm.copy(), "running_var": rv.copy()}

        out, cache = t.unpack(t.dependency(fwd, x, gamma, beta, param()), 2, "batchnorm_forward")
        status = t.forward_check(
            f"forward out in {mode} mode", out, "normalization.batchnorm_forward"
        )
        # The cache's contents are yours to choose, so only your own cache can be used.
        _scored_backward(
            t,
            bwd,
            dout,
            cache,
            ["dx", "dgamma", "dbeta"],
            status,
            "normalization.batchnorm_forward",
            suffix=f" ({mode} mode)",
        )
        grads: Any = (None, None, None)
        if not status.skip:
            _, cache = t.dependency(fwd, x, gamma, beta, param())
            grads = t.unpack(t.call(bwd, dout, cache), 3, name)
        dx, dgamma, dbeta = grads
        t.numerical(
            f"dx vs numerical gradient ({mode} mode)",
            dx,
            lambda v: fwd(v, gamma, beta, param())[0],
            x,
            dout,
            skip=status.skip,
        )
        if mode != "test":  # gamma and beta: once is enough
            t.numerical(
                "dgamma vs numerical gradient",
                dgamma,
                lambda v: fwd(x, v, beta, param())[0],
                gamma,
                dout,
                skip=status.skip,
            )
            t.numerical(
                "dbeta vs numerical gradient",
                dbeta,
                lambda v: fwd(x, gamma, v, param())[0],
                beta,
                dout,
                skip=status.skip,
            )


@case("normalization.batchnorm_backward")
def _batchnorm_backward(t: Trial) -> None:
    _batchnorm_backward_case(t, "batchnorm_backward", 5002)


@case("normalization.batchnorm_backward_alt")
def _batchnorm_backward_alt(t: Trial) -> None:
    _batchnorm_backward_case(t, "batchnorm_backward_alt", 5003)


@case("normalization.layernorm_forward")
def _layernorm_forward(t: Trial) -> None:
    fwd = t.mod("normalization").layernorm_forward
    rng = _rng(5004)
    x = rng.normal(1.0, 3.0, (4, 6)) + rng.normal(0.0, 5.0, (4, 1))
    gamma, beta = rng.uniform(0.5, 1.5, 6), rng.standard_normal(6)
    ln_param = {"eps": 1e-4, "mode": "train"}
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, ln_param), 2, "layernorm_forward")
    t.expect("out", out)
    t.holds(
        "ln_param is not modified",
        ln_param == {"eps": 1e-4, "mode": "train"},
        f"ln_param became {ln_param}",
    )
    out, _ = t.unpack(t.call(fwd, x, gamma, beta, {}), 2, "layernorm_forward")
    t.expect("out with the default eps", out)
    f32 = [a.astype(np.float32) for a in (x, gamma, beta)]
    out, _ = t.unpack(t.call(fwd, *f32, {}), 2, "layernorm_forward")
    t.expect("out for float32 input", out, tol=TOL32)


@case("normalization.layernorm_backward")
def _layernorm_backward(t: Trial) -> None:
    norm = t.mod("normalization")
    fwd = norm.layernorm_forward
    rng = _rng(5005)
    x = rng.normal(1.0, 3.0, (4, 6))
    gamma, beta = rng.uniform(0.5, 1.5, 6), rng.standard_normal(6)
    dout = rng.standard_normal((4, 6))
    out, cache = t.unpack(t.dependency(fwd, x, gamma, beta, {}), 2, "layernorm_forward")
    status = t.forward_check("forward out", out, "normalization.layernorm_forward")
    _scored_backward(
        t,
        norm.layernorm_backward,
        dout,
        cache,
        ["dx", "dgamma", "dbeta"],
        status,
        "normalization.layernorm_forward",
    )
    grads: Any = (None, None, None)
    if not status.skip:
        _, cache = t.dependency(fwd, x, gamma, beta, {})
        grads = t.unpack(t.call(norm.layernorm_backward, dout, cache), 3, "layernorm_backward")
    dx, dgamma, dbeta = grads
    t.numerical(
        "dx vs numerical gradient",
        dx,
        lambda v: fwd(v, gamma, beta, {})[0],
        x,
        dout,
        skip=status.skip,
    )
    t.numerical(
        "dgamma vs numerical gradient",
        dgamma,
        lambda v: fwd(x, v, beta, {})[0],
        gamma,
        dout,
        skip=status.skip,
    )
    t.numerical(
        "dbeta vs numerical gradient",
        dbeta,
        lambda v: fwd(x, gamma, v, {})[0],
        beta,
        dout,
        skip=status.skip,
    )


# ---------------------------------------------------------------------- optim


def _update_rule_case(
    t: Trial, name: str, seed: int, config: dict[str, Any], state: Sequence[str]
) -> list[np.ndarray]:
    """Three steps of an update rule from a given config: weights and state after steps 1 and 3."""
    rule = getattr(t.mod("optim"), name)
    rng = _rng(seed)
    # Weights and gradients of magnitude 1 to 3: no entry is near 0, so equivalent forms
    # (epsilon inside or outside the square root) agree far below the tolerance.
    w = _magnitudes(rng, (3, 4), 1.0, 2.0)
    dws = [_magnitudes(rng, (3, 4), 1.0, 3.0) for _ in range(3)]
    cfg: Any = dict(config)
    history = [w]
    for step in (1, 2, 3):
        next_w, cfg = t.unpack(t.call(rule, w, dws[step - 1], cfg), 2, name)
        if not isinstance(cfg, dict):
            raise CheckAbort(
                f"{name} should return (next_w, config) with a dict config, got {_describe(cfg)}"
            )
        if step in (1, 3):
            t.expect(f"next_w after step {step}", next_w)
            for key in state:
                if key == "t":
                    t.expect_number(f"config['t'] after step {step}", cfg.get("t"))
                else:
                    t.expect(f"config['{key}'] after step {step}", cfg.get(key))
        if type(next_w) is not np.ndarray:
            raise CheckAbort(f"{name} should return next_w as an array, got {_describe(next_w)}")
        w = next_w
        history.append(w)
    w0 = _magnitudes(_rng(seed + 100), (2, 3), 1.0, 2.0)
    dw0 = _magnitudes(_rng(seed + 200), (2, 3), 1.0, 3.0)
    next_w, _ = t.unpack(t.call(rule, w0, dw0), 2, name)
    t.expect("next_w with config=None (the defaults)", next_w)
    return history


@case("optim.sgd_momentum")
def _sgd_momentum(t: Trial) -> None:
    _update_rule_case(
        t, "sgd_momentum", 6001, {"learning_rate": 0.05, "momentum": 0.8}, ["velocity"]
    )


@case("optim.nesterov_momentum")
def _nesterov_momentum(t: Trial) -> None:
    _update_rule_case(
        t, "nesterov_momentum", 6002, {"learning_rate": 0.05, "momentum": 0.8}, ["velocity"]
    )


@case("optim.adagrad")
def _adagrad(t: Trial) -> None:
    _update_rule_case(t, "adagrad", 6003, {"learning_rate": 0.05}, ["cache"])


@case("optim.rmsprop")
def _rmsprop(t: Trial) -> None:
    _update_rule_case(t, "rmsprop", 6004, {"learning_rate": 0.05, "decay_rate": 0.9}, ["cache"])


@case("optim.adam")
def _adam(t: Trial) -> None:
    lr = 0.01
    history = _update_rule_case(t, "adam", 6005, {"learning_rate": lr}, ["m", "v", "t"])
    if len(history) > 1:
        # With bias correction the first step moves every weight by about the learning rate.
        step = np.abs(history[1] - history[0]) / lr
        t.within("first step / learning_rate, smallest", "min", float(step.min()), 0.99, 1.01)
        t.within("first step / learning_rate, largest", "max", float(step.max()), 0.99, 1.01)


def _schedule_case(t: Trial, name: str, ts: Sequence[float], **kwargs: Any) -> None:
    fn = getattr(t.mod("optim"), name)
    values = [t.call(fn, 0.1, step, **kwargs) for step in ts]
    wrong = [v for v in values if not isinstance(v, float)]
    t.holds("returns a float", not wrong, f"got {_describe(wrong[0])}" if wrong else "")
    if all(_is_number(v) for v in values):
        t.expect(f"lr(t) for t in {list(ts)}", np.array(values, dtype=np.float64))


@case("optim.step_decay")
def _step_decay(t: Trial) -> None:
    _schedule_case(t, "step_decay", [0, 1, 2.5, 3, 5, 6, 9.9, 12], drop=0.5, every=3)


@case("optim.exponential_decay")
def _exponential_decay(t: Trial) -> None:
    _schedule_case(t, "exponential_decay", [0, 1, 2.5, 10, 40], k=0.2)


@case("optim.inverse_time_decay")
def _inverse_time_decay(t: Trial) -> None:
    _schedule_case(t, "inverse_time_decay", [0, 1, 2.5, 10, 40], k=0.5)


@case("optim.cosine_decay")
def _cosine_decay(t: Trial) -> None:
    _schedule_case(t, "cosine_decay", [0, 1, 2.5, 5, 9, 10, 15], total=10, lr_min=1e-3)


# ---------------------------------------------------------------------- solver


class PrototypeModel:
    """A tiny stand-in model for the Solver checks: one prototype vector per class.

    scores[n, c] = b[c] - 0.5 * |x_n - P[c]|^2, and the loss pulls the prototype of
    each example's class towards it: loss = mean_n 0.5 * |x_n - P[y_n]|^2 + 0.5 * |b|^2.
    It records every call of loss as (number of examples, labels given).
    """

    def __init__(self, P: np.ndarray, b: np.ndarray) -> None:
        self.params = {"P": P, "b": b}
        self.calls: list[tuple[int, bool]] = []

    def loss(self, X: np.ndarray, y: np.ndarray | None = None) -> Any:
        self.calls.append((len(X), y is not None))
        P, b = self.params["P"], self.params["b"]
        diff = X.reshape(len(X), -1)[:, None, :] - P[None]  # (N, C, D)
        if y is None:
            return b - 0.5 * np.einsum("ncd,ncd->nc", diff, diff)
        own = diff[np.arange(len(X)), y]  # x_n - P[y_n], of shape (N, D)
        value = 0.5 * float(np.einsum("nd,nd->", own, own)) / len(X) + 0.5 * float(b @ b)
        dP = np.zeros_like(P)
        np.add.at(dP, y, -own / len(X))
        return value, {"P": dP, "b": b.copy()}


_CENTERS = np.array([[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 2.0], [-1.5, -1.5, -1.5]])


def _clusters(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, 4, n)
    return _CENTERS[y] + rng.standard_normal((n, 3)), y


def _solver_setup(seed: int) -> tuple[PrototypeModel, dict[str, np.ndarray]]:
    rng = _rng(seed)
    X_train, y_train = _clusters(rng, 40)
    X_val, y_val = _clusters(rng, 20)
    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = PrototypeModel(0.5 * rng.standard_normal((4, 3)), 0.1 * rng.standard_normal(4))
    return model, data


def _counting_sgd(w: np.ndarray, dw: np.ndarray, config: dict[str, Any] | None = None) -> Any:
    """Plain SGD that returns a NEW config counting its calls (so it must be stored)."""
    config = dict(config or {})
    config["calls"] = config.get("calls", 0) + 1
    return w - config["learning_rate"] * dw, config


def _copy(params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in params.items()}


@case("solver.Solver._step")
def _solver_step(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7001)
    solver = solver_mod.Solver(
        model, data, optim_config={"learning_rate": 0.5}, batch_size=10, seed=7001, verbose=False
    )
    solver.update_rule = _counting_sgd
    recorded: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []

    # Stand-in for _record_update_ratios, so this check does not need yours.
    def record(old_params: dict[str, np.ndarray], new_params: dict[str, np.ndarray]) -> None:
        recorded.append((_copy(old_params), _copy(new_params)))

    solver._record_update_ratios = record
    before, after = [], []
    for _ in range(5):
        before.append(_copy(model.params))
        t.call(solver._step)
        after.append(_copy(model.params))
    losses = solver.loss_history
    if t.holds(
        "loss_history holds one Python float per step",
        isinstance(losses, list) and len(losses) == 5 and all(isinstance(v, float) for v in losses),
        f"after 5 steps loss_history is {losses!r}"[:200],
    ):
        t.expect("loss_history after 5 steps", np.array(losses))
        t.within("last loss / first loss", "ratio", losses[-1] / losses[0], 0.0, 0.9)
    t.expect_all("model.params after 5 steps", model.params)
    configs = solver.optim_configs
    t.holds(
        "each parameter's config returned by the update rule is stored",
        isinstance(configs, dict)
        and set(configs) == set(model.params)
        and all(isinstance(c, dict) and c.get("calls") == 5 for c in configs.values()),
        "store the config the update rule returns in self.optim_configs[name]",
    )
    t.holds(
        "_record_update_ratios is called once per step",
        len(recorded) == 5,
        f"called {len(recorded)} times in 5 steps",
    )
    if len(recorded) == 5:
        t.holds(
            "... with the parameters before and after the step",
            all(
                set(o) == set(b)
                and set(n) == set(a)
                and all(np.array_equal(o[k], b[k]) and np.array_equal(n[k], a[k]) for k in b)
                for (o, n), b, a in zip(recorded, before, after)
            ),
            "pass the old parameters (before the update) and the new ones",
        )


@case("solver.Solver.check_accuracy")
def _solver_check_accuracy(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7002)
    rng = _rng(7102)
    model.params["P"] = _CENTERS + 0.8 * rng.standard_normal((4, 3))
    X, y = _clusters(rng, 250)
    y[:30] = rng.integers(0, 4, 30)  # some noisy labels
    solver = solver_mod.Solver(model, data, seed=7002, verbose=False)
    model.calls.clear()
    acc = t.call(solver.check_accuracy, X, y)
    t.holds("returns a float", isinstance(acc, float), f"got {_describe(acc)}")
    t.expect_number("accuracy on 250 examples", acc)
    model.calls.clear()
    acc = t.call(solver.check_accuracy, X, y, batch_size=64)
    t.expect_number("accuracy with batch_size=64", acc)
    t.holds(
        "predicts in test mode (no labels), in batches of at most batch_size",
        model.calls
        and all(n <= 64 and not labelled for n, labelled in model.calls)
        and sum(n for n, _ in model.calls) == 250,
        f"model.loss was called as (batch size, labels given): {model.calls}"[:200],
    )
    acc = t.call(solver.check_accuracy, X, y, num_samples=100)
    t.expect_number("accuracy on num_samples=100", acc)


def _divergence(solver: Any, history: list[float], loss: float) -> tuple[Any, Any]:
    solver.loss_history = list(history)
    solver.stop_reason = None
    return solver._check_divergence(loss), solver.stop_reason


@case("solver.Solver._check_divergence")
def _solver_check_divergence(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7003)
    solver = solver_mod.Solver(model, data, verbose=False)

    def diverged(part: str, history: list[float], loss: float, expected: bool) -> None:
        result, reason = _divergence(solver, history, loss)
        if expected:
            t.holds(
                part,
                result is True and isinstance(reason, str) and reason,
                f"returned {result!r} with stop_reason {reason!r}; expected True and a reason",
            )
        else:
            t.holds(
                part,
                result is False and reason is None,
                f"returned {result!r} with stop_reason {reason!r}; expected False",
            )

    diverged("loss 5.9 after a first loss 2.0: not diverged", [2.0, 2.5], 5.9, False)
    diverged("loss 6.1 after a first loss 2.0: diverged (3 x)", [2.0, 2.5], 6.1, True)
    diverged("NaN loss: diverged", [2.0], math.nan, True)
    diverged("infinite loss: diverged", [2.0], math.inf, True)
    diverged("empty history: compares with the loss itself", [], 4.0, False)
    solver.explosion_factor = None
    diverged("explosion_factor=None: a huge loss is fine", [2.0], 1e9, False)
    diverged("explosion_factor=None: NaN still diverges", [2.0], math.nan, True)
    solver.explosion_factor = 10.0
    diverged("explosion_factor=10: loss 15 is fine", [2.0], 15.0, False)
    solver.explosion_factor = 3.0
    diverged("loss exactly 3 x the first: not diverged (only greater is)", [2.0], 6.0, False)

    part = "training at learning_rate 1e6 stops early with a reason"
    reason = _working_step(t, solver_mod)
    if reason:
        t.skip(part, reason)
        return
    model, data = _solver_setup(7103)
    solver = solver_mod.Solver(
        model,
        data,
        optim_config={"learning_rate": 1e6},
        batch_size=10,
        num_epochs=5,
        seed=7103,
        verbose=False,
    )
    # Stand-ins, so this run needs only your _step besides _check_divergence.
    solver.check_accuracy = lambda *args, **kwargs: 0.0
    solver._record_update_ratios = lambda old_params, new_params: None
    solver.train()
    n = len(solver.loss_history)
    t.holds(
        part,
        solver.stopped_early and isinstance(solver.stop_reason, str) and 1 < n < 20,
        f"stopped_early={solver.stopped_early}, stop_reason={solver.stop_reason!r} after "
        f"{n} of 20 iterations",
        f"stopped after {n} of 20 iterations: {solver.stop_reason}",
    )


def _working_step(t: Trial, solver_mod: ModuleType) -> str | None:
    """Why a training run cannot check _check_divergence (None if your _step works)."""
    model, data = _solver_setup(7203)
    solver = solver_mod.Solver(
        model, data, optim_config={"learning_rate": 0.5}, batch_size=10, seed=7203, verbose=False
    )
    solver._record_update_ratios = lambda old_params, new_params: None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solver._step()
    except NotImplementedError as exc:
        return f"skipped: {_needs(t, exc) or 'needs solver.Solver._step'}"
    except Exception:  # _step's own check reports it
        return "skipped: needs a working solver.Solver._step (see its check)"
    losses = (
        np.array(solver.loss_history, dtype=np.float64)
        if all(_is_number(v) for v in solver.loss_history)
        else None
    )
    ok = t.forward_check("one step's loss", losses, "solver.Solver._step").correct
    ok &= t.forward_check("one step's params", model.params.get("P"), "solver.Solver._step").correct
    return None if ok else "skipped: needs a working solver.Solver._step (see its check)"


@case("solver.Solver._record_update_ratios")
def _solver_record_update_ratios(t: Trial) -> None:
    solver_mod = t.mod("solver")
    model, data = _solver_setup(7004)
    solver = solver_mod.Solver(model, data, verbose=False)
    rng = _rng(7104)
    old = {"W": rng.standard_normal((4, 3)), "b": np.zeros(3), "g": rng.standard_normal(5)}
    new = {
        "W": old["W"] + 1e-3 * rng.standard_normal((4, 3)),
        "b": 0.01 * rng.standard_normal(3),
        "g": old["g"] - 0.2 * rng.standard_normal(5),
    }
    solver.update_ratio_history = {"W": [0.25], "b": []}
    t.call(solver._record_update_ratios, old, new)
    t.call(solver._record_update_ratios, new, old)
    history = solver.update_ratio_history
    lists = isinstance(history, dict) and all(isinstance(history.get(k), list) for k in old)
    if not t.holds(
        "one list per parameter in update_ratio_history",
        lists,
        f"update_ratio_history is {history!r}"[:200],
    ):
        return
    if not t.holds(
        "appends to the existing lists",
        [len(history[k]) for k in old] == [3, 2, 2] and history["W"][0] == 0.25,
        f"lengths {[len(history[k]) for k in old]} after two calls (expected W: 3, b: 2, g: 2)",
    ):
        return
    values = [v for k in old for v in history[k][-2:]]
    t.holds(
        "ratios are Python floats",
        all(isinstance(v, float) for v in values),
        f"got {sorted({type(v).__name__ for v in values})}",
    )
    if all(_is_number(v) for v in values):
        b_first = float(history["b"][-2])
        t.holds(
            "NaN when the old weights are all zero",
            math.isnan(b_first),
            f"got {b_first} for all-zero old weights",
        )
        t.expect("ratios of W (both calls)", np.array(history["W"][-2:], dtype=np.float64))
        t.expect_number("ratio of b (second call)", history["b"][-1])
        t.expect(
            "ratios of g, a new name (both calls)", np.array(history["g"][-2:], dtype=np.float64)
        )


# ====================================================================== running checks


def _warning_text(caught: Sequence[warnings.WarningMessage]) -> str:
    seen: list[str] = []
    for w in caught:
        text = f"{w.category.__name__}: {w.message} ({Path(w.filename).name}, line {w.lineno})"
        if text not in seen:
            seen.append(text)
    more = f" and {len(seen) - 2} more" if len(seen) > 2 else ""
    return "your code warned: " + "; ".join(seen[:2]) + more


def _exception_text(exc: BaseException, student_files: Mapping[str, str]) -> str:
    """Type, message and the line of the student's file that raised (no traceback)."""
    message = str(exc).strip()
    if len(message) > 400:
        message = message[:400] + " ..."
    lines = [f"{type(exc).__name__}: {message}" if message else type(exc).__name__]
    if isinstance(exc, SyntaxError) and exc.filename:
        shown = student_files.get(str(Path(exc.filename).resolve()), exc.filename)
        lines.append(f"at {shown}, line {exc.lineno}:")
        if exc.text:
            lines.append(f"    {exc.text.strip()}")
        return "\n".join(lines)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if str(Path(f.filename).resolve()) in student_files]
    if mine:
        frame = mine[-1]
        linecache.checkcache(frame.filename)
        source = linecache.getline(frame.filename, frame.lineno or 0).strip()
        lines.append(
            f"at {student_files[str(Path(frame.filename).resolve())]}, line {frame.lineno}, "
            f"in {frame.name}:"
        )
        if source:
            lines.append(f"    {source}")
    elif frames:
        frame = frames[-1]
        lines.append(
            f"raised in {Path(frame.filename).name}, line {frame.lineno}, in {frame.name} "
            "(while checking what your code returned)"
        )
    return "\n".join(lines)


def _not_implemented_text(task_id: str, exc: NotImplementedError, known: set[str]) -> str:
    named = _task_named(exc)
    module = task_id.split(".", 1)[0]
    if named == task_id:
        return (
            f'not implemented yet: replace `raise NotImplementedError("{task_id}")` in '
            f"{PACKAGE}/{module}.py with your code"
        )
    if named in known:
        return f"not implemented yet: this check needs {named}, which is not implemented yet"
    return f"not implemented yet (NotImplementedError{': ' + named if named else ''})"


def run_case(
    task_id: str,
    modules: ModuleLoader,
    expected: Mapping[str, np.ndarray],
    *,
    record: dict[str, np.ndarray] | None = None,
    student_files: Mapping[str, str] | None = None,
    known_tasks: set[str] | None = None,
) -> CheckResult:
    """Run the public check of one task with these module implementations.

    expected: the stored answers; record: a dict to store answers into instead
    (record mode); student_files: resolved path -> shown name of the files whose
    lines an exception report should point at.
    """
    trial = Trial(task_id, modules, expected, record)
    status, message = "pass", ""
    start = time.perf_counter()
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        try:
            CASES[task_id](trial)
        except CheckAbort as exc:
            status, message = "fail", str(exc)
        except NotImplementedError as exc:
            status = "not implemented"
            message = _not_implemented_text(task_id, exc, known_tasks or set(CASES))
        except _DataError as exc:
            status = "error"
            message = (
                f"{DATA_FILE.name} has no stored answer {exc}: it does not belong to this "
                "version of check.py; restore both files from the assignment release"
            )
        except (Exception, SystemExit) as exc:  # a self-check reports, it does not crash
            status, message = "error", _exception_text(exc, student_files or {})
    if caught:
        trial.parts.append(PartResult("no warnings", "fail", _warning_text(caught)))
    if status == "pass":
        if any(p.status == "fail" for p in trial.parts):
            status = "fail"
        elif not any(p.status == "pass" for p in trial.parts):
            status, message = "fail", "no part could be checked"
    return CheckResult(task_id, status, trial.parts, message, time.perf_counter() - start)


def record_answers(
    task_id: str, modules: ModuleLoader
) -> tuple[dict[str, np.ndarray], CheckResult]:
    """Run one task's case against an implementation and keep what it returned as answers."""
    record: dict[str, np.ndarray] = {}
    result = run_case(task_id, modules, {}, record=record)
    return record, result


# ---------------------------------------------------------------------- fresh imports


class _FreshLoader(importlib.abc.Loader):
    """Executes a module from its source file, never from a cached .pyc."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        code = compile(self.path.read_bytes(), str(self.path), "exec", dont_inherit=True)
        exec(code, module.__dict__)


class _FreshFinder(importlib.abc.MetaPathFinder):
    def __init__(self, paths: Mapping[str, Path]) -> None:
        self.paths = paths

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.paths:
            return None
        file = self.paths[fullname]
        return importlib.util.spec_from_file_location(fullname, file, loader=_FreshLoader(file))


@contextmanager
def _fresh_student_modules(modules: Sequence[str]) -> Iterator[ModuleLoader]:
    """Import the student modules afresh from disk for one run, then put back what the
    caller had imported (a notebook keeps its own module objects)."""
    package = importlib.import_module(PACKAGE)
    paths = {f"{PACKAGE}.{m}": PACKAGE_DIR / f"{m}.py" for m in modules}
    saved = {name: sys.modules.pop(name) for name in list(paths) if name in sys.modules}
    saved_attrs = {m: vars(package).pop(m) for m in modules if m in vars(package)}
    finder = _FreshFinder(paths)
    sys.meta_path.insert(0, finder)
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.meta_path.remove(finder)
        for name in paths:
            sys.modules.pop(name, None)
        for m in modules:
            vars(package).pop(m, None)
        sys.modules.update(saved)
        vars(package).update(saved_attrs)


def run_checks(
    ids: Sequence[str], on_result: Callable[[CheckResult], None] | None = None
) -> CheckResults:
    """Run the public checks of these tasks against the student's files."""
    data = _data()
    infos = tasks(data)
    known = {t.id for t in infos}
    modules = list(dict.fromkeys(t.module for t in infos))
    student_files = {str((PACKAGE_DIR / f"{m}.py").resolve()): f"{PACKAGE}/{m}.py" for m in modules}
    results = CheckResults()
    with _fresh_student_modules(modules) as loader:
        for task_id in ids:
            if task_id not in CASES:
                result = CheckResult(
                    task_id,
                    "error",
                    message=("this version of check.py has no check for this task"),
                )
            else:
                result = run_case(
                    task_id, loader, data, student_files=student_files, known_tasks=known
                )
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


# ====================================================================== public API


def check_task(task_id: str, *, raise_on_failure: bool = True) -> CheckResult:
    """Run the public check of one task and print its report.

    Inputs:
    - task_id: a task id such as "layers.affine_backward"
    - raise_on_failure: raise CheckFailed (after printing) when the task does
      not pass, so that a notebook cell running this check fails visibly

    Returns:
    - the CheckResult (status, parts with their errors and ranges)
    """
    ids = task_ids()
    if task_id not in ids:
        raise ValueError(_no_match_message(task_id, ids).replace("no task matches", "unknown task"))
    result = run_checks([task_id])[0]
    print(result.report(), flush=True)
    if raise_on_failure and not result.passed:
        raise CheckFailed(result)
    return result


def check(pattern: str = "", *, verbose: bool = True) -> CheckResults:
    """Run the public checks of every task whose id matches ``pattern``.

    ``pattern`` is a task id, a prefix ("layers", "solver.Solver") or a part of
    ids ("batchnorm"); "" runs every task. With verbose, print each task's
    report and a summary line. Returns the list of CheckResult.
    """
    ids = select(pattern)
    if not ids:
        raise ValueError(_no_match_message(pattern, task_ids()))

    def show(result: CheckResult) -> None:
        if verbose:
            print(result.report(), flush=True)

    results = run_checks(ids, show)
    if verbose:
        print(_summary(results), flush=True)
    return results


def _summary(results: Sequence[CheckResult]) -> str:
    passed = sum(r.passed for r in results)
    seconds = sum(r.seconds for r in results)
    return f"{passed} passed, {len(results) - passed} failed ({seconds:.1f} s)"


def _table_row(result: CheckResult, points: float, width: int) -> str:
    detail = result.headline()
    if len(detail) > 90:
        detail = detail[:87] + "..."
    return f"{result.task_id:<{width}} {points:>6g}  {result.label:<5}  {detail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the checks, print a table and a summary; exit 0 only if all pass."""
    parser = argparse.ArgumentParser(
        prog="python -m cs231n_core.check",
        description="Run the public self-checks of cs231n_core on fixed inputs.",
    )
    parser.add_argument(
        "pattern",
        nargs="?",
        default="",
        help="a task id, a prefix such as 'layers', or part of ids such as 'batchnorm' "
        "(default: every task)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every part of every task"
    )
    parser.add_argument("--list", action="store_true", help="list the task ids and exit")
    args = parser.parse_args(argv)
    try:
        infos = tasks()
    except (OSError, ValueError, KeyError) as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 2
    points = {t.id: t.points for t in infos}
    ids = select(args.pattern, [t.id for t in infos])
    if args.list:
        width = max(len(t.id) for t in infos)
        for t in infos:
            if t.id in ids:
                print(f"{t.id:<{width}} {t.points:>6g}  {t.notebook}")
        return 0
    if not ids:
        print(f"check: {_no_match_message(args.pattern, list(points))}", file=sys.stderr)
        return 2
    verbose = args.verbose or len(ids) == 1
    width = max(len(i) for i in ids)
    rows: list[str] = []

    def show(result: CheckResult) -> None:
        if verbose:
            print(result.report() + "\n", flush=True)
        rows.append(_table_row(result, points[result.task_id], width))
        if not verbose:
            if len(rows) == 1:
                print(f"{'task':<{width}} {'points':>6}  result details", flush=True)
            print(rows[-1], flush=True)

    results = run_checks(ids, show)
    if verbose:
        print(f"{'task':<{width}} {'points':>6}  result details")
        print("\n".join(rows))
    print(_summary(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
