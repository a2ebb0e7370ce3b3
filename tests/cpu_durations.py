"""A pytest plugin: the CPU seconds of each test, for a machine whose wall times are noise.

``python -m pytest -p tests.cpu_durations --cpu-durations=60`` prints the 60 tests that used
the most CPU (set-up, call and tear-down), and the sum over all tests. A test's CPU is that of
the pytest process plus every child process it waited for (nbgrader, notebook kernels,
sandboxed graders, a browser), from ``getrusage``; it works under pytest-xdist, where each
worker measures its own tests and the report carries the figure to the controller.
A module- or session-scoped fixture counts in the test that first asks for it.
"""

from __future__ import annotations

import resource
from collections.abc import Generator

import pytest

KEY = "cpu_seconds"
_start = pytest.StashKey[float]()
_seen: dict[str, float] = {}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=0, metavar="N",
                     help="print the N tests that used the most CPU seconds")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_start] = _cpu()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when == "teardown" and _start in item.stash:
        report.user_properties.append((KEY, _cpu() - item.stash[_start]))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == KEY and report.when == "teardown":
            _seen[report.nodeid] = float(value)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    top = int(config.getoption("--cpu-durations"))
    if not top or not _seen:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"{top} most CPU-costly tests (seconds, set-up to tear-down)")
    for nodeid, seconds in sorted(_seen.items(), key=lambda kv: -kv[1])[:top]:
        write(f"{seconds:8.1f}  {nodeid}")
    write(f"{sum(_seen.values()):8.1f}  total over {len(_seen)} tests")
