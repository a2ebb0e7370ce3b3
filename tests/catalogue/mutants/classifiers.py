"""Mutants and correct alternatives of the fully connected net.

Both methods are long, so the student's part of each is written out here once, in
named blocks, and an entry swaps in the blocks its student wrote differently.
``__init__`` runs the provided constructor (checks and attributes) and then builds
``self.params`` the student's way; ``loss`` is the student's whole method.
"""

import re
import textwrap

from autograder.mutation import Alternative, Mutant


def _fill(template: str, blocks: dict[str, str]) -> str:
    """``template`` with each ``$slot`` line replaced by its block, indented to match."""

    def block(match: re.Match[str]) -> str:
        indent, name = match.group(1), match.group(2)
        code = textwrap.dedent(blocks[name]).strip("\n")
        return textwrap.indent(code, indent) + "\n" if code else ""

    return re.sub(r"^( *)\$(\w+)\n", block, template, flags=re.MULTILINE)


def _seq(*blocks: str) -> str:
    """Blocks of code one after the other (each may be indented its own way)."""
    return "\n".join(textwrap.dedent(b).strip("\n") for b in blocks)


# ------------------------------------------------------------ __init__
_INIT = """
_provided_init = FullyConnectedNet.__init__


def _init(
    self,
    hidden_dims,
    input_dim=3 * 32 * 32,
    num_classes=10,
    dropout_keep_ratio=1,
    normalization=None,
    reg=0.0,
    weight_scale=1e-2,
    dtype=np.float32,
    seed=None,
    activation="relu",
    weight_init=None,
):
    _provided_init(
        self, hidden_dims, input_dim, num_classes, dropout_keep_ratio, normalization,
        reg, weight_scale, dtype, seed, activation, weight_init,
    )
    self.params = {}
    rng = np.random.default_rng(seed)
    dims = [input_dim, *hidden_dims, num_classes]
    for i in range(1, self.num_layers + 1):
        fan_in, fan_out = dims[i - 1], dims[i]
        $weights
        self.params[f"W{i}"] = w
        $bias
        $hidden
    for name, value in self.params.items():
        self.params[name] = np.asarray(value).astype(dtype, copy=False)


FullyConnectedNet.__init__ = _init
"""

_WEIGHTS = """
if weight_init is None:
    w = weight_scale * rng.standard_normal((fan_in, fan_out))
elif weight_init == "gaussian":
    w = initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)
else:
    w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)
"""

_BIAS = 'self.params[f"b{i}"] = np.zeros(fan_out)'


def _hidden(gamma: str = "np.ones(fan_out)", alpha: str = "np.full(fan_out, PRELU_INIT)") -> str:
    """The parameters of a hidden layer: normalization's scale and shift, PReLU's slopes."""
    return f"""
if i == self.num_layers:
    break
if normalization is not None:
    self.params[f"gamma{{i}}"] = {gamma}
    self.params[f"beta{{i}}"] = np.zeros(fan_out)
if activation == "prelu":
    self.params[f"alpha{{i}}"] = {alpha}
"""


_HIDDEN = _hidden()


def _net_init(weights: str = _WEIGHTS, bias: str = _BIAS, hidden: str = _HIDDEN) -> str:
    return _fill(_INIT, {"weights": weights, "bias": bias, "hidden": hidden})


def _weights(default: str, gaussian: str, named: str) -> str:
    """The weight draw with the three cases written by the student."""
    return (
        f"if weight_init is None:\n    w = {default}\n"
        f'elif weight_init == "gaussian":\n    w = {gaussian}\n'
        f"else:\n    w = {named}\n"
    )


_DEFAULT = "weight_scale * rng.standard_normal((fan_in, fan_out))"
_GAUSSIAN = "initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)"
_NAMED = "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)"

# ------------------------------------------------------------ loss
_LOSS = """
def _loss(self, X, y=None):
    X = X.astype(self.dtype, copy=False)
    $mode
    if self.use_dropout:
        self.dropout_param["mode"] = mode
    if self.normalization == "batchnorm":
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
    $act_forward
    L = self.num_layers
    caches = []
    out = X
    for i in range(1, L):
        out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
        $forward_layer
        $keep_caches
    scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
    $scores
    if y is None:
        return scores

    grads = {}
    act_backward = {
        "relu": relu_backward,
        "leaky_relu": leaky_relu_backward,
        "elu": elu_backward,
        "sigmoid": sigmoid_backward,
        "tanh": tanh_backward,
    }.get(self.activation)
    loss, dout = softmax_loss(scores, y)
    dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dout, last_cache)
    for i in range(L - 1, 0, -1):
        $unpack
        $backward_layer
        dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
    $l2
    return loss, grads


FullyConnectedNet.loss = _loss
"""

_MODE = 'mode = "test" if y is None else "train"'

_ACT_FORWARD = """
act_forward = {
    "relu": relu_forward,
    "leaky_relu": leaky_relu_forward,
    "elu": elu_forward,
    "sigmoid": sigmoid_forward,
    "tanh": tanh_forward,
}.get(self.activation)
"""


