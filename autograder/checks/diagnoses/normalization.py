"""Likely mistakes of the ``normalization`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/normalization.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import normalization as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    said,
)

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
    "normalization.batchnorm_forward": (
        *public.TABLE["normalization.batchnorm_forward"][0:5],
        D(said("float32", "dtype float64"),
          "float32 inputs give a float64 output: keep the computation in the input's dtype"),
        *public.TABLE["normalization.batchnorm_forward"][5:6],
    ),
    "normalization.layernorm_backward": (
        *public.TABLE["normalization.layernorm_backward"][0:2],
        D(said("dbeta", "shape"),
          "dbeta sums over the features: it is dout summed over the batch (axis 0)"),
    ),
}
