"""Each test leaves its worker process as it found it: environment and Ctrl-C handling.

An xdist worker runs hundreds of tests, and every process a later test starts (nbgrader, a
notebook kernel, a JupyterLab, a grading command) inherits the worker's environment and its
ignored signals. A test that changes either changes what every later test of that worker
measures. Two such leaks have been seen:

* Dask's ``Nanny`` writes its ``distributed.nanny.pre-spawn-environ`` into ``os.environ``
  before it starts a worker process (documented, "poisoning the process running the
  Nanny"), ``MALLOC_TRIM_THRESHOLD_=65536`` among them. Setting that variable fixes glibc's
  mmap threshold at 128 KiB, so every larger array is mapped and unmapped again and each of
  its pages faults on first touch: notebook 06's regression, started later in the same
  worker, spent more than half of its CPU in the kernel and took 362 s against 113 s.
* A test left SIGINT ignored, and a child started with SIGINT ignored never raises
  ``KeyboardInterrupt`` (the Ctrl-C attack then saw the interrupted run exit 0).

``kept_environ`` wraps code that is known to write into ``os.environ``; the autouse fixture
fails any other test that leaves a change behind, and puts the state back either way.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

# pytest's own record of the running test and phase, rewritten at each phase.
OWN = "PYTEST_CURRENT_TEST"


@contextmanager
def kept_environ() -> Iterator[None]:
    """``os.environ`` as it was before the block, whatever the block wrote into it."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _changed(before: dict[str, str]) -> list[str]:
    now = dict(os.environ)
    keys = (before.keys() | now.keys()) - {OWN}
    return sorted(k for k in keys if before.get(k) != now.get(k))


@pytest.fixture(autouse=True)
def _process_state_is_kept() -> Iterator[None]:
    env = dict(os.environ)
    sigint = signal.getsignal(signal.SIGINT)
    yield
    changed = _changed(env)
    for key in changed:
        if key in env:
            os.environ[key] = env[key]
        else:
            del os.environ[key]
    now = signal.getsignal(signal.SIGINT)
    if now is not sigint:
        signal.signal(signal.SIGINT, sigint)
    problems = []
    if changed:
        problems.append(f"changed the environment of the test process: {', '.join(changed)}")
    if now is not sigint:
        problems.append(f"changed the SIGINT handler from {sigint!r} to {now!r}")
    if problems:
        pytest.fail("this test " + "; ".join(problems) + " (every later test of this worker "
                    "and each process it starts would inherit it)", pytrace=False)
