"""Update rules written to CS231n's conventions: ``config.setdefault``, state read with
``config.get``, weights updated in place and returned, older ``x, dx, next_x`` names."""

import textwrap

from autograder.mutation import Alternative, Mutant

# The defaults each rule's docstring gives, filled in with config.setdefault as CS231n's
# code does (the oracle of tests/grader/test_conventions.py expects them too).
DEFAULTS = {
    "sgd_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "nesterov_momentum": {"learning_rate": 1e-2, "momentum": 0.9},
    "adagrad": {"learning_rate": 1e-2, "epsilon": 1e-8},
    "rmsprop": {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8},
    "adam": {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
}


def _cs231n(rule: str, body: str) -> str:
    """A student's update rule: CS231n's opening (the defaults filled in with
    config.setdefault), then ``body``."""
    lines = [f"def {rule}(w, dw, config=None):", "    if config is None:", "        config = {}"]
    lines += [f"    config.setdefault({k!r}, {v!r})" for k, v in DEFAULTS[rule].items()]
    return "\n".join(lines) + "\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")


# Adam as CS231n's students write it, updating w in place.
_ADAM_IN_PLACE = r"""
config.setdefault('m', np.zeros_like(w))
config.setdefault('v', np.zeros_like(w))
config.setdefault('t', 0)
config['t'] += 1
b1, b2 = config['beta1'], config['beta2']
config['m'] = b1 * config['m'] + (1 - b1) * dw
config['v'] = b2 * config['v'] + (1 - b2) * (dw ** 2)
mt = config['m'] / (1 - b1 ** config['t'])
vt = config['v'] / (1 - b2 ** config['t'])
w -= config['learning_rate'] * mt / (np.sqrt(vt) + config['epsilon'])
return w, config
"""

CORRECT: list[Alternative] = [
    Alternative("conventions: momentum updates w in place and returns it", "optim",
        _cs231n("sgd_momentum", r"""
v = config.get('velocity', np.zeros_like(w))
v = config['momentum'] * v - config['learning_rate'] * dw
w += v
config['velocity'] = v
return w, config
""")),
    Alternative("conventions: momentum with the velocity updated in place", "optim",
        _cs231n("sgd_momentum", r"""
v = config.setdefault('velocity', np.zeros_like(w))
v *= config['momentum']
v -= config['learning_rate'] * dw
next_w = w + v
return next_w, config
""")),
    Alternative("conventions: momentum with np.add(w, v, out=w)", "optim", r"""
def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    lr = config.setdefault('learning_rate', 1e-2)
    mu = config.setdefault('momentum', 0.9)
    config['velocity'] = mu * config.get('velocity', np.zeros_like(w)) - lr * dw
    np.add(w, config['velocity'], out=w)
    return w, config
"""),
    Alternative("conventions: nesterov in place in the look-ahead form", "optim",
        _cs231n("nesterov_momentum", r"""
mu, lr = config['momentum'], config['learning_rate']
v_prev = config.get('velocity', np.zeros_like(w))
v = mu * v_prev - lr * dw
w += -mu * v_prev + (1 + mu) * v
config['velocity'] = v
return w, config
""")),
    Alternative("conventions: adagrad accumulating into config['cache'] and w in place", "optim",
                _cs231n("adagrad", r"""
config.setdefault('cache', np.zeros_like(w))
config['cache'] += dw ** 2
w -= config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
return w, config
""")),
    Alternative("conventions: rmsprop with next_w = w, then next_w -= step", "optim",
        _cs231n("rmsprop", r"""
config.setdefault('cache', np.zeros_like(w))
dr = config['decay_rate']
config['cache'] = dr * config['cache'] + (1 - dr) * dw ** 2
next_w = w
next_w -= config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
return next_w, config
""")),
    Alternative("conventions: adam with config['t'] += 1 first and w in place", "optim",
        _cs231n("adam", _ADAM_IN_PLACE)),
    Alternative("conventions: adam with the older x, dx and next_x names", "optim", r"""
def adam(x, dx, config=None):
    if config is None:
        config = {}
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    m = config.get('m', np.zeros_like(x))
    v = config.get('v', np.zeros_like(x))
    t = config.get('t', 0) + 1
    m = config['beta1'] * m + (1 - config['beta1']) * dx
    v = config['beta2'] * v + (1 - config['beta2']) * dx * dx
    m_hat = m / (1 - config['beta1'] ** t)
    v_hat = v / (1 - config['beta2'] ** t)
    next_x = x - config['learning_rate'] * m_hat / (np.sqrt(v_hat) + config['epsilon'])
    config['m'], config['v'], config['t'] = m, v, t
    return next_x, config
"""),
]

WRONG: list[Mutant] = [
    Mutant("conventions: momentum scales dw in place (the caller's gradient)",
           "optim.sgd_momentum",
        _cs231n("sgd_momentum", r"""
v = config.get('velocity', np.zeros_like(w))
dw *= config['learning_rate']
v = config['momentum'] * v - dw
config['velocity'] = v
return w + v, config
""")),
    Mutant("conventions: momentum in place that steps twice", "optim.sgd_momentum",
        _cs231n("sgd_momentum", r"""
v = config['momentum'] * config.get('velocity', np.zeros_like(w)) - config['learning_rate'] * dw
w += v
next_w = w + v
config['velocity'] = v
return next_w, config
""")),
    Mutant("conventions: nesterov as plain momentum, in place", "optim.nesterov_momentum",
        _cs231n("nesterov_momentum", r"""
v = config['momentum'] * config.get('velocity', np.zeros_like(w)) - config['learning_rate'] * dw
w += v
config['velocity'] = v
return w, config
"""), diagnosis="plain momentum"),
    Mutant("conventions: rmsprop divides dw in place (the caller's gradient)",
           "optim.rmsprop",
        _cs231n("rmsprop", r"""
cache = config.get('cache', np.zeros_like(w))
cache = config['decay_rate'] * cache + (1 - config['decay_rate']) * dw ** 2
dw /= np.sqrt(cache) + config['epsilon']
config['cache'] = cache
return w - config['learning_rate'] * dw, config
""")),
    Mutant("conventions: rmsprop keeps a copy of w before the in-place step and returns it",
           "optim.rmsprop",
        _cs231n("rmsprop", r"""
config.setdefault('cache', np.zeros_like(w))
config['cache'] = config['decay_rate'] * config['cache'] + (1 - config['decay_rate']) * dw ** 2
next_w = w.copy()
w -= config['learning_rate'] * dw / (np.sqrt(config['cache']) + config['epsilon'])
return next_w, config
""")),
    Mutant("conventions: adam in place without bias correction", "optim.adam",
        _cs231n("adam", _ADAM_IN_PLACE.replace(
            "mt / (np.sqrt(vt)", "config['m'] / (np.sqrt(config['v'])")),
           diagnosis="no bias correction"),
    Mutant("conventions: adam in place that increments t after the step", "optim.adam",
        _cs231n("adam", r"""
config.setdefault('m', np.zeros_like(w))
config.setdefault('v', np.zeros_like(w))
config.setdefault('t', 1)
b1, b2, t = config['beta1'], config['beta2'], config['t']
config['m'] = b1 * config['m'] + (1 - b1) * dw
config['v'] = b2 * config['v'] + (1 - b2) * dw ** 2
mt = config['m'] / (1 - b1 ** t)
vt = config['v'] / (1 - b2 ** t)
w -= config['learning_rate'] * mt / (np.sqrt(vt) + config['epsilon'])
config['t'] = t + 1
return w, config
""")),
]
