"""Realistic student bugs and legitimately different correct answers, one file per module.

Each entry is source appended to the solved module (``autograder.mutation``): a
student-style rewrite of the functions it is about, or a wrapper of them. A ``Mutant``
must lose points in its own task and in no other; an ``Alternative`` must keep full marks.
"""

from autograder.mutation import Alternative, Mutant
from tests.catalogue.mutants import (
    classifiers,
    initializers,
    layers,
    normalization,
    normalization_alternatives,
    optim,
    optim_schedules,
    preprocessing,
    solver,
    tuning,
)

_PARTS = (
    layers,
    optim,
    optim_schedules,
    initializers,
    classifiers,
    normalization,
    normalization_alternatives,
    preprocessing,
    solver,
    tuning,
)

MUTANTS: list[Mutant] = [m for part in _PARTS for m in part.MUTANTS]
ALTERNATIVES: list[Alternative] = [a for part in _PARTS for a in part.ALTERNATIVES]

__all__ = ["ALTERNATIVES", "MUTANTS", "Alternative", "Mutant"]
