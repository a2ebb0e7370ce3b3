"""Likely mistakes, named from what a check observed: one table per module.

Each table maps a task id to rows of (predicate, message); the first row whose
predicate holds names the likely mistake, and a task where none holds gets no
diagnosis. ``rules`` says what a predicate may look at. These rows compare
answers only, so the self-check and the graded checks share them; the grader adds
rows of its own that read its checks' messages.

Provided whole: use it, do not edit it.
"""

from __future__ import annotations

from cs231n_core.check.diagnoses import (
    classifiers,
    initializers,
    layers,
    normalization,
    optim,
    preprocessing,
    solver,
)
from cs231n_core.check.diagnoses.rules import Diagnosis, Outcome, first_match

TABLES: dict[str, tuple[Diagnosis, ...]] = {
    **layers.TABLE,
    **optim.TABLE,
    **initializers.TABLE,
    **classifiers.TABLE,
    **normalization.TABLE,
    **preprocessing.TABLE,
    **solver.TABLE,
}
PREFIX = "likely mistake: "


def diagnose(
    task_id: str, outcome: Outcome, tables: dict[str, tuple[Diagnosis, ...]] = TABLES
) -> str | None:
    """The likely mistake behind a task's failed parts, or None when no row matches."""
    if not outcome.failed and outcome.abort is None:
        return None
    return first_match(tables.get(task_id, ()), outcome)


__all__ = ["PREFIX", "TABLES", "Outcome", "diagnose"]
