"""Tests of the reference preprocessing: statistics from training data only, reused.

Statistics are checked against independent computations (explicit sums and
loops, an SVD instead of the eigendecomposition), and the transforms against
the formulas in the docstrings, applied to held-out data with the training
statistics.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.reference.preprocessing import MeanSubtraction, PCAWhitening, Standardization

task = pytest.mark.task

MS_FIT = "preprocessing.MeanSubtraction.fit"
MS_TRANSFORM = "preprocessing.MeanSubtraction.transform"
ST_FIT = "preprocessing.Standardization.fit"
ST_TRANSFORM = "preprocessing.Standardization.transform"
PCA_FIT = "preprocessing.PCAWhitening.fit"
PCA_TRANSFORM = "preprocessing.PCAWhitening.transform"


def images(seed: int, N: int, C: int = 3, H: int = 4, W: int = 5) -> np.ndarray:
    """Images of shape (N, C, H, W) whose channels and pixels have different means.

    The means are the same for every seed (one distribution); the noise is seeded.
    """
    offsets = np.random.default_rng(0).uniform(0, 200, size=(1, C, H, W))
    offsets += 40.0 * np.arange(C)[None, :, None, None]
    return offsets + np.random.default_rng(seed).normal(scale=10.0, size=(N, C, H, W))


def correlated(seed: int, N: int, D: int) -> np.ndarray:
    """(N, D) data with a full-rank covariance, distinct variances and a non-zero mean."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(D, D)) * np.geomspace(3.0, 0.3, D)[:, None]
    return rng.normal(size=(N, D)) @ mixing + rng.uniform(-5, 5, size=D)


def covariance(Z: np.ndarray) -> np.ndarray:
    """Biased covariance Z_c.T @ Z_c / N, written out independently."""
    Zc = Z - Z.sum(axis=0) / Z.shape[0]
    return Zc.T @ Zc / Z.shape[0]


# ---------------------------------------------------------------------------
# MeanSubtraction
# ---------------------------------------------------------------------------


@task(MS_FIT)
def test_mean_image_is_per_pixel_mean() -> None:
    X = images(1, 20)
    pre = MeanSubtraction(mode="image")
    assert pre.fit(X) is pre
    expected = np.zeros(X.shape[1:])
    for x in X:  # accumulate example by example
        expected += x
    expected /= len(X)
    assert pre.mean_.shape == (3, 4, 5)
    assert pre.mean_.dtype == np.float64
    np.testing.assert_allclose(pre.mean_, expected, rtol=1e-13)


@task(MS_FIT)
def test_channel_mean_is_one_number_per_channel() -> None:
    X = images(2, 10, C=3)
    pre = MeanSubtraction(mode="channel").fit(X)
    assert pre.mean_.shape == (3,)
    for c in range(3):
        values = X[:, c].ravel()
        assert pre.mean_[c] == pytest.approx(values.sum() / values.size, rel=1e-13)


@task(MS_FIT)
@pytest.mark.parametrize("shape", [(7,), (7, 1), (7, 12), (7, 2, 3, 4, 2)])
def test_mean_image_works_for_any_shape(shape: tuple[int, ...]) -> None:
    X = np.random.default_rng(3).normal(loc=2.0, size=shape)
    pre = MeanSubtraction().fit(X)
    assert pre.mean_.shape == shape[1:]
    np.testing.assert_allclose(pre.transform(X).mean(axis=0), 0.0, atol=1e-12)


@task(MS_TRANSFORM)
@pytest.mark.parametrize("mode", ["image", "channel"])
def test_mean_subtraction_uses_training_mean_on_test_data(mode: str) -> None:
    X_train, X_test = images(4, 30), images(5, 8) + 50.0
    pre = MeanSubtraction(mode=mode).fit(X_train)
    if mode == "image":
        train_mean = X_train.mean(axis=0)
    else:
        train_mean = X_train.mean(axis=(0, 2, 3))[:, None, None]
    out = pre.transform(X_test)
    assert out.shape == X_test.shape
    np.testing.assert_allclose(out, X_test - train_mean, rtol=1e-12, atol=1e-12)
    # Not the test set's own mean: the held-out data is shifted by 50.
    assert abs(out.mean() - 50.0) < 5.0
    # The training data becomes zero-centred (per pixel, or per channel).
    axes = 0 if mode == "image" else (0, 2, 3)
    np.testing.assert_allclose(pre.transform(X_train).mean(axis=axes), 0.0, atol=1e-11)


