"""Class-scale autograde against plain nbgrader, on one synthetic class.

The class (``build_class``): the demo's submissions (the perfect one, the
untouched release and students with realistic bugs, see
``autograder.course.demo``) cycled to the requested size. Four identical
copies of the course are graded, each by a separate command, so every run
starts from the same ungraded gradebook:

* ``cs231n-course autograde --jobs 1`` and ``--jobs N`` on the whole class;
* ``cs231n-course autograde --jobs N --execute`` on the first submissions
  only (every notebook executed in a sandboxed kernel, like for like with
  plain nbgrader);
* plain ``nbgrader autograde training_nn`` on a course configured the usual
  way (nbgrader's default autograde steps: every notebook is executed in a
  kernel, in the fast mode nbgrader's NBGRADER_EXECUTION selects, and grade
  cells are scored from their outputs), one submission after another, which
  is how nbgrader grades a class.

Each command's wall time and the peak resident memory of its process tree
are measured (sampled from /proc on Linux; elsewhere the largest single
process, from getrusage). The gradebooks of ``--jobs 1`` and ``--jobs N``
must hold the same scores and comments.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PLAIN_CONFIG = """\
# Plain nbgrader: the default autograde preprocessors (notebooks are executed).
c = get_config()  # noqa: F821
c.Execute.timeout = {timeout}
c.Autograde.exclude_overwriting = {{"{assignment}": {exclude!r}}}
"""


def quiet(_message: str) -> None:
    pass


def build_class(root: Path, n_students: int) -> tuple[Path, list[str]]:
    """An ungraded course under ``root/course`` with ``n_students`` submissions."""
    from autograder.course.demo import build_class as demo_class
    from autograder.course.setup import init_course
    from autograder.course.submissions import submit

    course = init_course(root / "course", progress=quiet)
    templates = demo_class(course, root / "students", quiet)  # submits the demo's students
    # Each cycle of the class: the perfect submission, the untouched release, the buggy ones.
    templates.sort(key=lambda s: (s != "perfect", s != "untouched_stubs", s))
    students = list(templates)
    for i in range(len(templates), n_students):
        template = templates[i % len(templates)]
        student = f"s{i:03d}_{template}"
        submit(course, student, root / "students" / template)
        students.append(student)
    for extra in students[n_students:]:  # a class smaller than the demo's
        shutil.rmtree(course.root / "submitted" / extra)
    return course.root, students[:n_students]


def copy_course(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


def make_plain(course_dir: Path) -> None:
    """Turn a course copy into a plain nbgrader course (default autograde steps)."""
    from autograder.course.layout import ASSIGNMENT, DEFAULT_TIMEOUT, student_module_files

    (course_dir / "nbgrader_config.py").write_text(
        PLAIN_CONFIG.format(timeout=DEFAULT_TIMEOUT, assignment=ASSIGNMENT,
                            exclude=student_module_files())
    )


# --------------------------------------------------------------------------- memory


def proc_table() -> dict[int, tuple[int, int, float]]:
    """pid -> (parent pid, resident bytes, user + system CPU seconds) of every process in /proc."""
    page = os.sysconf("SC_PAGE_SIZE")
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry.name}/statm") as f:
                rss_pages = int(f.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
        # The fields after the command name: state, ppid, ..., utime (12th), stime (13th).
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / tick
        table[int(entry.name)] = (int(fields[1]), rss_pages * page, cpu)
    return table


def _subtree(children: dict[int, list[int]], pid: int) -> list[int]:
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack += children.get(p, [])
    return out


def _subtree_rss(table: dict[int, tuple[int, int, float]], children: dict[int, list[int]],
                 pid: int) -> int:
    return sum(table.get(p, (0, 0, 0.0))[1] for p in _subtree(children, pid))


def proportional_set_size(pid: int) -> int:
    """Bytes of ``pid``'s proportional set size: each page shared by n processes counts 1/n.

    A warm nbgrader server's pages are shared by every run it forks; summing resident
    sizes counts them once per process, the proportional sizes once in all. 0 when the
    kernel does not say (no smaps_rollup) or the process ended.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_pss(children: dict[int, list[int]], pid: int) -> tuple[int, int]:
    """The proportional set size of ``pid``'s tree, and of its largest child's subtree.

    Each process's ``smaps_rollup`` is read once (the kernel walks every mapping to
    write it, so reading it is not cheap).
    """
    pss = {p: proportional_set_size(p) for p in _subtree(children, pid)}
    largest = max((sum(pss.get(q, 0) for q in _subtree(children, c))
                   for c in children.get(pid, [])), default=0)
    return sum(pss.values()), largest


@dataclass
class MemoryPeak:
    """Peak resident memory of a command's process tree, sampled every ``interval`` s."""

    pid: int
    interval: float = 0.2
    # Proportional sizes on every 5th sample (once a second at the default interval):
    # reading every process's smaps_rollup five times a second slowed the run it measured.
    pss_every: int = 5
    total: int = 0  # the whole tree
    worker: int = 0  # the largest subtree of one direct child (a pool worker), or the tree
    total_pss: int = 0  # the same two peaks in proportional set size (shared pages split)
    worker_pss: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.is_set():
            table = proc_table()
            if self.pid not in table:
                break
            children: dict[int, list[int]] = {}
            for p, (ppid, _, _) in table.items():
                children.setdefault(ppid, []).append(p)
            total = _subtree_rss(table, children, self.pid)
            kids = [_subtree_rss(table, children, c) for c in children.get(self.pid, [])]
            self.total = max(self.total, total)
            self.worker = max(self.worker, max(kids, default=0))
            if self.samples % self.pss_every == 0:
                total_pss, worker_pss = tree_pss(children, self.pid)
                self.total_pss = max(self.total_pss, total_pss)
                self.worker_pss = max(self.worker_pss, worker_pss)
            self.samples += 1
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Run:
    name: str
    seconds: float
    peak_total: int  # bytes
    peak_worker: int  # bytes
    returncode: int
    log: Path
    peak_worker_pss: int = 0  # bytes, proportional set size (0: not measured)


