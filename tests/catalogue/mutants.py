"""Realistic student bugs and legitimately different correct answers, as edits of the reference.

Each ``Mutant`` replaces one exact snippet of a reference module (it must occur
exactly once) and must lose points in its own task and in no other. Each
``Alternative`` is a different but correct implementation and must keep full marks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    task: str  # the registry id that must lose points
    find: str
    replace: str

    @property
    def module(self) -> str:
        return self.task.split(".", 1)[0]


@dataclass(frozen=True)
class Alternative:
    name: str
    module: str
    find: str
    replace: str


# classifiers: the reference's text between the forward pass's last cache and the backward
# loop's unpacking of it (for an alternative that changes both).
_CLS_BETWEEN_CACHES = (
    '        scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])\n'
    "\n"
    "        if y is None:\n"
    "            return scores\n"
    "\n"
    "        grads: dict[str, np.ndarray] = {}\n"
    "        # TODO: backward pass. Compute `loss` (softmax loss plus the L2 term\n"
    "        # 0.5 * reg * sum(W ** 2) of every weight matrix) and fill `grads`, one\n"
    "        # entry per key of self.params.\n"
    "        act_backward = {\n"
    '            "relu": relu_backward,\n'
    '            "leaky_relu": leaky_relu_backward,\n'
    '            "elu": elu_backward,\n'
    '            "sigmoid": sigmoid_backward,\n'
    '            "tanh": tanh_backward,\n'
    "        }.get(self.activation)\n"
    "        loss, dout = softmax_loss(scores, y)\n"
    '        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)\n'
    "        for i in range(L - 1, 0, -1):\n"
)

MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------ layers
    Mutant(
        "layers: affine forward without the bias",
        "layers.affine_forward",
        "out = x.reshape(x.shape[0], -1) @ w + b",
        "out = x.reshape(x.shape[0], -1) @ w",
    ),
    Mutant(
        "layers: affine backward: db averaged instead of summed",
        "layers.affine_backward",
        "db = dout.sum(axis=0)",
        "db = dout.mean(axis=0)",
    ),
    Mutant(
        "layers: affine backward forgets to reshape dx",
        "layers.affine_backward",
        "dx = (dout @ w.T).reshape(x.shape)",
        "dx = dout @ w.T",
    ),
    Mutant(
        "layers: affine backward with dw transposed",
        "layers.affine_backward",
        "dw = x.reshape(x.shape[0], -1).T @ dout",
        "dw = dout.T @ x.reshape(x.shape[0], -1)",
    ),
    Mutant(
        "layers: relu forward with np.max (a reduction) instead of np.maximum",
        "layers.relu_forward",
        "out = np.maximum(x, 0)",
        "out = np.max(x, 0)",
    ),
    Mutant(
        "layers: relu backward masks with dout > 0 instead of x > 0",
        "layers.relu_backward",
        "dx = np.where(x > 0, dout, 0)",
        "dx = np.where(dout > 0, dout, 0)",
    ),
    Mutant(
        "layers: leaky relu forward applies the slope to the positive side",
        "layers.leaky_relu_forward",
        "out = np.where(x > 0, x, negative_slope * x)",
        "out = np.where(x > 0, negative_slope * x, x)",
    ),
    Mutant(
        "layers: leaky relu backward blocks the negative side like relu",
        "layers.leaky_relu_backward",
        "dx = np.where(x > 0, dout, negative_slope * dout)",
        "dx = np.where(x > 0, dout, 0)",
    ),
    Mutant(
        "layers: prelu forward applies alpha to the positive side",
        "layers.prelu_forward",
        "out = np.where(x > 0, x, alpha * x)",
        "out = np.where(x > 0, alpha * x, x)",
    ),
    Mutant(
        "layers: prelu backward does not sum dalpha over N",
        "layers.prelu_backward",
        "dalpha = (dout * np.minimum(x, 0)).sum(axis=0)",
        "dalpha = dout * np.minimum(x, 0)",
    ),
    Mutant(
        "layers: prelu backward takes dalpha from positive inputs too",
        "layers.prelu_backward",
        "dalpha = (dout * np.minimum(x, 0)).sum(axis=0)",
        "dalpha = (dout * x).sum(axis=0)",
    ),
    Mutant(
        "layers: elu forward without alpha",
        "layers.elu_forward",
        "out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))",
        "out = np.where(x > 0, x, np.expm1(np.minimum(x, 0)))",
    ),
    Mutant(
        "layers: elu backward uses alpha * exp(x) for x > 0 too",
        "layers.elu_backward",
        "dx = np.where(x > 0, dout, dout * (alpha * np.exp(np.minimum(x, 0))))",
        "dx = dout * (alpha * np.exp(np.minimum(x, 0)))",
    ),
    Mutant(
        "layers: sigmoid forward with its two branches swapped",
        "layers.sigmoid_forward",
        "out = np.where(x >= 0, 1.0, z)",
        "out = np.where(x >= 0, z, 1.0)",
    ),
    Mutant(
        "layers: sigmoid forward as exp(x) / (1 + exp(x)) overflows",
        "layers.sigmoid_forward",
        "z = np.exp(-np.abs(x))\n    out = np.where(x >= 0, 1.0, z)\n    out /= 1.0 + z\n",
        "out = np.exp(x) / (1 + np.exp(x))\n",
    ),
    Mutant(
        "layers: sigmoid backward as out * (1 + out)",
        "layers.sigmoid_backward",
        "dx = dout * (out * (1 - out))",
        "dx = dout * (out * (1 + out))",
    ),
    Mutant(
        "layers: tanh forward from exponentials overflows",
        "layers.tanh_forward",
        "out = np.tanh(x)",
        "out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
    ),
    Mutant(
        "layers: tanh forward as 2 * sigmoid(x) - 1",
        "layers.tanh_forward",
        "out = np.tanh(x)",
        "out = 2 / (1 + np.exp(-x)) - 1",
    ),
    Mutant(
        "layers: tanh backward as 1 - tanh(cache)**2 (treats the cached output as x)",
        "layers.tanh_backward",
        "dx = dout * (1 - out * out)",
        "dx = dout * (1 - np.tanh(out) ** 2)",
    ),
    Mutant(
        "layers: maxout forward forgets the bias",
        "layers.maxout_forward",
        "    scores += b[:, None, :]\n",
        "",
    ),
    Mutant(
        "layers: maxout backward routes dout to every piece",
        "layers.maxout_backward",
        "np.put_along_axis(dscores, winner[None], dout[None], axis=0)",
        "dscores[:] = dout",
    ),
    Mutant(
        "layers: maxout backward routes ties to every maximal piece",
        "layers.maxout_backward",
        "    dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))\n"
        "    np.put_along_axis(dscores, winner[None], dout[None], axis=0)\n",
        "    s = np.matmul(x, w) + b[:, None, :]\n"
        "    dscores = (s == s.max(axis=0)) * dout\n",
    ),
    Mutant(
        "layers: maxout backward routes ties to the last maximal piece",
        "layers.maxout_backward",
        "    x, w, b, winner = cache\n",
        "    x, w, b, _ = cache\n"
        "    s = np.matmul(x, w) + b[:, None, :]\n"
        "    winner = s.shape[0] - 1 - s[::-1].argmax(axis=0)\n",
    ),
    Mutant(
        "layers: softmax without the max shift",
        "layers.softmax_loss",
        "shifted = x - x.max(axis=1, keepdims=True)",
        "shifted = x",
    ),
    Mutant(
        "layers: softmax loss not averaged over N",
        "layers.softmax_loss",
        "loss = -log_probs[rows, y].sum() / N",
        "loss = -log_probs[rows, y].sum()",
    ),
    Mutant(
        "layers: softmax gradient forgets the -1 at the correct class",
        "layers.softmax_loss",
        "    dx[rows, y] -= 1\n",
        "",
    ),
    Mutant(
        "layers: svm margin counts the correct class",
        "layers.svm_loss",
        "    margins[rows, y] = 0\n",
        "",
    ),
    Mutant(
        "layers: svm gradient misses the correct-class column",
        "layers.svm_loss",
        "    dx[rows, y] = -dx.sum(axis=1)\n",
        "",
    ),
    Mutant(
        "layers: dropout without the 1/p scaling",
        "layers.dropout_forward",
        "        mask /= p\n",
        "",
    ),
    Mutant(
        "layers: dropout with p as the drop probability",
        "layers.dropout_forward",
        "mask = (rng.random(x.shape) < p).astype(x.dtype)\n        mask /= p\n",
        "mask = (rng.random(x.shape) >= p).astype(x.dtype)\n        mask /= 1 - p\n",
    ),
    Mutant(
        "layers: dropout applies a mask in test mode",
        "layers.dropout_forward",
        "    else:\n        out = x\n",
        "    else:\n        out = x * (rng.random(x.shape) < p)\n",
    ),
    Mutant(
        "layers: dropout ignores the seed (global numpy generator)",
        "layers.dropout_forward",
        "mask = (rng.random(x.shape) < p).astype(x.dtype)",
        "mask = (np.random.rand(*x.shape) < p).astype(x.dtype)",
    ),
    Mutant(
        "layers: dropout backward divides by p a second time",
        "layers.dropout_backward",
        "dx = dout * mask",
        'dx = dout * mask / dropout_param["p"]',
    ),
    Mutant(
        "layers: dropout backward applies the mask in test mode",
        "layers.dropout_backward",
        '    if mode == "train":\n        dx = dout * mask\n    else:\n        dx = dout\n',
        "    dx = dout * mask\n",
    ),
    # ------------------------------------------------------------ end of layers
    # ------------------------------------------------------------ initializers
    Mutant(
        "initializers: zeros returns ones",
        "initializers.zeros",
        "w = np.zeros((fan_in, fan_out))",
        "w = np.ones((fan_in, fan_out))",
    ),
    Mutant(
        "initializers: zeros with the shape transposed",
        "initializers.zeros",
        "w = np.zeros((fan_in, fan_out))",
        "w = np.zeros((fan_out, fan_in))",
    ),
    Mutant(
        "initializers: gaussian ignores std",
        "initializers.gaussian",
        "w = std * rng.standard_normal((fan_in, fan_out))",
        "w = 0.01 * rng.standard_normal((fan_in, fan_out))",
    ),
    Mutant(
        "initializers: gaussian draws from the global numpy generator",
        "initializers.gaussian",
        "w = std * rng.standard_normal((fan_in, fan_out))",
        "w = std * np.random.randn(fan_in, fan_out)",
    ),
    Mutant(
        "initializers: xavier with fan_out",
        "initializers.xavier",
        "w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
        "w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_out)",
    ),
    Mutant(
        "initializers: xavier with the averaged fan 2 / (fan_in + fan_out)",
        "initializers.xavier",
        "w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))",
    ),
    Mutant(
        "initializers: xavier uniform with the right variance instead of normal",
        "initializers.xavier",
        "w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
        "a = np.sqrt(3.0 / fan_in)\n    w = rng.uniform(-a, a, size=(fan_in, fan_out))",
    ),
    Mutant(
        "initializers: glorot with the normal distribution",
        "initializers.glorot_uniform",
        "w = rng.uniform(-limit, limit, size=(fan_in, fan_out))",
        "w = rng.normal(0.0, limit / np.sqrt(3.0), size=(fan_in, fan_out))",
    ),
    Mutant(
        "initializers: glorot with fan_in only",
        "initializers.glorot_uniform",
        "limit = np.sqrt(6.0 / (fan_in + fan_out))",
        "limit = np.sqrt(6.0 / fan_in)",
    ),
    Mutant(
        "initializers: glorot draws from [0, a) instead of [-a, a)",
        "initializers.glorot_uniform",
        "w = rng.uniform(-limit, limit, size=(fan_in, fan_out))",
        "w = rng.uniform(0.0, limit, size=(fan_in, fan_out))",
    ),
    Mutant(
        "initializers: he with std 1/sqrt(fan_in)",
        "initializers.he",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in)",
    ),
    Mutant(
        "initializers: he with fan_out",
        "initializers.he",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out)",
    ),
    Mutant(
        "initializers: he with the variance 2/fan_in used as the std",
        "initializers.he",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)",
        "w = rng.standard_normal((fan_in, fan_out)) * (2.0 / fan_in)",
    ),
    Mutant(
        "initializers: orthogonal without the sign fix",
        "initializers.orthogonal",
        "    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)\n",
        "",
    ),
    Mutant(
        "initializers: orthogonal returns Q.T for tall layers (wrong shape)",
        "initializers.orthogonal",
        "w = gain * (q if tall else q.T)",
        "w = gain * (q.T if tall else q)",
    ),
    Mutant(
        "initializers: orthogonal ignores gain",
        "initializers.orthogonal",
        "w = gain * (q if tall else q.T)",
        "w = q if tall else q.T",
    ),
    Mutant(
        "initializers: orthogonal takes QR of the wide matrix for wide layers",
        "initializers.orthogonal",
        "a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))",
        "a = rng.standard_normal((fan_in, fan_out))",
    ),
    Mutant(
        "initializers: lsuv rescales layers already within tol",
        "initializers.lsuv",
        "            if abs(var - 1.0) <= tol:\n                break\n",
        "",
    ),
    Mutant(
        "initializers: lsuv normalises the variance after the activation",
        "initializers.lsuv",
        "var = float(np.var(z))",
        "var = float(np.var(act(z)))",
    ),
    Mutant(
        "initializers: lsuv with the unbiased variance (ddof=1)",
        "initializers.lsuv",
        "var = float(np.var(z))",
        "var = float(np.var(z, ddof=1))",
    ),
    Mutant(
        "initializers: lsuv normalises each unit's variance separately",
        "initializers.lsuv",
        "            var = float(np.var(z))\n"
        "            if abs(var - 1.0) <= tol:\n"
        "                break\n"
        "            if var == 0.0:\n"
        '                raise ValueError(f"lsuv: layer {l} has an output of zero variance")\n'
        "            w /= np.sqrt(var)",
        "            var = np.var(z, axis=0)\n"
        "            if np.all(np.abs(var - 1.0) <= tol):\n"
        "                break\n"
        "            if np.any(var == 0.0):\n"
        '                raise ValueError(f"lsuv: layer {l} has an output of zero variance")\n'
        "            w /= np.sqrt(var)",
    ),
    Mutant(
        "initializers: lsuv feeds the next layer the output before rescaling",
        "initializers.lsuv",
        "        h = act(z)\n",
        "        h = act(h @ weights[l])\n",
    ),
    Mutant(
        "initializers: lsuv rescales the given weights in place",
        "initializers.lsuv",
        "        w = w.copy()\n",
        "",
    ),
    Mutant(
        "initializers: lsuv without the zero-variance error",
        "initializers.lsuv",
        "            if var == 0.0:\n"
        '                raise ValueError(f"lsuv: layer {l} has an output of zero variance")\n',
        "",
    ),
    Mutant(
        "initializers: lsuv turns float32 weights into float64",
        "initializers.lsuv",
        "w /= np.sqrt(var)",
        "w = w / np.sqrt(var)",
    ),
    # ------------------------------------------------------------ end of initializers
    # ------------------------------------------------------------ optim
    Mutant(
        "optim: momentum with the wrong sign (v = momentum * v + lr * dw)",
        "optim.sgd_momentum",
        "    v = mu * v - lr * dw\n    next_w = w + v\n",
        "    v = mu * v + lr * dw\n    next_w = w + v\n",
    ),
    Mutant(
        "optim: momentum does not store the velocity",
        "optim.sgd_momentum",
        '    next_w = w + v\n    config["velocity"] = v\n',
        "    next_w = w + v\n",
    ),
    Mutant(
        "optim: momentum steps along the gradient, not the velocity",
        "optim.sgd_momentum",
        '    next_w = w + v\n    config["velocity"] = v\n',
        '    next_w = w - lr * dw\n    config["velocity"] = v\n',
    ),
    Mutant(
        "optim: nesterov as plain momentum",
        "optim.nesterov_momentum",
        "next_w = w - mu * v_prev + (1 + mu) * v",
        "next_w = w + v",
    ),
    Mutant(
        "optim: nesterov with the wrong sign on the old velocity",
        "optim.nesterov_momentum",
        "next_w = w - mu * v_prev + (1 + mu) * v",
        "next_w = w + mu * v_prev + (1 + mu) * v",
    ),
    Mutant(
        "optim: nesterov keeps the velocity after the update as v_prev",
        "optim.nesterov_momentum",
        "    v_prev = v\n    v = mu * v - lr * dw\n",
        "    v = mu * v - lr * dw\n    v_prev = v\n",
    ),
    Mutant(
        "optim: adagrad replaces the cache instead of accumulating it",
        "optim.adagrad",
        "cache = cache + dw * dw",
        "cache = dw * dw",
    ),
    Mutant(
        "optim: adagrad divides by the cache, not its square root",
        "optim.adagrad",
        "cache = cache + dw * dw\n    next_w = w - lr * dw / (np.sqrt(cache) + eps)",
        "cache = cache + dw * dw\n    next_w = w - lr * dw / (cache + eps)",
    ),
    Mutant(
        "optim: adagrad squares the gradient in the step",
        "optim.adagrad",
        "cache = cache + dw * dw\n    next_w = w - lr * dw / (np.sqrt(cache) + eps)",
        "cache = cache + dw * dw\n    next_w = w - lr * dw * dw / (np.sqrt(cache) + eps)",
    ),
    Mutant(
        "optim: rmsprop without the decay of the cache",
        "optim.rmsprop",
        "cache = decay * cache + (1 - decay) * (dw * dw)",
        "cache = cache + (1 - decay) * (dw * dw)",
    ),
    Mutant(
        "optim: rmsprop without the (1 - decay) factor",
        "optim.rmsprop",
        "cache = decay * cache + (1 - decay) * (dw * dw)",
        "cache = decay * cache + dw * dw",
    ),
    Mutant(
        "optim: rmsprop with decay and 1 - decay swapped",
        "optim.rmsprop",
        "cache = decay * cache + (1 - decay) * (dw * dw)",
        "cache = (1 - decay) * cache + decay * (dw * dw)",
    ),
    Mutant(
        "optim: adam without bias correction",
        "optim.adam",
        "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n",
        "    m_hat = m\n    v_hat = v\n",
    ),
    Mutant(
        "optim: adam increments t after the correction",
        "optim.adam",
        "    t = t + 1\n"
        "    m = beta1 * m + (1 - beta1) * dw\n"
        "    v = beta2 * v + (1 - beta2) * (dw * dw)\n"
        "    m_hat = m / (1 - beta1**t)\n"
        "    v_hat = v / (1 - beta2**t)\n"
        "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)\n",
        "    m = beta1 * m + (1 - beta1) * dw\n"
        "    v = beta2 * v + (1 - beta2) * (dw * dw)\n"
        "    m_hat = m / (1 - beta1**t)\n"
        "    v_hat = v / (1 - beta2**t)\n"
        "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "    t = t + 1\n",
    ),
    Mutant(
        "optim: adam steps with m instead of m_hat",
        "optim.adam",
        "next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)",
        "next_w = w - lr * m / (np.sqrt(v_hat) + eps)",
    ),
    Mutant(
        "optim: adam divides by sqrt(v) instead of sqrt(v_hat)",
        "optim.adam",
        "next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)",
        "next_w = w - lr * m_hat / (np.sqrt(v) + eps)",
    ),
    Mutant(
        "optim: adam does not store t",
        "optim.adam",
        'config["m"], config["v"], config["t"] = m, v, t',
        'config["m"], config["v"] = m, v',
    ),
    Mutant(
        "optim: adam with beta1 and beta2 swapped in the first moment",
        "optim.adam",
        "m = beta1 * m + (1 - beta1) * dw",
        "m = beta2 * m + (1 - beta2) * dw",
    ),
    Mutant(
        "optim: step decay off by one (floor((t + 1) / every))",
        "optim.step_decay",
        "lr = lr0 * drop ** math.floor(t / every)",
        "lr = lr0 * drop ** math.floor((t + 1) / every)",
    ),
    Mutant(
        "optim: step decay with ceil instead of floor",
        "optim.step_decay",
        "lr = lr0 * drop ** math.floor(t / every)",
        "lr = lr0 * drop ** math.ceil(t / every)",
    ),
    Mutant(
        "optim: step decay decays continuously",
        "optim.step_decay",
        "lr = lr0 * drop ** math.floor(t / every)",
        "lr = lr0 * drop ** (t / every)",
    ),
    Mutant(
        "optim: exponential decay off by one (exp(-k * (t + 1)))",
        "optim.exponential_decay",
        "lr = lr0 * math.exp(-k * t)",
        "lr = lr0 * math.exp(-k * (t + 1))",
    ),
    Mutant(
        "optim: exponential decay grows (exp(k * t))",
        "optim.exponential_decay",
        "lr = lr0 * math.exp(-k * t)",
        "lr = lr0 * math.exp(k * t)",
    ),
    Mutant(
        "optim: inverse time decay off by one (1 + k * (t + 1))",
        "optim.inverse_time_decay",
        "lr = lr0 / (1 + k * t)",
        "lr = lr0 / (1 + k * (t + 1))",
    ),
    Mutant(
        "optim: inverse time decay as lr0 / (1 + k)**t",
        "optim.inverse_time_decay",
        "lr = lr0 / (1 + k * t)",
        "lr = lr0 / (1 + k) ** t",
    ),
    Mutant(
        "optim: cosine decay not clipped after total",
        "optim.cosine_decay",
        "progress = min(t, total) / total",
        "progress = t / total",
    ),
    Mutant(
        "optim: cosine decay ignores lr_min",
        "optim.cosine_decay",
        "lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))",
        "lr = 0.5 * lr0 * (1 + math.cos(math.pi * progress))",
    ),
    Mutant(
        "optim: cosine decay off by one (t + 1)",
        "optim.cosine_decay",
        "progress = min(t, total) / total",
        "progress = min(t + 1, total) / total",
    ),
    Mutant(
        "optim: cosine decay without pi",
        "optim.cosine_decay",
        "math.cos(math.pi * progress)",
        "math.cos(progress)",
    ),
    # ------------------------------------------------------------ end of optim
    # ------------------------------------------------------------ classifiers
    Mutant(
        "classifiers: biases drawn at random instead of zeros",
        "classifiers.FullyConnectedNet.__init__",
        'self.params[f"b{i}"] = np.zeros(fan_out)',
        'self.params[f"b{i}"] = weight_scale * rng.standard_normal(fan_out)',
    ),
    Mutant(
        "classifiers: gamma starts at zero",
        "classifiers.FullyConnectedNet.__init__",
        'self.params[f"gamma{i}"] = np.ones(fan_out)',
        'self.params[f"gamma{i}"] = np.zeros(fan_out)',
    ),
    Mutant(
        "classifiers: PReLU slopes start at zero",
        "classifiers.FullyConnectedNet.__init__",
        'self.params[f"alpha{i}"] = np.full(fan_out, PRELU_INIT)',
        'self.params[f"alpha{i}"] = np.zeros(fan_out)',
    ),
    Mutant(
        "classifiers: default weights ignore weight_scale",
        "classifiers.FullyConnectedNet.__init__",
        "w = weight_scale * rng.standard_normal((fan_in, fan_out))",
        "w = rng.standard_normal((fan_in, fan_out))",
    ),
    Mutant(
        "classifiers: default weights drawn from the global np.random (seed ignored)",
        "classifiers.FullyConnectedNet.__init__",
        "w = weight_scale * rng.standard_normal((fan_in, fan_out))",
        "w = weight_scale * np.random.randn(fan_in, fan_out)",
    ),
    Mutant(
        "classifiers: gaussian initialiser without std=weight_scale",
        "classifiers.FullyConnectedNet.__init__",
        "w = initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)",
        "w = initializers.gaussian(fan_in, fan_out, rng=rng)",
    ),
    Mutant(
        "classifiers: named initialiser called without the generator",
        "classifiers.FullyConnectedNet.__init__",
        "w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
        "w = getattr(initializers, weight_init)(fan_in, fan_out)",
    ),
    Mutant(
        "classifiers: named initialiser with the fans swapped",
        "classifiers.FullyConnectedNet.__init__",
        "w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
        "w = getattr(initializers, weight_init)(fan_out, fan_in, rng=rng).T",
    ),
    Mutant(
        "classifiers: weight_init='he' falls back to xavier",
        "classifiers.FullyConnectedNet.__init__",
        "            else:\n"
        "                w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)\n",
        "            elif weight_init == \"he\":\n"
        "                w = initializers.xavier(fan_in, fan_out, rng=rng)\n"
        "            else:\n"
        "                w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)\n",
    ),
    Mutant(
        "classifiers: normalization parameters on the last layer too",
        "classifiers.FullyConnectedNet.__init__",
        "            if i == self.num_layers:\n"
        "                break\n"
        "            if normalization is not None:\n"
        '                self.params[f"gamma{i}"] = np.ones(fan_out)\n'
        '                self.params[f"beta{i}"] = np.zeros(fan_out)\n',
        "            if normalization is not None:\n"
        '                self.params[f"gamma{i}"] = np.ones(fan_out)\n'
        '                self.params[f"beta{i}"] = np.zeros(fan_out)\n'
        "            if i == self.num_layers:\n"
        "                break\n",
    ),
    Mutant(
        "classifiers: L2 loss without the 0.5",
        "classifiers.FullyConnectedNet.loss",
        "loss += 0.5 * self.reg * float(np.vdot(w, w))",
        "loss += self.reg * float(np.vdot(w, w))",
    ),
    Mutant(
        "classifiers: L2 gradient 2 * reg * W",
        "classifiers.FullyConnectedNet.loss",
        'grads[f"W{i}"] += self.reg * w',
        'grads[f"W{i}"] += 2 * self.reg * w',
    ),
    Mutant(
        "classifiers: biases regularized too",
        "classifiers.FullyConnectedNet.loss",
        '            grads[f"W{i}"] += self.reg * w\n',
        '            grads[f"W{i}"] += self.reg * w\n'
        '            b = self.params[f"b{i}"]\n'
        "            loss += 0.5 * self.reg * float(np.vdot(b, b))\n"
        '            grads[f"b{i}"] += self.reg * b\n',
    ),
    Mutant(
        "classifiers: dropout before the activation",
        "classifiers.FullyConnectedNet.loss",
        "            if self.activation == \"prelu\":\n"
        '                out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])\n'
        "            else:\n"
        "                out, act_cache = act_forward(out)\n"
        "            drop_cache = None\n"
        "            if self.use_dropout:\n"
        "                out, drop_cache = dropout_forward(out, self.dropout_param)\n",
        "            drop_cache = None\n"
        "            if self.use_dropout:\n"
        "                out, drop_cache = dropout_forward(out, self.dropout_param)\n"
        "            if self.activation == \"prelu\":\n"
        '                out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])\n'
        "            else:\n"
        "                out, act_cache = act_forward(out)\n",
    ),
    Mutant(
        "classifiers: normalization after the activation",
        "classifiers.FullyConnectedNet.loss",
        "            norm_cache = None\n"
        "            if self.normalization == \"batchnorm\":\n"
        "                out, norm_cache = batchnorm_forward(\n"
        '                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], '
        "self.bn_params[i - 1]\n"
        "                )\n"
        "            elif self.normalization == \"layernorm\":\n"
        "                out, norm_cache = layernorm_forward(\n"
        '                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], '
        "self.bn_params[i - 1]\n"
        "                )\n"
        "            if self.activation == \"prelu\":\n"
        '                out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])\n'
        "            else:\n"
        "                out, act_cache = act_forward(out)\n",
        "            if self.activation == \"prelu\":\n"
        '                out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])\n'
        "            else:\n"
        "                out, act_cache = act_forward(out)\n"
        "            norm_cache = None\n"
        "            if self.normalization == \"batchnorm\":\n"
        "                out, norm_cache = batchnorm_forward(\n"
        '                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], '
        "self.bn_params[i - 1]\n"
        "                )\n"
        "            elif self.normalization == \"layernorm\":\n"
        "                out, norm_cache = layernorm_forward(\n"
        '                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], '
        "self.bn_params[i - 1]\n"
        "                )\n",
    ),
    Mutant(
        "classifiers: dgamma left out of grads",
        "classifiers.FullyConnectedNet.loss",
        'dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)',
        'dout, _, grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)',
    ),
    Mutant(
        "classifiers: backward through the normalization before the activation",
        "classifiers.FullyConnectedNet.loss",
        "            if self.activation == \"prelu\":\n"
        '                dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)\n'
        "            else:\n"
        "                dout = act_backward(dout, act_cache)\n"
        "            if self.normalization == \"batchnorm\":\n"
        '                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = '
        "batchnorm_backward(dout, norm_cache)\n"
        "            elif self.normalization == \"layernorm\":\n"
        '                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = '
        "layernorm_backward(dout, norm_cache)\n",
        "            if self.normalization == \"batchnorm\":\n"
        '                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = '
        "batchnorm_backward(dout, norm_cache)\n"
        "            elif self.normalization == \"layernorm\":\n"
        '                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = '
        "layernorm_backward(dout, norm_cache)\n"
        "            if self.activation == \"prelu\":\n"
        '                dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)\n'
        "            else:\n"
        "                dout = act_backward(dout, act_cache)\n",
    ),
    Mutant(
        "classifiers: dropout and batchnorm left in train mode for the scores",
        "classifiers.FullyConnectedNet.loss",
        'mode = "test" if y is None else "train"',
        'mode = "train"',
    ),
    Mutant(
        "classifiers: batchnorm given a fresh parameter dict (no running statistics)",
        "classifiers.FullyConnectedNet.loss",
        "                out, norm_cache = batchnorm_forward(\n"
        '                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], '
        "self.bn_params[i - 1]\n",
        "                out, norm_cache = batchnorm_forward(\n"
        '                    out, self.params[f"gamma{i}"], self.params[f"beta{i}"], '
        '{"mode": mode}\n',
    ),
    Mutant(
        "classifiers: ReLU applied to the scores",
        "classifiers.FullyConnectedNet.loss",
        'scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])',
        'scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])\n'
        "        scores = np.maximum(scores, 0)",
    ),
    Mutant(
        "classifiers: backward reads the caches off by one layer",
        "classifiers.FullyConnectedNet.loss",
        "fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]",
        "fc_cache, norm_cache, act_cache, drop_cache = caches[i - 2]",
    ),
    # ------------------------------------------------------------ end of classifiers
    # ------------------------------------------------------------ solver
    Mutant(
        "solver: step does not store the config the rule returns",
        "solver.Solver._step",
        "            self.optim_configs[name] = next_config\n",
        "",
    ),
    Mutant(
        "solver: step does not append the loss",
        "solver.Solver._step",
        "        self.loss_history.append(float(loss))\n",
        "",
    ),
    Mutant(
        "solver: step climbs the gradient",
        "solver.Solver._step",
        "self.update_rule(w, grads[name], self.optim_configs[name])",
        "self.update_rule(w, -grads[name], self.optim_configs[name])",
    ),
    Mutant(
        "solver: step gives every parameter the template config",
        "solver.Solver._step",
        "self.update_rule(w, grads[name], self.optim_configs[name])",
        "self.update_rule(w, grads[name], self.optim_config)",
    ),
    Mutant(
        "solver: step leaves the new weights out of the model",
        "solver.Solver._step",
        "        old_params = dict(self.model.params)\n"
        "        for name, w in old_params.items():\n"
        "            next_w, next_config = self.update_rule(w, grads[name], "
        "self.optim_configs[name])\n"
        "            self.model.params[name] = next_w\n"
        "            self.optim_configs[name] = next_config\n"
        "        self._record_update_ratios(old_params, self.model.params)\n",
        "        new_params = {}\n"
        "        for name, w in self.model.params.items():\n"
        "            next_w, next_config = self.update_rule(w, grads[name], "
        "self.optim_configs[name])\n"
        "            new_params[name] = next_w\n"
        "            self.optim_configs[name] = next_config\n"
        "        self._record_update_ratios(self.model.params, new_params)\n",
    ),
    Mutant(
        "solver: step keeps the old parameters by reference (ratios see new for old)",
        "solver.Solver._step",
        "old_params = dict(self.model.params)",
        "old_params = self.model.params",
    ),
    Mutant(
        "solver: accuracy as a count instead of a fraction",
        "solver.Solver.check_accuracy",
        "acc = float(np.mean(y_pred == y))",
        "acc = float(np.sum(y_pred == y))",
    ),
    Mutant(
        "solver: accuracy batches sliced up to batch_size instead of start + batch_size",
        "solver.Solver.check_accuracy",
        "scores = self.model.loss(X[start : start + batch_size])",
        "scores = self.model.loss(X[start:batch_size])",
    ),
    Mutant(
        "solver: accuracy predicts the whole set in one call",
        "solver.Solver.check_accuracy",
        "        for start in range(0, N, batch_size):\n"
        "            scores = self.model.loss(X[start : start + batch_size])\n"
        "            y_pred[start : start + batch_size] = np.argmax(scores, axis=1)\n",
        "        y_pred[:] = np.argmax(self.model.loss(X), axis=1)\n",
    ),
    Mutant(
        "solver: divergence stops at exactly explosion_factor x the first loss",
        "solver.Solver._check_divergence",
        "loss > self.explosion_factor * first",
        "loss >= self.explosion_factor * first",
    ),
    Mutant(
        "solver: divergence compares with the latest loss instead of the first",
        "solver.Solver._check_divergence",
        "first = self.loss_history[0] if self.loss_history else loss",
        "first = self.loss_history[-1] if self.loss_history else loss",
    ),
    Mutant(
        "solver: divergence misses a NaN loss",
        "solver.Solver._check_divergence",
        "if not math.isfinite(loss):",
        "if math.isinf(loss):",
    ),
    Mutant(
        "solver: divergence fails on an empty loss history",
        "solver.Solver._check_divergence",
        "first = self.loss_history[0] if self.loss_history else loss",
        "first = self.loss_history[0]",
    ),
    Mutant(
        "solver: divergence ignores explosion_factor=None",
        "solver.Solver._check_divergence",
        "elif self.explosion_factor is not None and loss > self.explosion_factor * first:",
        "elif loss > (self.explosion_factor or 3.0) * first:",
    ),
    Mutant(
        "solver: update ratio uses the norm of the new weights instead of the update",
        "solver.Solver._record_update_ratios",
        "update_norm = float(np.linalg.norm(new - old))",
        "update_norm = float(np.linalg.norm(new))",
    ),
    Mutant(
        "solver: update ratio without the norm (sum of the update)",
        "solver.Solver._record_update_ratios",
        "update_norm = float(np.linalg.norm(new - old))",
        "update_norm = float(np.abs(np.sum(new - old)))",
    ),
    Mutant(
        "solver: update ratio history overwritten instead of appended",
        "solver.Solver._record_update_ratios",
        "self.update_ratio_history.setdefault(name, []).append(ratio)",
        "self.update_ratio_history[name] = [ratio]",
    ),
    Mutant(
        "solver: update ratio 0 instead of NaN for all-zero weights",
        "solver.Solver._record_update_ratios",
        "ratio = update_norm / w_norm if w_norm > 0 else math.nan",
        "ratio = update_norm / w_norm if w_norm > 0 else 0.0",
    ),
    # ------------------------------------------------------------ end of solver
]

ALTERNATIVES: list[Alternative] = [
    # ------------------------------------------------------------ layers
    Alternative(
        "layers: affine forward with np.dot and an explicit reshape",
        "layers",
        "out = x.reshape(x.shape[0], -1) @ w + b",
        "out = np.dot(np.reshape(x, (len(x), w.shape[0])), w) + b[None, :]",
    ),
    Alternative(
        "layers: affine backward with np.dot and tensordot",
        "layers",
        "    dx = (dout @ w.T).reshape(x.shape)\n"
        "    dw = x.reshape(x.shape[0], -1).T @ dout\n",
        "    dx = np.reshape(np.dot(dout, w.T), x.shape)\n"
        "    dw = np.tensordot(x, dout, axes=([0], [0])).reshape(w.shape)\n",
    ),
    Alternative(
        "layers: relu as x * (x > 0)",
        "layers",
        "out = np.maximum(x, 0)",
        "out = x * (x > 0)",
    ),
    Alternative(
        "layers: relu caches a boolean mask that its own backward reads",
        "layers",
        '''    cache = x
    return out, cache


def relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the rectified linear unit.

    The derivative at x == 0 is taken to be 0.

    Inputs:
    - dout: upstream gradient, of the same shape as x
    - cache: the cache returned by relu_forward (the input x)

    Returns:
    - dx: gradient with respect to x, of the same shape as x
    """
    x = cache
    # TODO: the gradient passes where the unit was active and is blocked elsewhere.
    dx = np.where(x > 0, dout, 0)
