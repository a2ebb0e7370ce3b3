"""The Dask throughput model (benchmarks/daskmodel.py) against the points measured with it."""

from __future__ import annotations

import pytest

from benchmarks.daskmodel import constants, load_points, own_core_task, predicted_wall


def test_the_model_is_the_formula_in_its_docstring() -> None:
    # Worked by hand: 2,000 tasks of 5 s on 8 workers with 8 cores: 2,000 * 5 / 8.
    assert predicted_wall(2000, 8, c=5.0, w=0.1, cores=8) == pytest.approx(1250.0)
    # More workers than cores do not help; a fast enough cluster is coordinator-bound.
    assert predicted_wall(300, 4, c=2.0, w=0.1, cores=2) == pytest.approx(300.0)
    assert predicted_wall(2000, 1000, c=5.0, w=0.1, cores=1000) == pytest.approx(200.0)


def test_the_model_predicts_every_stored_measured_point_within_30_percent() -> None:
    """Each point with its own run's task time: the machine's load changed between runs."""
    points = load_points()
    assert points and all(p["n"] >= 300 for p in points)
    for p in points:
        predicted = predicted_wall(p["n"], p["k"], own_core_task(p), p["coordinator"], p["cores"])
        assert abs(predicted - p["wall"]) <= 0.3 * p["wall"], (p, predicted)
    c, w = constants(points)
    assert c > w  # the workers, not the coordinator, bound every measured run
