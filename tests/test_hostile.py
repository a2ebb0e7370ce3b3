"""Hostile and broken submissions gain nothing, break nothing and finish in bounded time."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from autograder.build_stubs import reference_path
from autograder.grading import grade_submission
from autograder.registry import TASKS
from autograder.sandbox import sandbox_available
from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.hostile import HOSTILES, Hostile

LAYERS = [t.id for t in TASKS if t.module == "layers"]
BYSTANDER = "optim.adam"  # a task of another module: must be unaffected
TIMEOUT = 3.0
TIME_BOUND = 60.0


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _course(tmp_path: Path, hostile: Hostile) -> tuple[Path, Path]:
    course = tmp_path / "course"
    (course / "source" / "training_nn").mkdir(parents=True)
    (course / "source" / "training_nn" / "hidden.txt").write_text("hidden tests")
    (course / "gradebook.db").write_bytes(os.urandom(256))
    submission = course / "submitted" / "mallory" / "training_nn"
    other = course / "submitted" / "alice" / "training_nn"
    write_solution_package(other)
    paths = {
        "gradebook": str(course / "gradebook.db"),
        "course": str(course),
        "source": str(course / "source"),
        "reference": str(reference_path("layers")),
    }
    text = hostile.build(solved_module_text("layers"), paths)
    package = write_solution_package(submission, {"layers": text})
    for name, target in hostile.extra_files.items():
        (package / name).unlink(missing_ok=True)
        (package / name).symlink_to(paths.get(target, target))
    return course, submission


def _check(tmp_path: Path, hostile: Hostile) -> None:
    course, submission = _course(tmp_path, hostile)
    before = _snapshot(course)
    start = time.monotonic()
    report = grade_submission(submission, [*LAYERS, BYSTANDER], seed=7, timeout=TIMEOUT)
    elapsed = time.monotonic() - start
    scores = {t.id: (t.points, t.max_points, t.feedback) for t in report.tasks}
    assert elapsed < TIME_BOUND
    assert scores.pop(BYSTANDER)[0] == scores_max(BYSTANDER)
    for task_id, (points, max_points, feedback) in scores.items():
        if hostile.breaks_module or task_id in hostile.targets:
            assert points == 0, f"{task_id} earned {points}:\n{feedback}"
        elif not hostile.may_lose:
            assert points == max_points, f"{task_id} lost points:\n{feedback}"
        assert points <= max_points
    assert _snapshot(course) == before, "the course directory changed"
    # Another student graded afterwards is unaffected.
    alice = grade_submission(course / "submitted" / "alice" / "training_nn", LAYERS[:4], seed=8)
    assert alice.total == alice.max_total


def scores_max(task_id: str) -> float:
    return float(next(t.points for t in TASKS if t.id == task_id))


@pytest.mark.slow
@pytest.mark.parametrize("hostile", HOSTILES, ids=[h.name for h in HOSTILES])
def test_hostile_submission_gains_nothing(tmp_path: Path, hostile: Hostile) -> None:
    if hostile.isolated_only and not sandbox_available():
        pytest.skip("needs the bubblewrap sandbox")
    _check(tmp_path, hostile)


FALLBACK_SAFE = [h for h in HOSTILES if not h.isolated_only]


@pytest.mark.slow
@pytest.mark.parametrize("hostile", FALLBACK_SAFE[::3], ids=[h.name for h in FALLBACK_SAFE[::3]])
def test_unisolated_fallback_still_grades_safely(
    tmp_path: Path, hostile: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CS231N_SANDBOX", "off")
    _check(tmp_path, hostile)


def test_fallback_says_loudly_it_is_not_isolated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CS231N_SANDBOX", "off")
    write_solution_package(tmp_path)
    report = grade_submission(tmp_path, ["layers.affine_forward"], seed=1)
    assert not report.sandboxed
    assert any("WITHOUT isolation" in n for n in report.notices)


def test_sandbox_is_active_where_bubblewrap_is_installed(tmp_path: Path) -> None:
    if os.environ.get("CI") and not sandbox_available():
        pytest.fail("CI must grade inside the bubblewrap sandbox (install bubblewrap)")
    if not sandbox_available():
        pytest.skip("bubblewrap is not installed here")
    write_solution_package(tmp_path)
    report = grade_submission(tmp_path, ["layers.affine_forward"], seed=1)
    assert report.sandboxed and report.notices == []
