"""The hidden checks against realistic student bugs and against correct alternatives."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from autograder.grading import grade_submission
from autograder.mutation import OverrideError, apply_override, mutated_module_text, rebound_names
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
    wrongly_penalised = {k: v[2] for k, v in scores.items() if v[0] != v[1]}
    assert wrongly_penalised == {}


def _lost(scores: dict[str, tuple[float, float, str]]) -> dict[str, str]:
    return {k: v[2] for k, v in scores.items() if v[0] != v[1]}


def test_every_task_has_a_mutant() -> None:
    covered = {m.task for m in MUTANTS}
    missing = [t.id for t in TASKS if t.id not in covered]
    assert missing == [], f"tasks without a mutant: {missing}"


def test_names_are_unique() -> None:
    names = [e.name for e in [*MUTANTS, *ALTERNATIVES]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_loses_points_in_its_own_task_only(tmp_path: Path, mutant: Mutant) -> None:
    scores = _graded(tmp_path, mutant.module, mutated_module_text(mutant.module, mutant.source))
    _assert_loses_points_in_own_task_only(scores, mutant)


@pytest.mark.parametrize("alt", ALTERNATIVES, ids=[a.name for a in ALTERNATIVES])
def test_correct_alternative_gets_full_marks(tmp_path: Path, alt: Alternative) -> None:
    scores = _graded(tmp_path, alt.module, mutated_module_text(alt.module, alt.source))
    assert _lost(scores) == {}


# ------------------------------------------------------------ rewording the reference
class _RenameLocals(ast.NodeTransformer):
    """Give every local variable of every function a new name (parameters keep theirs)."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        inner = list(ast.walk(node))
        kept = {
            a.arg
            for n in inner
            if isinstance(n, ast.arguments)
            for a in [*n.posonlyargs, *n.args, *n.kwonlyargs, n.vararg, n.kwarg]
            if a
        }
        kept |= {
            name for n in inner if isinstance(n, ast.Global | ast.Nonlocal) for name in n.names
        }
        kept |= {n.name for n in inner if isinstance(n, ast.ExceptHandler) and n.name}
        stored = {n.id for n in inner if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for n in inner:
            if isinstance(n, ast.Name) and n.id in stored - kept:
                n.id = f"{n.id}_renamed"
        return node


def _reworded(text: str) -> str:
    """The module as another author might write it: no comments, new layout, new local names."""
    return ast.unparse(_RenameLocals().visit(ast.parse(text)))


def _reworded_graded(tmp_path: Path, module: str, *sources: str) -> dict:
    text = _reworded(solved_module_text(module))
    for source in sources:
        text = apply_override(text, source)
    return _graded(tmp_path, module, text)


@pytest.mark.parametrize("module", STUB_MODULES)
def test_reworded_reference_keeps_full_marks(tmp_path: Path, module: str) -> None:
    text = solved_module_text(module)
    assert "_renamed" in _reworded(text) and "#" in text
    assert _lost(_reworded_graded(tmp_path, module)) == {}


@pytest.mark.parametrize("entry", [*MUTANTS, *ALTERNATIVES], ids=lambda e: e.name)
def test_every_override_applies_to_a_reworded_reference(entry: Mutant | Alternative) -> None:
    # Overrides replace whole functions, so they depend on no line of the reference.
    text = solved_module_text(entry.module)
    reworded = _reworded(text)
    assert rebound_names(reworded, entry.source) == rebound_names(text, entry.source)
    mutated = apply_override(reworded, entry.source)
    assert mutated.startswith(reworded)
    assert mutated.endswith(textwrap.dedent(entry.source).strip("\n") + "\n")


def _first_per_module(entries: list) -> list:
    seen: dict[str, object] = {}
    for e in entries:
        seen.setdefault(e.module, e)
    return list(seen.values())


@pytest.mark.parametrize("mutant", _first_per_module(MUTANTS), ids=lambda m: m.name)
def test_mutant_of_a_reworded_reference_still_loses_points(tmp_path: Path, mutant: Mutant) -> None:
    _assert_loses_points_in_own_task_only(
        _reworded_graded(tmp_path, mutant.module, mutant.source), mutant
    )


@pytest.mark.parametrize("alt", _first_per_module(ALTERNATIVES), ids=lambda a: a.name)
def test_alternative_of_a_reworded_reference_keeps_full_marks(
    tmp_path: Path, alt: Alternative
) -> None:
    assert _lost(_reworded_graded(tmp_path, alt.module, alt.source)) == {}


def test_override_of_a_function_the_module_lacks_is_refused() -> None:
    text = solved_module_text("layers").replace("def affine_forward(", "def affine_fwd(")
    with pytest.raises(OverrideError, match="affine_forward"):
        apply_override(text, "def affine_forward(x, w, b):\n    return x @ w, None\n")
    with pytest.raises(OverrideError, match=r"Solver\.step"):
        apply_override(solved_module_text("solver"), "def _s(self):\n    pass\nSolver.step = _s\n")
    with pytest.raises(OverrideError, match="replaces no function"):
        apply_override(text, "def _helper():\n    pass\n")
