"""Hidden checks of the ``preprocessing`` tasks: each ``fit`` and each ``transform``.

``fit`` runs on a bare instance holding the reference constructor's state and
returns the fitted attributes; ``transform`` runs on an instance holding a FITTED
reference object's state, so a broken fit costs no transform points. Held-out
data is shifted and scaled away from the training data, so a transform that
recomputes statistics from its own input fails.

PCA: the training data is built with an exactly known covariance whose
eigenvalues are well separated, so the eigenvectors are determined to rounding.
The components are scored up to the sign of each row (SVD and eigh give either
sign), and the documented sign rule (largest-magnitude entry positive) is a
separate, smaller part. transform is compared exactly (not up to sign): it gets
the reference's components, signs included.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks.harness import Section, TaskRun, check
from autograder.reference import preprocessing as ref


def _dim(run: TaskRun, low: int, high: int) -> int:
    return int(run.rng.integers(low, high + 1))


def _fitted(statistic: np.ndarray | None) -> np.ndarray:
    """A statistic of a fitted reference object (None only before fit)."""
    assert statistic is not None
    return statistic


def _images(run: TaskRun, n: int, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Data of shape (n, C, H, W) (or (n, *shape)) with a per-position offset and spread."""
    if shape is None:
        shape = (_dim(run, 1, 3), _dim(run, 2, 4), _dim(run, 2, 4))
    loc = run.rng.uniform(-3, 3, size=shape)
    scale = run.rng.uniform(0.5, 2, size=shape)
    return run.rng.normal(loc=loc, scale=scale, size=(n, *shape))


def _held_out(run: TaskRun, X: np.ndarray, m: int) -> np.ndarray:
    """Data shaped like X's rows but of another distribution (a shift and a scale)."""
    fresh = run.rng.normal(size=(m, *X.shape[1:]))
    return fresh * 1.7 * X.std(axis=0) + X.mean(axis=0) + 2.0


def _fit(run: TaskRun, blank: Any, X: np.ndarray, attrs: tuple[str, ...]) -> dict[str, Any]:
    """Call the student's fit on an instance holding ``blank``'s (unfitted) state."""
    return run.call_full((X,), state=dict(vars(blank)), return_attrs=attrs)["self"]


def _transform(run: TaskRun, fitted: Any, X: np.ndarray) -> tuple[Any, Any]:
    """The student's transform on the fitted reference state: (output, X after the call)."""
    result = run.call_full((X,), state=dict(vars(fitted)))
    return result["value"], result["args"][0]


def _input_unchanged(run: TaskRun, before: np.ndarray, after: Any) -> None:
    run.check(
        "input unchanged",
        type(after) is np.ndarray and after.dtype == before.dtype and np.array_equal(after, before),
        "transform modified its input X (work on a copy)",
        "X is left unchanged",
    )


def _float32_output(run: TaskRun, part: str, got: Any, expected: np.ndarray) -> None:
    if type(got) is np.ndarray and got.dtype != np.float32:
        run.check(part, False, f"float32 data gave an output of dtype {got.dtype}")
    else:
        run.close(part, got, expected)


def _float64_statistic(run: TaskRun, part: str, got: Any, expected: np.ndarray, name: str) -> None:
    """A fitted statistic: documented as a float64 array, whatever the data's dtype."""
    if type(got) is np.ndarray and got.dtype != np.float64:
        run.check(part, False, f"{name} has dtype {got.dtype}; statistics are stored as float64")
    else:
        run.close(part, got, expected, allow_float32=False)


def _pixels32(run: TaskRun, n: int, like: np.ndarray | None = None) -> np.ndarray:
    """Pixel-like float32 images (of the shape of ``like``'s rows if given)."""
    shape = (3, _dim(run, 3, 5), _dim(run, 3, 5)) if like is None else like.shape[1:]
    return run.rng.uniform(0, 255, size=(n, *shape)).astype(np.float32)


# ----------------------------------------------------------------- mean subtraction


