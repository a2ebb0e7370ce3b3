"""Dropout written to CS231n's conventions (p is the probability of KEEPING a unit, as
the docstring says), and forward/backward pairs that disagree with each other."""

from autograder.mutation import Alternative, Mutant

# How CS231n's dropout_forward opens: np.random seeded when a seed is given, then the
# training branch (the entries go on from there, indented by 8).
_SEEDED = r"""
def dropout_forward(x, dropout_param):
    p = dropout_param['p']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    if dropout_param['mode'] == 'train':"""

CORRECT: list[Alternative] = [
    Alternative("conventions: dropout with np.random.seed and a scaled mask", "layers", r"""
def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    out = None
    if mode == 'train':
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == 'test':
        out = x
    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    mode = dropout_param['mode']
    dx = None
    if mode == 'train':
        dx = dout * mask
    elif mode == 'test':
        dx = dout
    return dx
"""),
    Alternative("conventions: dropout with a boolean mask, divided by p in both passes",
                "layers", r"""
def dropout_forward(x, dropout_param):
    p, mode = dropout_param['p'], dropout_param['mode']
    if 'seed' in dropout_param:
        np.random.seed(dropout_param['seed'])
    mask = None
    if mode == 'train':
        mask = np.random.rand(*x.shape) < p
        out = x * mask / p
    else:
        out = x
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param['mode'] == 'train':
        return dout * mask / dropout_param['p']
    return dout
"""),
    Alternative("conventions: dropout from np.random.binomial with a RandomState", "layers", r"""
def dropout_forward(x, dropout_param):
    p = dropout_param['p']
    rs = np.random.RandomState(dropout_param.get('seed'))
    if dropout_param['mode'] == 'train':
        mask = rs.binomial(1, p, size=x.shape) / p
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)
"""),
    Alternative("conventions: dropout keeping np.where indices and the cache order swapped",
                "layers", r"""
def dropout_forward(x, dropout_param):
    p = dropout_param['p']
    rng = np.random.default_rng(dropout_param.get('seed'))
    keep = None
    out = x
    if dropout_param['mode'] == 'train':
        keep = rng.random(x.shape) < p
        out = np.where(keep, x / p, 0.0)
    return out, (keep, dropout_param)


def dropout_backward(dout, cache):
    keep, dropout_param = cache
    if dropout_param['mode'] == 'test':
        return dout
    return np.where(keep, dout / dropout_param['p'], 0.0)
"""),
    Alternative("conventions: dropout with a float32 mask of 1 / p", "layers", r"""
def dropout_forward(x, dropout_param):
    p = dropout_param['p']
    if dropout_param['mode'] != 'train':
        return x, (dropout_param, None)
    rng = np.random.default_rng(dropout_param.get('seed'))
    mask = (rng.random(x.shape) < p).astype(np.float32) / np.float32(p)
    return x * mask, (dropout_param, mask)
"""),
]

WRONG: list[Mutant] = [
    Mutant("conventions: dropout keeps a unit when rand > p (p read as the drop rate)",
           "layers.dropout_forward", _SEEDED + r"""
        mask = (np.random.rand(*x.shape) > p) / p
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)
""", diagnosis="probability of keeping"),
    Mutant("conventions: vanilla dropout, scaled by p at test time",
           "layers.dropout_forward", _SEEDED + r"""
        mask = np.random.rand(*x.shape) < p
        return x * mask, (dropout_param, mask)
    return x * p, (dropout_param, None)
""", diagnosis="vanilla dropout"),
    Mutant("conventions: dropout seeds the generator with a constant",
           "layers.dropout_forward", r"""
def dropout_forward(x, dropout_param):
    p = dropout_param['p']
    np.random.seed(dropout_param.get('seed', 0))
    if dropout_param['mode'] == 'train':
        mask = (np.random.rand(*x.shape) < p) / p
        return x * mask, (dropout_param, mask)
    return x, (dropout_param, None)
""", diagnosis="fresh mask"),
    Mutant("conventions: boolean dropout mask, backward forgets to divide by p",
           "layers.dropout_backward", _SEEDED + r"""
        mask = np.random.rand(*x.shape) < p
        return x * mask / p, (dropout_param, mask)
    return x, (dropout_param, None)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    if dropout_param['mode'] == 'train':
        return dout * mask
    return dout
""", diagnosis="misses the 1/p"),
    Mutant("conventions: dropout backward applies the mask in test mode too",
           "layers.dropout_backward", r"""
def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask
""", diagnosis="in test mode the gradient is dout"),
    # Right only with the reference's cache: the pair disagrees with itself.
    Mutant("conventions: affine forward caches x flattened, backward reshapes dx to it",
           "layers.affine_backward", r"""
def affine_forward(x, w, b):
    x_row = x.reshape(x.shape[0], -1)
    out = x_row.dot(w) + b
    cache = (x_row, w, b)
    return out, cache


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db
""", diagnosis="shape of x"),
    Mutant("conventions: sigmoid forward caches x, backward reads the cache as the output",
           "layers.sigmoid_backward", r"""
def sigmoid_forward(x):
    out = np.empty_like(x, dtype=np.float64 if x.dtype != np.float32 else np.float32)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out, x


def sigmoid_backward(dout, cache):
    out = cache
    return dout * out * (1 - out)
"""),
]
