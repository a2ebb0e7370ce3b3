# Student module of cs231n_core: replace each `raise NotImplementedError(<task id>)`
# with your implementation. Generated from the course's reference by
# `python -m autograder.maintain.build_stubs`; the instructor's copy is
# regenerated, yours is not.
"""Data preprocessing that is fitted on training data and applied everywhere.

Each class follows one pattern: ``fit(X_train)`` computes the statistics it
needs from the training data only and stores them as attributes whose names end
in an underscore; ``transform(X)`` applies those same statistics to any split
(train, validation, test) and never looks at the statistics of X itself.
Computing them on the test set would leak information about it into the model.

    pre = MeanSubtraction(mode="channel").fit(X_train)
    X_train, X_val = pre.transform(X_train), pre.transform(X_val)

Statistics are computed in float64 for accuracy and stored as float64 arrays.
``transform`` returns the floating dtype of its input (float32 stays float32;
integer data such as uint8 pixels becomes float64) and never modifies its input.
"""

from __future__ import annotations

import numpy as np


def _as_float(X: np.ndarray) -> np.ndarray:
    """X as a floating-point array (integers become float64; no copy otherwise)."""
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    return X


class _Preprocessor:
    """Shared plumbing: the fitted-state check and fit_transform."""

    _fitted_attribute = ""

    def _check_fitted(self) -> None:
        if getattr(self, self._fitted_attribute, None) is None:
            raise RuntimeError(
                f"{type(self).__name__} is not fitted yet: call fit(X_train) before transform"
            )

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """Fit on X, then transform X."""
        return self.fit(X).transform(X)  # type: ignore[attr-defined]


class MeanSubtraction(_Preprocessor):
    """Zero-centring with the mean of the training data.

    mode='image' subtracts the mean image: the mean over the training examples
    (axis 0) of every position, e.g. a (3, 32, 32) array for CIFAR-10 images;
    it works for data of any shape (N, ...). mode='channel' subtracts one mean
    per colour channel (3 numbers for RGB), averaged over the examples and all
    pixel positions; it needs images of shape (N, C, H, W).

    Attributes set by fit:
    - mean_: float64 array, of shape X.shape[1:] in 'image' mode and of shape
      (C,) in 'channel' mode
    """

    _fitted_attribute = "mean_"

    def __init__(self, mode: str = "image") -> None:
        if mode not in ("image", "channel"):
            raise ValueError(f"mode must be 'image' or 'channel', got {mode!r}")
        self.mode = mode
        self.mean_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> MeanSubtraction:
        """Compute the mean of the training data.

        Inputs:
        - X: training data, of shape (N, ...) in 'image' mode and of shape
          (N, C, H, W) in 'channel' mode

        Returns:
        - self, with mean_ set
        """
        X = _as_float(X)
        if self.mode == "channel" and X.ndim != 4:
            raise ValueError(f"mode='channel' needs images of shape (N, C, H, W), got {X.shape}")
        # TODO: accumulate in float64 (dtype=...) so float32 data keeps its precision.
        raise NotImplementedError("preprocessing.MeanSubtraction.fit")

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Subtract the mean computed by fit.

        Inputs:
        - X: data, of shape (M, *mean_.shape) in 'image' mode and of shape
          (M, C, H, W) in 'channel' mode

        Returns:
        - out: X minus the training mean, of X's shape and floating dtype
        """
        self._check_fitted()
        assert self.mean_ is not None  # _check_fitted raised otherwise
        X = _as_float(X)
        expected = self.mean_.shape if self.mode == "image" else (self.mean_.shape[0],)
        if X.shape[1 : 1 + len(expected)] != expected or (
            self.mode == "channel" and X.ndim != 4
        ):
            raise ValueError(f"X of shape {X.shape} does not match the fitted mean {expected}")
        # TODO: in 'channel' mode, reshape the mean so that it broadcasts over (M, C, H, W).
        raise NotImplementedError("preprocessing.MeanSubtraction.transform")


class Standardization(_Preprocessor):
    """Per-feature standardisation: zero mean and unit standard deviation.

    Each feature (every position of X.shape[1:]) is centred with its training
    mean and divided by its training standard deviation plus eps, so a constant
    feature maps to 0 (up to rounding) instead of dividing by zero. The standard
    deviation is the biased one (divided by N).

    Attributes set by fit:
    - mean_: float64 array, of shape X.shape[1:]
    - std_: float64 array, of shape X.shape[1:] (without eps)
    """

    _fitted_attribute = "std_"

    def __init__(self, eps: float = 1e-8) -> None:
        self.eps = eps
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> Standardization:
        """Compute the per-feature mean and standard deviation of the training data.

        Inputs:
        - X: training data, of shape (N, ...)

        Returns:
        - self, with mean_ and std_ set
        """
        X = _as_float(X)
        raise NotImplementedError("preprocessing.Standardization.fit")

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Standardise X with the training statistics: (X - mean_) / (std_ + eps).

        Inputs:
        - X: data, of shape (M, *mean_.shape)

        Returns:
        - out: standardised data, of X's shape and floating dtype
        """
        self._check_fitted()
        assert self.mean_ is not None and self.std_ is not None  # _check_fitted raised otherwise
        X = _as_float(X)
        if X.shape[1:] != self.std_.shape:
            raise ValueError(f"X of shape {X.shape} does not match the fitted {self.std_.shape}")
        raise NotImplementedError("preprocessing.Standardization.transform")


