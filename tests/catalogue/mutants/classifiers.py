"""Mutants and correct alternatives of the fully connected net."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace

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
        r"""
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
                    if weight_init is None:
                        w = weight_scale * rng.standard_normal((fan_in, fan_out))
                    elif weight_init == "gaussian":
                        w = initializers.gaussian(fan_in, fan_out, std=weight_scale, rng=rng)
                    else:
                        w = getattr(initializers, weight_init)(fan_in, fan_out, rng=rng)
                    self.params[f"W{i}"] = w
                    self.params[f"b{i}"] = np.zeros(fan_out)
                    if normalization is not None:
                        self.params[f"gamma{i}"] = np.ones(fan_out)
                        self.params[f"beta{i}"] = np.zeros(fan_out)
                    if i == self.num_layers:
                        break
                    if activation == "prelu":
                        self.params[f"alpha{i}"] = np.full(fan_out, PRELU_INIT)
                for name, value in self.params.items():
                    self.params[name] = np.asarray(value).astype(dtype, copy=False)


            FullyConnectedNet.__init__ = _init
        """,
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
            drop(r"""
                if self.activation == 'prelu':
                    out, act_cache = prelu_forward(out, self.params[f'alpha{i}'])
                else:
                    out, act_cache = act_forward(out)
            """),
            replace(r"""
                if self.use_dropout:
                    out, drop_cache = dropout_forward(out, self.dropout_param)
            """, r"""
                if self.use_dropout:
                    out, drop_cache = dropout_forward(out, self.dropout_param)
                if self.activation == 'prelu':
                    out, act_cache = prelu_forward(out, self.params[f'alpha{i}'])
                else:
                    out, act_cache = act_forward(out)
            """),
        ),
    ),
    Mutant(
        "classifiers: normalization after the activation",
        "classifiers.FullyConnectedNet.loss",
        r"""
            def _loss(self, X, y=None):
                X = X.astype(self.dtype, copy=False)
                mode = "test" if y is None else "train"
                if self.use_dropout:
                    self.dropout_param["mode"] = mode
                if self.normalization == "batchnorm":
                    for bn_param in self.bn_params:
                        bn_param["mode"] = mode
                act_forward = {
                    "relu": relu_forward,
                    "leaky_relu": leaky_relu_forward,
                    "elu": elu_forward,
                    "sigmoid": sigmoid_forward,
                    "tanh": tanh_forward,
                }.get(self.activation)
                L = self.num_layers
                caches = []
                out = X
                for i in range(1, L):
                    out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
                    if self.activation == "prelu":
                        out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])
                    else:
                        out, act_cache = act_forward(out)
                    norm_cache = None
                    gamma, beta = self.params.get(f"gamma{i}"), self.params.get(f"beta{i}")
                    if self.normalization == "batchnorm":
                        out, norm_cache = batchnorm_forward(out, gamma, beta, self.bn_params[i - 1])
                    elif self.normalization == "layernorm":
                        out, norm_cache = layernorm_forward(out, gamma, beta, self.bn_params[i - 1])
                    drop_cache = None
                    if self.use_dropout:
                        out, drop_cache = dropout_forward(out, self.dropout_param)
                    caches.append((fc_cache, norm_cache, act_cache, drop_cache))
                scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
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
                    fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]
                    if self.use_dropout:
                        dout = dropout_backward(dout, drop_cache)
                    if self.activation == "prelu":
                        dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)
                    else:
                        dout = act_backward(dout, act_cache)
                    if self.normalization == "batchnorm":
                        dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)
                    elif self.normalization == "layernorm":
                        dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
                    dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
                for i in range(1, L + 1):
                    w = self.params[f"W{i}"]
                    loss += 0.5 * self.reg * float(np.vdot(w, w))
                    grads[f"W{i}"] += self.reg * w
                return loss, grads


            FullyConnectedNet.loss = _loss
        """,
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
        r"""
            def _loss(self, X, y=None):
                X = X.astype(self.dtype, copy=False)
                mode = "test" if y is None else "train"
                if self.use_dropout:
                    self.dropout_param["mode"] = mode
                if self.normalization == "batchnorm":
                    for bn_param in self.bn_params:
                        bn_param["mode"] = mode
                act_forward = {
                    "relu": relu_forward,
                    "leaky_relu": leaky_relu_forward,
                    "elu": elu_forward,
                    "sigmoid": sigmoid_forward,
                    "tanh": tanh_forward,
                }.get(self.activation)
                L = self.num_layers
                caches = []
                out = X
                for i in range(1, L):
                    out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
                    norm_cache = None
                    gamma, beta = self.params.get(f"gamma{i}"), self.params.get(f"beta{i}")
                    if self.normalization == "batchnorm":
                        out, norm_cache = batchnorm_forward(out, gamma, beta, self.bn_params[i - 1])
                    elif self.normalization == "layernorm":
                        out, norm_cache = layernorm_forward(out, gamma, beta, self.bn_params[i - 1])
                    if self.activation == "prelu":
                        out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])
                    else:
                        out, act_cache = act_forward(out)
                    drop_cache = None
                    if self.use_dropout:
                        out, drop_cache = dropout_forward(out, self.dropout_param)
                    caches.append((fc_cache, norm_cache, act_cache, drop_cache))
                scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
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
                    fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]
                    if self.use_dropout:
                        dout = dropout_backward(dout, drop_cache)
                    if self.normalization == "batchnorm":
                        dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)
                    elif self.normalization == "layernorm":
                        dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
                    if self.activation == "prelu":
                        dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)
                    else:
                        dout = act_backward(dout, act_cache)
                    dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
                for i in range(1, L + 1):
                    w = self.params[f"W{i}"]
                    loss += 0.5 * self.reg * float(np.vdot(w, w))
                    grads[f"W{i}"] += self.reg * w
                return loss, grads


            FullyConnectedNet.loss = _loss
        """,
    ),
    Mutant(
        "classifiers: dropout and batchnorm left in train mode for the scores",
        "classifiers.FullyConnectedNet.loss",
        replace("'test' if y is None else 'train'", "'train'"),
    ),
    Mutant(
        "classifiers: batchnorm given a fresh parameter dict (no running statistics)",
        "classifiers.FullyConnectedNet.loss",
        r"""
            def _loss(self, X, y=None):
                X = X.astype(self.dtype, copy=False)
                mode = "test" if y is None else "train"
                if self.use_dropout:
                    self.dropout_param["mode"] = mode
                if self.normalization == "batchnorm":
                    for bn_param in self.bn_params:
                        bn_param["mode"] = mode
                act_forward = {
                    "relu": relu_forward,
                    "leaky_relu": leaky_relu_forward,
                    "elu": elu_forward,
                    "sigmoid": sigmoid_forward,
                    "tanh": tanh_forward,
                }.get(self.activation)
                L = self.num_layers
                caches = []
                out = X
                for i in range(1, L):
                    out, fc_cache = affine_forward(out, self.params[f"W{i}"], self.params[f"b{i}"])
                    norm_cache = None
                    gamma, beta = self.params.get(f"gamma{i}"), self.params.get(f"beta{i}")
                    if self.normalization == "batchnorm":
                        out, norm_cache = batchnorm_forward(out, gamma, beta, {"mode": mode})
                    elif self.normalization == "layernorm":
                        out, norm_cache = layernorm_forward(out, gamma, beta, self.bn_params[i - 1])
                    if self.activation == "prelu":
                        out, act_cache = prelu_forward(out, self.params[f"alpha{i}"])
                    else:
                        out, act_cache = act_forward(out)
                    drop_cache = None
                    if self.use_dropout:
                        out, drop_cache = dropout_forward(out, self.dropout_param)
                    caches.append((fc_cache, norm_cache, act_cache, drop_cache))
                scores, last_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])
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
                    fc_cache, norm_cache, act_cache, drop_cache = caches[i - 1]
                    if self.use_dropout:
                        dout = dropout_backward(dout, drop_cache)
                    if self.activation == "prelu":
                        dout, grads[f"alpha{i}"] = prelu_backward(dout, act_cache)
                    else:
                        dout = act_backward(dout, act_cache)
                    if self.normalization == "batchnorm":
                        dout, grads[f"gamma{i}"], grads[f"beta{i}"] = batchnorm_backward(dout, norm_cache)
                    elif self.normalization == "layernorm":
                        dout, grads[f"gamma{i}"], grads[f"beta{i}"] = layernorm_backward(dout, norm_cache)
                    dout, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dout, fc_cache)
                for i in range(1, L + 1):
                    w = self.params[f"W{i}"]
                    loss += 0.5 * self.reg * float(np.vdot(w, w))
                    grads[f"W{i}"] += self.reg * w
                return loss, grads


            FullyConnectedNet.loss = _loss
        """,
    ),
    Mutant(
        "classifiers: ReLU applied to the scores",
        "classifiers.FullyConnectedNet.loss",
        replace("scores, last_cache = affine_forward(out, self.params[f'W{L}'], self.params[f'b{L}'])", r"""
                scores, last_cache = affine_forward(out, self.params[f'W{L}'], self.params[f'b{L}'])
                scores = np.maximum(scores, 0)
            """),
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
            replace(r"""
                if self.use_dropout:
                    dout = dropout_backward(dout, drop_cache)
                if self.activation == 'prelu':
                    dout, grads[f'alpha{i}'] = prelu_backward(dout, act_cache)
                else:
                    dout = act_backward(dout, act_cache)
            """, r"""
                if self.activation == 'prelu':
                    if self.use_dropout:
                        dout = dropout_backward(dout, drop_cache)
                    dout, grads[f'alpha{i}'] = prelu_backward(dout, act_cache)
                else:
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