''',
        """    cache = {"active": x > 0}
    return out, cache


def relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    dx = dout * cache["active"]
""",
    ),
    Alternative(
        "layers: leaky relu through a per-entry slope",
        "layers",
        "out = np.where(x > 0, x, negative_slope * x)",
        "out = x * np.where(x > 0, 1.0, negative_slope)",
    ),
    Alternative(
        "layers: prelu dalpha with a boolean mask",
        "layers",
        "dalpha = (dout * np.minimum(x, 0)).sum(axis=0)",
        "dalpha = np.sum(dout * x * (x <= 0), axis=0)",
    ),
    Alternative(
        "layers: elu backward from the output (out + alpha)",
        "layers",
        "dx = np.where(x > 0, dout, dout * (alpha * np.exp(np.minimum(x, 0))))",
        "out = alpha * np.expm1(np.minimum(x, 0))\n"
        "    dx = np.where(x > 0, dout, dout * (out + alpha))",
    ),
    Alternative(
        "layers: sigmoid through the tanh identity",
        "layers",
        "z = np.exp(-np.abs(x))\n    out = np.where(x >= 0, 1.0, z)\n    out /= 1.0 + z\n",
        "out = 0.5 * (1.0 + np.tanh(0.5 * x))\n",
    ),
    Alternative(
        "layers: sigmoid computed in float32",
        "layers",
        "z = np.exp(-np.abs(x))\n    out = np.where(x >= 0, 1.0, z)\n    out /= 1.0 + z\n",
        "xf = x.astype(np.float32)\n"
        "    z = np.exp(-np.abs(xf))\n"
        "    out = np.where(xf >= 0, np.float32(1), z) / (np.float32(1) + z)\n",
    ),
    Alternative(
        "layers: tanh backward computed in float32",
        "layers",
        "dx = dout * (1 - out * out)",
        "o = out.astype(np.float32)\n    dx = dout.astype(np.float32) * (1 - o * o)",
    ),
    Alternative(
        "layers: maxout caches a one-hot winner mask that its own backward reads",
        "layers",
        '''    cache = (x, w, b, winner)
    return out, cache


