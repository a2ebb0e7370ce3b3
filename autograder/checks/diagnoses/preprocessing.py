"""Likely mistakes of the ``preprocessing`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/preprocessing.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import preprocessing as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    all_of,
    any_of,
    failed,
    matches,
    passed,
    raised,
    said,
)

_IN_PLACE = (
    "an in-place change of the input X, which the caller still needs: compute the result "
    "in a new array"
)
_FLOAT32 = "statistics stored in float32: accumulate and store them in float64"

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
    "preprocessing.MeanSubtraction.fit": (
        D(said("image mean", "expected a numpy.ndarray"),
          "the image mean is one number: average over the examples only (axis 0)"),
        D(said("channel mean", "shape"),
          "the channel mean keeps axes besides the channels: average over every other axis"),
        D(said("float32 data", "dtype float32"), _FLOAT32),
    ),
    "preprocessing.MeanSubtraction.transform": (
        D(said("input unchanged", "modified"), _IN_PLACE),
        D(matches("image", lambda s: s.args[0] - s.args[0].mean(axis=0)),
          "transform subtracts the mean of its own input: use the mean fitted on the "
          "training data"),
        D(all_of(passed("image"), failed("channel")),
          "the channel mean is broadcast along the wrong axis: the channels are the last axis"),
    ),
    "preprocessing.Standardization.fit": (
        D(said("mean", "shape"), "the mean is over the wrong axis: average over the examples"),
        *public.TABLE["preprocessing.Standardization.fit"][0:2],
        D(said("float32 data", "dtype float32"), _FLOAT32),
    ),
    "preprocessing.Standardization.transform": (
        D(said("input unchanged", "modified"), _IN_PLACE),
        *public.TABLE["preprocessing.Standardization.transform"][0:2],
    ),
    "preprocessing.PCAWhitening.transform": (
        D(said("input unchanged", "modified"), _IN_PLACE),
        *public.TABLE["preprocessing.PCAWhitening.transform"][0:1],
        D(any_of(failed("projection"), raised("mismatch")),
          "the projection uses the columns of components_: the components are its rows "
          "(X @ components_.T)"),
        *public.TABLE["preprocessing.PCAWhitening.transform"][1:3],
    ),
    # The grader scores the components up to sign, the self-check exactly: these two
    # need the graded check's parts.
    "preprocessing.PCAWhitening.fit": (
        *public.TABLE["preprocessing.PCAWhitening.fit"][0:3],
        D(all_of(failed("components"), passed("explained variance")),
          "the components are the columns of eigh's eigenvector matrix: take them as rows of "
          "its transpose"),
        D(failed("sign convention"),
          "no sign convention: flip each component so its largest-magnitude entry is positive"),
    ),
}
