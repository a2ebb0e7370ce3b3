"""Mutants and correct alternatives of the update rules: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("optim")

MUTANTS: list[Mutant] = [
    _mutant("momentum with the wrong sign (v = momentum * v + lr * dw)", "sgd_momentum",
        "mu * v - lr * dw", "mu * v + lr * dw",
        diagnosis="the velocity adds the gradient"),
    Mutant(
        "optim: momentum does not store the velocity",
        "optim.sgd_momentum",
        drop("config['velocity'] = v"),
        diagnosis="velocity is not stored",
    ),
    _mutant("momentum steps along the gradient, not the velocity", "sgd_momentum",
        "w + v", "w - lr * dw",
        diagnosis="follows the gradient"),
    Mutant(
        "optim: nesterov as plain momentum",
        "optim.nesterov_momentum",
        (
            replace("w - mu * v_prev", "w"),
            replace("(1 + mu) * v", "v"),
        ),
        diagnosis="plain momentum",
    ),
    _mutant("nesterov with the wrong sign on the old velocity", "nesterov_momentum",
        "w - mu * v_prev", "w + mu * v_prev",
        diagnosis="wrong sign"),
    Mutant(
        "optim: nesterov keeps the velocity after the update as v_prev",
        "optim.nesterov_momentum",
        (
            drop("v_prev = v"),
            replace("v = mu * v - lr * dw", "v = mu * v - lr * dw\nv_prev = v"),
        ),
        diagnosis="plain momentum",
    ),
    _mutant("adagrad replaces the cache instead of accumulating it", "adagrad",
        "cache + dw * dw", "dw * dw",
        diagnosis="not accumulated"),
    _mutant("adagrad divides by the cache, not its square root", "adagrad",
        "np.sqrt(cache)", "cache",
        diagnosis="square root"),
    _mutant("adagrad squares the gradient in the step", "adagrad", "lr * dw", "lr * dw * dw",
        diagnosis="dw**2 in the numerator"),
    _mutant("rmsprop without the decay of the cache", "rmsprop", "decay * cache", "cache",
        diagnosis="does not decay"),
    Mutant(
        "optim: rmsprop without the (1 - decay) factor",
        "optim.rmsprop",
        (
            replace("1 - decay", "dw"),
            replace("dw * dw", "dw"),
        ),
        diagnosis="without its (1 - decay_rate) factor",
    ),
    _mutant("rmsprop with decay and 1 - decay swapped", "rmsprop",
        "decay * cache + (1 - decay) * (dw * dw)", "(1 - decay) * cache + decay * (dw * dw)",
        diagnosis="swapped"),
    Mutant(
        "optim: adam without bias correction",
        "optim.adam",
        (
            replace("m / (1 - beta1 ** t)", "m"),
            replace("v / (1 - beta2 ** t)", "v"),
        ),
        diagnosis="no bias correction",
    ),
    Mutant(
        "optim: adam increments t after the correction",
        "optim.adam",
        (
            drop("t = t + 1"),
            replace("next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)", r"""
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
                t = t + 1
            """),
        ),
        diagnosis="Increment t before",
    ),
    _mutant("adam steps with m instead of m_hat", "adam", "lr * m_hat", "lr * m",
        diagnosis="uses the corrected m_hat"),
    _mutant("adam divides by sqrt(v) instead of sqrt(v_hat)", "adam",
        "np.sqrt(v_hat)", "np.sqrt(v)",
        diagnosis="uses the corrected v_hat"),
    Mutant(
        "optim: adam does not store t",
        "optim.adam",
        (
            replace("(config['m'], config['v'], config['t'])", "(config['m'], config['v'])"),
            replace("(m, v, t)", "(m, v)"),
        ),
        diagnosis="t is not kept",
    ),
    Mutant(
        "optim: adam with beta1 and beta2 swapped in the first moment",
        "optim.adam",
        (
            replace("beta1 * m", "beta2 * m"),
            replace("1 - beta1", "1 - beta2"),
        ),
        diagnosis="averages with beta2",
    ),
]

ALTERNATIVES: list[Alternative] = [
    _alternative("momentum returns a new config dict", "sgd_momentum",
        "config['velocity'] = v", "config = {**config, 'velocity': v}"),
    Alternative(
        "optim: momentum with in-place velocity arithmetic and an extra config key",
        "optim",
        patch(
            "sgd_momentum",
            replace(r"""
                v = mu * v - lr * dw
                next_w = w + v
            """, r"""
                v = v * mu
                v -= lr * dw
                next_w = w.copy()
                next_w += v
            """),
            replace("config['velocity'] = v", r"""
                config['velocity'] = v
                config['steps_taken'] = config.get('steps_taken', 0) + 1
            """),
        ),
    ),
    _alternative("nesterov as w + momentum * v_new - lr * dw", "nesterov_momentum",
        "w - mu * v_prev + (1 + mu) * v", "w + mu * v - lr * dw"),
    _alternative("adagrad accumulating into the config's cache in place", "adagrad",
        "cache = cache + dw * dw", "cache += np.square(dw)"),
    _alternative("rmsprop with a new config dict holding an extra key", "rmsprop",
        r"""
                cache = decay * cache + (1 - decay) * (dw * dw)
                next_w = w - lr * dw / (np.sqrt(cache) + eps)
                config['cache'] = cache
            """, r"""
                cache = decay * cache + (1 - decay) * dw ** 2
                step = lr * dw / (np.sqrt(cache) + eps)
                next_w = w - step
                config = dict(config, cache=cache, last_step=step)
            """),
    _alternative(
        "adam in the paper's efficient form (bias corrections folded into the step)", "adam",
        r"""
                m_hat = m / (1 - beta1 ** t)
                v_hat = v / (1 - beta2 ** t)
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            """, r"""
                lr_t = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
                next_w = w - lr_t * m / (np.sqrt(v) + eps)
            """
    ),
    Alternative(
        "optim: adam returns a new config dict with extra keys",
        "optim",
        patch(
            "adam",
            replace("(config['m'], config['v'], config['t'])", "config"),
            replace("(m, v, t)", "dict(config, m=m, v=v, t=t, m_hat=m_hat, v_hat=v_hat)"),
        ),
    ),
    _alternative("adagrad with epsilon inside the square root", "adagrad",
        "np.sqrt(cache) + eps", "np.sqrt(cache + eps)"),
    _alternative("rmsprop with epsilon inside the square root", "rmsprop",
        "np.sqrt(cache) + eps", "np.sqrt(cache + eps)"),
    _alternative("adam with epsilon inside the square root", "adam",
        "np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)"),
]
