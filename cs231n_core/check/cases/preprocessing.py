"""Self-checks of the ``preprocessing`` tasks (graded by ``autograder/checks/preprocessing.py``).

Whether ``fit`` returns the object itself is not checked: the graded check does
not grade it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cs231n_core.check.cases._common import rng_of
from cs231n_core.check.harness import TOL32, Trial, case


def _fit_float32(t: Trial, fresh: Any, X: np.ndarray, *attrs: str) -> None:
    """Fit on float32 data far from zero: the fitted statistics must stay float64."""
    t.call(fresh.fit, (X + 1000.0).astype(np.float32))
    for attr in attrs:
        t.expect(
            "float32 data", getattr(fresh, attr), exact_dtype=True, what=f"{attr}, kept in float64"
        )


def _transform_float32(t: Trial, fitted: Any, X: np.ndarray) -> None:
    out = t.call(fitted.transform, X.astype(np.float32))
    t.expect("dtypes", out, tol=TOL32, what="float32 data")


@case("preprocessing.MeanSubtraction.fit")
def _mean_subtraction_fit(t: Trial) -> None:
    pre = t.mod("preprocessing")
    X = rng_of(2001).normal(2.0, 3.0, (6, 3, 4, 5))
    image = pre.MeanSubtraction(mode="image")
    t.call(image.fit, X)
    t.expect("image mean", image.mean_, exact_dtype=True)
    channel = pre.MeanSubtraction(mode="channel")
    t.call(channel.fit, X)
    t.expect("channel mean", channel.mean_, exact_dtype=True)
    _fit_float32(t, pre.MeanSubtraction(mode="image"), X, "mean_")


@case("preprocessing.MeanSubtraction.transform")
def _mean_subtraction_transform(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = rng_of(2002)
    X = rng.normal(1.0, 2.0, (7, 3, 4, 5))
    # mean_ is set directly (any fitted value), so this check does not need your fit.
    image = pre.MeanSubtraction(mode="image")
    image.mean_ = rng.standard_normal((3, 4, 5))
    t.expect("image", t.call(image.transform, X))
    channel = pre.MeanSubtraction(mode="channel")
    channel.mean_ = rng.standard_normal(3)
    t.expect("channel", t.call(channel.transform, X))
    _transform_float32(t, channel, X)


@case("preprocessing.Standardization.fit")
def _standardization_fit(t: Trial) -> None:
    pre = t.mod("preprocessing")
    X = rng_of(2003).normal(-1.0, 4.0, (9, 6))
    X[:, 2] = 3.0  # a constant feature
    std = pre.Standardization()
    t.call(std.fit, X)
    t.expect("mean", std.mean_, exact_dtype=True)
    t.expect("std", std.std_, exact_dtype=True)
    _fit_float32(t, pre.Standardization(), X, "mean_", "std_")


@case("preprocessing.Standardization.transform")
def _standardization_transform(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = rng_of(2004)
    X = rng.normal(0.5, 2.0, (8, 5))
    std = pre.Standardization(eps=1e-3)
    std.mean_ = rng.standard_normal(5)
    std.std_ = rng.uniform(0.5, 2.0, 5)
    std.std_[1] = 0.0  # a constant training feature: eps keeps the division finite
    t.expect("output", t.call(std.transform, X))
    _transform_float32(t, std, X)


@case("preprocessing.PCAWhitening.fit")
def _pca_fit(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = rng_of(2005)
    X = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 5)) + rng.normal(0, 3, 5)
    pca = pre.PCAWhitening(n_components=3)
    t.call(pca.fit, X)
    t.expect("mean", pca.mean_, exact_dtype=True)
    t.expect("components", pca.components_, exact_dtype=True)
    t.expect("explained variance", pca.explained_variance_, exact_dtype=True)
    full = pre.PCAWhitening()
    t.call(full.fit, X)
    t.expect("components", full.components_, exact_dtype=True, what="n_components=None")


@case("preprocessing.PCAWhitening.transform")
def _pca_transform(t: Trial) -> None:
    pre = t.mod("preprocessing")
    rng = rng_of(2006)
    X = rng.normal(1.0, 2.0, (7, 5))
    q, _ = np.linalg.qr(rng.standard_normal((5, 3)))
    for whiten in (True, False):
        # The fitted state is set directly, so this check does not need your fit.
        pca = pre.PCAWhitening(n_components=3, whiten=whiten)
        pca.mean_ = rng.standard_normal(5)
        pca.components_ = q.T.copy()
        pca.explained_variance_ = np.array([4.0, 1.5, 0.2])
        t.expect("whitened" if whiten else "projection", t.call(pca.transform, X))
    _transform_float32(t, pca, X)
