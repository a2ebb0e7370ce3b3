"""Mutants and correct alternatives of batch and layer normalisation: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, replace
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("normalization")

MUTANTS: list[Mutant] = [
    _mutant("batchnorm forward with the unbiased (N - 1) variance", "batchnorm_forward",
        "np.einsum('ij,ij->j', xhat, xhat) / N", "np.einsum('ij,ij->j', xhat, xhat) / (N - 1)",
        diagnosis="unbiased"),
    _mutant("batchnorm forward updates the running statistics in test mode", "batchnorm_forward",
        "var = running_var", r"""
                var = running_var
                running_mean = momentum * running_mean + (1.0 - momentum) * x.mean(axis=0)
                running_var = momentum * running_var + (1.0 - momentum) * x.var(axis=0)
            """,
        diagnosis="test mode changes the running statistics"),
    Mutant(
        "normalization: batchnorm running averages with momentum the wrong way round",
        "normalization.batchnorm_forward",
        (
            replace("momentum * running_mean", "momentum * mean"),
            replace("(1.0 - momentum) * mean", "(1.0 - momentum) * running_mean"),
            replace("momentum * running_var", "momentum * var"),
            replace("(1.0 - momentum) * var", "(1.0 - momentum) * running_var"),
        ),
        diagnosis="wrong way round",
    ),
    Mutant(
        "normalization: batchnorm test mode normalises with the batch statistics",
        "normalization.batchnorm_forward",
        (
            replace("x - running_mean", "x - x.mean(axis=0)"),
            replace("var = running_var", "var = x.var(axis=0)"),
        ),
        diagnosis="use the running averages",
    ),
    _mutant("batchnorm forward with a hard-coded eps", "batchnorm_forward",
        "var + eps", "var + 1e-05",
        diagnosis="eps is hard-coded"),
    _mutant("batchnorm forward promotes float32 data to float64", "batchnorm_forward",
        "np.ones(N, dtype=x.dtype)", "np.ones(N)",
        diagnosis="float32 inputs give a float64 output"),
    _mutant("batchnorm forward treats an unknown mode as test mode", "batchnorm_forward",
        "mode not in ('train', 'test')", "mode is None",
        diagnosis="unknown mode"),
    _mutant("batchnorm backward misses the variance path", "batchnorm_backward",
        "dxc += 2.0 / N * dvar * xc", "pass",
        diagnosis="path through the variance"),
    _mutant("batchnorm backward misses the mean path", "batchnorm_backward",
        "dxc + dmean / N", "dxc",
        diagnosis="path through the batch mean"),
    _mutant("batchnorm backward computes dgamma without xhat", "batchnorm_backward",
        "dout * xhat", "dout",
        diagnosis="misses xhat"),
    _mutant("batchnorm backward averages dbeta over the batch", "batchnorm_backward",
        "dout.sum", "dout.mean",
        diagnosis="dbeta is averaged"),
    Mutant(
        "normalization: closed-form batchnorm backward drops the mean term",
        "normalization.batchnorm_backward_alt",
        drop("block -= shift"),
        diagnosis="mean",
    ),
    _mutant("closed-form batchnorm backward forgets gamma", "batchnorm_backward_alt",
        "gamma * inv_std", "inv_std",
        diagnosis="forgets gamma"),
    _mutant("closed-form batchnorm backward averages dgamma", "batchnorm_backward_alt",
        "np.einsum('ij,ij->j', dout, xhat)", "np.einsum('ij,ij->j', dout, xhat) / N",
        diagnosis="dgamma is averaged"),
    Mutant(
        "normalization: layernorm normalises over the batch axis",
        "normalization.layernorm_forward",
        (
            replace("x.mean(axis=1, keepdims=True)", "x.mean(axis=0, keepdims=True)"),
            replace(
                "(out[:, None, :] @ out[:, :, None]).reshape(-1) / D",
                "np.einsum('ij,ij->j', out, out) / x.shape[0]",
            ),
            replace("np.sqrt(var + eps)[:, None]", "np.sqrt(var + eps)"),
        ),
        diagnosis="not over the batch",
    ),
    _mutant("layernorm forward with a hard-coded eps", "layernorm_forward",
        "var + eps", "var + 1e-05",
        diagnosis="eps is hard-coded"),
    Mutant(
        "normalization: layernorm backward drops the mean term",
        "normalization.layernorm_backward",
        drop("block -= mean_dxhat[rows]"),
        diagnosis="drops the mean term",
    ),
    _mutant("layernorm backward sums dbeta over the features", "layernorm_backward",
        "dout.sum(axis=0)", "dout.sum(axis=1)",
        diagnosis="dbeta sums over the features"),
    _mutant("layernorm backward forgets gamma", "layernorm_backward",
        "np.multiply(dout[rows], gamma, out=block)", "block[...] = dout[rows]",
        diagnosis="forgets gamma"),
]

ALTERNATIVES: list[Alternative] = [
]