def maxout_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of a maxout layer.

    Each output's gradient flows only through its winning piece (see maxout_forward).

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: the cache returned by maxout_forward, (x, w, b, winner)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dw: gradient with respect to w, of shape (K, D, M)
    - db: gradient with respect to b, of shape (K, M)
    """
    x, w, b, winner = cache
    # TODO: route dout to the winning piece of each output (zero for the others),
    # then backpropagate through each piece as through an affine layer.
    dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
    np.put_along_axis(dscores, winner[None], dout[None], axis=0)
''',
        """    onehot = winner == np.arange(w.shape[0])[:, None, None]
    cache = (onehot, x, w)
    return out, cache


def maxout_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    onehot, x, w = cache
    dscores = onehot * dout
""",
    ),
    Alternative(
        "layers: maxout backward with a loop over the pieces",
        "layers",
        """    dscores = np.zeros((w.shape[0], *dout.shape), dtype=np.result_type(dout, x, w))
    np.put_along_axis(dscores, winner[None], dout[None], axis=0)
    dx = np.matmul(dscores, w.transpose(0, 2, 1)).sum(axis=0)
    dw = np.matmul(x.T, dscores)
    db = dscores.sum(axis=1)
""",
        """    dx, dw, db = np.zeros(x.shape), np.zeros(w.shape), np.zeros(b.shape)
    for k in range(w.shape[0]):
        d = np.where(winner == k, dout, 0.0)
        dx += d @ w[k].T
        dw[k] = x.T @ d
        db[k] = d.sum(axis=0)
