"""Students never get the reference: their distribution and requirements hold none of it.

The repository builds two distributions: the instructors' one at the root
(``autograder`` with the reference solutions and hidden checks, plus
``cs231n_core``) and the students' one in ``student/`` (``cs231n_core`` alone). The
wheel of the students' one is built here for real, as a student or a course
site would build it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy
import pytest
from packaging.requirements import Requirement

import autograder
from autograder.course.release import check_release
from autograder.isolation.kernel_sandbox import KERNEL_DISTRIBUTIONS
from autograder.isolation.visible import closure, masks, normalize, requirement_names

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "assignments" / "training_nn" / "requirements.txt"
INSTRUCTORS = "cs231n-training-nn"  # the root distribution (pyproject.toml)
NOTEBOOK_TOOLS = {"jupyterlab", "nbgrader", "ipykernel"}  # around the notebooks, not imported


def _requirements(text: str) -> list[str]:
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    return [ln for ln in lines if ln]


def test_the_root_distribution_is_the_instructors() -> None:
    name = re.search(r'(?m)^name = "([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert name is not None and normalize(name.group(1)) == INSTRUCTORS


@pytest.mark.slow
def test_student_wheel_holds_only_the_coursework_package(tmp_path: Path) -> None:
    # Built from a copy: an in-tree build leaves build/ and egg-info folders in the checkout.
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "student", tree / "student")
    shutil.copytree(ROOT / "cs231n_core", tree / "cs231n_core",
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path), str(tree / "student")],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("cs231n_core-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path / "unpacked")
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(meta_name).decode()
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"cs231n_core", meta_name.split("/", 1)[0]}, tops
    assert not any("autograder" in n or "reference" in n for n in names)
    shipped = {n for n in names if n.startswith("cs231n_core/")}
    wanted = {f"cs231n_core/{p.relative_to(ROOT / 'cs231n_core')}"
              for p in (ROOT / "cs231n_core").rglob("*")
              if p.suffix in (".py", ".npz") and "__pycache__" not in p.parts}
    assert shipped == wanted
    # No solution marker and no line of the reference solutions (the release's own check).
    assert check_release(tmp_path / "unpacked") == []
    requires = [ln.split(":", 1)[1] for ln in metadata.splitlines()
                if ln.startswith("Requires-Dist:")]
    assert INSTRUCTORS not in requirement_names(requires)
    # What the package needs is what the students' requirements install.
    assert set(requirement_names(requires)) <= set(requirement_names(
        _requirements(REQUIREMENTS.read_text())))


def test_student_requirements_never_pull_the_instructors_distribution() -> None:
    lines = _requirements(REQUIREMENTS.read_text())
    assert lines, "the students' requirements.txt is empty"
    for line in lines:
        # No local path, URL, editable install or option that could bring in this repository.
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*[<>=!~,.0-9*\s]*", line), line
    names = set(requirement_names(lines))
    assert INSTRUCTORS not in names and "cs231n-core" not in names
    # Every package the notebooks import is shown in the sandboxed kernel.
    assert names - NOTEBOOK_TOOLS <= set(KERNEL_DISTRIBUTIONS)


def test_the_instructors_distribution_is_never_shown_to_a_kernel() -> None:
    shown = {normalize(d.metadata["Name"]) for d in closure([INSTRUCTORS, "numpy"])}
    assert "numpy" in shown and INSTRUCTORS not in shown


def test_the_folder_autograder_is_imported_from_is_hidden(tmp_path: Path) -> None:
    package = Path(autograder.__file__).resolve().parent
    args = masks([package.parent], keep=[])
    hidden = [args[i + 1] for i, a in enumerate(args) if a == "--tmpfs"]
    assert str(package.parent) in hidden


# Programs the students' README may tell them to run, and the requirement that installs each
# (None: it comes with Python's venv).
PROGRAMS = {"python": None, "python3": None, "pip": None, ".": None,
            "jupyter": "jupyterlab", "nbgrader": "nbgrader"}


def test_every_command_of_the_students_readme_is_installed_for_them() -> None:
    readme = (ROOT / "assignments" / "training_nn" / "README.md").read_text()
    commands = [line.split("#", 1)[0].strip()
                for block in re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
                for line in block.splitlines()]
    installed = set(requirement_names(_requirements(REQUIREMENTS.read_text())))
    seen = set()
    for command in filter(None, commands):
        program, *args = command.split()
        assert program in PROGRAMS, f"the README runs {program!r}, which students do not get"
        assert PROGRAMS[program] is None or PROGRAMS[program] in installed, command
        if program.startswith("python"):
            assert args[0] == "-m", command
            module = args[1]
            if module.startswith("cs231n_core"):  # shipped in the release's cs231n_core/
                path = ROOT.joinpath(*module.split("."))
                assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()
            else:
                assert module == "venv", command
            seen.add(module)
    assert "cs231n_core.check.handin" in seen  # the hand-in step needs nothing installed


def test_students_get_the_numpy_the_checks_are_tested_with() -> None:
    student = re.search(r'"(numpy[^"]*)"', (ROOT / "student" / "pyproject.toml").read_text())
    assert student is not None
    wanted = Requirement(student.group(1))
    [listed] = [Requirement(r) for r in _requirements(REQUIREMENTS.read_text())
                if Requirement(r).name == "numpy"]
    assert listed.specifier == wanted.specifier  # one range in both places
    assert wanted.specifier.contains(numpy.__version__)  # the numpy these tests run on
    assert not wanted.specifier.contains("1.26.4")  # numpy 1 APIs are gone from the checks
    assert not wanted.specifier.contains("3.0.0")  # an untested major version
