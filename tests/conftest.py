"""Command-line options of the test suite."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--blas-coretypes",
        default="",
        help="comma-separated OpenBLAS core types (e.g. SkylakeX,Haswell,Prescott): run every "
        "notebook in fast mode once under each and check that the runs agree",
    )
