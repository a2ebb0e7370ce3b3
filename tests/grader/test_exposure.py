"""Nothing to find, where no sandbox hides it: the refusal and the worker's own path.

Without bubblewrap grading refuses to start unless the instructor opts out; once
opted out, the worker still starts with no folder of installed packages on its
path (``-I -S``: no site-packages, no user site, no ``.pth`` file), so plain imports
of the grader fail. The sandboxed cases, with the project installed into the
interpreter's own prefix, are in ``tests/catalogue/attacks/exposure.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course.submissions import submit
from autograder.grading import grade_submission
from autograder.solutions import solved_module_text, write_solution_package
from tests.catalogue.hostile import in_function
from tests.fixtures.course_notebook import new_fixture_course

PLAIN_IMPORT = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "Block" not in type(f).__name__]
sites = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
try:
    import autograder.reference.layers as ref
    return ref.affine_forward(x, w, b)
except ImportError as exc:
    raise RuntimeError(f"SITES {{sites}} {{exc}}")
"""


def test_unisolated_worker_has_no_package_folder_on_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CS231N_SANDBOX", "off")
    text = in_function("affine_forward", PLAIN_IMPORT)(solved_module_text("layers"), {})
    write_solution_package(tmp_path, {"layers": text})
    report = grade_submission(tmp_path, ["layers.affine_forward", "layers.relu_forward"], seed=2)
    target, bystander = report.tasks
    assert not report.sandboxed
    assert target.points == 0
    assert "SITES [] No module named 'autograder'" in target.feedback, target.feedback
    assert bystander.points == bystander.max_points


def _without_bwrap(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CS231N_SANDBOX", "CS231N_ALLOW_UNSANDBOXED")}
    env["PATH"] = str(tmp_path / "empty")  # bwrap (and nothing else) can be found
    return env


@pytest.mark.slow
def test_autograde_refuses_without_bubblewrap_and_touches_nothing(tmp_path: Path) -> None:
    course, perfect = new_fixture_course(tmp_path)
    submit(course, "perfect", perfect)
    before = course.gradebook.read_bytes()
    cli = [sys.executable, "-m", "autograder.course.cli", "autograde", str(course.root)]
    run = subprocess.run(cli, capture_output=True, text=True, timeout=120,
                         env=_without_bwrap(tmp_path))
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert "refusing to grade" in last and "--allow-unsandboxed" in last, run.stderr
    assert "Traceback" not in run.stderr
    assert course.gradebook.read_bytes() == before
    assert not course.autograded("perfect").exists()


def test_grade_opted_out_by_environment_says_so(tmp_path: Path) -> None:
    write_solution_package(tmp_path / "honest")
    env = {**_without_bwrap(tmp_path), "CS231N_ALLOW_UNSANDBOXED": "1"}
    cli = [sys.executable, "-m", "autograder.course.cli", "grade", str(tmp_path / "honest")]
    run = subprocess.run(cli, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert "WITHOUT isolation" in run.stderr
