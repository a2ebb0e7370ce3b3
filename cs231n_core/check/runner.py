"""Running the self-check: the task list, one task's run, fresh imports, the command line.

Provided whole: use it, do not edit it.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.abc
import importlib.util
import linecache
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

# Importing the cases registers them in CASES.
from cs231n_core.check import cases as _cases  # noqa: F401
from cs231n_core.check.harness import (
    CASES,
    DATA_FILE,
    PACKAGE,
    PACKAGE_DIR,
    TASKS_KEY,
    CheckAbort,
    CheckFailed,
    CheckResult,
    CheckResults,
    ModuleLoader,
    Trial,
    _DataError,
    _task_named,
)
from cs231n_core.check.parts import Task

# ====================================================================== task list


def _load_data(path: Path = DATA_FILE) -> dict[str, np.ndarray]:
    if not path.exists():
        raise FileNotFoundError(
            f"{path.name} is missing next to check/: restore cs231n_core/{path.name} from the "
            "assignment release"
        )
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


_DATA_CACHE: dict[str, Any] = {}


def _data() -> dict[str, np.ndarray]:
    stamp = DATA_FILE.stat().st_mtime_ns if DATA_FILE.exists() else None
    if _DATA_CACHE.get("stamp") != stamp or "data" not in _DATA_CACHE:
        _DATA_CACHE["data"] = _load_data()
        _DATA_CACHE["stamp"] = stamp
    return _DATA_CACHE["data"]


# The name the self-check exports for the registry's task record.
TaskInfo = Task


def tasks(data: Mapping[str, np.ndarray] | None = None) -> list[Task]:
    """The course's tasks in order (written into the data file from the task registry)."""
    data = _data() if data is None else data
    ids = data[f"{TASKS_KEY}/id"]
    points = data[f"{TASKS_KEY}/points"]
    notebooks = data[f"{TASKS_KEY}/notebook"]
    return [Task(str(i), float(p), str(n)) for i, p, n in zip(ids, points, notebooks)]


def task_ids() -> list[str]:
    """Every task id, in the order of the course."""
    return [t.id for t in tasks()]


def select(pattern: str, ids: Sequence[str] | None = None) -> list[str]:
    """Task ids matching ``pattern``: all for "", else the id itself or its prefix
    (``layers``, ``solver.Solver``), else every id containing it (``batchnorm``)."""
    ids = task_ids() if ids is None else list(ids)
    if not pattern:
        return ids
    exact = [i for i in ids if i == pattern or i.startswith(pattern + ".")]
    return exact or [i for i in ids if pattern in i]


def _no_match_message(pattern: str, ids: Sequence[str]) -> str:
    close = difflib.get_close_matches(pattern, ids, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return (
        f"no task matches {pattern!r}{hint}; run `python -m cs231n_core.check --list` "
        "to see the task ids"
    )


# ====================================================================== running checks


def _warning_text(caught: Sequence[warnings.WarningMessage]) -> str:
    seen: list[str] = []
    for w in caught:
        text = f"{w.category.__name__}: {w.message} ({Path(w.filename).name}, line {w.lineno})"
        if text not in seen:
            seen.append(text)
    more = f" and {len(seen) - 2} more" if len(seen) > 2 else ""
    return "your code warned: " + "; ".join(seen[:2]) + more


def _exception_text(exc: BaseException, student_files: Mapping[str, str]) -> str:
    """Type, message and the line of the student's file that raised (no traceback)."""
    message = str(exc).strip()
    if len(message) > 400:
        message = message[:400] + " ..."
    lines = [f"{type(exc).__name__}: {message}" if message else type(exc).__name__]
    if isinstance(exc, SyntaxError) and exc.filename:
        shown = student_files.get(str(Path(exc.filename).resolve()), exc.filename)
        lines.append(f"at {shown}, line {exc.lineno}:")
        if exc.text:
            lines.append(f"    {exc.text.strip()}")
        return "\n".join(lines)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if str(Path(f.filename).resolve()) in student_files]
    if mine:
        frame = mine[-1]
        linecache.checkcache(frame.filename)
        source = linecache.getline(frame.filename, frame.lineno or 0).strip()
        lines.append(
            f"at {student_files[str(Path(frame.filename).resolve())]}, line {frame.lineno}, "
            f"in {frame.name}:"
        )
        if source:
            lines.append(f"    {source}")
    elif frames:
        frame = frames[-1]
        lines.append(
            f"raised in {Path(frame.filename).name}, line {frame.lineno}, in {frame.name} "
            "(while checking what your code returned)"
        )
    return "\n".join(lines)