@task(MS_TRANSFORM)
def test_channel_and_image_means_differ_in_shape_and_effect() -> None:
    X = images(6, 12)
    by_image = MeanSubtraction("image").fit(X)
    by_channel = MeanSubtraction("channel").fit(X)
    assert by_image.mean_.shape == X.shape[1:] and by_channel.mean_.shape == (X.shape[1],)
    # The per-channel mean is the average of the mean image over its pixels.
    np.testing.assert_allclose(by_channel.mean_, by_image.mean_.mean(axis=(1, 2)), rtol=1e-13)
    out_image, out_channel = by_image.transform(X), by_channel.transform(X)
    # Channel mode keeps the spatial structure of the mean image; image mode removes it.
    np.testing.assert_allclose(
        out_channel.mean(axis=0), by_image.mean_ - by_channel.mean_[:, None, None], atol=1e-10
    )
    np.testing.assert_allclose(out_image.mean(axis=0), 0.0, atol=1e-10)


@task(MS_TRANSFORM)
def test_mean_subtraction_dtypes_and_no_mutation() -> None:
    X32 = images(7, 16).astype(np.float32)
    before = X32.copy()
    pre = MeanSubtraction("channel").fit(X32)
    out = pre.transform(X32)
    assert out.dtype == np.float32
    assert pre.mean_.dtype == np.float64
    np.testing.assert_array_equal(X32, before)
    # The float32 mean is accurate to float64 (accumulated in float64).
    np.testing.assert_allclose(pre.mean_, X32.astype(np.float64).mean(axis=(0, 2, 3)), rtol=1e-12)
    pixels = np.random.default_rng(8).integers(0, 256, size=(5, 3, 2, 2), dtype=np.uint8)
    out_u8 = MeanSubtraction().fit(pixels).transform(pixels)
    assert out_u8.dtype == np.float64
    np.testing.assert_allclose(out_u8, pixels - pixels.mean(axis=0), atol=1e-12)


@task(MS_TRANSFORM)
def test_mean_subtraction_transform_before_fit_raises() -> None:
    with pytest.raises(RuntimeError, match="fit"):
        MeanSubtraction().transform(np.ones((2, 3)))


@task(MS_FIT)
def test_mean_subtraction_rejects_bad_mode_and_shapes() -> None:
    with pytest.raises(ValueError, match="mode"):
        MeanSubtraction(mode="pixel")
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        MeanSubtraction(mode="channel").fit(np.ones((4, 12)))
    pre = MeanSubtraction().fit(np.ones((4, 3, 2, 2)))
    with pytest.raises(ValueError, match="does not match"):
        pre.transform(np.ones((4, 3, 2, 3)))
    pre = MeanSubtraction("channel").fit(np.ones((4, 3, 2, 2)))
    with pytest.raises(ValueError, match="does not match"):
        pre.transform(np.ones((4, 1, 2, 2)))


# ---------------------------------------------------------------------------
# Standardization
# ---------------------------------------------------------------------------


@task(ST_FIT)
def test_standardization_statistics() -> None:
    X = correlated(10, 40, 6)
    pre = Standardization()
    assert pre.fit(X) is pre
    mean = X.sum(axis=0) / len(X)
    std = np.sqrt(((X - mean) ** 2).sum(axis=0) / len(X))  # biased, as documented
    np.testing.assert_allclose(pre.mean_, mean, rtol=1e-13)
    np.testing.assert_allclose(pre.std_, std, rtol=1e-13)


@task(ST_TRANSFORM)
def test_standardization_train_is_standard_and_test_uses_train_stats() -> None:
    X_train, X_test = correlated(11, 50, 5), correlated(12, 9, 5) * 2.0
    pre = Standardization(eps=1e-8).fit(X_train)
    Z = pre.transform(X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-7)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    np.testing.assert_allclose(pre.transform(X_test), (X_test - mean) / (std + 1e-8), rtol=1e-12)


@task(ST_TRANSFORM)
def test_standardization_images_and_constant_features() -> None:
    X = images(13, 8)
    X[:, 0, 0, 0] = 5.0  # a constant feature: std 0, maps to 0 without a warning
    pre = Standardization().fit(X)
    assert pre.std_.shape == X.shape[1:]
    Z = pre.transform(X)
    np.testing.assert_array_equal(Z[:, 0, 0, 0], 0.0)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(Z.std(axis=0)[1:], 1.0, rtol=1e-6)


