"""Grade every hostile and broken submission of the test catalogue; write ``docs/hardening.md``.

Run from the repository root (the catalogue lives in ``tests/catalogue``)::

    python -m tests.catalogue.hardening_report

Each hostile case is the solved ``layers`` module with one attack, graded on the
``layers`` tasks plus a task of another module, exactly as ``tests/grader/test_hostile.py``
grades it; each broken case is a complete perfect submission with one thing
broken, graded on every task, as ``tests/grader/test_broken.py`` does. A case *gains
credit* when a task it attacked or broke earns any points (or any task earns more
than its maximum); it is *as expected* when, in addition, every other task keeps
full marks, the feedback says what went wrong and (hostile cases) the course
directory around the submission is unchanged.

Then every hostile case that is not slow (a time-limit case) is submitted as one
student of one class, with an honest bystander, and graded by one nbgrader
``autograde`` run, as ``tests/grader/test_hostile.py`` does with a sample of them
(``tests/catalogue/hostile_class.py``): the *autograde* column says whether that
student got no credit beyond its honest work, nothing from outside its submission in
its autograded folder, and left the other students and the course directory alone.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.grading import GradeReport, grade_submission
from autograder.isolation.sandbox import sandbox_available
from autograder.registry import TASKS
from autograder.solutions import reference_path, solved_module_text, write_solution_package

COMMAND = "python -m tests.catalogue.hardening_report"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO / "docs" / "hardening.md"
HOSTILE_TIMEOUT = 3.0  # the per-task timeout tests/grader/test_hostile.py uses
CLASS_BOUND = 120.0  # seconds per submission of the autograde class (a hang guard)
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
    autograde: str = "-"  # through the autograde class: "yes", a problem, or "-"


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


def run_catalogue(
    progress: Callable[[str], None] = lambda s: None,
) -> tuple[list[Outcome], ClassRun]:
    sys.path.insert(0, str(REPO))  # the catalogue is importable from the repository root
    from autograder.course.setup import write_solutions_folder
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
        class_run = autograde_class(HOSTILES, outcomes, Path(tmp) / "class", progress)
    return outcomes, class_run


@dataclass
class AttackRow:
    prop: str
    name: str
    gained: bool | None  # None: not run here (needs the sandbox or a browser)
    as_expected: bool | None
    seconds: float
    bound: float
    note: str = ""


def run_attacks(progress: Callable[[str], None] = lambda s: None) -> list[AttackRow]:
    """Run every attack on the hardening properties (``tests/catalogue/attacks``)."""
    sys.path.insert(0, str(REPO))
    from tests.catalogue.attacks import ATTACKS, PROPERTIES

    rows: list[AttackRow] = []
    sandboxed = sandbox_available()
    browser = Path("/usr/bin/chromium").exists() or shutil.which("chromium") is not None
    with tempfile.TemporaryDirectory(prefix="attacks-") as tmp:
        for i, attack in enumerate(ATTACKS, 1):
            prop = PROPERTIES[attack.prop]
            if (attack.needs_sandbox and not sandboxed) or (attack.needs_browser and not browser):
                why = "needs the sandbox" if attack.needs_sandbox else "needs Chromium"
                rows.append(AttackRow(prop, attack.name, None, None, 0.0, attack.bound,
                                      f"skipped: {why}"))
                continue
            work = Path(tempfile.mkdtemp(prefix=f"{attack.id}-", dir=tmp))
            start = time.monotonic()
            outcome = attack.run(work)
            seconds = time.monotonic() - start
            rows.append(AttackRow(prop, attack.name, outcome.gained,
                                  outcome.as_expected and seconds < attack.bound,
                                  seconds, attack.bound, outcome.figure))
            progress(f"[attack {i}/{len(ATTACKS)}] {prop}: {attack.name}: "
                     f"{_cell(outcome.gained, 'GAINED', 'nothing gained')} ({seconds:.1f} s)")
    return rows


def render_attacks(rows: list[AttackRow]) -> list[str]:
    ran = [r for r in rows if r.gained is not None]
    lines = [
        "## Attacks on the hardening properties",
        "",
        "Every case of `tests/catalogue/attacks/` (run by `tests/grader/test_attacks.py`, each "
        "with its wall-clock bound). A case *gains* when the attacker got anything it must not: "
        "points, the answers, script run in the instructor's page, a process left behind or a "
        "hang; it is *as expected* when, besides, the honest work and the other students were "
        "graded normally, the instructor was told, and the case finished within its bound.",
        "",
        f"{len(ran)} cases run, {sum(bool(r.gained) for r in ran)} gained anything (goal: 0), "
        f"{sum(not r.as_expected for r in ran)} not as expected"
        + (f", {len(rows) - len(ran)} skipped" if len(rows) > len(ran) else "") + ".",
        "",
        "| property | case | gained | as expected | time | bound | measured |",
        "| --- | --- | --- | --- | ---: | ---: | --- |",
    ]
    for r in rows:
        name = r.name.replace("|", "\\|")
        if r.gained is None:
            lines.append(f"| {r.prop} | {name} | - | {r.note} | - | {r.bound:.0f} s | - |")
            continue
        lines.append(
            f"| {r.prop} | {name} | {_cell(r.gained, '**yes**', 'no')} | "
            f"{_cell(r.as_expected, 'yes', '**no**')} | {r.seconds:.1f} s | {r.bound:.0f} s | "
            f"{r.note or '-'} |"
        )
    return lines


@dataclass
class ClassRun:
    students: int
    seconds: float
    slowest: float


def autograde_class(hostiles, outcomes: list[Outcome], work: Path,
                    progress: Callable[[str], None]) -> ClassRun:
    """Grade the fast hostile cases as one class in one autograde run; fill the column."""
    from tests.catalogue.hostile_class import class_problems, run_hostile_class

    sandboxed = sandbox_available()
    cases = [h for h in hostiles if not h.slow and (sandboxed or not h.isolated_only)]
    progress(f"[autograde] one class: {len(cases)} hostile students and a bystander")
    start = time.monotonic()
    run = run_hostile_class(work, cases)
    seconds = time.monotonic() - start
    problems = class_problems(run, CLASS_BOUND)
    by_name = {case.name: problems.get(student, []) for student, case in run.cases.items()}
    for o in outcomes:
        if o.kind == "hostile" and o.name in by_name:
            o.autograde = "; ".join(by_name[o.name]) or "yes"
        elif o.kind == "hostile" and o.gained is not None:
            o.autograde = "- (time-limit case)"
    others = [f"{k}: {'; '.join(v)}" for k, v in problems.items()
              if v and k not in run.cases]
    for o in outcomes:  # the bystander, earlier student or course directory harmed
        if others and o.autograde == "yes":
            o.autograde = "others harmed: " + " / ".join(others)
    slowest = max((r.seconds for r in run.results.values()), default=0.0)
    return ClassRun(len(run.results), seconds, slowest)


def _cell(flag: bool | None, yes: str, no: str) -> str:
    return "-" if flag is None else (yes if flag else no)


def render(outcomes: list[Outcome], sandboxed: bool, class_run: ClassRun,
           attacks: list[AttackRow]) -> str:
    ran = [o for o in outcomes if o.gained is not None]
    skipped = len(outcomes) - len(ran)
    gained = [o for o in ran if o.gained]
    unexpected = [o for o in ran if not o.as_expected or not o.autograde.startswith(("yes", "-"))]
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
        "(broken cases) and the course directory is unchanged (hostile cases). The "
        "hostile cases that do not run into a time limit are also graded as one class by "
        "one nbgrader `autograde` run with an honest bystander (*autograde* column: no "
        "credit beyond the honest work, nothing from outside the submission in the "
        "student's autograded folder, the other students and the course directory "
        "untouched); the broken cases go through `autograde` in `tests/grader/test_broken.py`.",
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
        f"| autograde class | {class_run.students} students in one run, "
        f"{class_run.seconds:.0f} s in all (2 worker processes), slowest student "
        f"{class_run.slowest:.1f} s |",
        "| sandbox | "
        + ("active (bubblewrap)" if sandboxed
           else "NOT active: plain subprocess with resource limits only") + " |",
        "",
        "| kind | case | gained credit | as expected | grading time | autograde |",
        "| --- | --- | --- | --- | ---: | --- |",
    ]
    for o in outcomes:
        name = o.name.replace("|", "\\|")
        if o.gained is None:
            lines.append(f"| {o.kind} | {name} | - | {o.note} | - | - |")
        else:
            lines.append(
                f"| {o.kind} | {name} | {_cell(o.gained, '**yes**', 'no')} | "
                f"{_cell(o.as_expected, 'yes', '**no**')} | {o.seconds:.1f} s | "
                f"{o.autograde if o.autograde.startswith(('yes', '-')) else f'**{o.autograde}**'} |"
            )
    lines += ["", *render_attacks(attacks), "", THREAT_MODEL, *WHERE_CODE_RUNS, ""]
    return "\n".join(lines)


THREAT_MODEL = """## Threat model