def _not_implemented_text(task_id: str, exc: NotImplementedError, known: set[str]) -> str:
    named = _task_named(exc)
    module = task_id.split(".", 1)[0]
    if named == task_id:
        return (
            f'not implemented yet: replace `raise NotImplementedError("{task_id}")` in '
            f"{PACKAGE}/{module}.py with your code"
        )
    if named in known:
        return f"not implemented yet: this check needs {named}, which is not implemented yet"
    return f"not implemented yet (NotImplementedError{': ' + named if named else ''})"


def run_case(
    task_id: str,
    modules: ModuleLoader,
    expected: Mapping[str, np.ndarray],
    *,
    record: dict[str, np.ndarray] | None = None,
    student_files: Mapping[str, str] | None = None,
    known_tasks: set[str] | None = None,
) -> CheckResult:
    """Run the public check of one task with these module implementations.

    expected: the stored answers; record: a dict to store answers into instead
    (record mode); student_files: resolved path -> shown name of the files whose
    lines an exception report should point at.
    """
    trial = Trial(task_id, modules, expected, record)
    status, message = "pass", ""
    start = time.perf_counter()
    with (
        warnings.catch_warnings(record=True) as caught,
        np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"),
    ):
        warnings.simplefilter("always")
        try:
            CASES[task_id](trial)
        except CheckAbort as exc:
            status, message = "fail", str(exc)
        except NotImplementedError as exc:
            status = "not implemented"
            message = _not_implemented_text(task_id, exc, known_tasks or set(CASES))
        except _DataError as exc:
            status = "error"
            message = (
                f"{DATA_FILE.name} has no stored answer {exc}: it does not belong to this "
                "version of cs231n_core/check; restore both from the assignment release"
            )
        except (Exception, SystemExit) as exc:  # a self-check reports, it does not crash
            status, message = "error", _exception_text(exc, student_files or {})
    if caught:
        trial._habit("no warnings", _warning_text(caught))
    if status == "pass":
        if any(p.status == "fail" for p in trial.parts):
            status = "fail"
        elif not any(p.status == "pass" for p in trial.parts):
            status, message = "fail", "no part could be checked"
    mistake = trial.mistake(message or None) if status in ("fail", "error") else ""
    seconds = time.perf_counter() - start
    return CheckResult(task_id, status, trial.parts, message, seconds, mistake)


def record_answers(
    task_id: str, modules: ModuleLoader
) -> tuple[dict[str, np.ndarray], CheckResult]:
    """Run one task's case against an implementation and keep what it returned as answers."""
    record: dict[str, np.ndarray] = {}
    result = run_case(task_id, modules, {}, record=record)
    return record, result


# ---------------------------------------------------------------------- fresh imports


class _FreshLoader(importlib.abc.Loader):
    """Executes a module from its source file, never from a cached .pyc."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        code = compile(self.path.read_bytes(), str(self.path), "exec", dont_inherit=True)
        exec(code, module.__dict__)


class _FreshFinder(importlib.abc.MetaPathFinder):
    def __init__(self, paths: Mapping[str, Path]) -> None:
        self.paths = paths

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.paths:
            return None
        file = self.paths[fullname]
        return importlib.util.spec_from_file_location(fullname, file, loader=_FreshLoader(file))


@contextmanager
def _fresh_student_modules(modules: Sequence[str]) -> Iterator[ModuleLoader]:
    """Import the student modules afresh from disk for one run, then put back what the
    caller had imported (a notebook keeps its own module objects)."""
    package = importlib.import_module(PACKAGE)
    paths = {f"{PACKAGE}.{m}": PACKAGE_DIR / f"{m}.py" for m in modules}
    saved = {name: sys.modules.pop(name) for name in list(paths) if name in sys.modules}
    saved_attrs = {m: vars(package).pop(m) for m in modules if m in vars(package)}
    finder = _FreshFinder(paths)
    sys.meta_path.insert(0, finder)
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.meta_path.remove(finder)
        for name in paths:
            sys.modules.pop(name, None)
        for m in modules:
            vars(package).pop(m, None)
        sys.modules.update(saved)
        vars(package).update(saved_attrs)


def run_checks(
    ids: Sequence[str], on_result: Callable[[CheckResult], None] | None = None
) -> CheckResults:
    """Run the public checks of these tasks against the student's files."""
    data = _data()
    infos = tasks(data)
    known = {t.id for t in infos}
    modules = list(dict.fromkeys(t.module for t in infos))
    student_files = {str((PACKAGE_DIR / f"{m}.py").resolve()): f"{PACKAGE}/{m}.py" for m in modules}
    results = CheckResults()
    with _fresh_student_modules(modules) as loader:
        for task_id in ids:
            if task_id not in CASES:
                result = CheckResult(
                    task_id,
                    "error",
                    message=("this version of the self-check has no check for this task"),
                )
            else:
                result = run_case(
                    task_id, loader, data, student_files=student_files, known_tasks=known
                )
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


