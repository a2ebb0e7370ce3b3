"""Mutants and correct alternatives of layers: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("layers")

# The reference's stable sigmoid forward, which two entries rewrite as a whole.
_SIGMOID_FORWARD = r"""
                z = np.exp(-np.abs(x))
                out = np.where(x >= 0, 1.0, z)
                out /= 1.0 + z
            """

MUTANTS: list[Mutant] = [
    _mutant("affine forward without the bias", "affine_forward",
        "x.reshape(x.shape[0], -1) @ w + b", "x.reshape(x.shape[0], -1) @ w",
        diagnosis="bias b is not added"),
    _mutant("affine backward: db averaged instead of summed", "affine_backward",
        "dout.sum", "dout.mean",
        diagnosis="averaged over the batch"),
    _mutant("affine backward forgets to reshape dx", "affine_backward",
        "(dout @ w.T).reshape(x.shape)", "dout @ w.T",
        diagnosis="reshape the gradient"),
    _mutant("affine backward with dw transposed", "affine_backward",
        "x.reshape(x.shape[0], -1).T @ dout", "dout.T @ x.reshape(x.shape[0], -1)",
        diagnosis="dw is transposed"),
    _mutant("relu forward with np.max (a reduction) instead of np.maximum", "relu_forward",
        "np.maximum", "np.max",
        diagnosis="not elementwise"),
    _mutant("relu backward masks with dout > 0 instead of x > 0", "relu_backward",
        "x > 0", "dout > 0",
        diagnosis="masked where dout > 0"),
    _mutant("leaky relu forward applies the slope to the positive side", "leaky_relu_forward",
        "np.where(x > 0, x, negative_slope * x)", "np.where(x > 0, negative_slope * x, x)",
        diagnosis="positive side"),
    _mutant("leaky relu backward blocks the negative side like relu", "leaky_relu_backward",
        "negative_slope * dout", "0",
        diagnosis="as in ReLU"),
    _mutant("prelu forward applies alpha to the positive side", "prelu_forward",
        "np.where(x > 0, x, alpha * x)", "np.where(x > 0, alpha * x, x)",
        diagnosis="positive side"),
    _mutant("prelu backward does not sum dalpha over N", "prelu_backward",
        "(dout * np.minimum(x, 0)).sum(axis=0)", "dout * np.minimum(x, 0)",
        diagnosis="not summed over the batch"),
    _mutant("prelu backward takes dalpha from positive inputs too", "prelu_backward",
        "np.minimum(x, 0)", "x",
        diagnosis="only negative inputs"),
    _mutant("elu forward without alpha", "elu_forward",
        "alpha * np.expm1(np.minimum(x, 0))", "np.expm1(np.minimum(x, 0))",
        diagnosis="alpha does not scale"),
    _mutant(
        "elu backward uses alpha * exp(x) for x > 0 too",
        "elu_backward",
        "np.where(x > 0, dout, dout * (alpha * np.exp(np.minimum(x, 0))))",
        "dout * (alpha * np.exp(np.minimum(x, 0)))",
        diagnosis="positive side is dout itself",
    ),
    _mutant("sigmoid forward with its two branches swapped", "sigmoid_forward",
        "np.where(x >= 0, 1.0, z)", "np.where(x >= 0, z, 1.0)",
        diagnosis="branches"),
    _mutant("sigmoid forward as exp(x) / (1 + exp(x)) overflows", "sigmoid_forward",
        _SIGMOID_FORWARD, "out = np.exp(x) / (1 + np.exp(x))",
        diagnosis="overflows"),
    _mutant("sigmoid backward as out * (1 + out)", "sigmoid_backward", "1 - out", "1 + out",
        diagnosis="out * (1 - out)"),
    _mutant("tanh forward from exponentials overflows", "tanh_forward",
        "np.tanh(x)", "(np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        diagnosis="overflows"),
    _mutant("tanh forward as 2 * sigmoid(x) - 1", "tanh_forward",
        "np.tanh(x)", "2 / (1 + np.exp(-x)) - 1",
        diagnosis="tanh(x / 2)"),
    _mutant("tanh backward as 1 - tanh(cache)**2 (treats the cached output as x)", "tanh_backward",
        "out * out", "np.tanh(out) ** 2",
        diagnosis="holds the output"),
    Mutant(
        "layers: maxout forward forgets the bias",
        "layers.maxout_forward",
        drop("scores += b[:, None, :]"),
        diagnosis="bias b is not added",
    ),
    _mutant("maxout backward routes dout to every piece", "maxout_backward",
        "np.put_along_axis(dscores, winner[None], dout[None], axis=0)", "dscores[:] = dout",
        diagnosis="every piece"),
    Mutant(
        "layers: maxout backward routes ties to every maximal piece",
        "layers.maxout_backward",
        (
            replace(
                "dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, "
                "w))",
                "s = np.matmul(x, w) + b[:, None, :]",
            ),
            replace(
                "np.put_along_axis(dscores, winner[None], dout[None], axis=0)",
                "dscores = (s == s.max(axis=0)) * dout",
            ),
        ),
        diagnosis="ties",
    ),
    _mutant("maxout backward routes ties to the last maximal piece", "maxout_backward",
        "x, w, b, winner = cache", r"""
                x, w, b, _ = cache
                s = np.matmul(x, w) + b[:, None, :]
                winner = s.shape[0] - 1 - s[::-1].argmax(axis=0)
            """,
        diagnosis="ties"),
    _mutant("softmax without the max shift", "softmax_loss",
        "x - x.max(axis=1, keepdims=True)", "x",
        diagnosis="subtract the max"),
    _mutant("softmax loss not averaged over N", "softmax_loss",
        "-log_probs[rows, y].sum() / N", "-log_probs[rows, y].sum()",
        diagnosis="average it"),
    Mutant(
        "layers: softmax gradient forgets the -1 at the correct class",
        "layers.softmax_loss",
        drop("dx[rows, y] -= 1"),
        diagnosis="the -1 at the correct class",
    ),
    Mutant(
        "layers: svm margin counts the correct class",
        "layers.svm_loss",
        drop("margins[rows, y] = 0"),
        diagnosis="own margin",
    ),
    Mutant(
        "layers: svm gradient misses the correct-class column",
        "layers.svm_loss",
        drop("dx[rows, y] = -dx.sum(axis=1)"),
        diagnosis="correct-class column",
    ),
    Mutant(
        "layers: dropout without the 1/p scaling",
        "layers.dropout_forward",
        drop("mask /= p"),
        diagnosis="not divided by p",
    ),
    Mutant(
        "layers: dropout with p as the drop probability",
        "layers.dropout_forward",
        (
            replace("rng.random(x.shape) < p", "rng.random(x.shape) >= p"),
            replace("mask /= p", "mask /= 1 - p"),
        ),
        diagnosis="probability of keeping",
    ),
    _mutant("dropout applies a mask in test mode", "dropout_forward",
        "out = x", "out = x * (rng.random(x.shape) < p)",
        diagnosis="in test mode"),
    _mutant("dropout ignores the seed (global numpy generator)", "dropout_forward",
        "rng.random(x.shape)", "np.random.rand(*x.shape)",
        diagnosis="seed is ignored"),
    _mutant("dropout backward divides by p a second time", "dropout_backward",
        "dout * mask", "dout * mask / dropout_param['p']",
        diagnosis="scaled again"),
    _mutant("dropout backward applies the mask in test mode", "dropout_backward",
        r"""
                if mode == 'train':
                    dx = dout * mask
                else:
                    dx = dout
            """, "dx = dout * mask",
        diagnosis="in test mode"),
]

ALTERNATIVES: list[Alternative] = [
    _alternative(
        "affine forward with np.dot and an explicit reshape",
        "affine_forward",
        "x.reshape(x.shape[0], -1) @ w + b",
        "np.dot(np.reshape(x, (len(x), w.shape[0])), w) + b[None, :]",
    ),
    Alternative(
        "layers: affine backward with np.dot and tensordot",
        "layers",
        patch(
            "affine_backward",
            replace("(dout @ w.T).reshape(x.shape)", "np.reshape(np.dot(dout, w.T), x.shape)"),
            replace(
                "x.reshape(x.shape[0], -1).T @ dout",
                "np.tensordot(x, dout, axes=([0], [0])).reshape(w.shape)",
            ),
        ),
    ),
    _alternative("relu as x * (x > 0)", "relu_forward", "np.maximum(x, 0)", "x * (x > 0)"),
    Alternative(
        "layers: relu caches a boolean mask that its own backward reads",
        "layers",
        (
            patch("relu_forward", replace("cache = x", "cache = {'active': x > 0}")),
            patch(
            "relu_backward",
            replace(r"""
                x = cache
                dx = dout * (x > 0)
            """, "dx = dout * cache['active']"),
        ),
        ),
    ),
    _alternative("leaky relu through a per-entry slope", "leaky_relu_forward",
        "np.where(x > 0, x, negative_slope * x)", "x * np.where(x > 0, 1.0, negative_slope)"),
    _alternative("prelu dalpha with a boolean mask", "prelu_backward",
        "(dout * np.minimum(x, 0)).sum(axis=0)", "np.sum(dout * x * (x <= 0), axis=0)"),
    _alternative("elu backward from the output (out + alpha)", "elu_backward",
        "dx = np.where(x > 0, dout, dout * (alpha * np.exp(np.minimum(x, 0))))", r"""
                out = alpha * np.expm1(np.minimum(x, 0))
                dx = np.where(x > 0, dout, dout * (out + alpha))
            """),
    _alternative("sigmoid through the tanh identity", "sigmoid_forward",
        _SIGMOID_FORWARD, "out = 0.5 * (1.0 + np.tanh(0.5 * x))"),
    Alternative(
        "layers: sigmoid computed in float32",
        "layers",
        patch(
            "sigmoid_forward",
            replace("z = np.exp(-np.abs(x))", "xf = x.astype(np.float32)"),
            replace("out = np.where(x >= 0, 1.0, z)", "z = np.exp(-np.abs(xf))"),
            replace(
                "out /= 1.0 + z",
                "out = np.where(xf >= 0, np.float32(1), z) / (np.float32(1) + z)",
            ),
        ),
    ),
    _alternative("tanh backward computed in float32", "tanh_backward",
        "dx = dout * (1 - out * out)", r"""
                o = out.astype(np.float32)
                dx = dout.astype(np.float32) * (1 - o * o)
            """),
    Alternative(
        "layers: maxout caches a one-hot winner mask that its own backward reads",
        "layers",
        (
            patch(
            "maxout_forward",
            replace("cache = (x, w, b, winner)", r"""
                onehot = winner == np.arange(w.shape[0])[:, None, None]
                cache = (onehot, x, w)
            """),
        ),
            patch(
            "maxout_backward",
            replace(r"""
                x, w, b, winner = cache
                dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
                np.put_along_axis(dscores, winner[None], dout[None], axis=0)
            """, r"""
                onehot, x, w = cache
                dscores = onehot * dout
            """),
        ),
        ),
    ),
    _alternative("maxout backward with a loop over the pieces", "maxout_backward",
        r"""
                dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
                np.put_along_axis(dscores, winner[None], dout[None], axis=0)
                dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
                dw = np.matmul(x.T, dscores)
                db = dscores.sum(axis=1)
            """, r"""
                dx, dw, db = (np.zeros(x.shape), np.zeros(w.shape), np.zeros(b.shape))
                for k in range(w.shape[0]):
                    d = np.where(winner == k, dout, 0.0)
                    dx += d @ w[k].T
                    dw[k] = x.T @ d
                    db[k] = d.sum(axis=0)
            """),
    Alternative(
        "layers: softmax loss through log-sum-exp",
        "layers",
        patch(
            "softmax_loss",
            replace(
                "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
                "lse = x.max(axis=1) + np.log(np.sum(np.exp(shifted), axis=1))",
            ),
            replace("-log_probs[rows, y].sum() / N", "np.mean(lse - x[rows, y])"),
            replace("np.exp(log_probs)", "np.exp(x - lse[:, None])"),
        ),
    ),
    Alternative(
        "layers: svm loss counting every class, then removing the N correct ones",
        "layers",
        patch(
            "svm_loss",
            replace("margins = x - x[rows, y][:, None] + 1", r"""
                margins = np.maximum(0, x - x[rows, y][:, None] + 1)
                loss = (margins.sum() - N) / N
            """),
            drop(r"""
                np.maximum(margins, 0, out=margins)
                loss = margins.sum() / N
            """),
        ),
    ),
    Alternative(
        "layers: dropout mask drawn with rng.uniform, output as x / p",
        "layers",
        patch(
            "dropout_forward",
            replace(
                "mask = (rng.random(x.shape) < p).astype(x.dtype)",
                "keep = rng.uniform(0.0, 1.0, size=x.shape) < p",
            ),
            replace("mask /= p", "mask = keep.astype(x.dtype) / p"),
            replace("x * mask", "np.where(keep, x / p, 0.0)"),
        ),
    ),
    _alternative("dropout mask drawn with rng.binomial", "dropout_forward",
        "rng.random(x.shape) < p", "rng.binomial(1, p, size=x.shape)"),
    _alternative("dropout with a float32 mask", "dropout_forward", "x.dtype", "np.float32"),
]
