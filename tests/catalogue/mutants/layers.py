"""Mutants and correct alternatives of layers: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "layers: affine forward without the bias",
        "layers.affine_forward",
        r"""
            def affine_forward(x, w, b):
                out = x.reshape(x.shape[0], -1) @ w  # bug
                cache = (x, w, b)
                return out, cache
        """,
    ),
    Mutant(
        "layers: affine backward: db averaged instead of summed",
        "layers.affine_backward",
        r"""
            def affine_backward(dout, cache):
                x, w, b = cache
                dx = (dout @ w.T).reshape(x.shape)
                dw = x.reshape(x.shape[0], -1).T @ dout
                db = dout.mean(axis=0)  # bug
                return dx, dw, db
        """,
    ),
    Mutant(
        "layers: affine backward forgets to reshape dx",
        "layers.affine_backward",
        r"""
            def affine_backward(dout, cache):
                x, w, b = cache
                dx = dout @ w.T  # bug
                dw = x.reshape(x.shape[0], -1).T @ dout
                db = dout.sum(axis=0)
                return dx, dw, db
        """,
    ),
    Mutant(
        "layers: affine backward with dw transposed",
        "layers.affine_backward",
        r"""
            def affine_backward(dout, cache):
                x, w, b = cache
                dx = (dout @ w.T).reshape(x.shape)
                dw = dout.T @ x.reshape(x.shape[0], -1)  # bug
                db = dout.sum(axis=0)
                return dx, dw, db
        """,
    ),
    Mutant(
        "layers: relu forward with np.max (a reduction) instead of np.maximum",
        "layers.relu_forward",
        r"""
            def relu_forward(x):
                out = np.max(x, 0)  # bug
                cache = x
                return out, cache
        """,
    ),
    Mutant(
        "layers: relu backward masks with dout > 0 instead of x > 0",
        "layers.relu_backward",
        r"""
            def relu_backward(dout, cache):
                x = cache
                dx = np.where(dout > 0, dout, 0)  # bug
                return dx
        """,
    ),
    Mutant(
        "layers: leaky relu forward applies the slope to the positive side",
        "layers.leaky_relu_forward",
        r"""
            def leaky_relu_forward(x, negative_slope=0.01):
                out = np.where(x > 0, negative_slope * x, x)  # bug
                cache = (x, negative_slope)
                return out, cache
        """,
    ),
    Mutant(
        "layers: leaky relu backward blocks the negative side like relu",
        "layers.leaky_relu_backward",
        r"""
            def leaky_relu_backward(dout, cache):
                x, negative_slope = cache
                dx = np.where(x > 0, dout, 0)  # bug
                return dx
        """,
    ),
    Mutant(
        "layers: prelu forward applies alpha to the positive side",
        "layers.prelu_forward",
        r"""
            def prelu_forward(x, alpha):
                out = np.where(x > 0, alpha * x, x)  # bug
                cache = (x, alpha)
                return out, cache
        """,
    ),
    Mutant(
        "layers: prelu backward does not sum dalpha over N",
        "layers.prelu_backward",
        r"""
            def prelu_backward(dout, cache):
                x, alpha = cache
                dx = np.where(x > 0, dout, alpha * dout)
                dalpha = dout * np.minimum(x, 0)  # bug
                return dx, dalpha
        """,
    ),
    Mutant(
        "layers: prelu backward takes dalpha from positive inputs too",
        "layers.prelu_backward",
        r"""
            def prelu_backward(dout, cache):
                x, alpha = cache
                dx = np.where(x > 0, dout, alpha * dout)
                dalpha = (dout * x).sum(axis=0)  # bug
                return dx, dalpha
        """,
    ),
    Mutant(
        "layers: elu forward without alpha",
        "layers.elu_forward",
        r"""
            def elu_forward(x, alpha=1.0):
                out = np.where(x > 0, x, np.expm1(np.minimum(x, 0)))  # bug
                cache = (x, alpha)
                return out, cache
        """,
    ),
    Mutant(
        "layers: elu backward uses alpha * exp(x) for x > 0 too",
        "layers.elu_backward",
        r"""
            def elu_backward(dout, cache):
                x, alpha = cache
                dx = dout * (alpha * np.exp(np.minimum(x, 0)))  # bug
                return dx
        """,
    ),
    Mutant(
        "layers: sigmoid forward with its two branches swapped",
        "layers.sigmoid_forward",
        r"""
            def sigmoid_forward(x):
                z = np.exp(-np.abs(x))
                out = np.where(x >= 0, z, 1.0)  # bug
                out /= 1.0 + z
                cache = out
                return out, cache
        """,
    ),
    Mutant(
        "layers: sigmoid forward as exp(x) / (1 + exp(x)) overflows",
        "layers.sigmoid_forward",
        r"""
            def sigmoid_forward(x):
                out = np.exp(x) / (1 + np.exp(x))  # bug
                cache = out
                return out, cache
        """,
    ),
    Mutant(
        "layers: sigmoid backward as out * (1 + out)",
        "layers.sigmoid_backward",
        r"""
            def sigmoid_backward(dout, cache):
                out = cache
                dx = dout * (out * (1 + out))  # bug
                return dx
        """,
    ),
    Mutant(
        "layers: tanh forward from exponentials overflows",
        "layers.tanh_forward",
        r"""
            def tanh_forward(x):
                out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))  # bug
                cache = out
                return out, cache
        """,
    ),
    Mutant(
        "layers: tanh forward as 2 * sigmoid(x) - 1",
        "layers.tanh_forward",
        r"""
            def tanh_forward(x):
                out = 2 / (1 + np.exp(-x)) - 1  # bug
                cache = out
                return out, cache
        """,
    ),
    Mutant(
        "layers: tanh backward as 1 - tanh(cache)**2 (treats the cached output as x)",
        "layers.tanh_backward",
        r"""
            def tanh_backward(dout, cache):
                out = cache
                dx = dout * (1 - np.tanh(out) ** 2)  # bug
                return dx
        """,
    ),
    Mutant(
        "layers: maxout forward forgets the bias",
        "layers.maxout_forward",
        r"""
            def maxout_forward(x, w, b):
                scores = np.matmul(x, w)
                # bug: no `scores += b[:, None, :]`
                winner = scores.argmax(axis=0)
                out = np.take_along_axis(scores, winner[None], axis=0)[0]
                cache = (x, w, b, winner)
                return out, cache
        """,
    ),
    Mutant(
        "layers: maxout backward routes dout to every piece",
        "layers.maxout_backward",
        r"""
            def maxout_backward(dout, cache):
                x, w, b, winner = cache
                dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
                dscores[:] = dout  # bug
                dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
                dw = np.matmul(x.T, dscores)
                db = dscores.sum(axis=1)
                return dx, dw, db
        """,
    ),
    Mutant(
        "layers: maxout backward routes ties to every maximal piece",
        "layers.maxout_backward",
        r"""
            def maxout_backward(dout, cache):
                x, w, b, winner = cache
                s = np.matmul(x, w) + b[:, None, :]  # bug
                dscores = (s == s.max(axis=0)) * dout  # bug
                dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
                dw = np.matmul(x.T, dscores)
                db = dscores.sum(axis=1)
                return dx, dw, db
        """,
    ),
    Mutant(
        "layers: maxout backward routes ties to the last maximal piece",
        "layers.maxout_backward",
        r"""
            def maxout_backward(dout, cache):
                x, w, b, _ = cache  # bug
                s = np.matmul(x, w) + b[:, None, :]  # bug
                winner = s.shape[0] - 1 - s[::-1].argmax(axis=0)  # bug
                dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
                np.put_along_axis(dscores, winner[None], dout[None], axis=0)
                dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
                dw = np.matmul(x.T, dscores)
                db = dscores.sum(axis=1)
                return dx, dw, db
        """,
    ),
    Mutant(
        "layers: softmax without the max shift",
        "layers.softmax_loss",
        r"""
            def softmax_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                shifted = x  # bug
                log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                loss = -log_probs[rows, y].sum() / N
                dx = np.exp(log_probs)
                dx[rows, y] -= 1
                dx /= N
                return float(loss), dx
        """,
    ),
    Mutant(
        "layers: softmax loss not averaged over N",
        "layers.softmax_loss",
        r"""
            def softmax_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                shifted = x - x.max(axis=1, keepdims=True)
                log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                loss = -log_probs[rows, y].sum()  # bug
                dx = np.exp(log_probs)
                dx[rows, y] -= 1
                dx /= N
                return float(loss), dx
        """,
    ),
    Mutant(
        "layers: softmax gradient forgets the -1 at the correct class",
        "layers.softmax_loss",
        r"""
            def softmax_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                shifted = x - x.max(axis=1, keepdims=True)
                log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
                loss = -log_probs[rows, y].sum() / N
                dx = np.exp(log_probs)
                # bug: no `dx[rows, y] -= 1`
                dx /= N
                return float(loss), dx
        """,
    ),
    Mutant(
        "layers: svm margin counts the correct class",
        "layers.svm_loss",
        r"""
            def svm_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                margins = x - x[rows, y][:, None] + 1
                # bug: no `margins[rows, y] = 0`
                np.maximum(margins, 0, out=margins)
                loss = margins.sum() / N
                dx = (margins > 0).astype(x.dtype)
                dx[rows, y] = -dx.sum(axis=1)
                dx /= N
                return float(loss), dx
        """,
    ),
    Mutant(
        "layers: svm gradient misses the correct-class column",
        "layers.svm_loss",
        r"""
            def svm_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                margins = x - x[rows, y][:, None] + 1
                margins[rows, y] = 0
                np.maximum(margins, 0, out=margins)
                loss = margins.sum() / N
                dx = (margins > 0).astype(x.dtype)
                # bug: no `dx[rows, y] = -dx.sum(axis=1)`
                dx /= N
                return float(loss), dx
        """,
    ),
    Mutant(
        "layers: dropout without the 1/p scaling",
        "layers.dropout_forward",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    mask = (rng.random(x.shape) < p).astype(x.dtype)
                    # bug: no `mask /= p`
                    out = x * mask
                else:
                    out = x
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
    Mutant(
        "layers: dropout with p as the drop probability",
        "layers.dropout_forward",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    mask = (rng.random(x.shape) >= p).astype(x.dtype)  # bug
                    mask /= 1 - p  # bug
                    out = x * mask
                else:
                    out = x
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
    Mutant(
        "layers: dropout applies a mask in test mode",
        "layers.dropout_forward",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    mask = (rng.random(x.shape) < p).astype(x.dtype)
                    mask /= p
                    out = x * mask
                else:
                    out = x * (rng.random(x.shape) < p)  # bug
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
    Mutant(
        "layers: dropout ignores the seed (global numpy generator)",
        "layers.dropout_forward",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    mask = (np.random.rand(*x.shape) < p).astype(x.dtype)  # bug
                    mask /= p
                    out = x * mask
                else:
                    out = x
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
    Mutant(
        "layers: dropout backward divides by p a second time",
        "layers.dropout_backward",
        r"""
            def dropout_backward(dout, cache):
                dropout_param, mask = cache
                mode = dropout_param["mode"]
                if mode == "train":
                    dx = dout * mask / dropout_param["p"]  # bug
                else:
                    dx = dout
                return dx
        """,
    ),
    Mutant(
        "layers: dropout backward applies the mask in test mode",
        "layers.dropout_backward",
        r"""
            def dropout_backward(dout, cache):
                dropout_param, mask = cache
                mode = dropout_param["mode"]
                dx = dout * mask  # bug
                return dx
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "layers: affine forward with np.dot and an explicit reshape",
        "layers",
        r"""
            def affine_forward(x, w, b):
                out = np.dot(np.reshape(x, (len(x), w.shape[0])), w) + b[None, :]
                cache = (x, w, b)
                return out, cache
        """,
    ),
    Alternative(
        "layers: affine backward with np.dot and tensordot",
        "layers",
        r"""
            def affine_backward(dout, cache):
                x, w, b = cache
                dx = np.reshape(np.dot(dout, w.T), x.shape)
                dw = np.tensordot(x, dout, axes=([0], [0])).reshape(w.shape)
                db = dout.sum(axis=0)
                return dx, dw, db
        """,
    ),
    Alternative(
        "layers: relu as x * (x > 0)",
        "layers",
        r"""
            def relu_forward(x):
                out = x * (x > 0)
                cache = x
                return out, cache
        """,
    ),
    Alternative(
        "layers: relu caches a boolean mask that its own backward reads",
        "layers",
        r"""
            def relu_forward(x):
                out = np.maximum(x, 0)
                cache = {"active": x > 0}
                return out, cache


            def relu_backward(dout, cache):
                dx = dout * cache["active"]
                return dx
        """,
    ),
    Alternative(
        "layers: leaky relu through a per-entry slope",
        "layers",
        r"""
            def leaky_relu_forward(x, negative_slope=0.01):
                out = x * np.where(x > 0, 1.0, negative_slope)
                cache = (x, negative_slope)
                return out, cache
        """,
    ),
    Alternative(
        "layers: prelu dalpha with a boolean mask",
        "layers",
        r"""
            def prelu_backward(dout, cache):
                x, alpha = cache
                dx = np.where(x > 0, dout, alpha * dout)
                dalpha = np.sum(dout * x * (x <= 0), axis=0)
                return dx, dalpha
        """,
    ),
    Alternative(
        "layers: elu backward from the output (out + alpha)",
        "layers",
        r"""
            def elu_backward(dout, cache):
                x, alpha = cache
                out = alpha * np.expm1(np.minimum(x, 0))
                dx = np.where(x > 0, dout, dout * (out + alpha))
                return dx
        """,
    ),
    Alternative(
        "layers: sigmoid through the tanh identity",
        "layers",
        r"""
            def sigmoid_forward(x):
                out = 0.5 * (1.0 + np.tanh(0.5 * x))
                cache = out
                return out, cache
        """,
    ),
    Alternative(
        "layers: sigmoid computed in float32",
        "layers",
        r"""
            def sigmoid_forward(x):
                xf = x.astype(np.float32)
                z = np.exp(-np.abs(xf))
                out = np.where(xf >= 0, np.float32(1), z) / (np.float32(1) + z)
                cache = out
                return out, cache
        """,
    ),
    Alternative(
        "layers: tanh backward computed in float32",
        "layers",
        r"""
            def tanh_backward(dout, cache):
                out = cache
                o = out.astype(np.float32)
                dx = dout.astype(np.float32) * (1 - o * o)
                return dx
        """,
    ),
    Alternative(
        "layers: maxout caches a one-hot winner mask that its own backward reads",
        "layers",
        r"""
            def maxout_forward(x, w, b):
                scores = np.matmul(x, w)
                scores += b[:, None, :]
                winner = scores.argmax(axis=0)
                out = np.take_along_axis(scores, winner[None], axis=0)[0]
                onehot = winner == np.arange(w.shape[0])[:, None, None]
                cache = (onehot, x, w)
                return out, cache


            def maxout_backward(dout, cache):
                onehot, x, w = cache
                dscores = onehot * dout
                dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
                dw = np.matmul(x.T, dscores)
                db = dscores.sum(axis=1)
                return dx, dw, db
        """,
    ),
    Alternative(
        "layers: maxout backward with a loop over the pieces",
        "layers",
        r"""
            def maxout_backward(dout, cache):
                x, w, b, winner = cache
                dx, dw, db = (np.zeros(x.shape), np.zeros(w.shape), np.zeros(b.shape))
                for k in range(w.shape[0]):
                    d = np.where(winner == k, dout, 0.0)
                    dx += d @ w[k].T
                    dw[k] = x.T @ d
                    db[k] = d.sum(axis=0)
                return dx, dw, db
        """,
    ),
    Alternative(
        "layers: softmax loss through log-sum-exp",
        "layers",
        r"""
            def softmax_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                shifted = x - x.max(axis=1, keepdims=True)
                lse = x.max(axis=1) + np.log(np.sum(np.exp(shifted), axis=1))
                loss = np.mean(lse - x[rows, y])
                dx = np.exp(x - lse[:, None])
                dx[rows, y] -= 1
                dx /= N
                return float(loss), dx
        """,
    ),
    Alternative(
        "layers: svm loss counting every class, then removing the N correct ones",
        "layers",
        r"""
            def svm_loss(x, y):
                N = x.shape[0]
                rows = np.arange(N)
                margins = np.maximum(0, x - x[rows, y][:, None] + 1)
                loss = (margins.sum() - N) / N
                margins[rows, y] = 0
                dx = (margins > 0).astype(x.dtype)
                dx[rows, y] = -dx.sum(axis=1)
                dx /= N
                return float(loss), dx
        """,
    ),
    Alternative(
        "layers: dropout mask drawn with rng.uniform, output as x / p",
        "layers",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    keep = rng.uniform(0.0, 1.0, size=x.shape) < p
                    mask = keep.astype(x.dtype) / p
                    out = np.where(keep, x / p, 0.0)
                else:
                    out = x
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
    Alternative(
        "layers: dropout mask drawn with rng.binomial",
        "layers",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    mask = rng.binomial(1, p, size=x.shape).astype(x.dtype)
                    mask /= p
                    out = x * mask
                else:
                    out = x
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
    Alternative(
        "layers: dropout with a float32 mask",
        "layers",
        r"""
            def dropout_forward(x, dropout_param):
                p, mode = (dropout_param["p"], dropout_param["mode"])
                if mode not in ("train", "test"):
                    raise ValueError(f"dropout mode must be 'train' or 'test', got {mode!r}")
                if not 0 < p <= 1:
                    raise ValueError(f"dropout keep probability p must be in (0, 1], got {p!r}")
                rng = np.random.default_rng(dropout_param.get("seed"))
                mask = None
                if mode == "train":
                    mask = (rng.random(x.shape) < p).astype(np.float32)
                    mask /= p
                    out = x * mask
                else:
                    out = x
                cache = (dict(dropout_param), mask)
                return out, cache
        """,
    ),
]
