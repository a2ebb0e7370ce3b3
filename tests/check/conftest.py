"""The reference's build of the public self-check's answers, made once per process.

It trains the model-quality cases, about a minute of CPU: the data file's freshness test and
the shared-parts tests read the same build (one xdist group, tests/conftest.py).
"""

from __future__ import annotations

import pytest

from autograder.maintain import build_public


@pytest.fixture(scope="session")
def reference_build() -> build_public.CheckedBuild:
    """The data file's arrays built from the reference, and the reference's check against them."""
    return build_public.build_checked()
