"""Build ``cs231n_core/public_expected.npz``: the answers of the students' public self-check.

The cases (fixed inputs and how each task is called) live in ``cs231n_core/check/cases/``,
which ships to students. This builder runs every case against the reference
(``autograder.reference``), stores what it returned under ``"<task id>/<part>"``,
adds the task list from the registry (``_tasks/id``, ``_tasks/points``,
``_tasks/notebook``), and then runs every case again in check mode against the
reference to make sure the reference passes each part of its own public check.

Usage::

    python -m autograder.maintain.build_public           # rewrite the data file when it is stale
    python -m autograder.maintain.build_public --check   # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import numpy as np

from autograder.registry import TASKS, TASKS_BY_ID
from autograder.solutions import REFERENCE_DIR
from cs231n_core import check as public
from cs231n_core.check import harness, runner

DATA_FILE = harness.DATA_FILE
# Tolerance of the staleness comparison: BLAS may round the last bits differently
# from one machine to another, so a fresh build need not be bit-identical.
RTOL = 1e-10
NOISE_FLOOR = 1e-12  # absolute differences below this are rounding noise


# The data file's arrays, and each task's check of the reference against them.
CheckedBuild = tuple[dict[str, np.ndarray], dict[str, public.CheckResult]]


class BuildError(RuntimeError):
    """The reference does not pass its own public check, or a task has no case."""


def reference_module(name: str) -> ModuleType:
    return importlib.import_module(f"autograder.reference.{name}")


def registry_arrays() -> dict[str, np.ndarray]:
    """The task list as arrays (unicode strings and floats; no pickled objects)."""
    key = harness.TASKS_KEY
    return {
        f"{key}/id": np.array([t.id for t in TASKS]),
        f"{key}/points": np.array([float(t.points) for t in TASKS]),
        f"{key}/notebook": np.array([t.notebook for t in TASKS]),
    }


def build() -> dict[str, np.ndarray]:
    """All arrays of the data file, computed from the reference and the registry."""
    return build_checked()[0]


def build_checked() -> CheckedBuild:
    """``build()``, with each task's check of the reference against the built arrays (the
    run that vouches for them), so a caller that needs both trains the reference once."""
    missing = sorted(set(TASKS_BY_ID) - set(harness.CASES))
    extra = sorted(set(harness.CASES) - set(TASKS_BY_ID))
    if missing or extra:
        raise BuildError(
            "cs231n_core/check must have exactly one case per registered task: "
            f"missing {missing}, not in the registry {extra}"
        )
    arrays = registry_arrays()
    problems: list[str] = []
    for task in TASKS:
        answers, result = runner.record_answers(task.id, reference_module)
        problems += _problems(result)
        arrays.update(answers)
    reference_files = {
        str((REFERENCE_DIR / f"{t.module}.py").resolve()): f"autograder/reference/{t.module}.py"
        for t in TASKS
    }
    checked = {
        task.id: runner.run_case(task.id, reference_module, arrays, student_files=reference_files)
        for task in TASKS
    }
    for result in checked.values():
        problems += _problems(result)
    if problems:
        raise BuildError(
            "the reference fails its own public check:\n" + "\n".join(dict.fromkeys(problems))
        )
    return arrays, checked


def _problems(result: public.CheckResult) -> list[str]:
    problems = [
        f"{result.task_id}: {p.name}: {p.detail}" for p in result.parts if p.status != "pass"
    ]
    if result.status != "pass":
        problems.append(f"{result.task_id}: {result.status}: {result.message}")
    return problems


def load(path: Path = DATA_FILE) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def differences(
    stored: Mapping[str, np.ndarray], built: Mapping[str, np.ndarray], rtol: float = RTOL
) -> list[str]:
    """Keys whose stored arrays differ from a fresh build (empty when fresh)."""
    diffs = [f"missing {k}" for k in built if k not in stored]
    diffs += [f"obsolete {k}" for k in stored if k not in built]
    for key in built:
        if key not in stored:
            continue
        a, b = stored[key], built[key]
        if a.shape != b.shape or a.dtype != b.dtype:
            diffs.append(f"changed {key}: {a.dtype}{a.shape} -> {b.dtype}{b.shape}")
        elif a.dtype.kind == "f":
            # float32 answers round at ~6e-8; answers that are zero in exact arithmetic
            # (e.g. a bias gradient before batchnorm) hold only rounding noise.
            tol = max(rtol, 1e-5) if a.dtype == np.float32 else rtol
            atol = max(tol * float(np.abs(b).max(initial=0.0)), NOISE_FLOOR)
            if not np.allclose(a, b, rtol=tol, atol=atol, equal_nan=True):
                diffs.append(f"changed {key}")
        elif not np.array_equal(a, b):
            diffs.append(f"changed {key}")
    return diffs


def write(arrays: Mapping[str, np.ndarray], path: Path = DATA_FILE) -> None:
    np.savez(path, **arrays)  # type: ignore[arg-type]  # numpy types **kwds as allow_pickle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report a stale data file")
    args = parser.parse_args(argv)
    try:
        built = build()
    except BuildError as exc:
        print(f"build_public: {exc}", file=sys.stderr)
        return 2
    stale = differences(load(), built) if DATA_FILE.exists() else ["missing file"]
    if args.check:
        if stale:
            print(
                f"stale: cs231n_core/{DATA_FILE.name} ({len(stale)} differences, e.g. "
                f"{stale[0]}); run `python -m autograder.maintain.build_public`"
            )
        return 1 if stale else 0
    if stale:
        write(built)
        print(f"wrote cs231n_core/{DATA_FILE.name} ({len(built)} arrays)")
    else:
        print(f"cs231n_core/{DATA_FILE.name} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
