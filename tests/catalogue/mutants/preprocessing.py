"""Mutants and correct alternatives of preprocessing: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("preprocessing")

MUTANTS: list[Mutant] = [
    _mutant("channel mean over axes (0, 1)", "MeanSubtraction.fit", "(0, 2, 3)", "(0, 1)",
        diagnosis="keeps axes besides the channels"),
    _mutant("mean image taken over every axis (a single number)", "MeanSubtraction.fit",
        "0 if self.mode == 'image' else (0, 2, 3)", "None if self.mode == 'image' else (0, 2, 3)",
        diagnosis="one number"),
    _mutant("mean accumulated in the data's float32", "MeanSubtraction.fit",
        "X.mean(axis=axes, dtype=np.float64)", "X.mean(axis=axes)",
        diagnosis="float32"),
    Mutant(
        "preprocessing: mean subtraction refits on the data it transforms",
        "preprocessing.MeanSubtraction.transform",
        replace(
                "self.mean_ if self.mode == 'image' else self.mean_[:, None, None]",
                "X.mean(axis=0) if self.mode == 'image' else X.mean(axis=(0, 2, 3))[:, None, "
                "None]",
            ),
        diagnosis="its own input",
    ),
    _mutant("channel mean broadcast along the last axis", "MeanSubtraction.transform",
        "self.mean_ if self.mode == 'image' else self.mean_[:, None, None]", "self.mean_",
        diagnosis="wrong axis"),
    _mutant("mean subtraction modifies its input in place", "MeanSubtraction.transform",
        "out = X - mean.astype(X.dtype, copy=False)", r"""
                X -= mean.astype(X.dtype, copy=False)
                out = X
            """,
        diagnosis="in-place change of the input"),
    _mutant("standardisation with the unbiased (ddof=1) std", "Standardization.fit",
        "X.std(axis=0, dtype=np.float64)", "X.std(axis=0, dtype=np.float64, ddof=1)",
        diagnosis="unbiased"),
    _mutant("standardisation stores std + eps in std_", "Standardization.fit",
        "X.std(axis=0, dtype=np.float64)", "X.std(axis=0, dtype=np.float64) + self.eps",
        diagnosis="std + eps"),
    _mutant("standardisation mean over the wrong axis", "Standardization.fit",
        "X.mean(axis=0, dtype=np.float64)", "X.mean(axis=-1, dtype=np.float64)",
        diagnosis="wrong axis"),
    _mutant("standardisation statistics in the data's float32", "Standardization.fit",
        "X.std(axis=0, dtype=np.float64)", "X.std(axis=0)",
        diagnosis="float32"),
    _mutant("standardisation transform without eps", "Standardization.transform",
        "self.std_ + self.eps", "self.std_",
        diagnosis="eps is missing"),
    Mutant(
        "preprocessing: standardisation refits on the data it transforms",
        "preprocessing.Standardization.transform",
        (
            replace("self.mean_.astype(X.dtype, copy=False)", "X.mean(axis=0)"),
            replace(
                "(self.std_ + self.eps).astype(X.dtype, copy=False)",
                "X.std(axis=0) + self.eps",
            ),
        ),
        diagnosis="its own input",
    ),
    _mutant("PCA without centring", "PCAWhitening.fit", "X - self.mean_", "X",
        diagnosis="not centred"),
    _mutant("PCA covariance divided by N - 1", "PCAWhitening.fit", "X.shape[0]", "X.shape[0] - 1",
        diagnosis="N - 1"),
    Mutant(
        "preprocessing: PCA keeps eigh's increasing order",
        "preprocessing.PCAWhitening.fit",
        (
            replace("evals[::-1]", "evals"),
            replace("evecs[:, ::-1]", "evecs"),
        ),
        diagnosis="increasing order",
    ),
    _mutant("PCA takes the rows of eigh's eigenvector matrix", "PCAWhitening.fit",
        "evecs[:, ::-1][:, :K].T", "evecs[::-1][:K]",
        diagnosis="columns of eigh's"),
    _mutant("PCA without the sign convention", "PCAWhitening.fit",
        "components *= np.where(pivots < 0, -1.0, 1.0)[:, None]", "pass",
        diagnosis="sign convention"),
    _mutant(
        "whitening divides by the eigenvalue instead of its square root",
        "PCAWhitening.transform",
        "np.sqrt(self.explained_variance_ + self.eps)",
        "self.explained_variance_ + self.eps",
        diagnosis="square root",
    ),
    _mutant("whitening without eps", "PCAWhitening.transform",
        "self.explained_variance_ + self.eps", "self.explained_variance_",
        diagnosis="eps is missing"),
    _mutant("PCA transform centres with the mean of its own input", "PCAWhitening.transform",
        "self.mean_.astype(X.dtype, copy=False)", "X.mean(axis=0)",
        diagnosis="its own input"),
    _mutant("PCA transform projects on the columns of components_", "PCAWhitening.transform",
        "self.components_.T", "self.components_",
        diagnosis="columns of components_"),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "preprocessing: channel mean as the mean of the mean image; broadcast by reshape",
        "preprocessing",
        (
            patch(
            "MeanSubtraction.fit",
            replace(r"""
                axes = 0 if self.mode == 'image' else (0, 2, 3)
                self.mean_ = X.mean(axis=axes, dtype=np.float64)
            """, r"""
                mean_image = X.mean(axis=0, dtype=np.float64)
                per_channel = mean_image.mean(axis=(1, 2)) if self.mode == 'channel' else None
                self.mean_ = mean_image if per_channel is None else per_channel
            """),
        ),
            patch(
            "MeanSubtraction.transform",
            replace(
                "mean = self.mean_ if self.mode == 'image' else self.mean_[:, None, None]",
                "shift = self.mean_ if self.mode == 'image' else self.mean_.reshape(1, -1, "
                "1, 1)",
            ),
            replace("mean.astype(X.dtype, copy=False)", "shift"),
        ),
        ),
    ),
    Alternative(
        "preprocessing: standardisation written out, computed in float64",
        "preprocessing",
        (
            patch(
            "Standardization.fit",
            replace("X.mean(axis=0, dtype=np.float64)", "np.mean(X, axis=0, dtype=np.float64)"),
            replace(
                "X.std(axis=0, dtype=np.float64)",
                "np.sqrt(np.mean((X - self.mean_) ** 2, axis=0))",
            ),
        ),
            patch(
            "Standardization.transform",
            replace(r"""
                out = X - self.mean_.astype(X.dtype, copy=False)
                out /= (self.std_ + self.eps).astype(X.dtype, copy=False)
            """, "out = (X - self.mean_) / (self.std_ + self.eps)"),
        ),
        ),
    ),
    Alternative(
        "preprocessing: PCA by the SVD of the centred data; transform with np.dot",
        "preprocessing",
        (
            patch(
            "PCAWhitening.fit",
            replace(r"""
                cov = Xc.T @ Xc / X.shape[0]
                evals, evecs = np.linalg.eigh(cov)
            """, "_, s, vt = np.linalg.svd(Xc, full_matrices=False)"),
            drop("evals = evals[::-1][:K]"),
            replace("evecs[:, ::-1][:, :K].T.copy()", "vt[:K].copy()"),
            replace(r"""
                pivots = components[np.arange(K), np.abs(components).argmax(axis=1)]
                components *= np.where(pivots < 0, -1.0, 1.0)[:, None]
            """, r"""
                for row in components:
                    if row[np.argmax(np.abs(row))] < 0:
                        row *= -1
            """),
            replace("np.maximum(evals, 0.0)", "s[:K] ** 2 / X.shape[0]"),
        ),
            patch(
            "PCAWhitening.transform",
            replace(
                "(X - self.mean_.astype(X.dtype, copy=False)) @ "
                "self.components_.T.astype(X.dtype)",
                "np.dot(X - self.mean_, self.components_.T)",
            ),
            replace(
                "out /= np.sqrt(self.explained_variance_ + self.eps).astype(X.dtype, "
                "copy=False)",
                "out = out / np.sqrt(self.explained_variance_ + self.eps)",
            ),
        ),
        ),
    ),
    Alternative(
        "preprocessing: PCA with np.cov(bias=True) and argsort",
        "preprocessing",
        patch(
            "PCAWhitening.fit",
            replace("Xc.T @ Xc / X.shape[0]", "np.cov(X, rowvar=False, bias=True)"),
            replace("evals = evals[::-1][:K]", r"""
                order = np.argsort(evals)[::-1][:K]
                evals = evals[order]
            """),
            replace("evecs[:, ::-1][:, :K].T.copy()", "evecs[:, order].T"),
            replace("np.abs(components).argmax(axis=1)", "np.argmax(np.abs(components), axis=1)"),
            replace("np.where(pivots < 0, -1.0, 1.0)", "np.sign(pivots)"),
            replace("np.maximum(evals, 0.0)", "np.clip(evals, 0.0, None)"),
        ),
    ),
]
