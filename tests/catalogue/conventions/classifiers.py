"""FullyConnectedNet written to CS231n's conventions: a constructor without this
course's ``activation`` and ``weight_init`` arguments, ``'W%d' % i`` names, and loss
passes that loop over the layers."""

from autograder.mutation import Alternative, Mutant, patch, replace

# CS231n's constructor (recent years). It draws the weights from np.random, not
# from the seed; ``seeded`` makes it seed np.random first, as some students do.
_CS231N_INIT = r"""
def _cs231n_init(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0, weight_scale=1e-2,
                 dtype=np.float32, seed=None):
    self.normalization = normalization
    self.use_dropout = dropout_keep_ratio != 1
    self.reg = reg
    self.num_layers = 1 + len(hidden_dims)
    self.dtype = dtype
    self.params = {}
    SEEDING
    dims = [input_dim] + list(hidden_dims) + [num_classes]
    for i in range(self.num_layers):
        self.params['W%d' % (i + 1)] = weight_scale * np.random.randn(dims[i], dims[i + 1])
        self.params['b%d' % (i + 1)] = np.zeros(dims[i + 1])
        if self.normalization is not None and i < self.num_layers - 1:
            self.params['gamma%d' % (i + 1)] = np.ones(dims[i + 1])
            self.params['beta%d' % (i + 1)] = np.zeros(dims[i + 1])
    self.dropout_param = {}
    if self.use_dropout:
        self.dropout_param = {'mode': 'train', 'p': dropout_keep_ratio}
        if seed is not None:
            self.dropout_param['seed'] = seed
    self.bn_params = []
    if self.normalization == 'batchnorm':
        self.bn_params = [{'mode': 'train'} for i in range(self.num_layers - 1)]
    if self.normalization == 'layernorm':
        self.bn_params = [{} for i in range(self.num_layers - 1)]
    for k, v in self.params.items():
        self.params[k] = v.astype(dtype)


FullyConnectedNet.__init__ = _cs231n_init
"""

# The reference's L2 term, which the loss entries below rewrite.
_L2 = r"""
            w = self.params[f"W{i}"]
            loss += 0.5 * self.reg * float(np.vdot(w, w))
            grads[f"W{i}"] += self.reg * w
"""

# Constructors that lack this course's arguments: graded with their defaults, they lose
# exactly the parts that need those arguments (the tests find which from the class).
DEFAULTS_ONLY: list[Mutant] = [
    Mutant("conventions: CS231n's constructor, weights from np.random",
           "classifiers.FullyConnectedNet.__init__", _CS231N_INIT.replace("SEEDING", "pass")),
    Mutant("conventions: CS231n's constructor seeding np.random with the seed",
           "classifiers.FullyConnectedNet.__init__",
           _CS231N_INIT.replace("SEEDING", "np.random.seed(seed)")),
]

CORRECT: list[Alternative] = [
    Alternative("conventions: net loss with 'W%d' % i names and np.sum for the L2 term",
                "classifiers", patch("FullyConnectedNet.loss", replace(_L2, r"""
            w = self.params['W%d' % i]
            loss += 0.5 * self.reg * np.sum(w * w)
            grads['W%d' % i] = grads['W%d' % i] + self.reg * w
"""))),
    Alternative("conventions: net loss adding the L2 term before the backward pass",
                "classifiers", patch(
                    "FullyConnectedNet.loss",
                    replace("loss, dout = softmax_loss(scores, y)", r"""
        loss, dout = softmax_loss(scores, y)
        for k in range(1, L + 1):
            loss += 0.5 * self.reg * np.sum(self.params['W%d' % k] ** 2)
"""),
                    replace(_L2, r"""
            grads['W%d' % i] += self.reg * self.params['W%d' % i]
"""))),
]

WRONG: list[Mutant] = [
    Mutant("conventions: net loss with reg * sum(W ** 2) but the gradient reg * W",
           "classifiers.FullyConnectedNet.loss", replace(_L2, r"""
            w = self.params['W%d' % i]
            loss += self.reg * np.sum(w ** 2)
            grads['W%d' % i] += self.reg * w
"""), diagnosis="without the 0.5"),
    Mutant("conventions: net loss forgets the L2 gradient",
           "classifiers.FullyConnectedNet.loss", replace(_L2, r"""
            loss += 0.5 * self.reg * np.sum(self.params['W%d' % i] ** 2)
"""), diagnosis="the L2 gradient is off"),
    Mutant("conventions: net loss regularizes the biases too",
           "classifiers.FullyConnectedNet.loss", replace(_L2, r"""
            for name in ('W%d' % i, 'b%d' % i):
                loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)
                grads[name] += self.reg * self.params[name]
"""), diagnosis="biases are regularised"),
]
