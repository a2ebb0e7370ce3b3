"""Likely mistakes of the ``layers`` tasks (see ``rules``).

Known wrong answers are computed from the call behind the failed part: for a
backward pass, ``args`` is (dout, cache) with the
cache laid out as the course's solution lays it out (the rows read it as such);
with a cache of another layout, those rows match nothing.

Provided whole: use it, do not edit it.
"""

from typing import Any

import numpy as np

from cs231n_core.check.diagnoses.rules import (
    Diagnosis as D,
)
from cs231n_core.check.diagnoses.rules import (
    Seen,
    all_of,
    any_of,
    failed,
    matches,
    nonfinite,
    passed,
    scaled,
    transposed,
    unreduced,
)


def _n(seen: Seen) -> int:
    """N, the batch size of the call's first argument."""
    return int(np.shape(seen.args[0])[0])


def _arg(seen: Seen, index: int, name: str, default: Any) -> Any:
    if len(seen.args) > index:
        return seen.args[index]
    return seen.kwargs.get(name, default)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _correct_class_zeroed(seen: Seen) -> np.ndarray:
    dx = np.array(seen.expected, dtype=np.float64)
    dx[np.arange(dx.shape[0]), seen.args[1]] = 0.0
    return dx


def _ties(seen: Seen) -> bool:
    """Some example's maximal score is reached by two pieces (reference cache: x, w, b, _)."""
    x, w, b, _ = seen.args[1]
    scores = np.sort(np.matmul(x, w) + b[:, None, :], axis=0)
    return bool(np.any(scores[-1] == scores[-2]))


def _every_maximal(seen: Seen) -> np.ndarray:
    """db when dout goes to every maximal piece, ties included (reference cache)."""
    x, w, b, _ = seen.args[1]
    scores = np.matmul(x, w) + b[:, None, :]
    return np.sum((scores == scores.max(axis=0)) * seen.args[0], axis=1)


def _constant_ratio(part: str, above: bool) -> Any:
    """``part``'s nonzero entries are all the reference's times one factor, above 1 (or
    below it)."""

    def holds(o: Any) -> bool:
        seen = o.failed[part]
        got, exp = np.asarray(seen.got, dtype=float), np.asarray(seen.expected, dtype=float)
        if got.shape != exp.shape or not np.array_equal(got != 0, exp != 0) or not exp.any():
            return False
        ratio = got[exp != 0] / exp[exp != 0]
        one = np.ptp(ratio) < 1e-9 * abs(ratio[0]) and abs(ratio[0] - 1) > 1e-6
        return bool(one and (ratio[0] > 1) == above)

    return holds


OVERFLOW = (
    "NaN or inf for scores of magnitude 1e3 and more: np.exp overflows; "
    "subtract the max of each row before exponentiating (softmax(x) = softmax(x - max))"
)

