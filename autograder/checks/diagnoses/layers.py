"""Likely mistakes of the ``layers`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/layers.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import layers as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    all_of,
    any_of,
    failed,
    passed,
    raised,
    said,
)

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
    "layers.affine_backward": (
        *public.TABLE["layers.affine_backward"][0:3],
        D(said("dx", "shape"),
          "dx does not have the shape of x: reshape the gradient back to x.shape"),
    ),
    "layers.relu_forward": (
        D(any_of(said("out", "shape"), said("out", "expected a numpy.ndarray")),
          "the output is not elementwise: np.max reduces an array, np.maximum(x, 0) compares "
          "entry by entry"),
    ),
    "layers.dropout_backward": (
        *public.TABLE["layers.dropout_backward"][0:2],
        D(any_of(failed("test"), all_of(passed("train"), raised("NoneType"))),
          "in test mode the gradient is dout itself (no mask)"),
    ),
    # Which seed failure it was, the check's messages say.
    "layers.dropout_forward": (
        *public.TABLE["layers.dropout_forward"][0:4],
        D(said("seed", "same seed dropped different units"),
          "the seed is ignored: draw the mask from np.random.default_rng(seed), not from "
          "the global np.random"),
        D(said("seed", "without a seed dropped the same units"),
          "without a seed every call needs a fresh mask: the generator is seeded with a "
          "constant (np.random.default_rng(None) draws a fresh one)"),
    ),
}