# ====================================================================== public API


def check_task(task_id: str, *, raise_on_failure: bool = True) -> CheckResult:
    """Run the public check of one task and print its report.

    Inputs:
    - task_id: a task id such as "layers.affine_backward"
    - raise_on_failure: raise CheckFailed (after printing) when the task does
      not pass, so that a notebook cell running this check fails visibly

    Returns:
    - the CheckResult (status, parts with their errors and ranges)
    """
    ids = task_ids()
    if task_id not in ids:
        raise ValueError(_no_match_message(task_id, ids).replace("no task matches", "unknown task"))
    result = run_checks([task_id])[0]
    print(result.report(), flush=True)
    if raise_on_failure and not result.passed:
        raise CheckFailed(result)
    return result


def check(pattern: str = "", *, verbose: bool = True) -> CheckResults:
    """Run the public checks of every task whose id matches ``pattern``.

    ``pattern`` is a task id, a prefix ("layers", "solver.Solver") or a part of
    ids ("batchnorm"); "" runs every task. With verbose, print each task's
    report and a summary line. Returns the list of CheckResult.
    """
    ids = select(pattern)
    if not ids:
        raise ValueError(_no_match_message(pattern, task_ids()))

    def show(result: CheckResult) -> None:
        if verbose:
            print(result.report(), flush=True)

    results = run_checks(ids, show)
    if verbose:
        print(_summary(results), flush=True)
    return results


def _summary(results: Sequence[CheckResult]) -> str:
    passed = sum(r.passed for r in results)
    seconds = sum(r.seconds for r in results)
    return f"{passed} passed, {len(results) - passed} failed ({seconds:.1f} s)"


def _table_row(result: CheckResult, points: float, width: int) -> str:
    detail = result.headline()
    if len(detail) > 90:
        detail = detail[:87] + "..."
    return f"{result.task_id:<{width}} {points:>6g}  {result.label:<5}  {detail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the checks, print a table and a summary; exit 0 only if all pass."""
    parser = argparse.ArgumentParser(
        prog="python -m cs231n_core.check",
        description="Run the public self-checks of cs231n_core on fixed inputs.",
    )
    parser.add_argument(
        "pattern",
        nargs="?",
        default="",
        help="a task id, a prefix such as 'layers', or part of ids such as 'batchnorm' "
        "(default: every task)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every part of every task"
    )
    parser.add_argument("--list", action="store_true", help="list the task ids and exit")
    args = parser.parse_args(argv)
    try:
        infos = tasks()
    except (OSError, ValueError, KeyError) as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 2
    points = {t.id: t.points for t in infos}
    ids = select(args.pattern, [t.id for t in infos])
    if args.list:
        width = max(len(t.id) for t in infos)
        for t in infos:
            if t.id in ids:
                print(f"{t.id:<{width}} {t.points:>6g}  {t.notebook}")
        return 0
    if not ids:
        print(f"check: {_no_match_message(args.pattern, list(points))}", file=sys.stderr)
        return 2
    verbose = args.verbose or len(ids) == 1
    width = max(len(i) for i in ids)
    rows: list[str] = []

    def show(result: CheckResult) -> None:
        if verbose:
            print(result.report() + "\n", flush=True)
        rows.append(_table_row(result, points[result.task_id], width))
        if not verbose:
            if len(rows) == 1:
                print(f"{'task':<{width}} {'points':>6}  result details", flush=True)
            print(rows[-1], flush=True)

    results = run_checks(ids, show)
    if verbose:
        print(f"{'task':<{width}} {'points':>6}  result details")
        print("\n".join(rows))
    print(_summary(results))
    return 0 if all(r.passed for r in results) else 1

