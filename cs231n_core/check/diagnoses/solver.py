"""Likely mistakes of the ``solver`` tasks (see ``rules``).

The Solver's checks watch what a method does to the solver and its model; these
rows add the likely cause, read from which parts failed and how.

Provided whole: use it, do not edit it.
"""

from cs231n_core.check.diagnoses.rules import Diagnosis as D

TABLE: dict[str, tuple[D, ...]] = {
}
