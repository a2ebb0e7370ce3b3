"""A model of class-scale autograde on Dask, with constants measured by ``benchmarks dask``.

With ``n`` submissions, ``k`` single-threaded worker processes on ``P`` cores, a
grading task of ``c`` seconds (as a worker times it when it has a core of its own) and
a coordinator share of ``w`` seconds per submission (installing one result and its
gradebook transaction, one submission at a time, while the workers go on), the wall
time of the grading (start-up excluded) is

    T = n * max(c / min(k, P), w)

``c / min(k, P)``: the workers, each one task at a time; past ``P`` workers share
the cores and the throughput saturates. ``w``: the coordinator alone, the limit
however many machines grade. The measured points are kept in
``benchmarks/dask_points.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

POINTS = Path(__file__).with_name("dask_points.json")


def predicted_wall(n: int, k: int, c: float, w: float, cores: int) -> float:
    """Seconds to grade ``n`` submissions on ``k`` workers of ``cores`` CPUs (module docstring)."""
    return n * max(c / min(k, cores), w)


def own_core_task(point: dict) -> float:
    """A measured point's task seconds as if its worker had a core of its own.

    With more workers than cores the workers' tasks share the cores, and the task time
    a worker measures grows by ``k / cores``; the model's ``c`` is the time without it.
    """
    return float(point["task"]) * min(point["k"], point["cores"]) / point["k"]


def constants(points: list[dict]) -> tuple[float, float]:
    """(c, w): the mean own-core task and the mean coordinator share of the points."""
    c = sum(own_core_task(p) for p in points) / len(points)
    w = sum(p["coordinator"] for p in points) / len(points)
    return c, w


def load_points(path: Path = POINTS) -> list[dict]:
    """The measured points (``benchmarks dask --dask-json``)."""
    return list(json.loads(path.read_text()))
