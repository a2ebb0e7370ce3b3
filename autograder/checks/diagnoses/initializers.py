"""Likely mistakes of the ``initializers`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/initializers.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import initializers as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    all_of,
    failed,
    said,
)

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
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
        *public.TABLE["initializers.xavier"][0:2],
        D(said("distribution", "not normally distributed"),
          "the entries are not normal: draw from rng.standard_normal"),
    ),
    "initializers.glorot_uniform": (
        *public.TABLE["initializers.glorot_uniform"][0:1],
        D(said("distribution", "outside [-a, a]"),
          "the entries are not uniform in [-a, a] (a normal draw?): use rng.uniform(-a, a)"),
        D(said("distribution", "mean 0"), "the entries are drawn from [0, a): draw from [-a, a]"),
    ),
    "initializers.orthogonal": (
        D(said("shape", "but expected"),
          "the result has the wrong shape: for a wide or tall layer take Q of the QR of the "
          "(larger, smaller) matrix, transposed when needed, to (fan_in, fan_out)"),
        *public.TABLE["initializers.orthogonal"][0:2],
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
