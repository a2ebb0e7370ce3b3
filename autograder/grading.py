"""Trusted grading of one student-shaped folder (notebooks + ``cs231n_core/``).

For each student module a fresh worker process imports only that module of the
submission; every task's hidden check draws new inputs (a fresh seed per grading
run unless one is given), runs the student's function there and compares the
returned arrays with the reference here. Nothing the student's code does can
reach this process except plain data.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.checks.diagnoses import PREFIX, Outcome, diagnose
from autograder.checks.harness import (
    CheckAbort,
    PartResult,
    SectionsStopped,
    TaskRun,
    load_checks,
)
from autograder.isolation.sandbox import (
    NO_ISOLATION_NOTICE,
    require_isolation,
    stage_package,
    staged_provided,
)
from autograder.isolation.session import PROVIDED_DIR, WorkerFailure, WorkerSession
from autograder.registry import STUB_MODULES, TASKS, Task

PROVIDED_MODULES = sorted(
    p.stem for p in PROVIDED_DIR.glob("*.py") if p.stem not in STUB_MODULES and p.stem != "__init__"
)
TASK_TIMEOUT_SECONDS = 10.0
OUT_OF_TIME = ("not graded: the autograde of this submission reached its time limit "
               "(c.SubmissionLimits.max_seconds) before this task")


@dataclass
class TaskResult:
    id: str
    points: float
    max_points: float
    feedback: str


def course_points(result: TaskResult, max_points: float) -> float:
    """The trusted grader's result on a task worth ``max_points`` in this course.

    The grader scores a task out of its registry points; a course's gradebook holds the
    points the task was released with, which decide there. A task's score is its parts'
    weighted share of its points, so the result scales.
    """
    return result.points * max_points / result.max_points if result.max_points else 0.0


@dataclass
class GradeReport:
    tasks: list[TaskResult]
    sandboxed: bool
    seed: int
    notices: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return round(sum(t.points for t in self.tasks), 4)

    @property
    def max_total(self) -> float:
        return round(sum(t.max_points for t in self.tasks), 4)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``cs231n-course grade --json``."""
        return {
            "total": float(self.total),
            "max_total": float(self.max_total),
            "tasks": [
                {
                    "id": t.id,
                    "points": float(t.points),
                    "max_points": float(t.max_points),
                    "feedback": t.feedback,
                }
                for t in self.tasks
            ],
        }


def _outcome(results: dict[str, PartResult], abort: str | None) -> Outcome:
    failed = {n: r.seen for n, r in results.items() if not r.passed and r.seen is not None}
    passed = frozenset(n for n, r in results.items() if r.passed)
    return Outcome(failed, passed, abort)


def _score(
    task: Task, parts: dict[str, float], results: dict[str, PartResult], abort: str | None
) -> TaskResult:
    total_weight = sum(parts.values())
    earned_weight = sum(r.weight for r in results.values() if r.passed)
    if abort is not None and _still_a_stub(task.id, abort):
        # Independent parts may pass on the provided lines around the fence (a mode
        # check, say); a function that still raises the stub's error has earned nothing.
        earned_weight = 0.0
    points = round(task.points * earned_weight / total_weight, 4) if total_weight else 0.0
    lines = []
    for name in parts:
        r = results.get(name)
        if r is None:
            lines.append(
                f"[ ] {name}: not checked (see below)" if abort else f"[ ] {name}: not checked"
            )
        else:
            lines.append(f"[{'x' if r.passed else ' '}] {r.message}")
    if abort:
        lines.append(_friendly(task.id, abort))
    mistake = diagnose(task.id, _outcome(results, abort))
    if mistake is not None and earned_weight < total_weight:
        lines.append(PREFIX + mistake)
    return TaskResult(task.id, points, float(task.points), "\n".join(lines))


def _still_a_stub(task_id: str, reason: str) -> bool:
    """Whether the task's function raised the generated stub's NotImplementedError."""
    return f"NotImplementedError: {task_id}" in reason


def _friendly(task_id: str, reason: str) -> str:
    if _still_a_stub(task_id, reason):
        return "not implemented yet: the stub still raises NotImplementedError"
    return reason


def _import_failure(module: str, failure: WorkerFailure) -> str:
    """The feedback for every task of a module that could not be imported."""
    path = f"cs231n_core/{module}.py"
    if failure.kind == "timeout":
        return f"importing {path} {failure.message} (slow or looping code at import time?)"
    if failure.kind != "exception":
        return f"importing {path}: {failure.message}"
    hint = ""
    if "(unicode error)" in failure.message or "UnicodeDecodeError" in failure.message:
        hint = f"\n{path} is not valid UTF-8: save it with the UTF-8 encoding"
    return f"{path} could not be imported:\n{failure.message}{hint}"


def _zero(task: Task, reason: str) -> TaskResult:
    return TaskResult(task.id, 0.0, float(task.points), reason)