**Who attacks, with what.** A student who wants points they did not earn, or wants
to harm the course. They control every byte they hand in: their `cs231n_core`
modules (which the grader runs), their notebooks (outputs of any MIME type, cell
and notebook metadata, markdown, attachments), file names, links, special files,
and the size and shape of the whole submission. They know this project's source,
where a course keeps its gradebook and `source/`, and how the grader talks to its
workers. They cannot change the instructor's machine, config or installed packages
except through what they hand in.

**What they cannot do** (each is a property with cases in the table above):

- **Bounded time.** Every exchange with a grading worker has one deadline (the task
  timeout, 10 s by default) over the request, every callback, and the reply's length
  and body; a worker that stalls mid-reply is killed with its process group and the
  task scores 0. The autograde of one submission has a wall-clock limit
  (`c.SubmissionLimits.max_seconds`, 900 s by default): at the limit `autograde`
  kills nbgrader's whole process tree, kernels and workers included; unfinished tasks
  get 0 with a `TIME LIMIT` note; every other student is graded normally.
- **Bounded memory.** A reply from a student process is refused before decoding when
  it is over 8 MiB (the largest honest reply is 1.8 MB), holds over 50,000 JSON values
  (honest replies: at most 535) or is not ASCII; each array is at most 4 MiB, of a
  numeric dtype, with bytes that match its shape. At these caps the trusted process
  grows by at most 24 MiB (the *huge replies* case measures it).
