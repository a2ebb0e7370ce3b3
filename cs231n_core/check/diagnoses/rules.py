"""The language of diagnoses: what a check saw, and predicates over it.

A diagnosis names a likely mistake from what a check observed (the graded check
or the self-check): which parts failed and how the check's messages describe
them, the student's answers next to the expected ones (a constant factor, a
transposed array, NaN or inf, a missing sum over an axis), and agreement with a
known wrong formula computed from the same inputs. It never reads the student's
source.

A predicate that cannot be evaluated on a strange answer (an exception, a shape
that does not fit) simply does not match.

Provided whole: use it, do not edit it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# A known-wrong answer: computed from the call behind a failed part (None: cannot tell).
Wrong = Callable[["Seen"], Any]


@dataclass
class Seen:
    """One failed part: the student's answer, the reference's, and the call behind them.

    ``args`` and ``kwargs`` are the check's own copies of the arguments of the
    latest call of the task's function before the comparison (the inputs the
    check drew, or the state the student's previous call returned).
    """

    message: str
    got: Any = None
    expected: Any = None
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """A task's check, as far as diagnoses see it."""

    failed: dict[str, Seen]  # each failed part, with its first failure
    passed: frozenset[str]
    abort: str | None = None


Predicate = Callable[[Outcome], bool]


@dataclass(frozen=True)
class Diagnosis:
    """One row of a table: when ``when`` holds, ``message`` names the likely mistake."""

    when: Predicate
    message: str


def first_match(rows: tuple[Diagnosis, ...], outcome: Outcome) -> str | None:
    """The message of the first row that matches ``outcome`` (None when none does).

    Known wrong formulas may overflow on the grader's large inputs: quietly, since
    only whether they match matters.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row in rows:
            try:
                if row.when(outcome):
                    return row.message
            except Exception:  # a predicate that cannot tell does not match
                continue
    return None


# ----------------------------------------------------------------- numbers


def _array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray | np.generic | float | int) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    return None


def near(got: Any, expected: Any, tol: float = 1e-6) -> bool:
    """``got`` equals ``expected`` up to ``tol`` times the largest entry of ``expected``."""
    a, b = _array(got), _array(expected)
    if a is None or b is None or a.shape != b.shape or not np.all(np.isfinite(a)):
        return False
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-12)
    return bool(np.max(np.abs(a - b), initial=0.0) <= tol * scale)


# ----------------------------------------------------------------- predicates


def failed(*parts: str) -> Predicate:
    """Every one of ``parts`` failed."""
    return lambda o: all(p in o.failed for p in parts)


def passed(*parts: str) -> Predicate:
    """Every one of ``parts`` passed."""
    return lambda o: all(p in o.passed for p in parts)


def said(part: str, *texts: str) -> Predicate:
    """``part`` failed with a message that holds every one of ``texts``."""
    return lambda o: part in o.failed and all(t in o.failed[part].message for t in texts)


def raised(*texts: str) -> Predicate:
    """The check stopped early with a reason that holds every one of ``texts``."""
    return lambda o: o.abort is not None and all(t in o.abort for t in texts)


def all_of(*predicates: Predicate) -> Predicate:
    return lambda o: all(p(o) for p in predicates)


def any_of(*predicates: Predicate) -> Predicate:
    return lambda o: any(p(o) for p in predicates)


def absent(part: str) -> Predicate:
    """``part`` failed because there was no answer at all (None: a key not stored)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        return seen is not None and seen.got is None and seen.expected is not None

    return holds


def nonfinite(part: str) -> Predicate:
    """``part``'s answer holds NaN or inf (the reference's is finite)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        got = None if seen is None else _array(seen.got)
        return got is not None and not bool(np.all(np.isfinite(got)))

    return holds


def scaled(part: str, factor: float | Callable[[Seen], float], tol: float = 1e-6) -> Predicate:
    """``part``'s answer is ``factor`` times the reference's (factor may depend on the call)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        if seen is None:
            return False
        k = factor(seen) if callable(factor) else factor
        exp = _array(seen.expected)
        return exp is not None and near(seen.got, k * exp, tol)

    return holds


def transposed(part: str) -> Predicate:
    """``part``'s answer is the reference's transposed (a 2-D array, not square)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        got, exp = (None, None) if seen is None else (_array(seen.got), _array(seen.expected))
        return (
            got is not None and exp is not None and got.ndim == 2
            and exp.shape[0] != exp.shape[1] and near(got.T, exp)
        )

    return holds


def unreduced(part: str, axis: int = 0) -> Predicate:
    """``part``'s answer still has the axis the reference sums over (it sums to the answer)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        got, exp = (None, None) if seen is None else (_array(seen.got), _array(seen.expected))
        return (
            got is not None and exp is not None and got.ndim == exp.ndim + 1
            and near(got.sum(axis=axis), exp)
        )

    return holds


def matches(part: str, wrong: Wrong, tol: float = 1e-6) -> Predicate:
    """``part``'s answer equals a known wrong answer computed from the same call."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        if seen is None:
            return False
        value = wrong(seen)
        return value is not None and near(seen.got, value, tol)

    return holds


def got_shape(part: str, shape: Callable[[Seen], tuple[int, ...]]) -> Predicate:
    """``part``'s answer is an array of this shape (computed from the expected one)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed.get(part)
        return (
            seen is not None and isinstance(seen.got, np.ndarray)
            and seen.got.shape == tuple(shape(seen))
        )

    return holds