""",
    ),
    Alternative(
        "layers: softmax loss through log-sum-exp",
        "layers",
        "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
        "    loss = -log_probs[rows, y].sum() / N\n"
        "    dx = np.exp(log_probs)\n",
        "    lse = x.max(axis=1) + np.log(np.sum(np.exp(shifted), axis=1))\n"
        "    loss = np.mean(lse - x[rows, y])\n"
        "    dx = np.exp(x - lse[:, None])\n",
    ),
    Alternative(
        "layers: svm loss counting every class, then removing the N correct ones",
        "layers",
        "    margins = x - x[rows, y][:, None] + 1\n"
        "    margins[rows, y] = 0\n"
        "    np.maximum(margins, 0, out=margins)\n"
        "    loss = margins.sum() / N\n",
        "    margins = np.maximum(0, x - x[rows, y][:, None] + 1)\n"
        "    loss = (margins.sum() - N) / N\n"
        "    margins[rows, y] = 0\n",
    ),
    Alternative(
        "layers: dropout mask drawn with rng.uniform, output as x / p",
        "layers",
        "        mask = (rng.random(x.shape) < p).astype(x.dtype)\n"
        "        mask /= p\n"
        "        out = x * mask\n",
        "        keep = rng.uniform(0.0, 1.0, size=x.shape) < p\n"
        "        mask = keep.astype(x.dtype) / p\n"
        "        out = np.where(keep, x / p, 0.0)\n",
    ),
    Alternative(
        "layers: dropout mask drawn with rng.binomial",
        "layers",
        "mask = (rng.random(x.shape) < p).astype(x.dtype)",
        "mask = rng.binomial(1, p, size=x.shape).astype(x.dtype)",
    ),
    Alternative(
        "layers: dropout with a float32 mask",
        "layers",
        "mask = (rng.random(x.shape) < p).astype(x.dtype)",
        "mask = (rng.random(x.shape) < p).astype(np.float32)",
    ),
    # ------------------------------------------------------------ end of layers
    # ------------------------------------------------------------ initializers
    Alternative(
        "initializers: zeros with np.full",
        "initializers",
        "w = np.zeros((fan_in, fan_out))",
        "w = np.full((fan_in, fan_out), 0.0)",
    ),
    Alternative(
        "initializers: gaussian through rng.normal",
        "initializers",
        "    w = std * rng.standard_normal((fan_in, fan_out))\n",
        "    w = rng.normal(0.0, std, size=(fan_in, fan_out))\n",
    ),
    Alternative(
        "initializers: xavier drawn transposed through rng.normal",
        "initializers",
        "w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
        "w = rng.normal(scale=1 / np.sqrt(fan_in), size=(fan_out, fan_in)).T",
    ),
    Alternative(
        "initializers: he through rng.normal",
        "initializers",
        "w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)",
        "w = rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out))",
    ),
    Alternative(
        "initializers: glorot uniform from rng.random",
        "initializers",
        "w = rng.uniform(-limit, limit, size=(fan_in, fan_out))",
        "w = (2 * rng.random((fan_in, fan_out)) - 1) * limit",
    ),
    Alternative(
        "initializers: orthogonal through the SVD (polar factor)",
        "initializers",
        "    tall = fan_in >= fan_out\n"
        "    a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))\n"
        "    q, r = np.linalg.qr(a)\n"
        "    # A zero on R's diagonal has probability zero; count it as positive.\n"
        "    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)\n"
        "    w = gain * (q if tall else q.T)\n",
        "    a = rng.standard_normal((fan_in, fan_out))\n"
        "    u, _, vt = np.linalg.svd(a, full_matrices=False)\n"
        "    w = gain * (u @ vt)\n",
    ),
    Alternative(
        "initializers: orthogonal with np.sign and QR of the transpose for wide layers",
        "initializers",
        "    tall = fan_in >= fan_out\n"
        "    a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))\n"
        "    q, r = np.linalg.qr(a)\n"
        "    # A zero on R's diagonal has probability zero; count it as positive.\n"
        "    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)\n"
        "    w = gain * (q if tall else q.T)\n",
        "    a = rng.standard_normal((fan_in, fan_out))\n"
        "    q, r = np.linalg.qr(a if fan_in >= fan_out else a.T)\n"
        "    q = q * np.sign(np.diag(r))\n"
        "    w = gain * q if fan_in >= fan_out else gain * q.T\n",
    ),
    Alternative(
        "initializers: lsuv with a while loop, E[z^2] - E[z]^2 and a float scale",
        "initializers",
        "        z = h @ w\n"
        "        for _ in range(max_iter):\n"
        "            var = float(np.var(z))\n"
        "            if abs(var - 1.0) <= tol:\n"
        "                break\n"
        "            if var == 0.0:\n"
        '                raise ValueError(f"lsuv: layer {l} has an output of zero variance")\n'
        "            w /= np.sqrt(var)  # in place on the copy, so float32 stays float32\n"
        "            z = h @ w\n"
        "        new_weights.append(w)\n"
        "        h = act(z)\n",
        "        rescalings = 0\n"
        "        while True:\n"
        "            z = h @ w\n"
        "            var = np.mean(z**2) - np.mean(z) ** 2\n"
        "            if abs(var - 1) <= tol or rescalings == max_iter:\n"
        "                break\n"
        "            if var <= 0:\n"
        '                raise ValueError("zero variance")\n'
        "            w *= float(1 / np.sqrt(var))\n"
        "            rescalings += 1\n"
        "        new_weights.append(w)\n"
        "        h = act(h @ w)\n",
    ),
    # ------------------------------------------------------------ end of initializers
    # ------------------------------------------------------------ optim
    Alternative(
        "optim: momentum returns a new config dict",
        "optim",
        '    next_w = w + v\n    config["velocity"] = v\n',
        '    next_w = w + v\n    config = {**config, "velocity": v}\n',
    ),
    Alternative(
        "optim: momentum with in-place velocity arithmetic and an extra config key",
        "optim",
        '    v = mu * v - lr * dw\n    next_w = w + v\n    config["velocity"] = v\n',
        "    v = v * mu\n"
        "    v -= lr * dw\n"
        "    next_w = w.copy()\n"
        "    next_w += v\n"
        '    config["velocity"] = v\n'
        '    config["steps_taken"] = config.get("steps_taken", 0) + 1\n',
    ),
    Alternative(
        "optim: nesterov as w + momentum * v_new - lr * dw",
        "optim",
        "next_w = w - mu * v_prev + (1 + mu) * v",
        "next_w = w + mu * v - lr * dw",
    ),
    Alternative(
        "optim: adagrad accumulating into the config's cache in place",
        "optim",
        "    cache = cache + dw * dw\n"
        "    next_w = w - lr * dw / (np.sqrt(cache) + eps)\n"
        '    config["cache"] = cache\n',
        "    cache += np.square(dw)\n"
        "    next_w = w - lr * dw / (np.sqrt(cache) + eps)\n"
        '    config["cache"] = cache\n',
    ),
    Alternative(
        "optim: rmsprop with a new config dict holding an extra key",
        "optim",
        "    cache = decay * cache + (1 - decay) * (dw * dw)\n"
        "    next_w = w - lr * dw / (np.sqrt(cache) + eps)\n"
        '    config["cache"] = cache\n',
        "    cache = decay * cache + (1 - decay) * dw**2\n"
        "    step = lr * dw / (np.sqrt(cache) + eps)\n"
        "    next_w = w - step\n"
        "    config = dict(config, cache=cache, last_step=step)\n",
    ),
    Alternative(
        "optim: adam in the paper's efficient form (bias corrections folded into the step)",
        "optim",
        "    m_hat = m / (1 - beta1**t)\n"
        "    v_hat = v / (1 - beta2**t)\n"
        "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)\n",
        "    lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)\n"
        "    next_w = w - lr_t * m / (np.sqrt(v) + eps)\n",
    ),
    Alternative(
        "optim: adam returns a new config dict with extra keys",
        "optim",
        'config["m"], config["v"], config["t"] = m, v, t',
        "config = dict(config, m=m, v=v, t=t, m_hat=m_hat, v_hat=v_hat)",
    ),
    Alternative(
        "optim: step decay with t // every",
        "optim",
        "lr = lr0 * drop ** math.floor(t / every)",
        "lr = lr0 * drop ** (t // every)",
    ),
    Alternative(
        "optim: exponential decay as lr0 * e**(-k t)",
        "optim",
        "lr = lr0 * math.exp(-k * t)",
        "lr = lr0 * math.e ** (-k * t)",
    ),
    Alternative(
        "optim: inverse time decay as lr0 * (1 + k t)**-1",
        "optim",
        "lr = lr0 / (1 + k * t)",
        "lr = lr0 * (1 + k * t) ** -1",
    ),
    Alternative(
        "optim: cosine decay through cos^2 and np.clip",
        "optim",
        "    progress = min(t, total) / total\n"
        "    lr = lr_min + 0.5 * (lr0 - lr_min) * (1 + math.cos(math.pi * progress))\n",
        "    progress = np.clip(t / total, 0.0, 1.0)\n"
        "    lr = lr_min + (lr0 - lr_min) * np.cos(0.5 * np.pi * progress) ** 2\n",
    ),
    Alternative(
        "optim: adagrad with epsilon inside the square root",
        "optim",
        "cache = cache + dw * dw\n    next_w = w - lr * dw / (np.sqrt(cache) + eps)",
        "cache = cache + dw * dw\n    next_w = w - lr * dw / np.sqrt(cache + eps)",
    ),
    Alternative(
        "optim: rmsprop with epsilon inside the square root",
        "optim",
        "(1 - decay) * (dw * dw)\n    next_w = w - lr * dw / (np.sqrt(cache) + eps)",
        "(1 - decay) * (dw * dw)\n    next_w = w - lr * dw / np.sqrt(cache + eps)",
    ),
    Alternative(
        "optim: adam with epsilon inside the square root",
        "optim",
        "next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)",
        "next_w = w - lr * m_hat / np.sqrt(v_hat + eps)",
    ),
    # ------------------------------------------------------------ end of optim
    # ------------------------------------------------------------ classifiers
    Alternative(
        "classifiers: default weights through initializers.gaussian",
        "classifiers",
        "w = weight_scale * rng.standard_normal((fan_in, fan_out))",
        "w = initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)",
    ),
    Alternative(
        "classifiers: default weights with rng.normal and parameters made in the net's dtype",
        "classifiers",
        "                w = weight_scale * rng.standard_normal((fan_in, fan_out))\n",
        "                w = rng.normal(0.0, weight_scale, size=(fan_in, fan_out)).astype(dtype)\n",
    ),
    Alternative(
        "classifiers: zero biases made in the net's dtype",
        "classifiers",
        'self.params[f"b{i}"] = np.zeros(fan_out)',
        'self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)',
    ),
    Alternative(
        "classifiers: backward pops the layer caches in reverse",
        "classifiers",
        "fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]",
        "fc_cache, norm_cache, act_cache, drop_cache = caches.pop()",
    ),
    Alternative(
        "classifiers: layer caches as a list of dicts",
        "classifiers",
        "            caches.append((fc_cache, norm_cache, act_cache, drop_cache))\n"
        + _CLS_BETWEEN_CACHES
        + "            fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]\n",
        "            caches.append(\n"
        '                {"affine": fc_cache, "norm": norm_cache, "act": act_cache, '
        '"dropout": drop_cache}\n'
        "            )\n"
        + _CLS_BETWEEN_CACHES
        + "            layer = caches[i - 1]\n"
        '            fc_cache, norm_cache = layer["affine"], layer["norm"]\n'
        '            act_cache, drop_cache = layer["act"], layer["dropout"]\n',
    ),
    Alternative(
        "classifiers: activation functions looked up by name",
        "classifiers",
        "        act_forward = {\n"
        '            "relu": relu_forward,\n'
        '            "leaky_relu": leaky_relu_forward,\n'
        '            "elu": elu_forward,\n'
        '            "sigmoid": sigmoid_forward,\n'
        '            "tanh": tanh_forward,\n'
        "        }.get(self.activation)\n",
        '        act_forward = globals().get(f"{self.activation}_forward")\n',
    ),
    Alternative(
        "classifiers: dropout backward after a fixed activation's backward (they commute)",
        "classifiers",
        "            if self.use_dropout:\n"
        "                dout = dropout_backward(dout, drop_cache)\n"
        "            if self.activation == \"prelu\":\n"
        '                dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)\n'
        "            else:\n"
        "                dout = act_backward(dout, act_cache)\n",
        "            if self.activation == \"prelu\":\n"
        "                if self.use_dropout:\n"
        "                    dout = dropout_backward(dout, drop_cache)\n"
        '                dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)\n'
        "            else:\n"
        "                dout = act_backward(dout, act_cache)\n"
        "                if self.use_dropout:\n"
        "                    dout = dropout_backward(dout, drop_cache)\n",
    ),
    Alternative(
        "classifiers: L2 term with np.sum(W ** 2) over a list of the weights",
        "classifiers",
        "        for i in range(1, L + 1):\n"
        '            w = self.params[f"W{i}"]\n'
        "            # 0.5 * reg * |W|^2 has gradient reg * W (the 0.5 cancels the square's 2).\n"
        "            loss += 0.5 * self.reg * float(np.vdot(w, w))\n"
        '            grads[f"W{i}"] += self.reg * w\n',
        '        weights = [self.params[f"W{i}"] for i in range(1, L + 1)]\n'
        "        loss += 0.5 * self.reg * sum(np.sum(w**2) for w in weights)\n"
        "        for i, w in enumerate(weights, start=1):\n"
        '            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * w\n',
    ),
    # ------------------------------------------------------------ end of classifiers
    # ------------------------------------------------------------ solver
    Alternative(
        "solver: step builds a new params dict and passes config by keyword",
        "solver",
        "        old_params = dict(self.model.params)\n"
        "        for name, w in old_params.items():\n"
        "            next_w, next_config = self.update_rule(w, grads[name], "
        "self.optim_configs[name])\n"
        "            self.model.params[name] = next_w\n"
        "            self.optim_configs[name] = next_config\n"
        "        self._record_update_ratios(old_params, self.model.params)\n",
        "        old_params = self.model.params\n"
        "        new_params = {}\n"
        "        for name in old_params:\n"
        "            new_params[name], self.optim_configs[name] = self.update_rule(\n"
        "                old_params[name], grads[name], config=self.optim_configs[name]\n"
        "            )\n"
        "        self.model.params = new_params\n"
        "        self._record_update_ratios(old_params=old_params, new_params=new_params)\n",
    ),
    Alternative(
        "solver: accuracy from concatenated batch predictions",
        "solver",
        "        y_pred = np.empty(N, dtype=np.intp)\n"
        "        for start in range(0, N, batch_size):\n"
        "            scores = self.model.loss(X[start : start + batch_size])\n"
        "            y_pred[start : start + batch_size] = np.argmax(scores, axis=1)\n"
        "        acc = float(np.mean(y_pred == y))\n",
        "        preds = [\n"
        "            np.argmax(self.model.loss(X[i : i + batch_size]), axis=1)\n"
        "            for i in range(0, N, batch_size)\n"
        "        ]\n"
        "        acc = np.sum(np.concatenate(preds) == y) / N\n",
    ),
    Alternative(
        "solver: divergence with np.isnan / np.isinf and a division",
        "solver",
        "        if not math.isfinite(loss):\n",
        "        if np.isnan(loss) or np.isinf(loss):\n",
    ),
    Alternative(
        "solver: update ratio with explicit square roots of sums",
        "solver",
        "            w_norm = float(np.linalg.norm(old))\n"
        "            update_norm = float(np.linalg.norm(new - old))\n",
        "            w_norm = float(np.sqrt(np.sum(old * old)))\n"
        "            update_norm = float(np.sqrt(np.sum((new - old) ** 2)))\n",
    ),
    # ------------------------------------------------------------ end of solver
]

# ======================================================== normalization, preprocessing
# Whole solution bodies are rewritten through _solution_body / _rewrite, which read the
# reference, so an alternative touching several functions (a forward pass and the
# backward passes reading its cache) is still one exact find/replace.


def _solution_body(module: str, qualname: str) -> str:
    """The exact text between the solution markers of one function or method of a reference."""
    import re

    from autograder.solutions import BEGIN, END, reference_path

    lines = reference_path(module).read_text().splitlines(keepends=True)
    i = 0
    for name in qualname.split("."):
        pattern = re.compile(rf"\s*(def|class) {re.escape(name)}\b")
        i = next(k for k in range(i, len(lines)) if pattern.match(lines[k]))
    start = next(k for k in range(i, len(lines)) if lines[k].strip() == BEGIN) + 1
    end = next(k for k in range(start, len(lines)) if lines[k].strip() == END)
    return "".join(lines[start:end])


def _rewrite(module: str, bodies: dict[str, str]) -> tuple[str, str]:
    """(find, replace) giving the named functions new solution bodies at once.

    A body may be written unindented: it takes the indentation of the body it
    replaces. The find runs from the first replaced body to the last.
    """
    import textwrap

    from autograder.solutions import solved_module_text

    text = solved_module_text(module)
    spans = []
    for qualname, body in bodies.items():
        old = _solution_body(module, qualname)
        start = text.index(old)
        indent = old[: len(old) - len(old.lstrip(" "))]
        new = textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", indent)
        spans.append((start, start + len(old), new))
    spans.sort()
    pieces, cursor = [], spans[0][0]
    for start, end, new in spans:
        pieces += [text[cursor:start], new]
        cursor = end
    return text[spans[0][0] : spans[-1][1]], "".join(pieces)


MUTANTS += [
    # ------------------------------------------------------------ normalization
    Mutant(
        "normalization: batchnorm forward with the unbiased (N - 1) variance",
        "normalization.batchnorm_forward",
        'var = np.einsum("ij,ij->j", xhat, xhat) / N',
        'var = np.einsum("ij,ij->j", xhat, xhat) / (N - 1)',
    ),
    Mutant(
        "normalization: batchnorm forward updates the running statistics in test mode",
        "normalization.batchnorm_forward",
        "    else:\n        xhat = x - running_mean\n        var = running_var\n",
        "    else:\n        xhat = x - running_mean\n        var = running_var\n"
        "        running_mean = momentum * running_mean + (1.0 - momentum) * x.mean(axis=0)\n"
        "        running_var = momentum * running_var + (1.0 - momentum) * x.var(axis=0)\n",
    ),
    Mutant(
        "normalization: batchnorm running averages with momentum the wrong way round",
        "normalization.batchnorm_forward",
        "running_mean = momentum * running_mean + (1.0 - momentum) * mean\n"
        "        running_var = momentum * running_var + (1.0 - momentum) * var",
        "running_mean = momentum * mean + (1.0 - momentum) * running_mean\n"
        "        running_var = momentum * var + (1.0 - momentum) * running_var",
    ),
    Mutant(
        "normalization: batchnorm test mode normalises with the batch statistics",
        "normalization.batchnorm_forward",
        "        xhat = x - running_mean\n        var = running_var\n",
        "        xhat = x - x.mean(axis=0)\n        var = x.var(axis=0)\n",
    ),
    Mutant(
        "normalization: batchnorm forward with a hard-coded eps",
        "normalization.batchnorm_forward",
        "std = np.sqrt(var + eps)",
        "std = np.sqrt(var + 1e-5)",
    ),
    Mutant(
        "normalization: batchnorm forward promotes float32 data to float64",
        "normalization.batchnorm_forward",
        "mean = x.mean(axis=0)",
        "mean = x.mean(axis=0, dtype=np.float64)",
    ),
    Mutant(
        "normalization: batchnorm forward treats an unknown mode as test mode",
        "normalization.batchnorm_forward",
        'if mode not in ("train", "test"):',
        "if mode is None:",
    ),
    Mutant(
        "normalization: batchnorm backward misses the variance path",
        "normalization.batchnorm_backward",
        "dxc += (2.0 / N) * dvar * xc",
        "pass",
    ),
    Mutant(
        "normalization: batchnorm backward misses the mean path",
        "normalization.batchnorm_backward",
        "dx = dxc + dmean / N",
        "dx = dxc",
    ),
    Mutant(
        "normalization: batchnorm backward computes dgamma without xhat",
        "normalization.batchnorm_backward",
        "dgamma = (dout * xhat).sum(axis=0)",
        "dgamma = dout.sum(axis=0)",
    ),
    Mutant(
        "normalization: batchnorm backward averages dbeta over the batch",
        "normalization.batchnorm_backward",
        "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * xhat).sum(axis=0)",
        "    dbeta = dout.mean(axis=0)\n    dgamma = (dout * xhat).sum(axis=0)",
    ),
    Mutant(
        "normalization: closed-form batchnorm backward drops the mean term",
        "normalization.batchnorm_backward_alt",
        "        block -= shift\n",
        "",
    ),
    Mutant(
        "normalization: closed-form batchnorm backward forgets gamma",
        "normalization.batchnorm_backward_alt",
        "scale = gamma * inv_std",
        "scale = inv_std",
    ),
    Mutant(
        "normalization: closed-form batchnorm backward averages dgamma",
        "normalization.batchnorm_backward_alt",
        'dgamma = np.einsum("ij,ij->j", dout, xhat)\n    scale',
        'dgamma = np.einsum("ij,ij->j", dout, xhat) / N\n    scale',
    ),
    Mutant(
        "normalization: layernorm normalises over the batch axis",
        "normalization.layernorm_forward",
        "    mean = x.mean(axis=1, keepdims=True)  # pairwise sums: accurate in float32 too\n"
        "    out = np.subtract(x, mean, dtype=np.result_type(mean, gamma, beta))\n"
        "    # Row-wise dot products as a stack of (1, D) @ (D, 1) products: BLAS, faster than "
        "einsum.\n"
        "    var = (out[:, None, :] @ out[:, :, None]).reshape(-1) / D\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)[:, None]\n",
        "    mean = x.mean(axis=0, keepdims=True)\n"
        "    out = np.subtract(x, mean, dtype=np.result_type(mean, gamma, beta))\n"
        '    var = np.einsum("ij,ij->j", out, out) / x.shape[0]\n'
        "    inv_std = 1.0 / np.sqrt(var + eps)\n",
    ),
    Mutant(
        "normalization: layernorm forward with a hard-coded eps",
        "normalization.layernorm_forward",
        "inv_std = 1.0 / np.sqrt(var + eps)[:, None]",
        "inv_std = 1.0 / np.sqrt(var + 1e-5)[:, None]",
    ),
    Mutant(
        "normalization: layernorm backward drops the mean term",
        "normalization.layernorm_backward",
        "        block -= mean_dxhat[rows]\n",
        "",
    ),
    Mutant(
        "normalization: layernorm backward sums dbeta over the features",
        "normalization.layernorm_backward",
        "    dbeta = dout.sum(axis=0)\n    dgamma = np.zeros(D, dtype=dtype)\n",
        "    dbeta = dout.sum(axis=1)\n    dgamma = np.zeros(D, dtype=dtype)\n",
    ),
    Mutant(
        "normalization: layernorm backward forgets gamma",
        "normalization.layernorm_backward",
        "np.multiply(dout[rows], gamma, out=block)",
        "block[...] = dout[rows]",
    ),
    # ------------------------------------------------------------ preprocessing
    Mutant(
        "preprocessing: channel mean over axes (0, 1)",
        "preprocessing.MeanSubtraction.fit",
        'axes = 0 if self.mode == "image" else (0, 2, 3)',
        'axes = 0 if self.mode == "image" else (0, 1)',
    ),
    Mutant(
        "preprocessing: mean image taken over every axis (a single number)",
        "preprocessing.MeanSubtraction.fit",
        'axes = 0 if self.mode == "image" else (0, 2, 3)',
        'axes = None if self.mode == "image" else (0, 2, 3)',
    ),
    Mutant(
        "preprocessing: mean accumulated in the data's float32",
        "preprocessing.MeanSubtraction.fit",
        "self.mean_ = X.mean(axis=axes, dtype=np.float64)",
        "self.mean_ = X.mean(axis=axes)",
    ),
    Mutant(
        "preprocessing: mean subtraction refits on the data it transforms",
        "preprocessing.MeanSubtraction.transform",
        'mean = self.mean_ if self.mode == "image" else self.mean_[:, None, None]',
        'mean = X.mean(axis=0) if self.mode == "image" else X.mean(axis=(0, 2, 3))[:, None, None]',
    ),
    Mutant(
        "preprocessing: channel mean broadcast along the last axis",
        "preprocessing.MeanSubtraction.transform",
        'mean = self.mean_ if self.mode == "image" else self.mean_[:, None, None]',
        "mean = self.mean_",
    ),
    Mutant(
        "preprocessing: mean subtraction modifies its input in place",
        "preprocessing.MeanSubtraction.transform",
        "out = X - mean.astype(X.dtype, copy=False)",
        "X -= mean.astype(X.dtype, copy=False)\n        out = X",
    ),
    Mutant(
        "preprocessing: standardisation with the unbiased (ddof=1) std",
        "preprocessing.Standardization.fit",
        "self.std_ = X.std(axis=0, dtype=np.float64)",
        "self.std_ = X.std(axis=0, dtype=np.float64, ddof=1)",
    ),
    Mutant(
        "preprocessing: standardisation stores std + eps in std_",
        "preprocessing.Standardization.fit",
        "self.std_ = X.std(axis=0, dtype=np.float64)",
        "self.std_ = X.std(axis=0, dtype=np.float64) + self.eps",
    ),
    Mutant(
        "preprocessing: standardisation mean over the wrong axis",
        "preprocessing.Standardization.fit",
        "self.mean_ = X.mean(axis=0, dtype=np.float64)\n        self.std_",
        "self.mean_ = X.mean(axis=-1, dtype=np.float64)\n        self.std_",
    ),
    Mutant(
        "preprocessing: standardisation statistics in the data's float32",
        "preprocessing.Standardization.fit",
        "self.std_ = X.std(axis=0, dtype=np.float64)",
        "self.std_ = X.std(axis=0)",
    ),
    Mutant(
        "preprocessing: standardisation transform without eps",
        "preprocessing.Standardization.transform",
        "out /= (self.std_ + self.eps).astype(X.dtype, copy=False)",
        "out /= self.std_.astype(X.dtype, copy=False)",
    ),
    Mutant(
        "preprocessing: standardisation refits on the data it transforms",
        "preprocessing.Standardization.transform",
        "out = X - self.mean_.astype(X.dtype, copy=False)\n"
        "        out /= (self.std_ + self.eps).astype(X.dtype, copy=False)",
        "out = X - X.mean(axis=0)\n        out /= X.std(axis=0) + self.eps",
    ),
    Mutant(
        "preprocessing: PCA without centring",
        "preprocessing.PCAWhitening.fit",
        "Xc = X - self.mean_",
        "Xc = X",
    ),
    Mutant(
        "preprocessing: PCA covariance divided by N - 1",
        "preprocessing.PCAWhitening.fit",
        "cov = Xc.T @ Xc / X.shape[0]",
        "cov = Xc.T @ Xc / (X.shape[0] - 1)",
    ),
    Mutant(
        "preprocessing: PCA keeps eigh's increasing order",
        "preprocessing.PCAWhitening.fit",
        "evals = evals[::-1][:K]\n        components = evecs[:, ::-1][:, :K].T.copy()",
        "evals = evals[:K]\n        components = evecs[:, :K].T.copy()",
    ),
    Mutant(
        "preprocessing: PCA takes the rows of eigh's eigenvector matrix",
        "preprocessing.PCAWhitening.fit",
        "components = evecs[:, ::-1][:, :K].T.copy()",
        "components = evecs[::-1][:K].copy()",
    ),
    Mutant(
        "preprocessing: PCA without the sign convention",
        "preprocessing.PCAWhitening.fit",
        "components *= np.where(pivots < 0, -1.0, 1.0)[:, None]",
        "pass",
    ),
    Mutant(
        "preprocessing: whitening divides by the eigenvalue instead of its square root",
        "preprocessing.PCAWhitening.transform",
        "out /= np.sqrt(self.explained_variance_ + self.eps)",
        "out /= (self.explained_variance_ + self.eps)",
    ),
    Mutant(
        "preprocessing: whitening without eps",
        "preprocessing.PCAWhitening.transform",
        "np.sqrt(self.explained_variance_ + self.eps)",
        "np.sqrt(self.explained_variance_)",
    ),
    Mutant(
        "preprocessing: PCA transform centres with the mean of its own input",
        "preprocessing.PCAWhitening.transform",
        "out = (X - self.mean_.astype(X.dtype, copy=False)) @",
        "out = (X - X.mean(axis=0)) @",
    ),
    Mutant(
        "preprocessing: PCA transform projects on the columns of components_",
        "preprocessing.PCAWhitening.transform",
        "@ self.components_.T.astype(X.dtype)",
        "@ self.components_.astype(X.dtype)",
    ),
]

_BN_TUPLE_CACHE = {
    "batchnorm_forward": """
        if mode == "train":
            sample_mean = np.mean(x, axis=0)
            sample_var = np.var(x, axis=0)
            running_mean = momentum * running_mean + (1 - momentum) * sample_mean
            running_var = momentum * running_var + (1 - momentum) * sample_var
            x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)
            cache = (x, sample_mean, sample_var, eps, gamma, "train")
        else:
            x_norm = (x - running_mean) / np.sqrt(running_var + eps)
            cache = (x, running_mean, running_var, eps, gamma, "test")
        out = gamma * x_norm + beta
        """,
    "batchnorm_backward": """
        x, mu, var, eps, gamma, mode = cache
        N = x.shape[0]
        xmu = x - mu
        sqrtvar = np.sqrt(var + eps)
        ivar = 1.0 / sqrtvar
        xhat = xmu * ivar
        dbeta = np.sum(dout, axis=0)
        dgamma = np.sum(dout * xhat, axis=0)
        dxhat = dout * gamma
        if mode == "test":
            return dxhat * ivar, dgamma, dbeta
        divar = np.sum(dxhat * xmu, axis=0)
        dxmu1 = dxhat * ivar
        dsqrtvar = -1.0 / sqrtvar**2 * divar
        dvar = 0.5 / sqrtvar * dsqrtvar
        dsq = np.ones_like(dout) * dvar / N
        dxmu2 = 2 * xmu * dsq
        dmu = -np.sum(dxmu1 + dxmu2, axis=0)
        dx = dxmu1 + dxmu2 + np.ones_like(dout) * dmu / N
        """,
    "batchnorm_backward_alt": """
        x, mu, var, eps, gamma, mode = cache
        N = x.shape[0]
        ivar = 1.0 / np.sqrt(var + eps)
        xhat = (x - mu) * ivar
        dbeta = dout.sum(axis=0)
        dgamma = (dout * xhat).sum(axis=0)
        if mode == "test":
            return dout * gamma * ivar, dgamma, dbeta
        dx = (gamma * ivar / N) * (N * dout - dbeta - xhat * dgamma)
        """,
}

ALTERNATIVES += [
    # ------------------------------------------------------------ normalization
    Alternative(
        "normalization: batchnorm with np.var and a tuple cache its backward passes read",
        "normalization",
        *_rewrite("normalization", _BN_TUPLE_CACHE),
    ),
    Alternative(
        "normalization: graph and closed-form batchnorm backward swapped",
        "normalization",
        *_rewrite(
            "normalization",
            {
                "batchnorm_backward": _solution_body("normalization", "batchnorm_backward_alt"),
                "batchnorm_backward_alt": _solution_body("normalization", "batchnorm_backward"),
            },
        ),
    ),
    Alternative(
        "normalization: closed-form batchnorm backward calls the graph version",
        "normalization",
        *_rewrite(
            "normalization",
            {"batchnorm_backward_alt": "dx, dgamma, dbeta = batchnorm_backward(dout, cache)"},
        ),
    ),
    Alternative(
        "normalization: batchnorm running statistics updated in place",
        "normalization",
        "running_mean = momentum * running_mean + (1.0 - momentum) * mean\n"
        "        running_var = momentum * running_var + (1.0 - momentum) * var",
        "running_mean *= momentum\n"
        "        running_mean += (1.0 - momentum) * mean\n"
        "        running_var *= momentum\n"
        "        running_var += (1.0 - momentum) * var",
    ),
    Alternative(
        "normalization: closed-form batchnorm backward computed in float32",
        "normalization",
        *_rewrite(
            "normalization",
            {
                "batchnorm_backward_alt": """
                    xhat = cache["xhat"].astype(np.float32)
                    inv_std = cache["inv_std"].astype(np.float32)
                    gamma = cache["gamma"].astype(np.float32)
                    dout = dout.astype(np.float32)
                    N = dout.shape[0]
                    dbeta = dout.sum(axis=0)
                    dgamma = (dout * xhat).sum(axis=0)
                    if cache["mode"] == "test":
                        return dout * (gamma * inv_std), dgamma, dbeta
                    dx = (gamma * inv_std / N) * (N * dout - dbeta - xhat * dgamma)
                    """
            },
        ),
    ),
    Alternative(
        "normalization: layernorm as batchnorm on x.T, with a dict cache",
        "normalization",
        *_rewrite(
            "normalization",
            {
                "layernorm_forward": """
                    xt = x.T
                    mu = xt.mean(axis=0)
                    var = xt.var(axis=0)
                    xhat = ((xt - mu) / np.sqrt(var + eps)).T
                    out = gamma * xhat + beta
                    cache = {"x": x, "mu": mu, "var": var, "eps": eps, "gamma": gamma}
                    """,
                "layernorm_backward": """
                    x, mu, var = cache["x"], cache["mu"], cache["var"]
                    D = x.shape[1]
                    istd = 1.0 / np.sqrt(var + cache["eps"])
                    xhat_t = (x.T - mu) * istd
                    dbeta = dout.sum(axis=0)
                    dgamma = (dout * xhat_t.T).sum(axis=0)
                    g = (dout * cache["gamma"]).T
                    dx = (istd / D * (D * g - g.sum(axis=0) - xhat_t * (g * xhat_t).sum(axis=0))).T
                    """,
            },
        ),
    ),
    # ------------------------------------------------------------ preprocessing
    Alternative(
        "preprocessing: channel mean as the mean of the mean image; broadcast by reshape",
        "preprocessing",
        *_rewrite(
            "preprocessing",
            {
                "MeanSubtraction.fit": """
                    mean_image = X.mean(axis=0, dtype=np.float64)
                    per_channel = mean_image.mean(axis=(1, 2)) if self.mode == "channel" else None
                    self.mean_ = mean_image if per_channel is None else per_channel
                    """,
                "MeanSubtraction.transform": """
                    shift = self.mean_ if self.mode == "image" else self.mean_.reshape(1, -1, 1, 1)
                    out = X - shift
                    """,
            },
        ),
    ),
    Alternative(
        "preprocessing: standardisation written out, computed in float64",
        "preprocessing",
        *_rewrite(
            "preprocessing",
            {
                "Standardization.fit": """
                    self.mean_ = np.mean(X, axis=0, dtype=np.float64)
                    self.std_ = np.sqrt(np.mean((X - self.mean_) ** 2, axis=0))
                    """,
                "Standardization.transform": """
                    out = (X - self.mean_) / (self.std_ + self.eps)
                    """,
            },
        ),
    ),
    Alternative(
        "preprocessing: PCA by the SVD of the centred data; transform with np.dot",
        "preprocessing",
        *_rewrite(
            "preprocessing",
            {
                "PCAWhitening.fit": """
                    self.mean_ = X.mean(axis=0, dtype=np.float64)
                    _, s, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
                    components = vt[:K].copy()
                    for row in components:
                        if row[np.argmax(np.abs(row))] < 0:
                            row *= -1
                    self.components_ = components
                    self.explained_variance_ = s[:K] ** 2 / X.shape[0]
                    """,
                "PCAWhitening.transform": """
                    out = np.dot(X - self.mean_, self.components_.T)
                    if self.whiten:
                        out = out / np.sqrt(self.explained_variance_ + self.eps)
                    """,
            },
        ),
    ),
    Alternative(
        "preprocessing: PCA with np.cov(bias=True) and argsort",
        "preprocessing",
        *_rewrite(
            "preprocessing",
            {
                "PCAWhitening.fit": """
                    self.mean_ = X.mean(axis=0, dtype=np.float64)
                    evals, evecs = np.linalg.eigh(np.cov(X, rowvar=False, bias=True))
                    order = np.argsort(evals)[::-1][:K]
                    comps = evecs[:, order].T
                    pivots = comps[np.arange(K), np.argmax(np.abs(comps), axis=1)]
                    self.components_ = comps * np.sign(pivots)[:, None]
                    self.explained_variance_ = np.clip(evals[order], 0.0, None)
                    """,
            },
        ),
    ),
]
# ======================================================== end of normalization, preprocessing