def _grade_module(
    package_dir: Path,
    module: str,
    tasks: list[Task],
    seed: int,
    sandboxed: bool,
    timeout: float,
    stop_at: float | None = None,
) -> list[TaskResult]:
    if not (package_dir / f"{module}.py").is_file():
        return [_zero(t, f"cs231n_core/{module}.py is missing from the submission") for t in tasks]
    checks = load_checks()
    proxies: dict[str, Callable[..., Any]] = {}
    for t in tasks:
        c = checks.get(t.id)
        if c is not None and c.proxies is not None:
            proxies.update(c.proxies())
    session = WorkerSession(
        package_dir,
        timeout=timeout,
        sandboxed=sandboxed,
        provided_dir=staged_provided(str(PROVIDED_DIR), tuple(PROVIDED_MODULES)),
    )
    results: list[TaskResult] = []
    # Honest code needs well under a second per task (a check that trains a model says how
    # long it may take); a module whose tasks keep timing out stops getting fresh full
    # timeouts, so one looping file costs minutes.
    honest = sum(checks[t.id].seconds if t.id in checks else 1.0 for t in tasks)
    deadline = time.monotonic() + 2 * timeout + honest
    if stop_at is not None:  # the submission's own limit (wall-clock time, seconds since the epoch)
        deadline = min(deadline, time.monotonic() + stop_at - time.time())
    import_failure: str | None = None  # an import that failed fails the same way for every task
    try:
        for task in tasks:
            remaining = deadline - time.monotonic()
            if import_failure is not None:
                results.append(_zero(task, import_failure))
                continue
            if stop_at is not None and time.time() >= stop_at:
                results.append(_zero(task, OUT_OF_TIME))
                continue
            if remaining <= 0:
                results.append(
                    _zero(
                        task,
                        "not graded: earlier tasks of this module used up "
                        "its time budget (infinite loop?)",
                    )
                )
                continue
            session.timeout = min(timeout, remaining)
            c = checks.get(task.id)
            if c is None:
                results.append(_zero(task, "no hidden check is defined for this task"))
                continue
            if session.proc is None:
                try:
                    session.import_module(module, PROVIDED_MODULES, proxies)
                except WorkerFailure as failure:
                    import_failure = _import_failure(module, failure)
                    if stop_at is not None and time.time() >= stop_at:
                        import_failure = OUT_OF_TIME
                    results.append(_zero(task, import_failure))
                    session.kill()
                    continue
            rng = np.random.default_rng([seed, zlib.crc32(task.id.encode())])
            run = TaskRun(task.id, c.parts, rng, session, provided=tuple(PROVIDED_MODULES))
            abort: str | None = None
            try:
                c.run(run)
            except SectionsStopped as exc:
                abort = str(exc)
            except CheckAbort as exc:
                abort = str(exc)
                run.fail_unsettled()
            except Exception as exc:
                abort = f"the grader could not evaluate your answer ({type(exc).__name__})"
            result = _score(task, c.parts, run.results, abort)
            if stop_at is not None and time.time() >= stop_at and result.points < result.max_points:
                result = _zero(task, OUT_OF_TIME)  # cut short by the submission's limit
            results.append(result)
    finally:
        session.close()
    return results


def grade_submission(
    submission_dir: Path | str,
    task_ids: Iterable[str] | None = None,
    seed: int | None = None,
    jobs: int = 2,
    timeout: float = TASK_TIMEOUT_SECONDS,
    stop_at: float | None = None,
) -> GradeReport:
    """Grade the tasks (all by default) of one student-shaped folder.

    ``timeout`` bounds each task; ``stop_at`` (seconds since the epoch, as
    ``time.time()``) bounds them all: tasks not finished by then get 0 and say so.
    """
    submission_dir = Path(submission_dir).resolve()
    wanted = None if task_ids is None else set(task_ids)
    tasks = [t for t in TASKS if wanted is None or t.id in wanted]
    if seed is None:
        seed = secrets.randbits(63)
    by_module: dict[str, list[Task]] = {}
    for t in tasks:
        by_module.setdefault(t.module, []).append(t)
    sandboxed = require_isolation()  # refuses without bubblewrap unless opted out
    notices = [] if sandboxed else [NO_ISOLATION_NOTICE]
    submitted = submission_dir / "cs231n_core"
    with tempfile.TemporaryDirectory(prefix="grader-stage-") as stage:
        os.chmod(stage, 0o755)
        package_dir = Path(stage) / "cs231n_core"
        notices += stage_package(submitted, package_dir)
        if not submitted.is_dir() or submitted.is_symlink():
            graded = {t.id: _zero(t, "cs231n_core/ is missing from the submission") for t in tasks}
        else:
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                futures = [
                    pool.submit(
                        _grade_module, package_dir, m, ts, seed, sandboxed, timeout, stop_at
                    )
                    for m, ts in by_module.items()
                ]
                graded = {r.id: r for f in futures for r in f.result()}
    late = sum(1 for t in graded.values() if t.feedback == OUT_OF_TIME)
    if late:
        notices.append(f"{late} task(s) {OUT_OF_TIME}")
    return GradeReport(
        [graded[t.id] for t in tasks], sandboxed=sandboxed, seed=seed, notices=notices
    )