class PCAWhitening(_Preprocessor):
    """Principal component analysis, optionally followed by whitening.

    fit centres the training data and finds the eigenvectors of its covariance
    matrix C = Xc.T @ Xc / N (Xc the centred data), sorted by decreasing
    eigenvalue (variance). transform centres X with the training mean, projects
    it onto the first n_components eigenvectors and, if whiten, divides each
    coordinate by sqrt(eigenvalue + eps), so that the transformed training data
    has covariance diag(eigenvalue / (eigenvalue + eps)), the identity up to eps.

    The sign of an eigenvector is arbitrary; to make the result unique, each
    component is flipped so that its entry of largest magnitude is positive.
    Eigenvalues that rounding makes slightly negative are set to 0.

    Attributes set by fit:
    - mean_: float64 array, of shape (D,)
    - components_: float64 array, of shape (K, D), K = n_components (D when
      None); row k is the unit eigenvector with the k-th largest eigenvalue
    - explained_variance_: float64 array, of shape (K,), the eigenvalues in
      decreasing order (the training variance along each component)
    """

    _fitted_attribute = "components_"

    def __init__(
        self, n_components: int | None = None, whiten: bool = True, eps: float = 1e-5
    ) -> None:
        if n_components is not None and n_components < 1:
            raise ValueError(f"n_components must be at least 1 or None, got {n_components}")
        self.n_components = n_components
        self.whiten = whiten
        self.eps = eps
        self.mean_: np.ndarray | None = None
        self.components_: np.ndarray | None = None
        self.explained_variance_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> PCAWhitening:
        """Compute the training mean and the principal components.

        Inputs:
        - X: training data, of shape (N, D)

        Returns:
        - self, with mean_, components_ and explained_variance_ set
        """
        X = _as_float(X)
        if X.ndim != 2:
            raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
        K = X.shape[1] if self.n_components is None else self.n_components
        if K > X.shape[1]:
            raise ValueError(f"n_components={K} exceeds the number of features {X.shape[1]}")
        # TODO: np.linalg.eigh suits a symmetric matrix; it returns the
        # eigenvalues in increasing order and the eigenvectors as columns.
        raise NotImplementedError("preprocessing.PCAWhitening.fit")

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Project X onto the principal components, whitening if asked.

        Inputs:
        - X: data, of shape (M, D)

        Returns:
        - out: of shape (M, K), of X's floating dtype: (X - mean_) projected on
          each component, divided by sqrt(explained_variance_ + eps) if whiten
        """
        self._check_fitted()
        # _check_fitted raised otherwise.
        assert self.mean_ is not None and self.components_ is not None
        assert self.explained_variance_ is not None
        X = _as_float(X)
        D = self.mean_.shape[0]
        if X.ndim != 2 or X.shape[1] != D:
            raise ValueError(f"X of shape {X.shape} does not match the fitted D={D}")
        raise NotImplementedError("preprocessing.PCAWhitening.transform")
