"""Likely mistakes, named from what the grader observed: one table per module.

Each table maps a task id to rows of (predicate, message); the first row whose
predicate holds names the likely mistake, and a task where none holds gets no
diagnosis. ``rules`` says what a predicate may look at.
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
from autograder.checks.diagnoses.rules import Diagnosis, Outcome, first_match

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
PREFIX = "likely mistake: "


def diagnose(task_id: str, outcome: Outcome) -> str | None:
    """The likely mistake behind a task's failed parts, or None when no row matches."""
    if not outcome.failed and outcome.abort is None:
        return None
    return first_match(TABLES.get(task_id, ()), outcome)


__all__ = ["PREFIX", "TABLES", "Outcome", "diagnose"]
