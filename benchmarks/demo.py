"""``cs231n-course demo`` against an earlier version of itself, side by side in one run.

The earlier version is a git revision of this repository (``--baseline REF``), exported
with ``git archive`` into a temporary folder and run from there with the same Python
and the same installed libraries (the folder comes first on ``sys.path``). Rounds
alternate between the two versions, so both see the same machine load; each demo
writes into a fresh folder. Wall time is measured around the whole command (Python's
start-up included), and each stage's time is read from the ``[demo k/4] ...: done in``
lines the current version prints.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tarfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGE_LINE = re.compile(r"^\[demo \d+/\d+\] (.+): done in ([\d.]+) s$")


def export_revision(ref: str, target: Path) -> Path:
    """The files of git revision ``ref`` of this repository, written under ``target``."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref],
                             check=True, capture_output=True).stdout
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def run_demo_once(tree: Path, out_dir: Path, jobs: int | None) -> tuple[float, dict[str, float]]:
    """Wall seconds of ``cs231n-course demo`` run from ``tree``, and its stages' seconds."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-m", "autograder.course.cli", "demo", str(out_dir)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"demo from {tree} failed:\n{done.stderr[-2000:]}")
    stages = {m[1]: float(m[2]) for m in map(STAGE_LINE.match, done.stderr.splitlines()) if m}
    return seconds, stages


def compare(baseline: str, work: Path, rounds: int = 2,
            jobs: int | None = None) -> dict[str, list[float]]:
    """Seconds per round: 'baseline' and 'current' demos alternately, plus the current stages."""
    base_tree = export_revision(baseline, work / "baseline-tree")
    times: dict[str, list[float]] = {"baseline": [], "current": []}
    for i in range(rounds):
        for name, tree in (("baseline", base_tree), ("current", REPO)):
            print(f"  demo round {i + 1}/{rounds}: {name} ...", file=sys.stderr, flush=True)
            seconds, stages = run_demo_once(tree, work / f"{name}-{i}", jobs)
            times[name].append(seconds)
            if name == "current":
                for stage, stage_seconds in stages.items():
                    times.setdefault(stage, []).append(stage_seconds)
    return times


def rows(times: dict[str, list[float]], baseline: str) -> list[tuple[str, str, str, str]]:
    """Table rows: the whole demo against the baseline, then the current stages."""
    base, cur = statistics.median(times["baseline"]), statistics.median(times["current"])
    out = [(f"cs231n-course demo (median of {len(times['current'])})", f"{cur:.1f} s",
            f"{base:.1f} s at {baseline}", f"{base / cur:.2f}x faster")]
    for stage, values in times.items():
        if stage not in ("baseline", "current"):
            out.append((f"  demo stage: {stage}", f"{statistics.median(values):.1f} s", "", ""))
    return out