- **Nothing to find.** Inside bubblewrap every folder of installed Python packages
  under the bound runtime (`site-packages`, `dist-packages`, the user site, the
  folder `autograder` was imported from) is an empty tmpfs; the grading worker gets
  numpy alone, a notebook kernel gets ipykernel, the students' packages and what they
  require, bound back file by file from each distribution's `RECORD`. The course
  directory, its `source/` and gradebook are never bound. This holds however the
  project was installed: the *exposure* cases install it non-editable into the very
  prefix and user site whose interpreter runs the grader. Students get the release
  folder or the `cs231n-core` wheel (`student/pyproject.toml`), which holds
  `cs231n_core` alone; their `requirements.txt` names only third-party packages.
- **No script.** The last autograde step cleans the autograded notebooks with
  nbconvert's `SanitizeHTML` (bleach) and an allowlist, and nbgrader's HTML exporter
  cleans them again whenever the formgrader or `generate_feedback` renders one;
  removed markup is shown as text. Every page this package writes, and nbgrader's
  annotated feedback pages, carry a Content-Security-Policy with `script-src 'none'`.
  Student ids with markup characters are refused.
- **Damage stays local.** Edited, duplicated or deleted nbgrader cells are repaired
  against the release in the gradebook before nbgrader checks them, so they cost only
  their own points (a deleted grade cell scores 0); a renamed notebook is recognised by
  its cells and graded under its own name, a copy of one next to it is not graded.
  Each repair is a line in the autograde output, the student's log and the class
  report's *Damaged submissions* table.
- **Size limits.** A submission holds at most 1,000 files, 10 MiB per file and 25 MiB
  in all, zip members at most 100:1 (`c.SubmissionLimits`). `cs231n-course submit`
  checks a folder from `lstat` and a zip from its central directory before copying
  anything, refuses links, devices, FIFOs and paths out of the folder, and counts
  bytes while extracting; `autograde` stages only regular files within the limits.
  A 0.5 MB zip that unpacks to 400 MiB is refused at +0.3 MiB peak RSS.
