"""Side-by-side timing: two callables measured interleaved in one run, reported as a ratio."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def measure(
    a: Callable[[], object], b: Callable[[], object], repeats: int = 15, warmup: int = 2
) -> tuple[float, float]:
    """Median seconds of ``a`` and ``b``, run alternately so they share the machine's load."""
    for _ in range(warmup):
        a()
        b()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(repeats):
        for fn, out in ((a, ta), (b, tb)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(ta), statistics.median(tb)


def machine_header() -> list[str]:
    """Machine, numpy's BLAS and the thread counts every figure below was measured with."""
    import numpy as np

    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"{platform.system()} {platform.release()}",
        f"python {platform.python_version()}, numpy {np.__version__}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"numpy BLAS: {pool.get('internal_api')} {pool.get('version')} "
                f"({pool.get('architecture')}), {pool.get('num_threads')} threads"
            )
    except ImportError:
        lines.append("numpy BLAS: (install threadpoolctl to see it)")
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if key in os.environ:
            lines.append(f"{key}={os.environ[key]}")
    return lines
