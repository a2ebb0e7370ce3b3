"""Mutants and correct alternatives of the update rules: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "optim: momentum with the wrong sign (v = momentum * v + lr * dw)",
        "optim.sgd_momentum",
        r"""
            def sgd_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v = mu * v + lr * dw  # bug
                next_w = w + v
                config["velocity"] = v
                return next_w, config
        """,
    ),
    Mutant(
        "optim: momentum does not store the velocity",
        "optim.sgd_momentum",
        r"""
            def sgd_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v = mu * v - lr * dw
                next_w = w + v
                # bug: no `config['velocity'] = v`
                return next_w, config
        """,
    ),
    Mutant(
        "optim: momentum steps along the gradient, not the velocity",
        "optim.sgd_momentum",
        r"""
            def sgd_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v = mu * v - lr * dw
                next_w = w - lr * dw  # bug
                config["velocity"] = v
                return next_w, config
        """,
    ),
    Mutant(
        "optim: nesterov as plain momentum",
        "optim.nesterov_momentum",
        r"""
            def nesterov_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v_prev = v
                v = mu * v - lr * dw
                next_w = w + v  # bug
                config["velocity"] = v
                return next_w, config
        """,
    ),
    Mutant(
        "optim: nesterov with the wrong sign on the old velocity",
        "optim.nesterov_momentum",
        r"""
            def nesterov_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v_prev = v
                v = mu * v - lr * dw
                next_w = w + mu * v_prev + (1 + mu) * v  # bug
                config["velocity"] = v
                return next_w, config
        """,
    ),
    Mutant(
        "optim: nesterov keeps the velocity after the update as v_prev",
        "optim.nesterov_momentum",
        r"""
            def nesterov_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v = mu * v - lr * dw  # bug
                v_prev = v
                # bug: no `v = mu * v - lr * dw`
                next_w = w - mu * v_prev + (1 + mu) * v
                config["velocity"] = v
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adagrad replaces the cache instead of accumulating it",
        "optim.adagrad",
        r"""
            def adagrad(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                eps = float(config["epsilon"])
                cache = dw * dw  # bug
                next_w = w - lr * dw / (np.sqrt(cache) + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adagrad divides by the cache, not its square root",
        "optim.adagrad",
        r"""
            def adagrad(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                eps = float(config["epsilon"])
                cache = cache + dw * dw
                next_w = w - lr * dw / (cache + eps)  # bug
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adagrad squares the gradient in the step",
        "optim.adagrad",
        r"""
            def adagrad(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                eps = float(config["epsilon"])
                cache = cache + dw * dw
                next_w = w - lr * dw * dw / (np.sqrt(cache) + eps)  # bug
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Mutant(
        "optim: rmsprop without the decay of the cache",
        "optim.rmsprop",
        r"""
            def rmsprop(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("decay_rate", 0.99)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                decay = float(config["decay_rate"])
                eps = float(config["epsilon"])
                cache = cache + (1 - decay) * (dw * dw)  # bug
                next_w = w - lr * dw / (np.sqrt(cache) + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Mutant(
        "optim: rmsprop without the (1 - decay) factor",
        "optim.rmsprop",
        r"""
            def rmsprop(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("decay_rate", 0.99)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                decay = float(config["decay_rate"])
                eps = float(config["epsilon"])
                cache = decay * cache + dw * dw  # bug
                next_w = w - lr * dw / (np.sqrt(cache) + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Mutant(
        "optim: rmsprop with decay and 1 - decay swapped",
        "optim.rmsprop",
        r"""
            def rmsprop(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("decay_rate", 0.99)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                decay = float(config["decay_rate"])
                eps = float(config["epsilon"])
                cache = (1 - decay) * cache + decay * (dw * dw)  # bug
                next_w = w - lr * dw / (np.sqrt(cache) + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adam without bias correction",
        "optim.adam",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m  # bug
                v_hat = v  # bug
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adam increments t after the correction",
        "optim.adam",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                # bug: no `t = t + 1`
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
                t = t + 1  # bug
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adam steps with m instead of m_hat",
        "optim.adam",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m / (np.sqrt(v_hat) + eps)  # bug
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adam divides by sqrt(v) instead of sqrt(v_hat)",
        "optim.adam",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m_hat / (np.sqrt(v) + eps)  # bug
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adam does not store t",
        "optim.adam",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
                config["m"], config["v"] = (m, v)  # bug
                return next_w, config
        """,
    ),
    Mutant(
        "optim: adam with beta1 and beta2 swapped in the first moment",
        "optim.adam",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta2 * m + (1 - beta2) * dw  # bug
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "optim: momentum returns a new config dict",
        "optim",
        r"""
            def sgd_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v = mu * v - lr * dw
                next_w = w + v
                config = {**config, "velocity": v}
                return next_w, config
        """,
    ),
    Alternative(
        "optim: momentum with in-place velocity arithmetic and an extra config key",
        "optim",
        r"""
            def sgd_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v = v * mu
                v -= lr * dw
                next_w = w.copy()
                next_w += v
                config["velocity"] = v
                config["steps_taken"] = config.get("steps_taken", 0) + 1
                return next_w, config
        """,
    ),
    Alternative(
        "optim: nesterov as w + momentum * v_new - lr * dw",
        "optim",
        r"""
            def nesterov_momentum(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("momentum", 0.9)
                v = config.get("velocity")
                if v is None:
                    v = np.zeros_like(w)
                lr = float(config["learning_rate"])
                mu = float(config["momentum"])
                v_prev = v
                v = mu * v - lr * dw
                next_w = w + mu * v - lr * dw
                config["velocity"] = v
                return next_w, config
        """,
    ),
    Alternative(
        "optim: adagrad accumulating into the config's cache in place",
        "optim",
        r"""
            def adagrad(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                eps = float(config["epsilon"])
                cache += np.square(dw)
                next_w = w - lr * dw / (np.sqrt(cache) + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Alternative(
        "optim: rmsprop with a new config dict holding an extra key",
        "optim",
        r"""
            def rmsprop(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("decay_rate", 0.99)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                decay = float(config["decay_rate"])
                eps = float(config["epsilon"])
                cache = decay * cache + (1 - decay) * dw**2
                step = lr * dw / (np.sqrt(cache) + eps)
                next_w = w - step
                config = dict(config, cache=cache, last_step=step)
                return next_w, config
        """,
    ),
    Alternative(
        "optim: adam in the paper's efficient form (bias corrections folded into the step)",
        "optim",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
                next_w = w - lr_t * m / (np.sqrt(v) + eps)
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
    Alternative(
        "optim: adam returns a new config dict with extra keys",
        "optim",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
                config = dict(config, m=m, v=v, t=t, m_hat=m_hat, v_hat=v_hat)
                return next_w, config
        """,
    ),
    Alternative(
        "optim: adagrad with epsilon inside the square root",
        "optim",
        r"""
            def adagrad(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                eps = float(config["epsilon"])
                cache = cache + dw * dw
                next_w = w - lr * dw / np.sqrt(cache + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Alternative(
        "optim: rmsprop with epsilon inside the square root",
        "optim",
        r"""
            def rmsprop(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.01)
                config.setdefault("decay_rate", 0.99)
                config.setdefault("epsilon", 1e-08)
                cache = config.get("cache")
                if cache is None:
                    cache = np.zeros_like(w)
                lr = float(config["learning_rate"])
                decay = float(config["decay_rate"])
                eps = float(config["epsilon"])
                cache = decay * cache + (1 - decay) * (dw * dw)
                next_w = w - lr * dw / np.sqrt(cache + eps)
                config["cache"] = cache
                return next_w, config
        """,
    ),
    Alternative(
        "optim: adam with epsilon inside the square root",
        "optim",
        r"""
            def adam(w, dw, config=None):
                if config is None:
                    config = {}
                config.setdefault("learning_rate", 0.001)
                config.setdefault("beta1", 0.9)
                config.setdefault("beta2", 0.999)
                config.setdefault("epsilon", 1e-08)
                m = config.get("m")
                if m is None:
                    m = np.zeros_like(w)
                v = config.get("v")
                if v is None:
                    v = np.zeros_like(w)
                t = int(config.get("t", 0))
                lr = float(config["learning_rate"])
                beta1 = float(config["beta1"])
                beta2 = float(config["beta2"])
                eps = float(config["epsilon"])
                t = t + 1
                m = beta1 * m + (1 - beta1) * dw
                v = beta2 * v + (1 - beta2) * (dw * dw)
                m_hat = m / (1 - beta1**t)
                v_hat = v / (1 - beta2**t)
                next_w = w - lr * m_hat / np.sqrt(v_hat + eps)
                config["m"], config["v"], config["t"] = (m, v, t)
                return next_w, config
        """,
    ),
]
