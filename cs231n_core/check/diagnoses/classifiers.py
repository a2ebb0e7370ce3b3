"""Likely mistakes of the ``classifiers`` tasks (see ``rules``).

The net's checks already name the parameter and the configuration that failed;
these rows add the likely cause, read from which parts failed and how.

Provided whole: use it, do not edit it.
"""

from cs231n_core.check.diagnoses.rules import Diagnosis as D

LOSS = "classifiers.FullyConnectedNet.loss"

TABLE: dict[str, tuple[D, ...]] = {
}
