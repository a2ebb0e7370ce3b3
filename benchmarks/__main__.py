"""Run the benchmarks and print one table of side-by-side ratios.

    python -m benchmarks                 # every section
    python -m benchmarks kernels grade   # chosen sections

Sections: kernels (the reference against PyTorch, needs the ``benchmarks`` extra),
grade (trusted grading of one complete submission, sandbox on and off), class
(``autograde`` of a synthetic class with --jobs 1 and --jobs N against plain
nbgrader autograde; takes a while, see --plain-students), notebooks (every source
notebook executed on the embedded data, full and fast mode), execute (each notebook
in fast mode in the sandboxed kernel of ``autograde --execute``: kernel start-up, setup
cell, other cells, the kernel's peak memory), at-once (``autograde --execute`` of the
perfect submission with one notebook kernel at a time against two), service (the
submission service on loopback: one submission on the idle service, then a rush of
--service-students sending --service-submissions in bursts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.timing import machine_header, measure

Row = tuple[str, str, str, str]


def kernels_section(args: argparse.Namespace) -> list[Row]:
    from benchmarks import kernels

    repeats = args.repeats

    try:
        torch = kernels._torch()
    except ImportError:
        return [("kernels", "skipped", "", "PyTorch not installed: pip install -e '.[benchmarks]'")]
    import numpy as np  # noqa: F401 - loads the BLAS that threadpool_info reports
    from threadpoolctl import threadpool_info, threadpool_limits

    blas_threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    if args.threads:  # both sides limited alike: steadier figures on a shared machine
        threadpool_limits(args.threads)
        blas_threads = args.threads
    torch.set_num_threads(blas_threads)
    print(f"  kernels: {blas_threads} thread(s) on both sides", file=sys.stderr, flush=True)
    # Every case is measured in each of --runs rounds (cases interleaved round by
    # round, so a burst of load hits one round, not one case); the ratio's spread
    # over rounds shows whether a case is stable or sensitive to load.
    made = {name: make() for name, make in kernels.CASES.items()}
    ratios: dict[str, list[float]] = {name: [] for name in made}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in made}
    for i in range(args.runs):
        print(f"  kernels round {i + 1}/{args.runs} ...", file=sys.stderr, flush=True)
        for name, (ref, pt) in made.items():
            t_ref, t_pt = measure(ref, pt, repeats=repeats)
            ratios[name].append(t_ref / t_pt)
            times[name].append((t_ref, t_pt))
    rows = []
    for name in made:
        t_ref = statistics.median(t for t, _ in times[name])
        t_pt = statistics.median(t for _, t in times[name])
        spread = ratios[name]
        rows.append((
            name, f"{t_ref * 1e3:.2f} ms", f"{t_pt * 1e3:.2f} ms",
            f"{statistics.median(spread):.2f}x PyTorch (min {min(spread):.2f}x, "
            f"max {max(spread):.2f}x over {len(spread)})",
        ))
    graph, closed = kernels.batchnorm_backward_only()
    t_graph, t_closed = measure(graph, closed, repeats=repeats)
    rows.append(
        (
            "batchnorm backward: graph vs closed form",
            f"{t_graph * 1e3:.2f} ms",
            f"{t_closed * 1e3:.2f} ms",
            f"closed form {t_graph / t_closed:.2f}x faster",
        )
    )
    return rows


def grade_perfect(folder: str, sandbox: bool) -> None:
    """Trusted grading of the perfect submission in ``folder`` (it must earn every point)."""
    from autograder.grading import grade_submission

    os.environ["CS231N_SANDBOX"] = "on" if sandbox else "off"
    try:
        report = grade_submission(folder, seed=1)
    finally:
        os.environ.pop("CS231N_SANDBOX", None)
    assert report.total == report.max_total, "the reference lost points"


def grade_section(args: argparse.Namespace) -> list[Row]:
    from autograder.isolation.sandbox import sandbox_available
    from autograder.solutions import write_solution_package

    with tempfile.TemporaryDirectory() as tmp:
        write_solution_package(tmp)

        def run(sandbox: bool) -> None:
            grade_perfect(tmp, sandbox)

        if not sandbox_available():
            return [("grade", "skipped", "", "bubblewrap is not available")]
        t_on, t_off = measure(lambda: run(True), lambda: run(False),
                              repeats=max(3, args.repeats // 5))
    return [
        (
            "grade one complete submission",
            f"{t_on:.2f} s sandbox on",
            f"{t_off:.2f} s sandbox off",
            f"sandbox costs {t_on / t_off:.2f}x",
        )
    ]


MIB = 1 << 20


def class_section(args: argparse.Namespace) -> list[Row]:
    from autograder.solutions import write_solution_package
    from benchmarks.classrun import run_class

    jobs = args.jobs
    with tempfile.TemporaryDirectory(prefix="cs231n-bench-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        res = run_class(work, args.class_size, jobs, args.plain_students)
        # What an autograde task drives: trusted grading alone of the same perfect
        # submission, sandbox on, timed right after the class runs (median of 3).
        perfect = work / "perfect-alone"
        write_solution_package(perfect)
        grade_alone, _ = measure(lambda: grade_perfect(str(perfect), True), lambda: None,
                                 repeats=3, warmup=1)
        return class_rows(res, jobs, grade_alone)


def class_rows(res: dict, jobs: int, grade_alone: float | None = None) -> list[Row]:
    from benchmarks.classrun import PERFECT, task_seconds

    n, runs = len(res["students"]), res["runs"]
    plain, one, many = runs["plain nbgrader"], runs["autograde --jobs 1"], \
        runs[f"autograde --jobs {jobs}"]
    for run in runs.values():
        if run.returncode != 0:
            print(f"warning: {run.name} exited with {run.returncode} (log: {run.log})",
                  file=sys.stderr)
    # Throughput in submissions per second; plain nbgrader's from its sample.
    plain_each = plain.seconds / len(res["plain_sample"])
    rows: list[Row] = [(
        f"plain nbgrader autograde (serial, {len(res['plain_sample'])} of {n})",
        f"{plain_each:.1f} s/submission",
        f"peak {plain.peak_total / MIB:.0f} MiB",
        "1.00x (baseline)",
    )]
    for run in (one, many):
        each = run.seconds / n
        rows.append((
            f"{run.name}, class of {n}",
            f"{run.seconds:.1f} s = {each:.2f} s/submission",
            f"peak {run.peak_worker / MIB:.0f} MiB/worker (PSS {run.peak_worker_pss / MIB:.0f})",
            f"{plain_each / each:.2f}x plain's throughput",
        ))
    executed = runs[f"autograde --jobs {jobs} --execute"]
    executed_each = executed.seconds / len(res["plain_sample"])
    rows.append((
        f"{executed.name} ({len(res['plain_sample'])} of {n})",
        f"{executed.seconds:.1f} s = {executed_each:.2f} s/submission",
        f"peak {executed.peak_worker / MIB:.0f} MiB/worker "
        f"(PSS {executed.peak_worker_pss / MIB:.0f})",
        f"{plain_each / executed_each:.2f}x plain's throughput",
    ))
    rows.append((f"--jobs {jobs} vs --jobs 1", f"{many.seconds:.1f} s", f"{one.seconds:.1f} s",
                 f"{one.seconds / many.seconds:.2f}x faster"))
    # The split the Dask projection needs: the grading task (runs on a worker) and
    # the coordinator's share (storing a result, done serially in one process).
    each, total = task_seconds(one.log)
    if each and total is not None:
        task = sum(each) / len(each)
        coordinator = max(0.0, total - sum(each)) / len(each)
        startup = one.seconds - total
        rows.append(("per submission, --jobs 1", f"task {task:.2f} s",
                     f"coordinator {coordinator:.2f} s", f"+ {startup:.1f} s per run"))
    # Like for like: the autograde tasks of the perfect submissions (the class cycles
    # through it) against trusted grading alone of the same submission.
    perfect = task_seconds(one.log, PERFECT)[0]
    if perfect and grade_alone:
        task = sum(perfect) / len(perfect)
        rows.append((f"autograde task of the perfect submission (mean of {len(perfect)})",
                     f"{task:.2f} s", f"grade alone {grade_alone:.2f} s",
                     f"{task / grade_alone:.2f}x grade alone"))
    if not res["identical"]:
        raise AssertionError("--jobs 1 and --jobs N gradebooks differ")
    rows.append((f"gradebook --jobs 1 vs --jobs {jobs}", "identical: yes", "", ""))
    return rows


def task_section(args: argparse.Namespace) -> list[Row]:
    """One autograde task of the perfect submission, three ways, interleaved in one process.

    The task as ``autograde`` runs it (nbgrader forked from this process's warm
    server), the same task with a fresh ``nbgrader`` process per submission (the
    previous design, ``layout.run_nbgrader``), and trusted grading alone of the
    same submission; median of ``--repeats // 5`` (at least 3) rounds after one
    warm-up round (which starts the warm server).
    """
    import time

    from autograder.course import autograde_one
    from autograder.course.autograde import grade_in_scratch
    from autograder.course.layout import run_nbgrader
    from autograder.solutions import write_solution_package
    from benchmarks.classrun import PERFECT, build_class

    name = "run_nbgrader_warm"  # what autograde_one calls to run nbgrader
    warm = getattr(autograde_one, name)

    def task(runner: object) -> float:
        setattr(autograde_one, name, runner)
        try:
            start = time.perf_counter()
            result = grade_in_scratch(str(course), PERFECT)
            assert result.ok, result.message
            return time.perf_counter() - start
        finally:
            setattr(autograde_one, name, warm)

    with tempfile.TemporaryDirectory(prefix="cs231n-bench-") as tmp:
        course, _ = build_class(Path(tmp) / "build", 1)
        alone = Path(tmp) / "perfect-alone"
        write_solution_package(alone)

        def grade() -> float:
            start = time.perf_counter()
            grade_perfect(str(alone), True)
            return time.perf_counter() - start

        rounds = max(3, args.repeats // 5)
        times: dict[str, list[float]] = {"warm": [], "fresh": [], "grade": []}
        for i in range(rounds + 1):
            print(f"  task round {i}/{rounds} ...", file=sys.stderr, flush=True)
            sample = {"warm": task(warm), "fresh": task(run_nbgrader), "grade": grade()}
            if i:  # round 0 starts the warm server
                for key, seconds in sample.items():
                    times[key].append(seconds)
    t = {key: statistics.median(values) for key, values in times.items()}
    return [
        ("autograde task, perfect submission", f"{t['warm']:.2f} s warm nbgrader",
         f"{t['fresh']:.2f} s nbgrader started per task", f"{t['fresh'] / t['warm']:.2f}x faster"),
        ("autograde task vs grade alone", f"{t['warm']:.2f} s warm nbgrader",
         f"{t['grade']:.2f} s grade alone", f"{t['warm'] / t['grade']:.2f}x grade alone"),
        ("  the same, nbgrader started per task", f"{t['fresh']:.2f} s",
         f"{t['grade']:.2f} s grade alone", f"{t['fresh'] / t['grade']:.2f}x grade alone"),
    ]


def demo_section(args: argparse.Namespace) -> list[Row]:
    from benchmarks import demo

    with tempfile.TemporaryDirectory(prefix="cs231n-bench-demo-") as tmp:
        times = demo.compare(args.baseline, Path(tmp), rounds=args.demo_rounds)
    return demo.rows(times, args.baseline)


def dask_section(args: argparse.Namespace) -> list[Row]:
    import json

    from benchmarks import daskrun

    workers = [int(k) for k in args.dask_workers.split(",")]
    def save(points: list[daskrun.DaskPoint]) -> None:  # after each point: partial runs count
        if args.dask_json:
            Path(args.dask_json).write_text(json.dumps(daskrun.as_json(points), indent=1) + "\n")

    with tempfile.TemporaryDirectory(prefix="cs231n-bench-dask-") as tmp:
        points = daskrun.run(Path(tmp), args.dask_class, workers, on_point=save)
    return daskrun.rows(points)


def service_section(args: argparse.Namespace) -> list[Row]:
    from benchmarks import service

    with tempfile.TemporaryDirectory(prefix="cs231n-bench-service-") as tmp:
        return service.run(Path(tmp), args.service_students, args.service_submissions,
                           workers=args.service_workers, gap=args.service_gap)


def notebooks_section(args: argparse.Namespace) -> list[Row]:
    import subprocess

    from autograder.maintain.notebooks import REPRODUCIBLE_ENV
    from autograder.registry import NOTEBOOKS

    def timings(fast: bool) -> dict[str, float]:
        env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
        env.update(REPRODUCIBLE_ENV)
        if fast:
            env["NBGRADER_EXECUTION"] = "1"
        print(f"  notebooks, {'fast' if fast else 'full'} mode ...", file=sys.stderr, flush=True)
        out = subprocess.run(
            [sys.executable, "-m", "autograder.maintain.notebooks", "run", "--no-store"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        # One line per notebook: "<name>: <seconds> s".
        return {name: float(t.split()[0]) for name, _, t in
                (line.partition(": ") for line in out.splitlines()) if name in NOTEBOOKS}

    full, fast = timings(False), timings(True)
    rows: list[Row] = []
    for name in NOTEBOOKS:
        if name in full:
            verdict = "within 90 s" if full[name] <= 90 else f"OVER 90 s by {full[name] - 90:.0f} s"
            rows.append((f"notebook {name}", f"{full[name]:.1f} s full",
                         f"{fast.get(name, float('nan')):.1f} s fast", verdict))
    total, total_fast = sum(full.values()), sum(fast.values())
    verdict = "within 6 min" if total <= 360 else f"OVER 6 min by {total - 360:.0f} s"
    rows.append((f"all {len(full)} notebooks", f"{total:.1f} s full", f"{total_fast:.1f} s fast",
                 verdict))
    return rows


def execute_section(args: argparse.Namespace) -> list[Row]:
    """Where ``autograde --execute`` spends its time: each notebook in its sandboxed kernel."""
    from autograder.registry import NOTEBOOKS
    from benchmarks.notebook_profile import profile

    print("  notebooks in fast mode, in the kernel autograde --execute uses ...", file=sys.stderr,
          flush=True)
    profiles, sandboxed = profile(list(NOTEBOOKS))
    kernel = "sandboxed kernel" if sandboxed else "kernel NOT sandboxed"
    rows: list[Row] = []
    for p in profiles:
        cells = sum(seconds for _, seconds, _ in p.cells[1:])
        slowest = ", ".join(f"cell {i} {seconds:.1f} s" for i, seconds, _ in p.slowest(2))
        rows.append((f"--execute {p.name}", f"{p.total:.1f} s ({kernel})",
                     f"start {p.kernel_start:.1f} s, setup cell {p.setup:.1f} s, "
                     f"other cells {cells:.1f} s; kernel CPU {p.cpu:.1f} s "
                     f"(setup cell {p.setup_cpu:.1f} s)",
                     f"peak {p.kernel_peak / MIB:.0f} MiB; slowest {slowest}"))
    total = sum(p.total for p in profiles)
    starts = sum(p.kernel_start for p in profiles)
    setups = sum(p.setup for p in profiles)
    cpu = sum(p.cpu for p in profiles)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    rows.append((f"--execute all {len(profiles)} notebooks", f"{total:.1f} s",
                 f"start {starts:.1f} s, setup cells {setups:.1f} s; kernel CPU {cpu:.1f} s",
                 f"largest peak {max(p.kernel_peak for p in profiles) / MIB:.0f} MiB; "
                 f"load average after {load}"))
    return rows


def at_once_section(args: argparse.Namespace) -> list[Row]:
    """``autograde --execute`` of one submission: one notebook kernel at a time against two."""
    from benchmarks import execute_at_once

    with tempfile.TemporaryDirectory(prefix="cs231n-bench-at-once-") as tmp:
        return execute_at_once.run(Path(tmp), args.at_once_rounds)


SECTIONS = {
    "kernels": kernels_section,
    "grade": grade_section,
    "task": task_section,
    "class": class_section,
    "notebooks": notebooks_section,
    "execute": execute_section,
    "at-once": at_once_section,
    "demo": demo_section,
    "dask": dask_section,
    "service": service_section,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Side-by-side benchmarks (ratios).")
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"any of {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, default=15, help="kernels: timed repeats")
    parser.add_argument("--runs", type=int, default=5,
                        help="kernels: rounds over all cases (default 5; min, median, max)")
    parser.add_argument("--threads", type=int, default=0,
                        help="kernels: BLAS and PyTorch threads (default: numpy's BLAS count)")
    parser.add_argument("--class-size", type=int, default=20, help="class: students (default 20)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="class: N for autograde --jobs N (default: the CPU count)")
    parser.add_argument("--plain-students", type=int, default=5,
                        help="class: submissions plain nbgrader grades, minutes each (default 5, "
                             "one of each kind in the class)")
    parser.add_argument("--baseline", default="main",
                        help="demo: the git revision to compare against (default main)")
    parser.add_argument("--demo-rounds", type=int, default=2,
                        help="demo: rounds, each one demo of both versions (default 2)")
    parser.add_argument("--dask-class", type=int, default=300,
                        help="dask: students in the synthetic class (default 300)")
    parser.add_argument("--dask-workers", default="1,2,4",
                        help="dask: worker process counts, comma-separated (default 1,2,4)")
    parser.add_argument("--dask-json", metavar="FILE",
                        help="dask: also write the measured points to FILE (JSON)")
    parser.add_argument("--service-students", type=int, default=50,
                        help="service: students in the rush (default 50)")
    parser.add_argument("--service-submissions", type=int, default=300,
                        help="service: submissions in the rush, in bursts of one per student "
                             "(default 300)")
    parser.add_argument("--service-workers", type=int, default=2,
                        help="service: serve --workers N (default 2)")
    parser.add_argument("--service-gap", type=float, default=2.0,
                        help="service: seconds between two bursts (default 2)")
    parser.add_argument("--at-once-rounds", type=int, default=2,
                        help="at-once: runs of each setting, alternating (default 2)")
    parser.add_argument("--keep", metavar="DIR", help="class: work in DIR and keep it (logs)")
    args = parser.parse_args(argv)
    chosen = args.sections or list(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    rows: list[tuple[str, str, str, str]] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += SECTIONS[name](args)
    print("\n".join(f"# {line}" for line in machine_header()))
    widths = [max(len(r[i]) for r in [*rows, ("case", "ours", "other", "ratio")]) for i in range(4)]
    header = ("case", "ours", "other", "ratio")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
