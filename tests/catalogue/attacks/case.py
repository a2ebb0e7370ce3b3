"""What one attack on a hardening property is, and what running it tells.

An ``Attack`` is a hostile student's attempt on one of the properties of
``docs/hardening.md`` (bounded time, bounded memory, nothing to find, no script,
damage stays local, size limits, clean kills). ``run(work)`` builds the attack in
the empty folder ``work``, drives the real pipeline against it and returns an
``Outcome``: whether the attacker *gained* anything (points, the answers, script
in the instructor's page, a process left behind, a hang) and whether everything
else was *as expected* (honest work and other students graded normally, a clear
note, the course left alone). ``bound`` is the wall-clock limit in seconds the
case must finish in; ``tests/grader/test_attacks.py`` enforces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROPERTIES: dict[str, str] = {
    "time": "bounded time",
    "memory": "bounded memory",
    "exposure": "nothing to find",
    "script": "no script",
    "metadata": "damage stays local",
    "size": "size limits",
    "kills": "clean kills",
}


@dataclass(frozen=True)
class Outcome:
    gained: bool  # the attacker got something it must not: points, answers, script, a hang
    as_expected: bool  # everything else held: honest work graded, a clear note, course intact
    detail: str = ""  # what was seen, for the test's message and the report
    figure: str = ""  # a measured figure worth reporting (e.g. peak RSS growth)


@dataclass(frozen=True)
class Attack:
    id: str  # short slug, the pytest id
    prop: str  # a key of PROPERTIES
    name: str  # what the hostile student does, in a few words
    run: Callable[[Path], Outcome]
    bound: float = 120.0  # wall-clock seconds the case must finish in
    needs_sandbox: bool = False  # only meaningful where bubblewrap is active
    needs_browser: bool = False  # drives Chromium

    def __post_init__(self) -> None:
        if self.prop not in PROPERTIES:
            raise ValueError(f"{self.id}: unknown property {self.prop!r}")