@task(ST_TRANSFORM)
def test_standardization_eps_is_added_to_std() -> None:
    X = np.array([[0.0], [2.0]])  # mean 1, std 1
    out = Standardization(eps=1.0).fit(X).transform(np.array([[3.0]]))
    np.testing.assert_allclose(out, [[1.0]])  # (3 - 1) / (1 + 1)


@task(ST_TRANSFORM)
def test_standardization_dtypes_no_mutation_and_fit_first() -> None:
    X = correlated(14, 20, 4).astype(np.float32)
    before = X.copy()
    pre = Standardization()
    with pytest.raises(RuntimeError, match="fit"):
        pre.transform(X)
    out = pre.fit(X).transform(X)
    assert out.dtype == np.float32 and pre.std_.dtype == np.float64
    np.testing.assert_array_equal(X, before)
    with pytest.raises(ValueError, match="does not match"):
        pre.transform(np.ones((3, 5)))


# ---------------------------------------------------------------------------
# PCAWhitening
# ---------------------------------------------------------------------------


@task(PCA_FIT)
def test_pca_components_orthonormal_and_sorted() -> None:
    X = correlated(20, 200, 6)
    pca = PCAWhitening()
    assert pca.fit(X) is pca
    V, lam = pca.components_, pca.explained_variance_
    assert V.shape == (6, 6) and lam.shape == (6,)
    np.testing.assert_allclose(V @ V.T, np.eye(6), atol=1e-10)
    assert np.all(np.diff(lam) <= 0)
    # Each component is an eigenvector of the training covariance with its eigenvalue.
    C = covariance(X)
    np.testing.assert_allclose(C @ V.T, V.T * lam, atol=1e-9)
    np.testing.assert_allclose(pca.mean_, X.mean(axis=0), rtol=1e-13)


@task(PCA_FIT)
def test_pca_matches_svd_with_sign_convention() -> None:
    X = correlated(21, 100, 5)
    pca = PCAWhitening(n_components=3).fit(X)
    Xc = X - X.mean(axis=0)
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    np.testing.assert_allclose(pca.explained_variance_, (s**2 / len(X))[:3], rtol=1e-10)
    # Same directions; the sign makes each row's largest-magnitude entry positive.
    for k in range(3):
        v = Vt[k] * np.sign(Vt[k][np.argmax(np.abs(Vt[k]))])
        np.testing.assert_allclose(pca.components_[k], v, atol=1e-9)
        assert pca.components_[k][np.argmax(np.abs(pca.components_[k]))] > 0
    assert pca.components_.shape == (3, 5)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(3), atol=1e-10)


@task(PCA_TRANSFORM)
def test_whitened_training_data_has_identity_covariance() -> None:
    X = correlated(22, 300, 8)
    Z = PCAWhitening(eps=0.0).fit(X).transform(X)
    assert Z.shape == (300, 8)
    np.testing.assert_allclose(covariance(Z), np.eye(8), atol=1e-6)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-10)


@task(PCA_TRANSFORM)
def test_whitening_with_eps_gives_documented_covariance() -> None:
    X = correlated(23, 300, 6) * 1e-2  # small variances, so eps visibly matters
    pca = PCAWhitening(eps=1e-5).fit(X)
    lam = pca.explained_variance_
    expected = np.diag(lam / (lam + 1e-5))
    np.testing.assert_allclose(covariance(pca.transform(X)), expected, atol=1e-10)


@task(PCA_TRANSFORM)
def test_pca_without_whitening_rotates_and_reconstructs() -> None:
    X = correlated(24, 120, 5)
    pca = PCAWhitening(whiten=False).fit(X)
    Z = pca.transform(X)
    np.testing.assert_allclose(covariance(Z), np.diag(pca.explained_variance_), atol=1e-9)
    # All components: an orthogonal change of basis, so it inverts exactly.
    np.testing.assert_allclose(Z @ pca.components_ + pca.mean_, X, atol=1e-10)


@task(PCA_TRANSFORM)
def test_pca_test_data_uses_training_statistics() -> None:
    X_train, X_test = correlated(25, 150, 6), correlated(26, 20, 6) + 3.0
    pca = PCAWhitening(n_components=4, eps=1e-5).fit(X_train)
    # Independent: eigendecomposition through the SVD of the centred training data.
    mean = X_train.mean(axis=0)
    _, s, Vt = np.linalg.svd(X_train - mean, full_matrices=False)
    signs = np.sign(Vt[np.arange(4), np.abs(Vt[:4]).argmax(axis=1)])
    V = Vt[:4] * signs[:, None]
    lam = s[:4] ** 2 / len(X_train)
    expected = (X_test - mean) @ V.T / np.sqrt(lam + 1e-5)
    out = pca.transform(X_test)
    assert out.shape == (20, 4)
    np.testing.assert_allclose(out, expected, rtol=1e-8, atol=1e-9)
    # transform does not refit: the statistics are unchanged by held-out data.
    np.testing.assert_array_equal(pca.mean_, mean)


