"""Mutants and correct alternatives of the fully connected net."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace

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

MUTANTS: list[Mutant] = [
    Mutant(
        "classifiers: biases drawn at random instead of zeros",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "self.params[f'b{i}'] = np.zeros(fan_out)",
                "self.params[f'b{i}'] = weight_scale * rng.standard_normal(fan_out)",
            ),
    ),
    Mutant(
        "classifiers: gamma starts at zero",
        "classifiers.FullyConnectedNet.__init__",
        replace("np.ones", "np.zeros"),
    ),
    Mutant(
        "classifiers: PReLU slopes start at zero",
        "classifiers.FullyConnectedNet.__init__",
        replace("np.full(fan_out, PRELU_INIT)", "np.zeros(fan_out)"),
    ),
    Mutant(
        "classifiers: default weights ignore weight_scale",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "weight_scale * rng.standard_normal((fan_in, fan_out))",
                "rng.standard_normal((fan_in, fan_out))",
            ),
    ),
    Mutant(
        "classifiers: default weights drawn from the global np.random (seed ignored)",
        "classifiers.FullyConnectedNet.__init__",
        replace("rng.standard_normal((fan_in, fan_out))", "np.random.randn(fan_in, fan_out)"),
    ),
    Mutant(
        "classifiers: gaussian initialiser without std=weight_scale",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)",
                "initializers.gaussian(fan_in, fan_out, rng=rng)",
            ),
    ),
    Mutant(
        "classifiers: named initialiser called without the generator",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
                "getattr(initializers, weight_init)(fan_in, fan_out)",
            ),
    ),
    Mutant(
        "classifiers: named initialiser with the fans swapped",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
                "getattr(initializers, weight_init)(fan_out, fan_in, rng=rng).T",
            ),
    ),
    Mutant(
        "classifiers: weight_init='he' falls back to xavier",
        "classifiers.FullyConnectedNet.__init__",
        replace(
                "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
                "initializers.xavier(fan_in, fan_out, rng=rng) if weight_init == 'he' else "
                "getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)",
            ),
    ),
    Mutant(
        "classifiers: normalization parameters on the last layer too",
        "classifiers.FullyConnectedNet.__init__",
        (
            drop("if i == self.num_layers:\n    break"),
            replace("activation == 'prelu'", "activation == 'prelu' and i < self.num_layers"),
        ),
    ),
    Mutant(
        "classifiers: L2 loss without the 0.5",
        "classifiers.FullyConnectedNet.loss",
        replace("0.5 * self.reg", "self.reg"),
    ),
    Mutant(
        "classifiers: L2 gradient 2 * reg * W",
        "classifiers.FullyConnectedNet.loss",
        replace("self.reg * w", "2 * self.reg * w"),
    ),
    Mutant(
        "classifiers: biases regularized too",
        "classifiers.FullyConnectedNet.loss",
        replace("grads[f'W{i}'] += self.reg * w", r"""
                grads[f'W{i}'] += self.reg * w
                b = self.params[f'b{i}']
                loss += 0.5 * self.reg * float(np.vdot(b, b))
                grads[f'b{i}'] += self.reg * b
            """),
    ),
    Mutant(
        "classifiers: dropout before the activation",
        "classifiers.FullyConnectedNet.loss",
        (
            drop(_ACT_FORWARD),
            replace(_DROPOUT_FORWARD, _DROPOUT_FORWARD + _ACT_FORWARD),
        ),
    ),
    Mutant(
        "classifiers: normalization after the activation",
        "classifiers.FullyConnectedNet.loss",
        (drop(_ACT_FORWARD), replace("norm_cache = None", _ACT_FORWARD + "norm_cache = None")),
    ),
    Mutant(
        "classifiers: dgamma left out of grads",
        "classifiers.FullyConnectedNet.loss",
        replace(
                "dout, grads[f'gamma{i}'], grads[f'beta{i}'] = batchnorm_backward(dout, "
                "norm_cache)",
                "dout, _, grads[f'beta{i}'] = batchnorm_backward(dout, norm_cache)",
            ),
    ),
    Mutant(
        "classifiers: backward through the normalization before the activation",
        "classifiers.FullyConnectedNet.loss",
        (drop(_ACT_BACKWARD), replace(_AFFINE_BACKWARD, _ACT_BACKWARD + _AFFINE_BACKWARD)),
    ),
    Mutant(
        "classifiers: dropout and batchnorm left in train mode for the scores",
        "classifiers.FullyConnectedNet.loss",
        replace("'test' if y is None else 'train'", "'train'"),
    ),
    Mutant(
        "classifiers: batchnorm given a fresh parameter dict (no running statistics)",
        "classifiers.FullyConnectedNet.loss",
        replace(
            "batchnorm_forward(out, self.params[f'gamma{i}'], self.params[f'beta{i}'], "
            "self.bn_params[i - 1])",
            "batchnorm_forward(out, self.params[f'gamma{i}'], self.params[f'beta{i}'], "
            "{'mode': mode})",
        ),
    ),
    Mutant(
        "classifiers: ReLU applied to the scores",
        "classifiers.FullyConnectedNet.loss",
        replace(_SCORES, _SCORES + "scores = np.maximum(scores, 0)\n"),
    ),
    Mutant(
        "classifiers: backward reads the caches off by one layer",
        "classifiers.FullyConnectedNet.loss",
        replace("caches[i - 1]", "caches[i - 2]"),
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "classifiers: default weights through initializers.gaussian",
        "classifiers",
        patch(
            "FullyConnectedNet.__init__",
            replace(
                "weight_scale * rng.standard_normal((fan_in, fan_out))",
                "initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)",
            ),
        ),
    ),
    Alternative(
        "classifiers: default weights with rng.normal and parameters made in the net's dtype",
        "classifiers",
        patch(
            "FullyConnectedNet.__init__",
            replace(
                "weight_scale * rng.standard_normal((fan_in, fan_out))",
                "rng.normal(0.0, weight_scale, size=(fan_in, fan_out)).astype(dtype)",
            ),
        ),
    ),
    Alternative(
        "classifiers: zero biases made in the net's dtype",
        "classifiers",
        patch(
            "FullyConnectedNet.__init__",
            replace(
                "self.params[f'b{i}'] = np.zeros(fan_out)",
                "self.params[f'b{i}'] = np.zeros(fan_out, dtype=dtype)",
            ),
        ),
    ),
    Alternative(
        "classifiers: backward pops the layer caches in reverse",
        "classifiers",
        patch("FullyConnectedNet.loss", replace("caches[i - 1]", "caches.pop()")),
    ),
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
    Alternative(
        "classifiers: L2 term with np.sum(W ** 2) over a list of the weights",
        "classifiers",
        patch(
            "FullyConnectedNet.loss",
            replace(r"""
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
        ),
    ),
]