- **Clean kills.** Every process the grader starts dies with its parent
  (`PR_SET_PDEATHSIG`, bubblewrap's `--die-with-parent`). bubblewrap asks for that
  signal only after creating a sandbox's first process, so each sandbox also holds a
  lifeline: the first program inside it, `isolation/watchdog.py`, runs the worker or
  kernel and holds the reader of a pipe whose writer only the trusted process that
  started the sandbox holds; at end-of-file it kills every process of the sandbox's
  namespace. SIGKILL or Ctrl-C of `autograde` leaves no process of the run, Ctrl-C
  no temporary file either, and a rerun gives the same gradebook.

**Where bubblewrap is required.** Everything above except *nothing to find* holds
without it. Without bubblewrap, student code runs as the grader's user and can read
what that user can read, the reference included, and processes it forks may outlive
a SIGKILLed coordinator. So `grade`, `autograde` and `demo` refuse to start when
bubblewrap is missing, unless the instructor opts out explicitly
(`--allow-unsandboxed`, `CS231N_ALLOW_UNSANDBOXED=1` or `CS231N_SANDBOX=off`); then
every report and feedback says `WITHOUT isolation`.

**Known limits.** The formgrader runs its own inline scripts, so it cannot carry the
CSP; there the two sanitising passes are the protection. On a Dask cluster, killing
the coordinator does not stop tasks already running on remote workers (each is still
bounded by the submission's time limit). Messages between a `--execute` kernel and
nbgrader are bounded in time, not in size.
"""

WHERE_CODE_RUNS = [
    "## Where student code runs",
    "",
    "- **Trusted grading** (`grade`, and every registry grade cell under `autograde`): the "
    "student's modules run in the bubblewrap sandbox (`autograder/isolation/sandbox.py`) "
    "or, where the instructor opted out of bubblewrap, in a plain subprocess with the same "
    "resource limits, flagged `WITHOUT isolation` in the report and in the feedback.",
    "- **Before nbgrader sees a submission** (`autograde`): symbolic links, special files, "
    "names that are not valid UTF-8 and files over the size limits are left out of a staged "
    "copy (nbgrader's copy would follow a link and put, for example, the gradebook or the "
    "reference solutions into the student's autograded and feedback folders); a course "
    "notebook that cannot be read (not UTF-8, not JSON, not a notebook, a link, too big) is "
    "graded like a missing one, with the reason in its tasks' feedback; damaged nbgrader "
    "cells are repaired against the release. The submitted files are never changed.",
    "- **Notebook execution** (`autograde --execute`, or automatically when the notebooks "
    "have plain nbgrader test cells; off by default for the course notebooks): the kernel "
    "runs under bubblewrap (`autograder/isolation/kernel_sandbox.py`): read-only Python "
    "runtime with only the kernel's and the students' packages, the notebook's own folder "
    "read-only, a private /tmp, no network, a cleared environment, its own uid and resource "
    "limits; it talks to nbgrader over ZeroMQ `ipc` sockets in a private folder. Cells that "
    "write files into the notebook folder therefore fail, and only the embedded dataset is "
    "available (no cached CIFAR-10). Where the instructor opted out of bubblewrap the "
    "kernel runs unisolated, as the instructor, and `autograde` says so in its output and "
    "in the student's log; the scores of registry tasks never depend on that kernel either "
    "way, but plain nbgrader test cells are scored from its outputs.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Grade the hostile and broken catalogue; write the table."
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="Markdown file to write (default: docs/hardening.md)")
    args = parser.parse_args(argv)
    sandboxed = sandbox_available()
    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    outcomes, class_run = run_catalogue(progress)
    attacks = run_attacks(progress)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(outcomes, sandboxed, class_run, attacks))
    gained = sum(bool(o.gained) for o in outcomes) + sum(bool(r.gained) for r in attacks)
    print(f"{args.output}: {len(outcomes)} case(s), {gained} gained credit")
    return 1 if gained else 0


if __name__ == "__main__":
    sys.exit(main())
