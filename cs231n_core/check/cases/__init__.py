"""The self-check's cases, one module per student module (registered in harness.CASES)."""

from cs231n_core.check.cases import (
    classifiers,
    initializers,
    layers,
    normalization,
    optim,
    preprocessing,
    solver,
    tuning,
)

__all__ = [
    "classifiers",
    "initializers",
    "layers",
    "normalization",
    "optim",
    "preprocessing",
    "solver",
    "tuning",
]
