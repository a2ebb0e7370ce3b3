"""Likely mistakes of the ``preprocessing`` tasks (see ``rules``).

A ``fit`` call is (X,); a ``transform`` call is (X,) on an object the grader
fitted, so a wrong answer is compared with what X alone gives.

Provided whole: use it, do not edit it.
"""

from typing import Any

import numpy as np

from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    Outcome,
    Predicate,
    all_of,
    failed,
    matches,
    passed,
    scaled,
)


def _n(seen: Any) -> int:
    return int(np.shape(seen.args[0])[0])


def _ratio_within(part: str, low: float, high: float) -> Predicate:
    """Every entry of ``part``'s answer is the reference's times a factor in (low, high)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed[part]
        got, exp = np.asarray(seen.got, dtype=float), np.asarray(seen.expected, dtype=float)
        keep = np.abs(exp) > 1e-9 * np.max(np.abs(exp))
        ratio = np.abs(got[keep] / exp[keep])
        return bool(ratio.size and np.all((ratio > low) & (ratio < high)))

    return holds


def _offset_per_column(part: str) -> Predicate:
    """``part``'s answer is the reference's plus one constant per column."""

    def holds(o: Outcome) -> bool:
        seen = o.failed[part]
        diff = np.asarray(seen.got, dtype=float) - np.asarray(seen.expected, dtype=float)
        return bool(np.all(np.ptp(diff, axis=0) < 1e-9 * (1 + np.max(np.abs(diff)))))

    return holds


def _own_statistics(part: str) -> Predicate:
    """``part``'s answer is centred on its own input (the reference's, on the training data,
    is not)."""

    def holds(o: Outcome) -> bool:
        seen = o.failed[part]
        got, exp = np.asarray(seen.got, dtype=float), np.asarray(seen.expected, dtype=float)
        scale = float(np.max(np.abs(exp)))
        return bool(np.all(np.abs(got.mean(axis=0)) < 1e-6 * scale)
                    and np.any(np.abs(exp.mean(axis=0)) > 1e-3 * scale))

    return holds


def _covariance_eigenvalues(seen: Any, centre: bool = True, ascending: bool = False) -> Any:
    x = np.asarray(seen.args[0], dtype=np.float64).reshape(_n(seen), -1)
    if centre:
        x = x - x.mean(axis=0)
    evals = np.linalg.eigvalsh(x.T @ x / len(x))
    k = np.size(seen.expected)
    return evals[:k] if ascending else evals[::-1][:k]


TABLE: dict[str, tuple[D, ...]] = {
    "preprocessing.Standardization.fit": (
        D(scaled("std", lambda s: np.sqrt(_n(s) / (_n(s) - 1)), tol=1e-9),
          "the std is the unbiased one (ddof=1): use the population std (ddof=0)"),
        D(all_of(passed("mean"), _offset_per_column("std")),
          "std_ holds std + eps: store the std, and add eps when dividing in transform"),
    ),
    "preprocessing.Standardization.transform": (
        D(_ratio_within("output", 1.0, 1.1), "eps is missing: divide by std_ + eps"),
        D(_own_statistics("output"),
          "transform standardises with its own input's statistics: use those fitted on the "
          "training data"),
    ),
    "preprocessing.PCAWhitening.fit": (
        D(all_of(passed("mean"), matches("explained variance", lambda s: _covariance_eigenvalues(
            s, centre=False))), "the data is not centred before the covariance"),
        D(scaled("explained variance", lambda s: _n(s) / (_n(s) - 1), tol=1e-9),
          "the covariance is divided by N - 1: divide by N"),
        D(matches("explained variance", lambda s: _covariance_eigenvalues(s, ascending=True)),
          "eigh returns eigenvalues in increasing order: reverse them to keep the largest"),
    ),
    "preprocessing.PCAWhitening.transform": (
        D(_offset_per_column("projection"),
          "transform centres with the mean of its own input: use mean_ from fit"),
        D(_ratio_within("whitened", 1.0, 1.1),
          "eps is missing: divide by sqrt(explained_variance_ + eps)"),
        D(failed("whitened"),
          "whitening divides by the eigenvalue: divide by its square root"),
    ),
}
