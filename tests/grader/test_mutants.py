"""The hidden checks against realistic student bugs and against correct alternatives."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.grading import grade_submission
from autograder.registry import TASKS
from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.mutants import ALTERNATIVES, MUTANTS, Alternative, Mutant

SEED = 20261122


def _graded(tmp_path: Path, module: str, text: str) -> dict[str, tuple[float, float, str]]:
    write_solution_package(tmp_path, {module: text})
    ids = [t.id for t in TASKS if t.module == module]
    report = grade_submission(tmp_path, ids, seed=SEED)
    return {t.id: (t.points, t.max_points, t.feedback) for t in report.tasks}


def _edited(module: str, find: str, replace: str) -> str:
    text = solved_module_text(module)
    assert text.count(find) == 1, f"snippet must occur exactly once in {module}: {find!r}"
    return text.replace(find, replace)


def test_every_task_has_a_mutant() -> None:
    covered = {m.task for m in MUTANTS}
    missing = [t.id for t in TASKS if t.id not in covered]
    assert missing == [], f"tasks without a mutant: {missing}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_points_in_its_own_task_only(tmp_path: Path, mutant: Mutant) -> None:
    scores = _graded(tmp_path, mutant.module, _edited(mutant.module, mutant.find, mutant.replace))
    points, max_points, feedback = scores.pop(mutant.task)
    assert points < max_points, f"{mutant.name} kept full marks:\n{feedback}"
    assert feedback.strip()
    wrongly_penalised = {k: v[2] for k, v in scores.items() if v[0] != v[1]}
    assert wrongly_penalised == {}


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=[a.name for a in ALTERNATIVES])
def test_correct_alternative_gets_full_marks(tmp_path: Path, alt: Alternative) -> None:
    scores = _graded(tmp_path, alt.module, _edited(alt.module, alt.find, alt.replace))
    lost = {k: v[2] for k, v in scores.items() if v[0] != v[1]}
    assert lost == {}
