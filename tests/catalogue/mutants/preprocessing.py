"""Mutants and correct alternatives of preprocessing: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "preprocessing: channel mean over axes (0, 1)",
        "preprocessing.MeanSubtraction.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if self.mode == "channel" and X.ndim != 4:
                    raise ValueError(
                        f"mode='channel' needs images of shape (N, C, H, W), got {X.shape}"
                    )
                axes = 0 if self.mode == "image" else (0, 1)  # bug
                self.mean_ = X.mean(axis=axes, dtype=np.float64)
                return self


            MeanSubtraction.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: mean image taken over every axis (a single number)",
        "preprocessing.MeanSubtraction.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if self.mode == "channel" and X.ndim != 4:
                    raise ValueError(
                        f"mode='channel' needs images of shape (N, C, H, W), got {X.shape}"
                    )
                axes = None if self.mode == "image" else (0, 2, 3)  # bug
                self.mean_ = X.mean(axis=axes, dtype=np.float64)
                return self


            MeanSubtraction.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: mean accumulated in the data's float32",
        "preprocessing.MeanSubtraction.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if self.mode == "channel" and X.ndim != 4:
                    raise ValueError(
                        f"mode='channel' needs images of shape (N, C, H, W), got {X.shape}"
                    )
                axes = 0 if self.mode == "image" else (0, 2, 3)
                self.mean_ = X.mean(axis=axes)  # bug
                return self


            MeanSubtraction.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: mean subtraction refits on the data it transforms",
        "preprocessing.MeanSubtraction.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                expected = self.mean_.shape if self.mode == "image" else (self.mean_.shape[0],)
                if X.shape[1 : 1 + len(expected)] != expected or (
                    self.mode == "channel" and X.ndim != 4
                ):
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted mean {expected}"
                    )
                mean = (
                    X.mean(axis=0)
                    if self.mode == "image"
                    else X.mean(axis=(0, 2, 3))[:, None, None]
                )  # bug
                out = X - mean.astype(X.dtype, copy=False)
                return out.astype(X.dtype, copy=False)


            MeanSubtraction.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: channel mean broadcast along the last axis",
        "preprocessing.MeanSubtraction.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                expected = self.mean_.shape if self.mode == "image" else (self.mean_.shape[0],)
                if X.shape[1 : 1 + len(expected)] != expected or (
                    self.mode == "channel" and X.ndim != 4
                ):
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted mean {expected}"
                    )
                mean = self.mean_  # bug
                out = X - mean.astype(X.dtype, copy=False)
                return out.astype(X.dtype, copy=False)


            MeanSubtraction.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: mean subtraction modifies its input in place",
        "preprocessing.MeanSubtraction.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                expected = self.mean_.shape if self.mode == "image" else (self.mean_.shape[0],)
                if X.shape[1 : 1 + len(expected)] != expected or (
                    self.mode == "channel" and X.ndim != 4
                ):
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted mean {expected}"
                    )
                mean = self.mean_ if self.mode == "image" else self.mean_[:, None, None]
                X -= mean.astype(X.dtype, copy=False)  # bug
                out = X  # bug
                return out.astype(X.dtype, copy=False)


            MeanSubtraction.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: standardisation with the unbiased (ddof=1) std",
        "preprocessing.Standardization.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                self.std_ = X.std(axis=0, dtype=np.float64, ddof=1)  # bug
                return self


            Standardization.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: standardisation stores std + eps in std_",
        "preprocessing.Standardization.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                self.std_ = X.std(axis=0, dtype=np.float64) + self.eps  # bug
                return self


            Standardization.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: standardisation mean over the wrong axis",
        "preprocessing.Standardization.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                self.mean_ = X.mean(axis=-1, dtype=np.float64)  # bug
                self.std_ = X.std(axis=0, dtype=np.float64)
                return self


            Standardization.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: standardisation statistics in the data's float32",
        "preprocessing.Standardization.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                self.std_ = X.std(axis=0)  # bug
                return self


            Standardization.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: standardisation transform without eps",
        "preprocessing.Standardization.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                if X.shape[1:] != self.std_.shape:
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted {self.std_.shape}"
                    )
                out = X - self.mean_.astype(X.dtype, copy=False)
                out /= self.std_.astype(X.dtype, copy=False)  # bug
                return out.astype(X.dtype, copy=False)


            Standardization.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: standardisation refits on the data it transforms",
        "preprocessing.Standardization.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                if X.shape[1:] != self.std_.shape:
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted {self.std_.shape}"
                    )
                out = X - X.mean(axis=0)  # bug
                out /= X.std(axis=0) + self.eps  # bug
                return out.astype(X.dtype, copy=False)


            Standardization.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: PCA without centring",
        "preprocessing.PCAWhitening.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                Xc = X  # bug
                cov = Xc.T @ Xc / X.shape[0]
                evals, evecs = np.linalg.eigh(cov)
                evals = evals[::-1][:K]
                components = evecs[:, ::-1][:, :K].T.copy()
                pivots = components[np.arange(K), np.abs(components).argmax(axis=1)]
                components *= np.where(pivots < 0, -1.0, 1.0)[:, None]
                self.components_ = components
                self.explained_variance_ = np.maximum(evals, 0.0)
                return self


            PCAWhitening.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: PCA covariance divided by N - 1",
        "preprocessing.PCAWhitening.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                Xc = X - self.mean_
                cov = Xc.T @ Xc / (X.shape[0] - 1)  # bug
                evals, evecs = np.linalg.eigh(cov)
                evals = evals[::-1][:K]
                components = evecs[:, ::-1][:, :K].T.copy()
                pivots = components[np.arange(K), np.abs(components).argmax(axis=1)]
                components *= np.where(pivots < 0, -1.0, 1.0)[:, None]
                self.components_ = components
                self.explained_variance_ = np.maximum(evals, 0.0)
                return self


            PCAWhitening.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: PCA keeps eigh's increasing order",
        "preprocessing.PCAWhitening.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                Xc = X - self.mean_
                cov = Xc.T @ Xc / X.shape[0]
                evals, evecs = np.linalg.eigh(cov)
                evals = evals[:K]  # bug
                components = evecs[:, :K].T.copy()  # bug
                pivots = components[np.arange(K), np.abs(components).argmax(axis=1)]
                components *= np.where(pivots < 0, -1.0, 1.0)[:, None]
                self.components_ = components
                self.explained_variance_ = np.maximum(evals, 0.0)
                return self


            PCAWhitening.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: PCA takes the rows of eigh's eigenvector matrix",
        "preprocessing.PCAWhitening.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                Xc = X - self.mean_
                cov = Xc.T @ Xc / X.shape[0]
                evals, evecs = np.linalg.eigh(cov)
                evals = evals[::-1][:K]
                components = evecs[::-1][:K].copy()  # bug
                pivots = components[np.arange(K), np.abs(components).argmax(axis=1)]
                components *= np.where(pivots < 0, -1.0, 1.0)[:, None]
                self.components_ = components
                self.explained_variance_ = np.maximum(evals, 0.0)
                return self


            PCAWhitening.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: PCA without the sign convention",
        "preprocessing.PCAWhitening.fit",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                Xc = X - self.mean_
                cov = Xc.T @ Xc / X.shape[0]
                evals, evecs = np.linalg.eigh(cov)
                evals = evals[::-1][:K]
                components = evecs[:, ::-1][:, :K].T.copy()
                pivots = components[np.arange(K), np.abs(components).argmax(axis=1)]
                pass  # bug
                self.components_ = components
                self.explained_variance_ = np.maximum(evals, 0.0)
                return self


            PCAWhitening.fit = _fit
        """,
    ),
    Mutant(
        "preprocessing: whitening divides by the eigenvalue instead of its square root",
        "preprocessing.PCAWhitening.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                D = self.mean_.shape[0]
                if X.ndim != 2 or X.shape[1] != D:
                    raise ValueError(f"X of shape {X.shape} does not match the fitted D={D}")
                out = (X - self.mean_.astype(X.dtype, copy=False)) @ self.components_.T.astype(
                    X.dtype
                )
                if self.whiten:
                    out /= (self.explained_variance_ + self.eps).astype(
                        X.dtype, copy=False
                    )  # bug
                return out.astype(X.dtype, copy=False)


            PCAWhitening.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: whitening without eps",
        "preprocessing.PCAWhitening.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                D = self.mean_.shape[0]
                if X.ndim != 2 or X.shape[1] != D:
                    raise ValueError(f"X of shape {X.shape} does not match the fitted D={D}")
                out = (X - self.mean_.astype(X.dtype, copy=False)) @ self.components_.T.astype(
                    X.dtype
                )
                if self.whiten:
                    out /= np.sqrt(self.explained_variance_).astype(X.dtype, copy=False)  # bug
                return out.astype(X.dtype, copy=False)


            PCAWhitening.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: PCA transform centres with the mean of its own input",
        "preprocessing.PCAWhitening.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                D = self.mean_.shape[0]
                if X.ndim != 2 or X.shape[1] != D:
                    raise ValueError(f"X of shape {X.shape} does not match the fitted D={D}")
                out = (X - X.mean(axis=0)) @ self.components_.T.astype(X.dtype)  # bug
                if self.whiten:
                    out /= np.sqrt(self.explained_variance_ + self.eps).astype(
                        X.dtype, copy=False
                    )
                return out.astype(X.dtype, copy=False)


            PCAWhitening.transform = _transform
        """,
    ),
    Mutant(
        "preprocessing: PCA transform projects on the columns of components_",
        "preprocessing.PCAWhitening.transform",
        r"""
            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                D = self.mean_.shape[0]
                if X.ndim != 2 or X.shape[1] != D:
                    raise ValueError(f"X of shape {X.shape} does not match the fitted D={D}")
                out = (X - self.mean_.astype(X.dtype, copy=False)) @ self.components_.astype(
                    X.dtype
                )  # bug
                if self.whiten:
                    out /= np.sqrt(self.explained_variance_ + self.eps).astype(
                        X.dtype, copy=False
                    )
                return out.astype(X.dtype, copy=False)


            PCAWhitening.transform = _transform
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "preprocessing: channel mean as the mean of the mean image; broadcast by reshape",
        "preprocessing",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if self.mode == "channel" and X.ndim != 4:
                    raise ValueError(
                        f"mode='channel' needs images of shape (N, C, H, W), got {X.shape}"
                    )
                mean_image = X.mean(axis=0, dtype=np.float64)
                per_channel = mean_image.mean(axis=(1, 2)) if self.mode == "channel" else None
                self.mean_ = mean_image if per_channel is None else per_channel
                return self


            MeanSubtraction.fit = _fit


            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                expected = self.mean_.shape if self.mode == "image" else (self.mean_.shape[0],)
                if X.shape[1 : 1 + len(expected)] != expected or (
                    self.mode == "channel" and X.ndim != 4
                ):
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted mean {expected}"
                    )
                shift = self.mean_ if self.mode == "image" else self.mean_.reshape(1, -1, 1, 1)
                out = X - shift
                return out.astype(X.dtype, copy=False)


            MeanSubtraction.transform = _transform
        """,
    ),
    Alternative(
        "preprocessing: standardisation written out, computed in float64",
        "preprocessing",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                self.mean_ = np.mean(X, axis=0, dtype=np.float64)
                self.std_ = np.sqrt(np.mean((X - self.mean_) ** 2, axis=0))
                return self


            Standardization.fit = _fit


            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                if X.shape[1:] != self.std_.shape:
                    raise ValueError(
                        f"X of shape {X.shape} does not match the fitted {self.std_.shape}"
                    )
                out = (X - self.mean_) / (self.std_ + self.eps)
                return out.astype(X.dtype, copy=False)


            Standardization.transform = _transform
        """,
    ),
    Alternative(
        "preprocessing: PCA by the SVD of the centred data; transform with np.dot",
        "preprocessing",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                _, s, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
                components = vt[:K].copy()
                for row in components:
                    if row[np.argmax(np.abs(row))] < 0:
                        row *= -1
                self.components_ = components
                self.explained_variance_ = s[:K] ** 2 / X.shape[0]
                return self


            PCAWhitening.fit = _fit


            def _transform(self, X):
                self._check_fitted()
                X = _as_float(X)
                D = self.mean_.shape[0]
                if X.ndim != 2 or X.shape[1] != D:
                    raise ValueError(f"X of shape {X.shape} does not match the fitted D={D}")
                out = np.dot(X - self.mean_, self.components_.T)
                if self.whiten:
                    out = out / np.sqrt(self.explained_variance_ + self.eps)
                return out.astype(X.dtype, copy=False)


            PCAWhitening.transform = _transform
        """,
    ),
    Alternative(
        "preprocessing: PCA with np.cov(bias=True) and argsort",
        "preprocessing",
        r"""
            def _fit(self, X):
                X = _as_float(X)
                if X.ndim != 2:
                    raise ValueError(f"PCAWhitening needs data of shape (N, D), got {X.shape}")
                K = X.shape[1] if self.n_components is None else self.n_components
                if K > X.shape[1]:
                    raise ValueError(
                        f"n_components={K} exceeds the number of features {X.shape[1]}"
                    )
                self.mean_ = X.mean(axis=0, dtype=np.float64)
                evals, evecs = np.linalg.eigh(np.cov(X, rowvar=False, bias=True))
                order = np.argsort(evals)[::-1][:K]
                comps = evecs[:, order].T
                pivots = comps[np.arange(K), np.argmax(np.abs(comps), axis=1)]
                self.components_ = comps * np.sign(pivots)[:, None]
                self.explained_variance_ = np.clip(evals[order], 0.0, None)
                return self


            PCAWhitening.fit = _fit
        """,
    ),
]