def timed_command(name: str, cmd: list[str], cwd: Path, log: Path, pool: bool) -> Run:
    """Run ``cmd``; wall time and peak memory (per worker: per direct child when ``pool``)."""
    from autograder.course.layout import nbgrader_env

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=nbgrader_env())
        peak = MemoryPeak(proc.pid)
        sampler = threading.Thread(target=peak.run, daemon=True)
        if os.path.isdir("/proc"):
            sampler.start()
        code = proc.wait()
        seconds = time.perf_counter() - start
        peak.stop()
        if sampler.is_alive():
            sampler.join()
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if peak.samples == 0:  # no /proc: the largest single process (when it beat earlier ones)
        peak.total = peak.worker = largest if largest > before else 0
    worker = peak.worker if pool else peak.total
    worker_pss = peak.worker_pss if pool else peak.total_pss
    return Run(name, seconds, peak.total, worker, code, log, worker_pss)


# --------------------------------------------------------------------------- results


PERFECT = "perfect"  # the demo's perfect submission; its copies in the class end with it


def task_seconds(log: Path, template: str = "") -> tuple[list[float], float | None]:
    """From an ``autograde`` log: each submission's task seconds and the run's total seconds.

    The progress lines read ``[autograde i/n] <student>: <score> (<seconds> s)`` and
    ``[autograde] <n> submission(s) in <seconds> s``. ``template``: only the
    submissions copied from that demo submission (``<template>`` or ``sNNN_<template>``).
    """
    import re

    text = log.read_text(errors="replace")
    who = rf"(?:s\d+_)?{re.escape(template)}" if template else r"\S+"
    each = [float(m) for m in
            re.findall(rf"^\[autograde \d+/\d+\] {who}: .*\(([\d.]+) s\)", text, re.M)]
    total = re.search(r"^\[autograde\] \d+ submission\(s\) in ([\d.]+) s", text, re.M)
    return each, float(total.group(1)) if total else None



def gradebook_digest(course_dir: Path) -> list[tuple]:
    """Every autograde-owned gradebook value, sorted: what must not depend on the backend."""
    from autograder.course.gradebook import open_gradebook
    from autograder.course.layout import ASSIGNMENT, Course

    rows: list[tuple] = []
    with open_gradebook(Course(course_dir)) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for g in nb.grades:
                    rows.append((sub.student.id, nb.name, g.name, g.auto_score,
                                 bool(g.needs_manual_grade)))
                for c in nb.comments:
                    rows.append((sub.student.id, nb.name, c.name, c.auto_comment))
    return sorted(rows, key=repr)


def class_scores(course_dir: Path) -> dict[str, float]:
    from autograder.course.gradebook import gradebook_scores
    from autograder.course.layout import Course

    return {r.student: r.total for r in gradebook_scores(Course(course_dir))}


def run_class(work: Path, n_students: int, jobs: int, plain_students: int,
              progress: Callable[[str], None] = lambda m: print(m, file=sys.stderr,
                                                                flush=True)) -> dict:
    """Build the class, grade it three ways, compare; return the measurements.

    Plain nbgrader grades only the first ``plain_students`` submissions (the
    class's first ones: one of each kind when it is at least the number of
    demo submissions), since it takes minutes per submission; its throughput
    is measured on those.
    """
    import warnings

    progress(f"[classrun] building a class of {n_students} in {work}")
    base, students = build_class(work / "build", n_students)
    plain_sample = students[: max(1, min(plain_students, len(students)))]
    runs: dict[str, Run] = {}
    cli = [sys.executable, "-m", "autograder.course.cli", "autograde"]
    dirs: dict[str, Path] = {}
    # (name, arguments after the course directory, worker pool, sample only). The
    # --execute run executes every notebook, as plain nbgrader does (in sandboxed
    # kernels), on the same sample: the like-for-like comparison.
    for name, cmd_tail, pool, sample_only in (
        ("plain nbgrader", None, False, True),
        ("autograde --jobs 1", ["--jobs", "1"], False, False),
        (f"autograde --jobs {jobs}", ["--jobs", str(jobs)], jobs > 1, False),
        (f"autograde --jobs {jobs} --execute", ["--jobs", str(jobs), "--execute"], jobs > 1,
         True),
    ):
        course_dir = copy_course(base, work / f"course-{len(dirs)}")
        dirs[name] = course_dir
        log = work / f"run-{len(dirs)}.log"
        if sample_only:
            for student in students:
                if student not in plain_sample:
                    shutil.rmtree(course_dir / "submitted" / student)
        if cmd_tail is None:
            make_plain(course_dir)
            cmd = [sys.executable, "-m", "nbgrader", "autograde", "training_nn"]
        else:
            cmd = [*cli, str(course_dir), *cmd_tail]
        progress(f"[classrun] {name} ...")
        runs[name] = timed_command(name, cmd, course_dir, log, pool)
        progress(f"[classrun] {name}: {runs[name].seconds:.1f} s (exit {runs[name].returncode})")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy's notices about nbgrader's sessions
        one, many = dirs["autograde --jobs 1"], dirs[f"autograde --jobs {jobs}"]
        identical = gradebook_digest(one) == gradebook_digest(many)
        scores = {name: class_scores(d) for name, d in dirs.items()}
    return {"students": students, "plain_sample": plain_sample, "runs": runs,
            "identical": identical, "scores": scores, "jobs": jobs}