TABLE: dict[str, tuple[D, ...]] = {
    "layers.affine_forward": (
        D(matches("out", lambda s: s.args[0].reshape(len(s.args[0]), -1) @ s.args[1]),
          "the bias b is not added to the output"),
    ),
    "layers.affine_backward": (
        D(unreduced("db", 0),
          "the bias gradient is not summed over the batch: db is dout summed over axis 0"),
        D(scaled("db", lambda s: 1 / _n(s)),
          "db is averaged over the batch (a factor 1/N): the bias gradient is the sum of dout "
          "over axis 0, not its mean"),
        D(transposed("dw"), "dw is transposed: the gradient must have the shape of w"),
    ),
    "layers.relu_backward": (
        D(matches("dx", lambda s: np.where(s.args[0] > 0, s.args[0], 0.0)),
          "the gradient is masked where dout > 0: the mask comes from the input (x > 0)"),
    ),
    "layers.leaky_relu_forward": (
        D(matches("out", lambda s: np.where(
            s.args[0] > 0, _arg(s, 1, "negative_slope", 0.01) * s.args[0], s.args[0])),
          "the slope multiplies the positive side: it belongs on the negative side"),
    ),
    "layers.leaky_relu_backward": (
        D(matches("dx", lambda s: np.where(s.args[1][0] > 0, s.args[0], 0.0)),
          "the negative side gets no gradient, as in ReLU: it passes negative_slope * dout"),
    ),
    "layers.prelu_forward": (
        D(matches("out", lambda s: np.where(s.args[0] > 0, s.args[1] * s.args[0], s.args[0])),
          "alpha multiplies the positive side: it belongs on the negative side"),
    ),
    "layers.prelu_backward": (
        D(unreduced("dalpha", 0),
          "dalpha is not summed over the batch: alpha is shared by every example"),
        D(matches("dalpha", lambda s: (s.args[0] * s.args[1][0]).sum(axis=0)),
          "dalpha takes dout * x from every input: only negative inputs depend on alpha"),
    ),
    "layers.elu_forward": (
        D(matches("out", lambda s: np.where(s.args[0] > 0, s.args[0], np.expm1(s.args[0]))),
          "alpha does not scale the negative side: alpha * (exp(x) - 1)"),
    ),
    "layers.elu_backward": (
        D(matches("dx", lambda s: s.args[0] * s.args[1][1] * np.exp(
            np.minimum(s.args[1][0], 0))),
          "the gradient of the positive side is dout itself (slope 1), "
          "not alpha * exp(x)"),
    ),
    "layers.sigmoid_forward": (
        D(nonfinite("out"),
          "NaN or inf for inputs of magnitude 1e3 and more: np.exp overflows. Use a stable "
          "form, exp(-|x|) on each side"),
        D(matches("out", lambda s: _sigmoid(-s.args[0])),
          "the output is sigmoid(-x): the two branches of the stable formula are swapped"),
    ),
    "layers.sigmoid_backward": (
        D(matches("dx", lambda s: s.args[0] * s.args[1] * (1 + s.args[1])),
          "the derivative is out * (1 - out), not out * (1 + out)"),
    ),
    "layers.tanh_forward": (
        D(nonfinite("out"),
          "NaN or inf for inputs of magnitude 1e3 and more: np.exp overflows. Use np.tanh "
          "or a stable form"),
        D(matches("out", lambda s: np.tanh(s.args[0] / 2)),
          "the output is tanh(x / 2): tanh(x) = 2 * sigmoid(2x) - 1"),
    ),
    "layers.tanh_backward": (
        D(matches("dx", lambda s: s.args[0] * (1 - np.tanh(s.args[1]) ** 2)),
          "the cache holds the output tanh(x) already: the derivative is 1 - out ** 2"),
    ),
    "layers.maxout_forward": (
        D(matches("out", lambda s: np.max(np.matmul(s.args[0], s.args[1]), axis=0)),
          "the bias b is not added to the pieces' scores"),
    ),
    "layers.maxout_backward": (
        D(all_of(lambda o: not _ties(o.failed["db"]), matches(
            "db", lambda s: np.broadcast_to(s.args[0].sum(axis=0), s.expected.shape))),
          "dout reaches every piece: only the winning piece gets it"),
        D(all_of(lambda o: _ties(o.failed["db"]), lambda o: np.allclose(
            np.sum(o.failed["db"].got, axis=0), np.sum(o.failed["db"].expected, axis=0))),
          "ties between pieces: dout must go to the first maximal piece alone (as argmax "
          "picks it)"),
        D(matches("db", _every_maximal),
          "ties between pieces: dout must go to the first maximal piece alone, not to "
          "every maximal one"),
    ),
    "layers.softmax_loss": (
        D(any_of(nonfinite("loss"), nonfinite("dx")), OVERFLOW),
        D(scaled("loss", _n),
          "the loss is summed over the batch (N times too large): average it over the N "
          "examples"),
        D(matches("dx", lambda s: _softmax(s.args[0]) / _n(s)),
          "the gradient misses the -1 at the correct class: dx = (softmax - one_hot(y)) / N"),
    ),
    "layers.svm_loss": (
        D(matches("loss", lambda s: s.expected + 1),
          "the correct class's own margin (1) is counted: set it to 0"),
        D(matches("dx", _correct_class_zeroed),
          "dx misses the correct-class column: it gets minus the number of positive margins"),
    ),
    "layers.dropout_forward": (
        D(all_of(failed("keep rate"), failed("scaling")),
          "p is the probability of keeping a unit, not of dropping it"),
        D(all_of(passed("keep rate"), failed("scaling"), failed("test mode")),
          "this is vanilla dropout, scaled by p at test time: inverted dropout divides the "
          "kept units by p in training, and test mode returns x unchanged"),
        D(all_of(passed("keep rate"), failed("scaling")),
          "kept units are not divided by p: inverted dropout scales at training time"),
        D(failed("test mode"),
          "dropout is applied (masked or scaled) in test mode: the output must equal x"),
    ),
    "layers.dropout_backward": (
        D(all_of(failed("train"), _constant_ratio("train", above=True)),
          "the gradient is scaled again: the mask already holds the 1/p"),
        D(all_of(failed("train"), _constant_ratio("train", above=False)),
          "the gradient misses the 1/p: dout flows back through the mask as the forward "
          "pass scaled x, dout / p where a unit was kept"),
    ),
}