@check("preprocessing.MeanSubtraction.fit")
def _mean_subtraction_fit(run: TaskRun) -> None:
    """Three independent sections: image mode, channel mode, float32 data."""

    def image() -> None:
        # Image mode works for data of any shape (N, ...): images and plain vectors.
        for X in (
            _images(run, _dim(run, 3, 8)),
            _images(run, _dim(run, 3, 8), (_dim(run, 2, 6),)),
        ):
            got = _fit(run, ref.MeanSubtraction("image"), X, ("mean_",))["mean_"]
            run.close("image mean", got, _fitted(ref.MeanSubtraction("image").fit(X).mean_))

    def channel() -> None:
        X = _images(run, _dim(run, 3, 8))
        got = _fit(run, ref.MeanSubtraction("channel"), X, ("mean_",))["mean_"]
        run.close("channel mean", got, _fitted(ref.MeanSubtraction("channel").fit(X).mean_))

    def float32() -> None:
        # float32 data: the mean is still a float64 array, as accurate as float64 work.
        X = _pixels32(run, _dim(run, 20, 40))
        for mode in ("image", "channel"):
            got = _fit(run, ref.MeanSubtraction(mode), X, ("mean_",))["mean_"]
            _float64_statistic(
                run, "float32 data", got, _fitted(ref.MeanSubtraction(mode).fit(X).mean_), "mean_"
            )

    run.independently(
        Section("in image mode", ("image mean",), image),
        Section("in channel mode", ("channel mean",), channel),
        Section("with float32 data", ("float32 data",), float32),
    )


@check("preprocessing.MeanSubtraction.transform")
def _mean_subtraction_transform(run: TaskRun) -> None:
    """Independent sections per mode and for the dtypes; each judges "input unchanged"."""
    train = _images(run, _dim(run, 4, 8))
    vectors = _images(run, _dim(run, 4, 8), (_dim(run, 2, 6),))

    def mode_cases(mode: str, trains: tuple[np.ndarray, ...]) -> None:
        for X_train in trains:
            fitted = ref.MeanSubtraction(mode).fit(X_train)
            X = _held_out(run, X_train, _dim(run, 2, 6))
            out, after = _transform(run, fitted, X)
            run.close(mode, out, fitted.transform(X))
            _input_unchanged(run, X, after)

    def dtypes() -> None:
        # float32 stays float32; integer pixels become float64.
        X_train = _pixels32(run, _dim(run, 5, 10))
        fitted = ref.MeanSubtraction("channel").fit(X_train)
        X = _pixels32(run, _dim(run, 2, 5), X_train)
        _float32_output(
            run, "dtypes", _transform(run, fitted, X)[0], fitted.transform(X.astype(np.float64))
        )
        X_train = run.rng.integers(0, 256, size=(_dim(run, 4, 8), 3, 2, 3), dtype=np.uint8)
        fitted = ref.MeanSubtraction("image").fit(X_train)
        X = run.rng.integers(0, 256, size=(_dim(run, 2, 5), 3, 2, 3), dtype=np.uint8)
        run.close(
            "dtypes", _transform(run, fitted, X)[0], fitted.transform(X), allow_float32=False
        )

    run.independently(
        Section("in image mode", ("image",), lambda: mode_cases("image", (train, vectors))),
        Section("in channel mode", ("channel",), lambda: mode_cases("channel", (train,))),
        Section("with float32 and integer data", ("dtypes",), dtypes),
    )


# ----------------------------------------------------------------- standardisation


def _standardization(run: TaskRun) -> ref.Standardization:
    # An eps far above the default 1e-8, so leaving it out (or adding it to std_) shows.
    return ref.Standardization(eps=float(10 ** run.rng.uniform(-3, -2)))


@check("preprocessing.Standardization.fit")
def _standardization_fit(run: TaskRun) -> None:
    """Two independent sections: float64 data (mean and std), float32 data."""

    def float64() -> None:
        for X in (
            _images(run, _dim(run, 4, 10), (_dim(run, 2, 6),)),
            _images(run, _dim(run, 4, 8)),
        ):
            blank = _standardization(run)
            got = _fit(run, blank, X, ("mean_", "std_"))
            expected = ref.Standardization(blank.eps).fit(X)
            run.close("mean", got["mean_"], _fitted(expected.mean_))
            run.close("std", got["std_"], _fitted(expected.std_))

    def float32() -> None:
        X = _pixels32(run, _dim(run, 20, 40))
        blank = _standardization(run)
        got = _fit(run, blank, X, ("mean_", "std_"))
        expected = ref.Standardization(blank.eps).fit(X)
        _float64_statistic(run, "float32 data", got["mean_"], _fitted(expected.mean_), "mean_")
        _float64_statistic(run, "float32 data", got["std_"], _fitted(expected.std_), "std_")

    run.independently(
        Section("with float64 data", ("mean", "std"), float64),
        Section("with float32 data", ("float32 data",), float32),
    )


