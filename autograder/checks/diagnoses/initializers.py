"""Likely mistakes of the ``initializers`` tasks (see ``rules``).

The statistical checks keep, for a failed standard deviation, the measured one
(``got``) next to the expected one, and for entries beyond the bound the largest
|entry| next to the bound; the call is (fan_in, fan_out), so the standard
deviation a known wrong formula gives is computed from the same fans.
"""

import math
from collections.abc import Callable

from autograder.checks.diagnoses.rules import Diagnosis as D
from autograder.checks.diagnoses.rules import (
    Predicate,
    all_of,
    failed,
    matches,
    passed,
    said,
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
    "initializers.zeros": (
        D(said("zeros", "shape"), "the shape is (fan_out, fan_in): a layer's weights are "
          "(fan_in, fan_out)"),
        D(said("zeros", "not zero"), "the entries are not zeros (np.zeros((fan_in, fan_out)))"),
    ),
    "initializers.gaussian": (
        D(said("distribution", "standard deviation"),
          "the draws are not scaled by std: std * rng.standard_normal(...)"),
        D(said("rng", "seeded alike"),
          "the draws ignore the rng argument (the global np.random?): draw from rng"),
    ),
    "initializers.xavier": (
        D(_std(lambda fi, fo: math.sqrt(1 / fo)), "the variance uses fan_out: Xavier's is "
          "1 / fan_in"),
        D(_std(lambda fi, fo: math.sqrt(2 / (fi + fo))),
          "the variance is 2 / (fan_in + fan_out) (Glorot's average): this Xavier uses "
          "1 / fan_in"),
        D(said("distribution", "not normally distributed"),
          "the entries are not normal: draw from rng.standard_normal"),
    ),
    "initializers.glorot_uniform": (
        D(_bound(lambda fi, fo: math.sqrt(6 / fi)),
          "the bound uses fan_in only: a = sqrt(6 / (fan_in + fan_out))"),
        D(said("distribution", "outside [-a, a]"),
          "the entries are not uniform in [-a, a] (a normal draw?): use rng.uniform(-a, a)"),
        D(said("distribution", "mean 0"), "the entries are drawn from [0, a): draw from [-a, a]"),
    ),
    "initializers.he": (
        D(_std(lambda fi, fo: math.sqrt(1 / fi)),
          "the standard deviation is 1 / sqrt(fan_in): He's is sqrt(2 / fan_in)"),
        D(_std(lambda fi, fo: math.sqrt(2 / fo)), "the variance uses fan_out: He's is 2 / fan_in"),
        D(_std(lambda fi, fo: 2 / fi),
          "the variance 2 / fan_in is used as the standard deviation: take its square root"),
    ),
    "initializers.orthogonal": (
        D(said("shape", "but expected"),
          "the result has the wrong shape: for a wide or tall layer take Q of the QR of the "
          "(larger, smaller) matrix, transposed when needed, to (fan_in, fan_out)"),
        D(all_of(failed("orthonormal"), passed("shape")),
          "the rows or columns are orthonormal but not scaled by gain"),
        D(failed("random_signs"),
          "QR's signs are not fixed: multiply Q's columns by the signs of R's diagonal"),
    ),
    "initializers.lsuv": (
        D(said("zero_variance", "ValueError"),
          "a layer whose output has zero variance must raise ValueError"),
        D(said("inputs_unchanged", "modified"),
          "the given weights are rescaled in place: rescale copies, the caller's arrays stay"),
        D(said("float32", "float64"), "float32 weights come back as float64: keep each dtype"),
        D(said("positive_multiple", "not a positive multiple"),
          "each unit is rescaled on its own: LSUV rescales a whole layer by one factor"),
        D(all_of(failed("unit_variance"), said("unit_variance", "layer 0")),
          "the variance is measured after the activation: LSUV normalises the layer's "
          "pre-activation output"),
        D(failed("unit_variance"),
          "the next layer gets the output before rescaling: feed it the rescaled layer's output"),
        D(lambda o: 0 < o.failed["scale"].got * len(o.failed["scale"].args[1]) < 0.2,
          "the variance is the unbiased one (ddof=1; the scale is off by about 1 / 2N): use "
          "np.var"),
        D(failed("scale"),
          "a layer already within tol is rescaled again: stop as soon as |var - 1| <= tol"),
    ),
}
