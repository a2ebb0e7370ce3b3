"""The reference as a student would hand it in: a ``cs231n_core`` with every task solved.

Used for the perfect submission (``release --with-solutions``), the demo class and
the tests: each student module is its reference with the solution markers removed,
and the provided modules are copied as they ship.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from autograder.registry import STUB_MODULES

# The fence around the student's part of each task in a reference module.
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "autograder" / "reference"
STUB_DIR = ROOT / "cs231n_core"


def reference_path(module: str) -> Path:
    """The reference of a student module (``autograder/reference/<module>.py``)."""
    return REFERENCE_DIR / f"{module}.py"


def stub_path(module: str) -> Path:
    """The generated stub of a student module (``cs231n_core/<module>.py``)."""
    return STUB_DIR / f"{module}.py"


def solved_module_text(module: str) -> str:
    """The reference source of one module without its solution marker lines."""
    lines = reference_path(module).read_text().splitlines(keepends=True)
    return "".join(line for line in lines if line.strip() not in (BEGIN, END))


def write_solution_package(dest: Path | str, mutations: dict[str, str] | None = None) -> Path:
    """Write a solved ``cs231n_core`` package into ``dest`` (created); return its path.

    ``mutations`` maps module names to replacement source (e.g. a buggy student's file).
    """
    package = Path(dest) / "cs231n_core"
    package.mkdir(parents=True, exist_ok=True)
    for path in sorted(STUB_DIR.iterdir()):
        if path.is_file() and not (path.suffix == ".py" and path.stem in STUB_MODULES):
            shutil.copyfile(path, package / path.name)  # provided modules and their data
        elif path.is_dir() and path.name != "__pycache__":  # provided packages (the self-check)
            shutil.copytree(
                path,
                package / path.name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
    for module in STUB_MODULES:
        text = (mutations or {}).get(module) or solved_module_text(module)
        (package / f"{module}.py").write_text(text)
    return package
