"""Grade every hostile and broken submission of the test catalogue; write ``docs/hardening.md``.

Run from the repository root (the catalogue lives in ``tests/catalogue``)::

    python -m autograder.hardening_report

Each hostile case is the solved ``layers`` module with one attack, graded on the
``layers`` tasks plus a task of another module, exactly as ``tests/test_hostile.py``
grades it; each broken case is a complete perfect submission with one thing
broken, graded on every task, as ``tests/test_broken.py`` does. A case *gains
credit* when a task it attacked or broke earns any points (or any task earns more
than its maximum); it is *as expected* when, in addition, every other task keeps
full marks, the feedback says what went wrong and (hostile cases) the course
directory around the submission is unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.build_stubs import reference_path
from autograder.grading import GradeReport, grade_submission
from autograder.registry import TASKS
from autograder.sandbox import sandbox_available
from autograder.solutions import solved_module_text, write_solution_package

COMMAND = "python -m autograder.hardening_report"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "docs" / "hardening.md"
HOSTILE_TIMEOUT = 3.0  # the per-task timeout tests/test_hostile.py uses
LAYERS = [t.id for t in TASKS if t.module == "layers"]
BYSTANDER = "optim.adam"
MAX_POINTS = {t.id: float(t.points) for t in TASKS}


@dataclass
class Outcome:
    kind: str
    name: str
    gained: bool | None  # None: not run here
    as_expected: bool | None
    seconds: float
    note: str = ""


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _timed(grade: Callable[[], GradeReport]) -> tuple[GradeReport, float]:
    start = time.monotonic()
    report = grade()
    return report, time.monotonic() - start


def hostile_outcome(hostile, work: Path) -> Outcome:
    """Grade one hostile case inside a small course directory."""
    if hostile.isolated_only and not sandbox_available():
        return Outcome("hostile", hostile.name, None, None, 0.0, "skipped: needs the sandbox")
    course = work / "course"
    (course / "source" / "training_nn").mkdir(parents=True)
    (course / "source" / "training_nn" / "hidden.txt").write_text("hidden tests")
    (course / "gradebook.db").write_bytes(os.urandom(256))
    submission = course / "submitted" / "mallory" / "training_nn"
    write_solution_package(course / "submitted" / "alice" / "training_nn")
    paths = {
        "gradebook": str(course / "gradebook.db"),
        "course": str(course),
        "source": str(course / "source"),
        "reference": str(reference_path("layers")),
    }
    package = write_solution_package(
        submission, {"layers": hostile.build(solved_module_text("layers"), paths)}
    )
    for name, target in hostile.extra_files.items():
        (package / name).unlink(missing_ok=True)
        (package / name).symlink_to(paths.get(target, target))
    before = _snapshot(course)
    report, seconds = _timed(
        lambda: grade_submission(
            submission, [*LAYERS, BYSTANDER], seed=7, timeout=HOSTILE_TIMEOUT
        )
    )
    attacked = set(LAYERS) if hostile.breaks_module else set(hostile.targets)
    gained = any(
        t.points > t.max_points or (t.id in attacked and t.points > 0) for t in report.tasks
    )
    expected = not gained and _snapshot(course) == before
    for t in report.tasks:
        keeps = t.id == BYSTANDER or (t.id not in attacked and not hostile.may_lose)
        if keeps and t.points != t.max_points:
            expected = False
    return Outcome("hostile", hostile.name, gained, expected, seconds)


def broken_outcome(case, perfect: Path, work: Path) -> Outcome:
    """Grade one broken case: a perfect submission with one thing broken."""
    import shutil

    folder = work / "submission"
    shutil.copytree(perfect, folder, symlinks=True)
    case.apply(folder)
    report, seconds = _timed(lambda: grade_submission(folder))
    lost = case.lost_tasks()
    gained = any(
        t.points > t.max_points or (t.id in lost and t.points > 0) for t in report.tasks
    )
    expected = not gained and all(
        (case.message.lower() in t.feedback.lower())
        if t.id in lost
        else t.points == t.max_points
        for t in report.tasks
    )
    return Outcome("broken", case.name, gained, expected, seconds)


def run_catalogue(progress: Callable[[str], None] = lambda s: None) -> list[Outcome]:
    sys.path.insert(0, str(REPO))  # the catalogue is importable from the repository root
    from autograder.course import write_solutions_folder
    from tests.catalogue.broken import BROKEN
    from tests.catalogue.hostile import HOSTILES

    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="hardening-") as tmp:
        perfect = Path(tmp) / "perfect"
        write_solutions_folder(perfect)
        cases = [("hostile", h) for h in HOSTILES] + [("broken", b) for b in BROKEN]
        for i, (kind, case) in enumerate(cases, 1):
            work = Path(tempfile.mkdtemp(prefix=f"case{i:02d}-", dir=tmp))
            if kind == "hostile":
                outcome = hostile_outcome(case, work)
            else:
                outcome = broken_outcome(case, perfect, work)
            progress(f"[{i}/{len(cases)}] {kind}: {case.name}: "
                     f"{_cell(outcome.gained, 'yes', 'no')} ({outcome.seconds:.1f} s)")
            outcomes.append(outcome)
    return outcomes


def _cell(flag: bool | None, yes: str, no: str) -> str:
    return "-" if flag is None else (yes if flag else no)


def render(outcomes: list[Outcome], sandboxed: bool) -> str:
    ran = [o for o in outcomes if o.gained is not None]
    skipped = len(outcomes) - len(ran)
    gained = [o for o in ran if o.gained]
    unexpected = [o for o in ran if not o.as_expected]
    slowest = max(ran, key=lambda o: o.seconds) if ran else None
    kinds = {k: sum(o.kind == k for o in ran) for k in ("hostile", "broken")}
    lines = [
        "# Hardening: hostile and broken submissions",
        "",
        f"Generated by `{COMMAND}` (run from the repository root); do not edit by hand.",
        "",
        "Every case of the test catalogue (`tests/catalogue/hostile.py`, "
        "`tests/catalogue/broken.py`) graded by the trusted grader. A case *gains credit* "
        "when a task it attacked or broke earns any points; it is *as expected* when, in "
        "addition, every other task keeps full marks, the feedback names the problem "
        "(broken cases) and the course directory is unchanged (hostile cases).",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| cases tried | {len(ran)} ({kinds['hostile']} hostile, {kinds['broken']} broken)"
        + (f"; {skipped} skipped" if skipped else "") + " |",
        f"| cases that gained credit | {len(gained)} (goal: 0) |",
        f"| cases not as expected | {len(unexpected)} |",
        "| slowest grading time | "
        + (f"{slowest.seconds:.1f} s ({slowest.kind}: {slowest.name})" if slowest else "-")
        + " |",
        "| sandbox | "
        + ("active (bubblewrap)" if sandboxed
           else "NOT active: plain subprocess with resource limits only") + " |",
        "",
        "| kind | case | gained credit | as expected | grading time |",
        "| --- | --- | --- | --- | ---: |",
    ]
    for o in outcomes:
        name = o.name.replace("|", "\\|")
        if o.gained is None:
            lines.append(f"| {o.kind} | {name} | - | {o.note} | - |")
        else:
            lines.append(
                f"| {o.kind} | {name} | {_cell(o.gained, '**yes**', 'no')} | "
                f"{_cell(o.as_expected, 'yes', '**no**')} | {o.seconds:.1f} s |"
            )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Grade the hostile and broken catalogue; write the table."
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="Markdown file to write (default: docs/hardening.md)")
    args = parser.parse_args(argv)
    sandboxed = sandbox_available()
    outcomes = run_catalogue(lambda s: print(s, file=sys.stderr, flush=True))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(outcomes, sandboxed))
    gained = sum(bool(o.gained) for o in outcomes)
    print(f"{args.output}: {len(outcomes)} case(s), {gained} gained credit")
    return 1 if gained else 0


if __name__ == "__main__":
    sys.exit(main())
