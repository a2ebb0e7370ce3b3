"""Likely mistakes of the ``initializers`` tasks (see ``rules``).

The statistical checks keep, for a failed standard deviation, the measured one
(``got``) next to the expected one, and for entries beyond the bound the largest
|entry| next to the bound; the call is (fan_in, fan_out), so the standard
deviation a known wrong formula gives is computed from the same fans.

Provided whole: use it, do not edit it.
"""

import math
from collections.abc import Callable

from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    Predicate,
    all_of,
    failed,
    matches,
    passed,
)

# A measured standard deviation of ~1.2e5 entries is within 1.5% of the true one.
_STD_TOL = 0.03


def _std(formula: Callable[[int, int], float]) -> Predicate:
    """The measured standard deviation is that of ``formula(fan_in, fan_out)``."""
    return matches("distribution", lambda s: formula(s.args[0], s.args[1]), tol=_STD_TOL)


def _bound(formula: Callable[[int, int], float]) -> Predicate:
    """The largest |entry| is the bound ``formula(fan_in, fan_out)`` (a uniform draw)."""
    return matches("distribution", lambda s: formula(s.args[0], s.args[1]), tol=0.01)


TABLE: dict[str, tuple[D, ...]] = {
    "initializers.xavier": (
        D(_std(lambda fi, fo: math.sqrt(1 / fo)), "the variance uses fan_out: Xavier's is "
          "1 / fan_in"),
        D(_std(lambda fi, fo: math.sqrt(2 / (fi + fo))),
          "the variance is 2 / (fan_in + fan_out) (Glorot's average): this Xavier uses "
          "1 / fan_in"),
    ),
    "initializers.glorot_uniform": (
        D(_bound(lambda fi, fo: math.sqrt(6 / fi)),
          "the bound uses fan_in only: a = sqrt(6 / (fan_in + fan_out))"),
    ),
    "initializers.he": (
        D(_std(lambda fi, fo: math.sqrt(1 / fi)),
          "the standard deviation is 1 / sqrt(fan_in): He's is sqrt(2 / fan_in)"),
        D(_std(lambda fi, fo: math.sqrt(2 / fo)), "the variance uses fan_out: He's is 2 / fan_in"),
        D(_std(lambda fi, fo: 2 / fi),
          "the variance 2 / fan_in is used as the standard deviation: take its square root"),
    ),
    "initializers.orthogonal": (
        D(all_of(failed("orthonormal"), passed("shape")),
          "the rows or columns are orthonormal but not scaled by gain"),
        D(failed("random_signs"),
          "QR's signs are not fixed: multiply Q's columns by the signs of R's diagonal"),
    ),
}