def _norm_forward(bn_param: str = "self.bn_params[i - 1]") -> str:
    return f"""
norm_cache = None
gamma, beta = self.params.get(f"gamma{{i}}"), self.params.get(f"beta{{i}}")
if self.normalization == "batchnorm":
    out, norm_cache = batchnorm_forward(out, gamma, beta, {bn_param})
elif self.normalization == "layernorm":
    out, norm_cache = layernorm_forward(out, gamma, beta, self.bn_params[i - 1])
"""


_NORM_FORWARD = _norm_forward()

_ACT_FORWARD_LAYER = """
if self.activation == "prelu":
    out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])
else:
    out, act_cache = act_forward(out)
"""

_DROP_FORWARD = """
drop_cache = None
if self.use_dropout:
    out, drop_cache = dropout_forward(out, self.dropout_param)
"""

_KEEP_CACHES = "caches.append((fc_cache, norm_cache, act_cache, drop_cache))"
_UNPACK = "fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]"

_DROP_BACKWARD = """
if self.use_dropout:
    dout = dropout_backward(dout, drop_cache)
"""

_ACT_BACKWARD = """
if self.activation == "prelu":
    dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)
else:
    dout = act_backward(dout, act_cache)
"""


def _norm_backward(batchnorm_grads: str = 'grads[f"gamma{i}"], grads[f"beta{i}"]') -> str:
    return f"""
if self.normalization == "batchnorm":
    dout, {batchnorm_grads} = batchnorm_backward(dout, norm_cache)
elif self.normalization == "layernorm":
    dout, grads[f"gamma{{i}}"], grads[f"beta{{i}}"] = layernorm_backward(dout, norm_cache)
"""


_NORM_BACKWARD = _norm_backward()


def _l2(
    loss_term: str = "0.5 * self.reg * float(np.vdot(w, w))",
    grad_term: str = "self.reg * w",
    extra: str = "",
) -> str:
    return f"""
for i in range(1, L + 1):
    w = self.params[f"W{{i}}"]
    loss += {loss_term}
    grads[f"W{{i}}"] += {grad_term}
{textwrap.indent(textwrap.dedent(extra).strip(), "    ")}
"""


def _net_loss(**blocks: str) -> str:
    chosen = {
        "mode": _MODE,
        "act_forward": _ACT_FORWARD,
        "forward_layer": _seq(_NORM_FORWARD, _ACT_FORWARD_LAYER, _DROP_FORWARD),
        "keep_caches": _KEEP_CACHES,
        "scores": "",
        "unpack": _UNPACK,
        "backward_layer": _seq(_DROP_BACKWARD, _ACT_BACKWARD, _NORM_BACKWARD),
        "l2": _l2(),
    }
    unknown = set(blocks) - set(chosen)
    assert not unknown, f"no such block of the loss: {unknown}"
    return _fill(_LOSS, chosen | blocks)


MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------ __init__
    Mutant(
        "classifiers: biases drawn at random instead of zeros",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(bias='self.params[f"b{i}"] = weight_scale * rng.standard_normal(fan_out)'),
    ),
    Mutant(
        "classifiers: gamma starts at zero",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(hidden=_hidden(gamma="np.zeros(fan_out)")),
    ),
    Mutant(
        "classifiers: PReLU slopes start at zero",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(hidden=_hidden(alpha="np.zeros(fan_out)")),
    ),
    Mutant(
        "classifiers: default weights ignore weight_scale",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(_weights("rng.standard_normal((fan_in, fan_out))", _GAUSSIAN, _NAMED)),
    ),
    Mutant(
        "classifiers: default weights drawn from the global np.random (seed ignored)",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(_weights("weight_scale * np.random.randn(fan_in, fan_out)", _GAUSSIAN, _NAMED)),
    ),
    Mutant(
        "classifiers: gaussian initialiser without std=weight_scale",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(_weights(_DEFAULT, "initializers.gaussian(fan_in, fan_out, rng=rng)", _NAMED)),
    ),
    Mutant(
        "classifiers: named initialiser called without the generator",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(
            _weights(_DEFAULT, _GAUSSIAN, "getattr(initializers, weight_init)(fan_in, fan_out)")
        ),
    ),
    Mutant(
        "classifiers: named initialiser with the fans swapped",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(
            _weights(
                _DEFAULT,
                _GAUSSIAN,
                "getattr(initializers, weight_init)(fan_out, fan_in, rng=rng).T",
            )
        ),
    ),
    Mutant(
        "classifiers: weight_init='he' falls back to xavier",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(
            _weights(
                _DEFAULT,
                _GAUSSIAN,
                'initializers.xavier(fan_in, fan_out, rng=rng) if weight_init == "he" else '
                + _NAMED,
            )
        ),
    ),
    Mutant(
        "classifiers: normalization parameters on the last layer too",
        "classifiers.FullyConnectedNet.__init__",
        _net_init(
            hidden="""
            if normalization is not None:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
            if i == self.num_layers:
                break
            if activation == "prelu":
                self.params[f"alpha{i}"] = np.full(fan_out, PRELU_INIT)
            """
        ),
    ),
    # ------------------------------------------------------------ loss
    Mutant(
        "classifiers: L2 loss without the 0.5",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(l2=_l2(loss_term="self.reg * float(np.vdot(w, w))")),
    ),
    Mutant(
        "classifiers: L2 gradient 2 * reg * W",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(l2=_l2(grad_term="2 * self.reg * w")),
    ),
    Mutant(
        "classifiers: biases regularized too",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(
            l2=_l2(
                extra="""
                b = self.params[f"b{i}"]
                loss += 0.5 * self.reg * float(np.vdot(b, b))
                grads[f"b{i}"] += self.reg * b
                """
            )
        ),
    ),
    Mutant(
        "classifiers: dropout before the activation",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(forward_layer=_seq(_NORM_FORWARD, _DROP_FORWARD, _ACT_FORWARD_LAYER)),
    ),
    Mutant(
        "classifiers: normalization after the activation",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(forward_layer=_seq(_ACT_FORWARD_LAYER, _NORM_FORWARD, _DROP_FORWARD)),
    ),
    Mutant(
        "classifiers: dgamma left out of grads",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(
            backward_layer=_seq(
                _DROP_BACKWARD,
                _ACT_BACKWARD,
                _norm_backward(batchnorm_grads='_, grads[f"beta{i}"]'),
            )
        ),
    ),
    Mutant(
        "classifiers: backward through the normalization before the activation",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(backward_layer=_seq(_DROP_BACKWARD, _NORM_BACKWARD, _ACT_BACKWARD)),
    ),
    Mutant(
        "classifiers: dropout and batchnorm left in train mode for the scores",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(mode='mode = "train"'),
    ),
    Mutant(
        "classifiers: batchnorm given a fresh parameter dict (no running statistics)",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(
            forward_layer=_seq(
                _norm_forward(bn_param='{"mode": mode}'), _ACT_FORWARD_LAYER, _DROP_FORWARD
            )
        ),
    ),
    Mutant(
        "classifiers: ReLU applied to the scores",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(scores="scores = np.maximum(scores, 0)"),
    ),
    Mutant(
        "classifiers: backward reads the caches off by one layer",
        "classifiers.FullyConnectedNet.loss",
        _net_loss(unpack="fc_cache, norm_cache, act_cache, drop_cache = caches[i - 2]"),
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "classifiers: default weights through initializers.gaussian",
        "classifiers",
        _net_init(_weights(_GAUSSIAN, _GAUSSIAN, _NAMED)),
    ),
    Alternative(
        "classifiers: default weights with rng.normal and parameters made in the net's dtype",
        "classifiers",
        _net_init(
            _weights(
                "rng.normal(0.0, weight_scale, size=(fan_in, fan_out)).astype(dtype)",
                _GAUSSIAN,
                _NAMED,
            )
        ),
    ),
    Alternative(
        "classifiers: zero biases made in the net's dtype",
        "classifiers",
        _net_init(bias='self.params[f"b{i}"] = np.zeros(fan_out, dtype=dtype)'),
    ),
    Alternative(
        "classifiers: backward pops the layer caches in reverse",
        "classifiers",
        _net_loss(unpack="fc_cache, norm_cache, act_cache, drop_cache = caches.pop()"),
    ),
    Alternative(
        "classifiers: layer caches as a list of dicts",
        "classifiers",
        _net_loss(
            keep_caches="""
            caches.append(
                {"affine": fc_cache, "norm": norm_cache, "act": act_cache, "dropout": drop_cache}
            )
            """,
            unpack="""
            layer = caches[i - 1]
            fc_cache, norm_cache = layer["affine"], layer["norm"]
            act_cache, drop_cache = layer["act"], layer["dropout"]
            """,
        ),
    ),
    Alternative(
        "classifiers: activation functions looked up by name",
        "classifiers",
        _net_loss(act_forward='act_forward = globals().get(f"{self.activation}_forward")'),
    ),
    Alternative(
        "classifiers: dropout backward after a fixed activation's backward (they commute)",
        "classifiers",
        _net_loss(
            backward_layer=_seq(
                """
            if self.activation == "prelu":
                if self.use_dropout:
                    dout = dropout_backward(dout, drop_cache)
                dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)
            else:
                dout = act_backward(dout, act_cache)
                if self.use_dropout:
                    dout = dropout_backward(dout, drop_cache)
            """,
                _NORM_BACKWARD,
            )
        ),
    ),
    Alternative(
        "classifiers: L2 term with np.sum(W ** 2) over a list of the weights",
        "classifiers",
        _net_loss(
            l2="""
            weights = [self.params[f"W{i}"] for i in range(1, L + 1)]
            loss += 0.5 * self.reg * sum(np.sum(w**2) for w in weights)
            for i, w in enumerate(weights, start=1):
                grads[f"W{i}"] = grads[f"W{i}"] + self.reg * w
            """
        ),
    ),
]
