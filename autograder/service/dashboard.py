"""The instructor's dashboard: ``stats.service_stats`` as rows of a page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograder.service.stats import ServiceStats


def seconds(value: float | None) -> str:
    """A duration for people: "0.8 s", "42 s", "3 min 5 s"; an en dash when there is none."""
    if value is None:
        return "\u2013"
    if value < 10:
        return f"{value:.1f} s"
    if value < 60:
        return f"{value:.0f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard page shows, ready for its template."""

    summary: list[tuple[str, str]]
    pass_rates: list[tuple[str, float]]  # task id, percent; the weakest first
    not_submitted: list[str]

    def context(self) -> dict[str, Any]:
        return {"summary": self.summary, "pass_rates": self.pass_rates,
                "not_submitted": self.not_submitted}


def dashboard(stats: ServiceStats) -> Dashboard:
    """The dashboard of ``stats``: queue, workers, time to feedback, pass rates, absentees."""
    summary = [
        ("Queued", str(stats.queued)),
        ("Being graded", str(stats.running)),
        ("Workers alive", str(stats.workers_alive)),
        ("Time to feedback, median", seconds(stats.feedback_seconds_p50)),
        ("Time to feedback, 95th percentile", seconds(stats.feedback_seconds_p95)),
        ("Students not submitted", str(len(stats.not_submitted))),
    ]
    rates = sorted(stats.pass_rates.items(), key=lambda item: (item[1], item[0]))
    return Dashboard(summary, [(task, 100.0 * rate) for task, rate in rates],
                     sorted(stats.not_submitted))
