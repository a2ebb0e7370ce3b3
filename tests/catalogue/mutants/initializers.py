"""Mutants and correct alternatives of weight initialisers: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "initializers: zeros returns ones",
        "initializers.zeros",
        r"""
            def zeros(fan_in, fan_out, rng=None):
                w = np.ones((fan_in, fan_out))  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: zeros with the shape transposed",
        "initializers.zeros",
        r"""
            def zeros(fan_in, fan_out, rng=None):
                w = np.zeros((fan_out, fan_in))  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: gaussian ignores std",
        "initializers.gaussian",
        r"""
            def gaussian(fan_in, fan_out, std=0.01, rng=None):
                rng = np.random.default_rng(rng)
                w = 0.01 * rng.standard_normal((fan_in, fan_out))  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: gaussian draws from the global numpy generator",
        "initializers.gaussian",
        r"""
            def gaussian(fan_in, fan_out, std=0.01, rng=None):
                rng = np.random.default_rng(rng)
                w = std * np.random.randn(fan_in, fan_out)  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: xavier with fan_out",
        "initializers.xavier",
        r"""
            def xavier(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_out)  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: xavier with the averaged fan 2 / (fan_in + fan_out)",
        "initializers.xavier",
        r"""
            def xavier(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(
                    2.0 / (fan_in + fan_out)
                )  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: xavier uniform with the right variance instead of normal",
        "initializers.xavier",
        r"""
            def xavier(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                a = np.sqrt(3.0 / fan_in)  # bug
                w = rng.uniform(-a, a, size=(fan_in, fan_out))  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: glorot with the normal distribution",
        "initializers.glorot_uniform",
        r"""
            def glorot_uniform(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                w = rng.normal(0.0, limit / np.sqrt(3.0), size=(fan_in, fan_out))  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: glorot with fan_in only",
        "initializers.glorot_uniform",
        r"""
            def glorot_uniform(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                limit = np.sqrt(6.0 / fan_in)  # bug
                w = rng.uniform(-limit, limit, size=(fan_in, fan_out))
                return w
        """,
    ),
    Mutant(
        "initializers: glorot draws from [0, a) instead of [-a, a)",
        "initializers.glorot_uniform",
        r"""
            def glorot_uniform(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                w = rng.uniform(0.0, limit, size=(fan_in, fan_out))  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: he with std 1/sqrt(fan_in)",
        "initializers.he",
        r"""
            def he(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in)  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: he with fan_out",
        "initializers.he",
        r"""
            def he(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out)  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: he with the variance 2/fan_in used as the std",
        "initializers.he",
        r"""
            def he(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.standard_normal((fan_in, fan_out)) * (2.0 / fan_in)  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: orthogonal without the sign fix",
        "initializers.orthogonal",
        r"""
            def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
                rng = np.random.default_rng(rng)
                tall = fan_in >= fan_out
                a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))
                q, r = np.linalg.qr(a)
                # bug: no `q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)`
                w = gain * (q if tall else q.T)
                return w
        """,
    ),
    Mutant(
        "initializers: orthogonal returns Q.T for tall layers (wrong shape)",
        "initializers.orthogonal",
        r"""
            def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
                rng = np.random.default_rng(rng)
                tall = fan_in >= fan_out
                a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))
                q, r = np.linalg.qr(a)
                q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
                w = gain * (q.T if tall else q)  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: orthogonal ignores gain",
        "initializers.orthogonal",
        r"""
            def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
                rng = np.random.default_rng(rng)
                tall = fan_in >= fan_out
                a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))
                q, r = np.linalg.qr(a)
                q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
                w = q if tall else q.T  # bug
                return w
        """,
    ),
    Mutant(
        "initializers: orthogonal takes QR of the wide matrix for wide layers",
        "initializers.orthogonal",
        r"""
            def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
                rng = np.random.default_rng(rng)
                tall = fan_in >= fan_out
                a = rng.standard_normal((fan_in, fan_out))  # bug
                q, r = np.linalg.qr(a)
                q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
                w = gain * (q if tall else q.T)
                return w
        """,
    ),
    Mutant(
        "initializers: lsuv rescales layers already within tol",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(z))
                        # bug: no `if abs(var - 1.0) <= tol:` ...
                        if var == 0.0:
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv normalises the variance after the activation",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(act(z)))  # bug
                        if abs(var - 1.0) <= tol:
                            break
                        if var == 0.0:
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv with the unbiased variance (ddof=1)",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(z, ddof=1))  # bug
                        if abs(var - 1.0) <= tol:
                            break
                        if var == 0.0:
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv normalises each unit's variance separately",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = np.var(z, axis=0)  # bug
                        if np.all(np.abs(var - 1.0) <= tol):  # bug
                            break
                        if np.any(var == 0.0):  # bug
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv feeds the next layer the output before rescaling",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(z))
                        if abs(var - 1.0) <= tol:
                            break
                        if var == 0.0:
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(h @ weights[l])  # bug
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv rescales the given weights in place",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    # bug: no `w = w.copy()`
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(z))
                        if abs(var - 1.0) <= tol:
                            break
                        if var == 0.0:
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv without the zero-variance error",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(z))
                        if abs(var - 1.0) <= tol:
                            break
                        # bug: no `if var == 0.0:` ...
                        w /= np.sqrt(var)
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
    Mutant(
        "initializers: lsuv turns float32 weights into float64",
        "initializers.lsuv",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    z = h @ w
                    for _ in range(max_iter):
                        var = float(np.var(z))
                        if abs(var - 1.0) <= tol:
                            break
                        if var == 0.0:
                            raise ValueError(f"lsuv: layer {l} has an output of zero variance")
                        w = w / np.sqrt(var)  # bug
                        z = h @ w
                    new_weights.append(w)
                    h = act(z)
                return new_weights
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "initializers: zeros with np.full",
        "initializers",
        r"""
            def zeros(fan_in, fan_out, rng=None):
                w = np.full((fan_in, fan_out), 0.0)
                return w
        """,
    ),
    Alternative(
        "initializers: gaussian through rng.normal",
        "initializers",
        r"""
            def gaussian(fan_in, fan_out, std=0.01, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.normal(0.0, std, size=(fan_in, fan_out))
                return w
        """,
    ),
    Alternative(
        "initializers: xavier drawn transposed through rng.normal",
        "initializers",
        r"""
            def xavier(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.normal(scale=1 / np.sqrt(fan_in), size=(fan_out, fan_in)).T
                return w
        """,
    ),
    Alternative(
        "initializers: he through rng.normal",
        "initializers",
        r"""
            def he(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                w = rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out))
                return w
        """,
    ),
    Alternative(
        "initializers: glorot uniform from rng.random",
        "initializers",
        r"""
            def glorot_uniform(fan_in, fan_out, rng=None):
                rng = np.random.default_rng(rng)
                limit = np.sqrt(6.0 / (fan_in + fan_out))
                w = (2 * rng.random((fan_in, fan_out)) - 1) * limit
                return w
        """,
    ),
    Alternative(
        "initializers: orthogonal through the SVD (polar factor)",
        "initializers",
        r"""
            def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
                rng = np.random.default_rng(rng)
                a = rng.standard_normal((fan_in, fan_out))
                u, _, vt = np.linalg.svd(a, full_matrices=False)
                w = gain * (u @ vt)
                return w
        """,
    ),
    Alternative(
        "initializers: orthogonal with np.sign and QR of the transpose for wide layers",
        "initializers",
        r"""
            def orthogonal(fan_in, fan_out, gain=1.0, rng=None):
                rng = np.random.default_rng(rng)
                a = rng.standard_normal((fan_in, fan_out))
                q, r = np.linalg.qr(a if fan_in >= fan_out else a.T)
                q = q * np.sign(np.diag(r))
                w = gain * q if fan_in >= fan_out else gain * q.T
                return w
        """,
    ),
    Alternative(
        "initializers: lsuv with a while loop, E[z^2] - E[z]^2 and a float scale",
        "initializers",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                dims = [h.shape[1]] + [w.shape[1] for w in weights]
                if [w.shape[0] for w in weights] != dims[:-1]:
                    raise ValueError(
                        f"lsuv: shapes do not chain: x has {h.shape[1]} features, "
                        f"weights have shapes {[w.shape for w in weights]}"
                    )
                new_weights = []
                for l, w in enumerate(weights):
                    w = w.copy()
                    rescalings = 0
                    while True:
                        z = h @ w
                        var = np.mean(z**2) - np.mean(z) ** 2
                        if abs(var - 1) <= tol or rescalings == max_iter:
                            break
                        if var <= 0:
                            raise ValueError("zero variance")
                        w *= float(1 / np.sqrt(var))
                        rescalings += 1
                    new_weights.append(w)
                    h = act(h @ w)
                return new_weights
        """,
    ),
]
