"""Run the benchmarks and print one table of side-by-side ratios.

    python -m benchmarks                 # every section
    python -m benchmarks kernels grade   # chosen sections

Sections: kernels (the reference against PyTorch, needs the ``benchmarks`` extra),
grade (trusted grading of one complete submission, sandbox on and off).
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.timing import machine_header, measure


def kernels_section(repeats: int) -> list[tuple[str, str, str, str]]:
    from benchmarks import kernels

    try:
        torch = kernels._torch()
    except ImportError:
        return [("kernels", "skipped", "", "PyTorch not installed: pip install -e '.[benchmarks]'")]
    import numpy as np  # noqa: F401 - loads the BLAS that threadpool_info reports
    from threadpoolctl import threadpool_info

    blas_threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    torch.set_num_threads(blas_threads)
    rows = []
    for name, make in kernels.CASES.items():
        ref, pt = make()
        t_ref, t_pt = measure(ref, pt, repeats=repeats)
        rows.append(
            (name, f"{t_ref * 1e3:.2f} ms", f"{t_pt * 1e3:.2f} ms", f"{t_ref / t_pt:.2f}x PyTorch")
        )
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


def grade_section(repeats: int) -> list[tuple[str, str, str, str]]:
    import os
    import tempfile

    from autograder.grading import grade_submission
    from autograder.sandbox import sandbox_available
    from autograder.solutions import write_solution_package

    with tempfile.TemporaryDirectory() as tmp:
        write_solution_package(tmp)

        def run(sandbox: bool) -> None:
            os.environ["CS231N_SANDBOX"] = "on" if sandbox else "off"
            report = grade_submission(tmp, seed=1)
            assert report.total == report.max_total, "the reference lost points"

        if not sandbox_available():
            return [("grade", "skipped", "", "bubblewrap is not available")]
        t_on, t_off = measure(lambda: run(True), lambda: run(False), repeats=max(3, repeats // 5))
        os.environ.pop("CS231N_SANDBOX", None)
    return [
        (
            "grade one complete submission",
            f"{t_on:.2f} s sandbox on",
            f"{t_off:.2f} s sandbox off",
            f"sandbox costs {t_on / t_off:.2f}x",
        )
    ]


SECTIONS = {"kernels": kernels_section, "grade": grade_section}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Side-by-side benchmarks (ratios).")
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"any of {', '.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    chosen = args.sections or list(SECTIONS)
    rows: list[tuple[str, str, str, str]] = []
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += SECTIONS[name](args.repeats)
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
