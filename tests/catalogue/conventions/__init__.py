"""Student code written to CS231n assignment 2's conventions, one file per module.

The same changes as the mutant catalogue (``autograder.mutation``): an ``Alternative``
is correct by its docstring's spec and must keep full marks, a ``Mutant`` is wrong and
must lose points in its task. ``tests/grader/test_conventions.py`` decides which each
entry is with oracles of its own, independent of the reference and of the checks.
"""

from autograder.mutation import Alternative, Mutant
from tests.catalogue.conventions import classifiers, layers, optim

CORRECT: list[Alternative] = [*optim.CORRECT, *layers.CORRECT, *classifiers.CORRECT]
WRONG: list[Mutant] = [*optim.WRONG, *layers.WRONG, *classifiers.WRONG]
# Constructors without this course's own arguments: they lose only what needs them.
DEFAULTS_ONLY: list[Mutant] = list(classifiers.DEFAULTS_ONLY)

__all__ = ["CORRECT", "DEFAULTS_ONLY", "WRONG"]
