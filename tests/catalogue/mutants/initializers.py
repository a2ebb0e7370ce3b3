"""Mutants and correct alternatives of weight initialisers: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace

# The reference's orthogonal initialiser, which both of its alternatives replace.
_QR = r"""
    tall = fan_in >= fan_out
    a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    w = gain * (q if tall else q.T)
"""

MUTANTS: list[Mutant] = [
    Mutant(
        "initializers: zeros returns ones",
        "initializers.zeros",
        replace("np.zeros", "np.ones"),
    ),
    Mutant(
        "initializers: zeros with the shape transposed",
        "initializers.zeros",
        replace("(fan_in, fan_out)", "(fan_out, fan_in)"),
    ),
    Mutant(
        "initializers: gaussian ignores std",
        "initializers.gaussian",
        replace("std", "0.01"),
    ),
    Mutant(
        "initializers: gaussian draws from the global numpy generator",
        "initializers.gaussian",
        replace("rng.standard_normal((fan_in, fan_out))", "np.random.randn(fan_in, fan_out)"),
    ),
    Mutant(
        "initializers: xavier with fan_out",
        "initializers.xavier",
        replace("np.sqrt(fan_in)", "np.sqrt(fan_out)"),
    ),
    Mutant(
        "initializers: xavier with the averaged fan 2 / (fan_in + fan_out)",
        "initializers.xavier",
        replace(
                "rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
                "rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))",
            ),
    ),
    Mutant(
        "initializers: xavier uniform with the right variance instead of normal",
        "initializers.xavier",
        replace("w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)", r"""
                a = np.sqrt(3.0 / fan_in)
                w = rng.uniform(-a, a, size=(fan_in, fan_out))
            """),
    ),
    Mutant(
        "initializers: glorot with the normal distribution",
        "initializers.glorot_uniform",
        replace(
                "rng.uniform(-limit, limit, size=(fan_in, fan_out))",
                "rng.normal(0.0, limit / np.sqrt(3.0), size=(fan_in, fan_out))",
            ),
    ),
    Mutant(
        "initializers: glorot with fan_in only",
        "initializers.glorot_uniform",
        replace("fan_in + fan_out", "fan_in"),
    ),
    Mutant(
        "initializers: glorot draws from [0, a) instead of [-a, a)",
        "initializers.glorot_uniform",
        replace("-limit", "0.0"),
    ),
    Mutant(
        "initializers: he with std 1/sqrt(fan_in)",
        "initializers.he",
        replace("2.0", "1.0"),
    ),
    Mutant(
        "initializers: he with fan_out",
        "initializers.he",
        replace("2.0 / fan_in", "2.0 / fan_out"),
    ),
    Mutant(
        "initializers: he with the variance 2/fan_in used as the std",
        "initializers.he",
        replace("np.sqrt(2.0 / fan_in)", "2.0 / fan_in"),
    ),
    Mutant(
        "initializers: orthogonal without the sign fix",
        "initializers.orthogonal",
        drop("q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)"),
    ),
    Mutant(
        "initializers: orthogonal returns Q.T for tall layers (wrong shape)",
        "initializers.orthogonal",
        replace("q if tall else q.T", "q.T if tall else q"),
    ),
    Mutant(
        "initializers: orthogonal ignores gain",
        "initializers.orthogonal",
        replace("gain * (q if tall else q.T)", "q if tall else q.T"),
    ),
    Mutant(
        "initializers: orthogonal takes QR of the wide matrix for wide layers",
        "initializers.orthogonal",
        replace("(fan_in, fan_out) if tall else (fan_out, fan_in)", "(fan_in, fan_out)"),
    ),
    Mutant(
        "initializers: lsuv rescales layers already within tol",
        "initializers.lsuv",
        drop(r"""
                if abs(var - 1.0) <= tol:
                    break
            """),
    ),
    Mutant(
        "initializers: lsuv normalises the variance after the activation",
        "initializers.lsuv",
        replace("np.var(z)", "np.var(act(z))"),
    ),
    Mutant(
        "initializers: lsuv with the unbiased variance (ddof=1)",
        "initializers.lsuv",
        replace("np.var(z)", "np.var(z, ddof=1)"),
    ),
    Mutant(
        "initializers: lsuv normalises each unit's variance separately",
        "initializers.lsuv",
        (
            replace("float(np.var(z))", "np.var(z, axis=0)"),
            replace("abs(var - 1.0) <= tol", "np.all(np.abs(var - 1.0) <= tol)"),
            replace("var == 0.0", "np.any(var == 0.0)"),
        ),
    ),
    Mutant(
        "initializers: lsuv feeds the next layer the output before rescaling",
        "initializers.lsuv",
        replace("act(z)", "act(h @ weights[l])"),
    ),
    Mutant(
        "initializers: lsuv rescales the given weights in place",
        "initializers.lsuv",
        drop("w = w.copy()"),
    ),
    Mutant(
        "initializers: lsuv without the zero-variance error",
        "initializers.lsuv",
        drop(r"""
                if var == 0.0:
                    raise ValueError(f'lsuv: layer {l} has an output of zero variance')
            """),
    ),
    Mutant(
        "initializers: lsuv turns float32 weights into float64",
        "initializers.lsuv",
        replace("w /= np.sqrt(var)", "w = w / np.sqrt(var)"),
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "initializers: zeros with np.full",
        "initializers",
        patch("zeros", replace("np.zeros((fan_in, fan_out))", "np.full((fan_in, fan_out), 0.0)")),
    ),
    Alternative(
        "initializers: gaussian through rng.normal",
        "initializers",
        patch(
            "gaussian",
            replace(
                "std * rng.standard_normal((fan_in, fan_out))",
                "rng.normal(0.0, std, size=(fan_in, fan_out))",
            ),
        ),
    ),
    Alternative(
        "initializers: xavier drawn transposed through rng.normal",
        "initializers",
        patch(
            "xavier",
            replace(
                "rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
                "rng.normal(scale=1 / np.sqrt(fan_in), size=(fan_out, fan_in)).T",
            ),
        ),
    ),
    Alternative(
        "initializers: he through rng.normal",
        "initializers",
        patch(
            "he",
            replace(
                "rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)",
                "rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out))",
            ),
        ),
    ),
    Alternative(
        "initializers: glorot uniform from rng.random",
        "initializers",
        patch(
            "glorot_uniform",
            replace(
                "rng.uniform(-limit, limit, size=(fan_in, fan_out))",
                "(2 * rng.random((fan_in, fan_out)) - 1) * limit",
            ),
        ),
    ),
    Alternative(
        "initializers: orthogonal through the SVD (polar factor)",
        "initializers",
        patch(
            "orthogonal",
            replace(_QR, r"""
                a = rng.standard_normal((fan_in, fan_out))
                u, _, vt = np.linalg.svd(a, full_matrices=False)
                w = gain * (u @ vt)
            """),
        ),
    ),
    Alternative(
        "initializers: orthogonal with np.sign and QR of the transpose for wide layers",
        "initializers",
        patch(
            "orthogonal",
            replace(_QR, r"""
                a = rng.standard_normal((fan_in, fan_out))
                q, r = np.linalg.qr(a if fan_in >= fan_out else a.T)
                q = q * np.sign(np.diag(r))
                w = gain * q if fan_in >= fan_out else gain * q.T
            """),
        ),
    ),
    Alternative(
        "initializers: lsuv with a while loop, E[z^2] - E[z]^2 and a float scale",
        "initializers",
        r"""
            def lsuv(weights, x, activation=None, tol=0.05, max_iter=10):
                act = activation if activation is not None else lambda z: np.maximum(z, 0)
                h = x.reshape(x.shape[0], -1)
                fan_ins = [h.shape[1], *(w.shape[1] for w in weights)][:-1]
                if [w.shape[0] for w in weights] != fan_ins:
                    raise ValueError(f"lsuv: shapes do not chain: {[w.shape for w in weights]}")
                new_weights = []
                for w in weights:
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