@task(PCA_FIT)
def test_pca_rank_deficient_data_is_finite() -> None:
    # Fewer examples than features: D - N + 1 eigenvalues are 0 up to rounding.
    X = np.random.default_rng(27).normal(size=(5, 12))
    pca = PCAWhitening().fit(X)
    assert np.all(pca.explained_variance_ >= 0)
    np.testing.assert_allclose(pca.explained_variance_[4:], 0.0, atol=1e-12)
    Z = pca.transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(covariance(Z[:, :4]), np.eye(4), atol=1e-4)


@task(PCA_TRANSFORM)
def test_pca_dtypes_no_mutation_and_errors() -> None:
    X = correlated(28, 60, 4).astype(np.float32)
    before = X.copy()
    pca = PCAWhitening(n_components=2)
    with pytest.raises(RuntimeError, match="fit"):
        pca.transform(X)
    out = pca.fit(X).transform(X)
    assert out.dtype == np.float32 and out.shape == (60, 2)
    assert pca.components_.dtype == np.float64
    np.testing.assert_array_equal(X, before)
    ref = PCAWhitening(n_components=2).fit(X.astype(np.float64)).transform(X.astype(np.float64))
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="does not match"):
        pca.transform(np.ones((3, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="exceeds"):
        PCAWhitening(n_components=5).fit(X)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        PCAWhitening().fit(np.ones((3, 2, 2)))
    with pytest.raises(ValueError, match="n_components"):
        PCAWhitening(n_components=0)


# ---------------------------------------------------------------------------
# Properties (hypothesis)
# ---------------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def data(min_rows: int = 1, max_cols: int = 6):
    shape = st.tuples(st.integers(min_rows, 15), st.integers(1, max_cols))
    return hnp.arrays(np.float64, shape, elements=finite)


@task(ST_TRANSFORM)
@settings(max_examples=60, deadline=None)
@given(X=data())
def test_property_standardized_training_data(X: np.ndarray) -> None:
    Z = Standardization().fit_transform(X)
    assert Z.shape == X.shape and np.isfinite(Z).all()
    std = X.std(axis=0)
    # X - mean is exact up to rounding of order eps_machine * |X|, which the
    # division by (std + eps) magnifies; for a constant feature std is ~0.
    slack = 1e-13 * np.abs(X).max(axis=0) / (std + 1e-8) + 1e-9
    assert np.all(np.abs(Z.mean(axis=0)) <= slack)
    assert np.all(np.abs(Z.std(axis=0) - std / (std + 1e-8)) <= slack)


@task(MS_TRANSFORM)
@settings(max_examples=60, deadline=None)
@given(X=data(), mode=st.sampled_from(["image", "channel"]))
def test_property_mean_subtraction_centres(X: np.ndarray, mode: str) -> None:
    if mode == "channel":
        X = X.reshape(X.shape[0], X.shape[1], 1, 1)  # (N, C, 1, 1) images
    Z = MeanSubtraction(mode).fit_transform(X)
    assert Z.shape == X.shape and Z.dtype == np.float64
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-9)


@task(PCA_TRANSFORM)
@settings(max_examples=40, deadline=None)
@given(X=data(min_rows=2), whiten=st.booleans(), keep=st.integers(1, 6))
def test_property_pca_output_shape_and_decorrelation(
    X: np.ndarray, whiten: bool, keep: int
) -> None:
    K = min(keep, X.shape[1])
    pca = PCAWhitening(n_components=K, whiten=whiten).fit(X)
    Z = pca.transform(X)
    assert Z.shape == (X.shape[0], K) and np.isfinite(Z).all()
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(K), atol=1e-9)
    lam = pca.explained_variance_
    expected = np.diag(lam / (lam + pca.eps)) if whiten else np.diag(lam)
    # Rounding leaves errors of order eps_machine * lam_max in the projected
    # covariance; whitening divides entry (i, j) by sqrt((lam_i + eps)(lam_j + eps)).
    bound = 1e-11 * float(lam[0])
    if whiten:
        bound = bound / np.sqrt(np.outer(lam + pca.eps, lam + pca.eps))
    assert np.all(np.abs(covariance(Z) - expected) <= bound + 1e-9)
