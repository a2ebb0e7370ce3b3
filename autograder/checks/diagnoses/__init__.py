"""Likely mistakes the grader names: the self-check's rows and rows of its own.

The rows that compare answers live with the self-check
(``cs231n_core/check/diagnoses/``), described once for both; each module here adds
the rows that read the hidden checks' own messages, in their place among them.
"""

from __future__ import annotations

from autograder.checks.diagnoses import (
    classifiers,
    initializers,
    layers,
    normalization,
    optim,
    preprocessing,
    solver,
    tuning,
)
from cs231n_core.check import diagnoses as shared
from cs231n_core.check.diagnoses import PREFIX
from cs231n_core.check.diagnoses.rules import Diagnosis, Outcome

TABLES: dict[str, tuple[Diagnosis, ...]] = {
    **layers.TABLE,
    **optim.TABLE,
    **initializers.TABLE,
    **classifiers.TABLE,
    **normalization.TABLE,
    **preprocessing.TABLE,
    **solver.TABLE,
    **tuning.TABLE,
}


def diagnose(task_id: str, outcome: Outcome) -> str | None:
    """The likely mistake behind a task's failed parts, or None when no row matches."""
    return shared.diagnose(task_id, outcome, TABLES)


__all__ = ["PREFIX", "TABLES", "Outcome", "diagnose"]
