"""The hidden checks against realistic student bugs and against correct alternatives."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder.checks.diagnoses import PREFIX
from autograder.grading import grade_submission
from autograder.mutation import OverrideError, apply_override, patch, replace
from autograder.registry import STUB_MODULES, TASKS
from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.mutants import ALTERNATIVES, MUTANTS, Alternative, Mutant

SEED = 20261122


def _graded(tmp_path: Path, module: str, text: str) -> dict[str, tuple[float, float, str]]:
    write_solution_package(tmp_path, {module: text})
    ids = [t.id for t in TASKS if t.module == module]
    report = grade_submission(tmp_path, ids, seed=SEED)
    return {t.id: (t.points, t.max_points, t.feedback) for t in report.tasks}


def _assert_loses_points_in_own_task_only(
    scores: dict[str, tuple[float, float, str]], mutant: Mutant
) -> None:
    points, max_points, feedback = scores.pop(mutant.task)
    assert points < max_points, f"{mutant.name} kept full marks:\n{feedback}"
    assert feedback.strip()
    # The likely mistake the catalogue entry states, named on the feedback's last line.
    named = [line for line in feedback.splitlines() if line.startswith(PREFIX)]
    assert len(named) == 1 and mutant.diagnosis in named[0], (
        f"{mutant.name}: expected the diagnosis {mutant.diagnosis!r}:\n{feedback}"
    )
    assert _lost(scores) == {}


def _lost(scores: dict[str, tuple[float, float, str]]) -> dict[str, str]:
    """The feedback of each task that lost points or names a likely mistake."""
    return {k: v[2] for k, v in scores.items() if v[0] != v[1] or PREFIX in v[2]}


def test_every_task_has_a_mutant() -> None:
    covered = {m.task for m in MUTANTS}
    missing = [t.id for t in TASKS if t.id not in covered]
    assert missing == [], f"tasks without a mutant: {missing}"


def test_names_are_unique() -> None:
    names = [e.name for e in [*MUTANTS, *ALTERNATIVES]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_points_in_its_own_task_only(tmp_path: Path, mutant: Mutant) -> None:
    scores = _graded(tmp_path, mutant.module, mutant.apply(solved_module_text(mutant.module)))
    _assert_loses_points_in_own_task_only(scores, mutant)


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=[a.name for a in ALTERNATIVES])
def test_correct_alternative_gets_full_marks(tmp_path: Path, alt: Alternative) -> None:
    scores = _graded(tmp_path, alt.module, alt.apply(solved_module_text(alt.module)))
    assert _lost(scores) == {}


# ------------------------------------------------------------ rewording the reference
def _reworded(text: str) -> str:
    """The module as another author might lay it out: other comments, quotes and line breaks.

    Local names stay: the edits of the catalogue may name them.
    """
    flat = ast.unparse(ast.parse(text))  # no comments, one line a statement, 'single' quotes
    return re.sub(r"^( *)(return|for|if) ", r"\1# reworded\n\1\2 ", flat, flags=re.MULTILINE)


def _reworded_graded(tmp_path: Path, entry: Mutant | Alternative | None, module: str) -> dict:
    text = _reworded(solved_module_text(module))
    return _graded(tmp_path, module, entry.apply(text) if entry else text)


@pytest.mark.parametrize("module", STUB_MODULES)
def test_reworded_reference_keeps_full_marks(tmp_path: Path, module: str) -> None:
    text = solved_module_text(module)
    assert _reworded(text) != text and '"' in text and "# reworded" in _reworded(text)
    assert _lost(_reworded_graded(tmp_path, None, module)) == {}


@pytest.mark.parametrize("entry", [*MUTANTS, *ALTERNATIVES], ids=lambda e: e.name)
def test_every_change_applies_to_a_reworded_reference(entry: Mutant | Alternative) -> None:
    reworded = _reworded(solved_module_text(entry.module))
    mutated = entry.apply(reworded)
    assert mutated.startswith(reworded) and mutated != reworded


def _first_per_module(entries: list) -> list:
    seen: dict[str, object] = {}
    for e in entries:
        seen.setdefault(e.module, e)
    return list(seen.values())


@pytest.mark.parametrize("mutant", _first_per_module(MUTANTS), ids=lambda m: m.name)
def test_mutant_of_a_reworded_reference_still_loses_points(tmp_path: Path, mutant: Mutant) -> None:
    _assert_loses_points_in_own_task_only(
        _reworded_graded(tmp_path, mutant, mutant.module), mutant
    )


@pytest.mark.parametrize("alt", _first_per_module(ALTERNATIVES), ids=lambda a: a.name)
def test_alternative_of_a_reworded_reference_keeps_full_marks(
    tmp_path: Path, alt: Alternative
) -> None:
    assert _lost(_reworded_graded(tmp_path, alt, alt.module)) == {}


def test_override_of_a_function_the_module_lacks_is_refused() -> None:
    text = solved_module_text("layers").replace("def affine_forward(", "def affine_fwd(")
    with pytest.raises(OverrideError, match="affine_forward"):
        apply_override(text, "def affine_forward(x, w, b):\n    return x @ w, None\n")
    with pytest.raises(OverrideError, match=r"Solver\.step"):
        apply_override(solved_module_text("solver"), "def _s(self):\n    pass\nSolver.step = _s\n")
    with pytest.raises(OverrideError, match="replaces no function"):
        apply_override(text, "def _helper():\n    pass\n")


def test_an_edit_that_no_longer_matches_names_the_mutant_and_the_pattern() -> None:
    gone = Mutant("layers: a bug of a line that is gone", "layers.affine_backward",
                  replace("dout.total(axis=0)", "dout.mean(axis=0)"))
    with pytest.raises(OverrideError, match=r"a bug of a line that is gone.*dout\.total"):
        gone.apply(solved_module_text("layers"))
    twice = patch("affine_backward", replace("x", "x.copy()"))  # x is read in several places
    with pytest.raises(OverrideError, match=r"affine_backward: pattern 'x'.*found \d+ times"):
        apply_override(solved_module_text("layers"), twice)