@check("preprocessing.Standardization.transform")
def _standardization_transform(run: TaskRun) -> None:
    """Two independent sections: float64 data, float32 data; both judge "input unchanged"."""

    def float64() -> None:
        for X_train in (
            _images(run, _dim(run, 4, 10), (_dim(run, 2, 6),)),
            _images(run, _dim(run, 4, 8)),
        ):
            fitted = _standardization(run).fit(X_train)
            X = _held_out(run, X_train, _dim(run, 2, 6))
            out, after = _transform(run, fitted, X)
            run.close("output", out, fitted.transform(X))
            _input_unchanged(run, X, after)

    def float32() -> None:
        X_train = _pixels32(run, _dim(run, 5, 10))
        fitted = _standardization(run).fit(X_train)
        X = _pixels32(run, _dim(run, 2, 5), X_train)
        _float32_output(
            run, "dtypes", _transform(run, fitted, X)[0], fitted.transform(X.astype(np.float64))
        )

    run.independently(
        Section("with float64 data", ("output",), float64),
        Section("with float32 data", ("dtypes",), float32),
    )


# ----------------------------------------------------------------- PCA and whitening


def _pca_data(run: TaskRun, n: int, d: int) -> np.ndarray:
    """n samples whose covariance (divided by n) has eigenvalues exactly 1, 2.2, 2.2^2, ...

    times a random factor, along random orthonormal directions, plus an offset
    several standard deviations away from 0 (so skipping the centring shows).
    """
    Z = run.rng.standard_normal((n, d))
    Z -= Z.mean(axis=0)
    Z = np.linalg.qr(Z)[0] * np.sqrt(n)  # centred, Z.T @ Z / n == I
    variances = run.rng.uniform(0.5, 1.0) * 2.2 ** run.rng.permutation(d)
    Q = np.linalg.qr(run.rng.standard_normal((d, d)))[0]
    offset = run.rng.uniform(-3, 3, size=d) * np.sqrt(variances.max())
    return (Z * np.sqrt(variances)) @ Q.T + offset


def _pca(run: TaskRun, d: int, whiten: bool, truncate: bool) -> ref.PCAWhitening:
    k = _dim(run, 1, d - 1) if truncate else None
    return ref.PCAWhitening(n_components=k, whiten=whiten, eps=float(10 ** run.rng.uniform(-2, -1)))


_PCA_ATTRS = ("mean_", "components_", "explained_variance_")


@check("preprocessing.PCAWhitening.fit")
def _pca_fit(run: TaskRun) -> None:
    for truncate in (False, True):
        d = _dim(run, 3, 6)
        X = _pca_data(run, _dim(run, 3 * d, 10 * d), d)
        blank = _pca(run, d, whiten=bool(run.rng.random() < 0.5), truncate=truncate)
        got = _fit(run, blank, X, _PCA_ATTRS)
        expected = ref.PCAWhitening(blank.n_components, blank.whiten, blank.eps).fit(X)
        run.close("mean", got["mean_"], _fitted(expected.mean_))
        explained = _fitted(expected.explained_variance_)
        run.close("explained variance", got["explained_variance_"], explained)
        components = got["components_"]
        want = _fitted(expected.components_)
        if type(components) is np.ndarray and components.shape == want.shape:
            # Up to the sign of each row (a zero row gets +1 and fails anyway).
            signs = np.where(
                np.sum(np.asarray(components, dtype=np.float64) * want, axis=1) < 0, -1.0, 1.0
            )
            aligned = components * signs[:, None].astype(components.dtype)
        else:
            aligned, signs = components, np.ones(1)
        if run.close("components", aligned, want):
            run.check(
                "sign convention",
                bool(np.all(signs > 0)),
                "a component's entry of largest magnitude is negative (flip that row)",
            )
        else:
            run.check("sign convention", False, "not checked: the components are wrong")


@check("preprocessing.PCAWhitening.transform")
def _pca_transform(run: TaskRun) -> None:
    """Independent sections: projection, whitening, float32 data; each judges the input."""

    def cases(part: str, whiten: bool) -> None:
        for truncate in (False, True):
            d = _dim(run, 3, 6)
            X_train = _pca_data(run, _dim(run, 3 * d, 10 * d), d)
            fitted = _pca(run, d, whiten, truncate).fit(X_train)
            X = _held_out(run, X_train, _dim(run, 2, 6))
            out, after = _transform(run, fitted, X)
            run.close(part, out, fitted.transform(X))
            _input_unchanged(run, X, after)

    def float32() -> None:
        d = _dim(run, 3, 6)
        X_train = _pca_data(run, _dim(run, 3 * d, 10 * d), d)
        fitted = _pca(run, d, whiten=True, truncate=False).fit(X_train)
        X = _held_out(run, X_train, _dim(run, 2, 6)).astype(np.float32)
        _float32_output(
            run, "dtypes", _transform(run, fitted, X)[0], fitted.transform(X.astype(np.float64))
        )

    run.independently(
        Section("without whitening", ("projection",), lambda: cases("projection", False)),
        Section("with whitening", ("whitened",), lambda: cases("whitened", True)),
        Section("with float32 data", ("dtypes",), float32),
    )
