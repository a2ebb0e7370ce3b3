"""Mutants and correct alternatives of the fully connected net."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace
from tests.catalogue.mutants._entries import one_edit

# Statement runs of the reference's FullyConnectedNet.loss that several entries move.
_ACT_FORWARD = """
if self.activation == 'prelu':
    out, act_cache = prelu_forward(out, self.params[f'alpha{i}'])
else:
    assert act_forward is not None
    out, act_cache = act_forward(out)
"""
_ACT_BACKWARD = """
if self.activation == 'prelu':
    dout, grads[f'alpha{i}'] = prelu_backward(dout, act_cache)
else:
    assert act_backward is not None
    dout = act_backward(dout, act_cache)
"""
_DROPOUT_FORWARD = """
if self.use_dropout:
    out, drop_cache = dropout_forward(out, self.dropout_param)
"""
_DROPOUT_BACKWARD = """
if self.use_dropout:
    dout = dropout_backward(dout, drop_cache)
"""
_SCORES = """
scores, last_cache = affine_forward(out, self.params[f'W{L}'], self.params[f'b{L}'])
"""
_AFFINE_BACKWARD = "dout, grads[f'W{i}'], grads[f'b{i}'] = affine_backward(dout, fc_cache)\n"

_mutant, _alternative = one_edit("classifiers")

MUTANTS: list[Mutant] = [
    _mutant(
        "biases drawn at random instead of zeros",
        "FullyConnectedNet.__init__",
        "self.params[f'b{i}'] = np.zeros(fan_out)",
        "self.params[f'b{i}'] = weight_scale * rng.standard_normal(fan_out)",
        diagnosis="biases start at zero",
    ),
    _mutant("gamma starts at zero", "FullyConnectedNet.__init__", "np.ones", "np.zeros",
        diagnosis="gamma starts at one"),
    _mutant("PReLU slopes start at zero", "FullyConnectedNet.__init__",
        "np.full(fan_out, PRELU_INIT)", "np.zeros(fan_out)",
        diagnosis="PRELU_INIT"),
    _mutant(
        "default weights ignore weight_scale",
        "FullyConnectedNet.__init__",
        "weight_scale * rng.standard_normal((fan_in, fan_out))",
        "rng.standard_normal((fan_in, fan_out))",
        diagnosis="weight_scale * a standard normal",
    ),
    _mutant(
        "default weights drawn from the global np.random (seed ignored)",
        "FullyConnectedNet.__init__",
        "rng.standard_normal((fan_in, fan_out))",
        "np.random.randn(fan_in, fan_out)",
        diagnosis="ignore the seed",
    ),
    _mutant(
        "gaussian initialiser without std=weight_scale",
        "FullyConnectedNet.__init__",
        "initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)",
        "initializers.gaussian(fan_in, fan_out, rng=rng)",
        diagnosis="without std=weight_scale",
    ),
    _mutant(
        "named initialiser called without the generator",
        "FullyConnectedNet.__init__",
        "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
        "getattr(initializers, weight_init)(fan_in, fan_out)",
        diagnosis="without the net's generator",
    ),
    _mutant(
        "named initialiser with the fans swapped",
        "FullyConnectedNet.__init__",
        "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
        "getattr(initializers, weight_init)(fan_out, fan_in, rng=rng).T",
        diagnosis="fans swapped",
    ),
    Mutant(
        "classifiers: weight_init='he' falls back to xavier",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
                "initializers.xavier(fan_in, fan_out, rng=rng) if weight_init == 'he' else "
                "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
            ),
        diagnosis="Xavier's variance",
    ),
    Mutant(
        "classifiers: normalization parameters on the last layer too",
        "classifiers.FullyConnectedNet.__init__",
        (
            drop("if i == self.num_layers:\n    break"),
            replace("activation == 'prelu'", "activation == 'prelu' and i < self.num_layers"),
        ),
        diagnosis="no normalisation",
    ),
    _mutant("L2 loss without the 0.5", "FullyConnectedNet.loss", "0.5 * self.reg", "self.reg",
        diagnosis="without the 0.5"),
    _mutant("L2 gradient 2 * reg * W", "FullyConnectedNet.loss",
        "self.reg * w", "2 * self.reg * w",
        diagnosis="2 * reg * W"),
    _mutant("biases regularized too", "FullyConnectedNet.loss",
        "grads[f'W{i}'] += self.reg * w", r"""
                grads[f'W{i}'] += self.reg * w
                b = self.params[f'b{i}']
                loss += 0.5 * self.reg * float(np.vdot(b, b))
                grads[f'b{i}'] += self.reg * b
            """,
        diagnosis="biases are regularised"),
    Mutant(
        "classifiers: dropout before the activation",
        "classifiers.FullyConnectedNet.loss",
        (
            drop(_ACT_FORWARD),
            replace(_DROPOUT_FORWARD, _DROPOUT_FORWARD + _ACT_FORWARD),
        ),
        diagnosis="dropout comes before the activation",
    ),
    Mutant(
        "classifiers: normalization after the activation",
        "classifiers.FullyConnectedNet.loss",
        (drop(_ACT_FORWARD), replace("norm_cache = None", _ACT_FORWARD + "norm_cache = None")),
        diagnosis="normalisation comes after the activation",
    ),
    Mutant(
        "classifiers: dgamma left out of grads",
        "classifiers.FullyConnectedNet.loss",
        replace(
                "dout, grads[f'gamma{i}'], grads[f'beta{i}'] = batchnorm_backward(dout, "
                "norm_cache)",
                "dout, _, grads[f'beta{i}'] = batchnorm_backward(dout, norm_cache)",
            ),
        diagnosis="lacks dgamma",
    ),
    Mutant(
        "classifiers: backward through the normalization before the activation",
        "classifiers.FullyConnectedNet.loss",
        (drop(_ACT_BACKWARD), replace(_AFFINE_BACKWARD, _ACT_BACKWARD + _AFFINE_BACKWARD)),
        diagnosis="in reverse order",
    ),
    _mutant("dropout and batchnorm left in train mode for the scores", "FullyConnectedNet.loss",
        "'test' if y is None else 'train'", "'train'",
        diagnosis="train mode"),
    Mutant(
        "classifiers: batchnorm given a fresh parameter dict (no running statistics)",
        "classifiers.FullyConnectedNet.loss",
        replace(
            "batchnorm_forward(out, self.params[f'gamma{i}'], self.params[f'beta{i}'], "
            "self.bn_params[i - 1])",
            "batchnorm_forward(out, self.params[f'gamma{i}'], self.params[f'beta{i}'], "
            "{'mode': mode})",
        ),
        diagnosis="fresh parameter dict",
    ),
    Mutant(
        "classifiers: ReLU applied to the scores",
        "classifiers.FullyConnectedNet.loss",
        replace(_SCORES, _SCORES + "scores = np.maximum(scores, 0)\n"),
        diagnosis="scores go through an activation",
    ),
    _mutant("backward reads the caches off by one layer", "FullyConnectedNet.loss",
        "caches[i - 1]", "caches[i - 2]",
        diagnosis="another layer's cache"),
]

ALTERNATIVES: list[Alternative] = [
    _alternative(
        "default weights through initializers.gaussian",
        "FullyConnectedNet.__init__",
        "weight_scale * rng.standard_normal((fan_in, fan_out))",
        "initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)",
    ),
    _alternative(
        "default weights with rng.normal and parameters made in the net's dtype",
        "FullyConnectedNet.__init__",
        "weight_scale * rng.standard_normal((fan_in, fan_out))",
        "rng.normal(0.0, weight_scale, size=(fan_in, fan_out)).astype(dtype)",
    ),
    _alternative(
        "zero biases made in the net's dtype",
        "FullyConnectedNet.__init__",
        "self.params[f'b{i}'] = np.zeros(fan_out)",
        "self.params[f'b{i}'] = np.zeros(fan_out, dtype=dtype)",
    ),
    _alternative("backward pops the layer caches in reverse", "FullyConnectedNet.loss",
        "caches[i - 1]", "caches.pop()"),
    Alternative(
        "classifiers: layer caches as a list of dicts",
        "classifiers",
        patch(
            "FullyConnectedNet.loss",
            replace(
                "caches.append((fc_cache, norm_cache, act_cache, drop_cache))",
                "caches.append({'affine': fc_cache, 'norm': norm_cache, 'act': act_cache, "
                "'dropout': drop_cache})",
            ),
            replace("fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]", r"""
                layer = caches[i - 1]
                fc_cache, norm_cache = (layer['affine'], layer['norm'])
                act_cache, drop_cache = (layer['act'], layer['dropout'])
            """),
        ),
    ),
    Alternative(
        "classifiers: activation functions looked up by name",
        "classifiers",
        patch(
            "FullyConnectedNet.loss",
            replace(
                "{'relu': relu_forward, 'leaky_relu': leaky_relu_forward, 'elu': "
                "elu_forward, 'sigmoid': sigmoid_forward, 'tanh': "
                "tanh_forward}.get(self.activation)",
                "globals().get(f'{self.activation}_forward')",
            ),
        ),
    ),
    Alternative(
        "classifiers: dropout backward after a fixed activation's backward (they commute)",
        "classifiers",
        patch(
            "FullyConnectedNet.loss",
            replace(_DROPOUT_BACKWARD + _ACT_BACKWARD, r"""
                if self.activation == 'prelu':
                    if self.use_dropout:
                        dout = dropout_backward(dout, drop_cache)
                    dout, grads[f'alpha{i}'] = prelu_backward(dout, act_cache)
                else:
                    assert act_backward is not None
                    dout = act_backward(dout, act_cache)
                    if self.use_dropout:
                        dout = dropout_backward(dout, drop_cache)
            """),
        ),
    ),
    _alternative("L2 term with np.sum(W ** 2) over a list of the weights", "FullyConnectedNet.loss",
        r"""
                for i in range(1, L + 1):
                    w = self.params[f'W{i}']
                    loss += 0.5 * self.reg * float(np.vdot(w, w))
                    grads[f'W{i}'] += self.reg * w
            """, r"""
                weights = [self.params[f'W{i}'] for i in range(1, L + 1)]
                loss += 0.5 * self.reg * sum((np.sum(w ** 2) for w in weights))
                for i, w in enumerate(weights, start=1):
                    grads[f'W{i}'] = grads[f'W{i}'] + self.reg * w
            """),
]
