"""Student code written to CS231n assignment 2's conventions, one file per module.

The same changes as the mutant catalogue (``autograder.mutation``): an ``Alternative``
is correct by its docstring's spec and must keep full marks, a ``Mutant`` is wrong and
must lose points in its task. ``tests/grader/test_conventions.py`` decides which each
entry is with oracles of its own, independent of the reference and of the checks.
"""

import types

from autograder.mutation import Alternative, Mutant, rebound_names
from autograder.solutions import solved_module_text
from tests.catalogue.conventions import classifiers, layers, optim

CORRECT: list[Alternative] = [*optim.CORRECT, *layers.CORRECT, *classifiers.CORRECT]
WRONG: list[Mutant] = [*optim.WRONG, *layers.WRONG, *classifiers.WRONG]
# Constructors without this course's own arguments: they lose only what needs them.
DEFAULTS_ONLY: list[Mutant] = list(classifiers.DEFAULTS_ONLY)

__all__ = ["CORRECT", "DEFAULTS_ONLY", "WRONG", "executed"]


def executed(entry: Mutant | Alternative) -> tuple[types.ModuleType, list[str]]:
    """The entry's module run in this process, and the functions (``name``) and methods
    (``Class.name``) it rewrites. Its relative imports resolve to the reference package,
    so a rewritten net runs on the reference's layers, as the graded check runs it."""
    text = solved_module_text(entry.module)
    changed = entry.apply(text)
    names = rebound_names(text, changed[len(text.rstrip("\n")):])
    module = types.ModuleType(f"autograder.reference._{entry.module}_entry")
    module.__package__ = "autograder.reference"
    exec(compile(changed, f"<{entry.name}>", "exec"), module.__dict__)
    return module, names
