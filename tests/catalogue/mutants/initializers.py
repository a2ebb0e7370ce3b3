"""Mutants and correct alternatives of weight initialisers: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace
from tests.catalogue.mutants._entries import one_edit

# The reference's orthogonal initialiser, which both of its alternatives replace.
_QR = r"""
    tall = fan_in >= fan_out
    a = rng.standard_normal((fan_in, fan_out) if tall else (fan_out, fan_in))
    q, r = np.linalg.qr(a)
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    w = gain * (q if tall else q.T)
"""

_mutant, _alternative = one_edit("initializers")

MUTANTS: list[Mutant] = [
    _mutant("zeros returns ones", "zeros", "np.zeros", "np.ones",
        diagnosis="not zeros"),
    _mutant("zeros with the shape transposed", "zeros", "(fan_in, fan_out)", "(fan_out, fan_in)",
        diagnosis="(fan_out, fan_in)"),
    _mutant("gaussian ignores std", "gaussian", "std", "0.01",
        diagnosis="not scaled by std"),
    _mutant("gaussian draws from the global numpy generator", "gaussian",
        "rng.standard_normal((fan_in, fan_out))", "np.random.randn(fan_in, fan_out)",
        diagnosis="ignore the rng argument"),
    _mutant("xavier with fan_out", "xavier", "np.sqrt(fan_in)", "np.sqrt(fan_out)",
        diagnosis="uses fan_out"),
    _mutant(
        "xavier with the averaged fan 2 / (fan_in + fan_out)",
        "xavier",
        "rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
        "rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))",
        diagnosis="Glorot's average",
    ),
    _mutant("xavier uniform with the right variance instead of normal", "xavier",
        "w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)", r"""
                a = np.sqrt(3.0 / fan_in)
                w = rng.uniform(-a, a, size=(fan_in, fan_out))
            """,
        diagnosis="not normal"),
    _mutant(
        "glorot with the normal distribution",
        "glorot_uniform",
        "rng.uniform(-limit, limit, size=(fan_in, fan_out))",
        "rng.normal(0.0, limit / np.sqrt(3.0), size=(fan_in, fan_out))",
        diagnosis="a normal draw",
    ),
    _mutant("glorot with fan_in only", "glorot_uniform", "fan_in + fan_out", "fan_in",
        diagnosis="fan_in only"),
    _mutant("glorot draws from [0, a) instead of [-a, a)", "glorot_uniform", "-limit", "0.0",
        diagnosis="[0, a)"),
    _mutant("he with std 1/sqrt(fan_in)", "he", "2.0", "1.0",
        diagnosis="1 / sqrt(fan_in)"),
    _mutant("he with fan_out", "he", "2.0 / fan_in", "2.0 / fan_out",
        diagnosis="uses fan_out"),
    _mutant("he with the variance 2/fan_in used as the std", "he",
        "np.sqrt(2.0 / fan_in)", "2.0 / fan_in",
        diagnosis="used as the standard deviation"),
    Mutant(
        "initializers: orthogonal without the sign fix",
        "initializers.orthogonal",
        drop("q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)"),
        diagnosis="signs are not fixed",
    ),
    _mutant("orthogonal returns Q.T for tall layers (wrong shape)", "orthogonal",
        "q if tall else q.T", "q.T if tall else q",
        diagnosis="wrong shape"),
    _mutant("orthogonal ignores gain", "orthogonal",
        "gain * (q if tall else q.T)", "q if tall else q.T",
        diagnosis="not scaled by gain"),
    _mutant("orthogonal takes QR of the wide matrix for wide layers", "orthogonal",
        "(fan_in, fan_out) if tall else (fan_out, fan_in)", "(fan_in, fan_out)",
        diagnosis="wrong shape"),
    Mutant(
        "initializers: lsuv rescales layers already within tol",
        "initializers.lsuv",
        drop(r"""
                if abs(var - 1.0) <= tol:
                    break
            """),
        diagnosis="already within tol",
    ),
    _mutant("lsuv normalises the variance after the activation", "lsuv",
        "np.var(z)", "np.var(act(z))",
        diagnosis="after the activation"),
    _mutant("lsuv with the unbiased variance (ddof=1)", "lsuv", "np.var(z)", "np.var(z, ddof=1)",
        diagnosis="ddof=1"),
    Mutant(
        "initializers: lsuv normalises each unit's variance separately",
        "initializers.lsuv",
        (
            replace("float(np.var(z))", "np.var(z, axis=0)"),
            replace("abs(var - 1.0) <= tol", "np.all(np.abs(var - 1.0) <= tol)"),
            replace("var == 0.0", "np.any(var == 0.0)"),
        ),
        diagnosis="each unit",
    ),
    _mutant("lsuv feeds the next layer the output before rescaling", "lsuv",
        "act(z)", "act(h @ weights[l])",
        diagnosis="before rescaling"),
    Mutant(
        "initializers: lsuv rescales the given weights in place",
        "initializers.lsuv",
        drop("w = w.copy()"),
        diagnosis="in place",
    ),
    Mutant(
        "initializers: lsuv without the zero-variance error",
        "initializers.lsuv",
        drop(r"""
                if var == 0.0:
                    raise ValueError(f'lsuv: layer {l} has an output of zero variance')
            """),
        diagnosis="zero variance",
    ),
    _mutant("lsuv turns float32 weights into float64", "lsuv",
        "w /= np.sqrt(var)", "w = w / np.sqrt(var)",
        diagnosis="keep each dtype"),
]

ALTERNATIVES: list[Alternative] = [
    _alternative("zeros with np.full", "zeros",
        "np.zeros((fan_in, fan_out))", "np.full((fan_in, fan_out), 0.0)"),
    _alternative(
        "gaussian through rng.normal",
        "gaussian",
        "std * rng.standard_normal((fan_in, fan_out))",
        "rng.normal(0.0, std, size=(fan_in, fan_out))",
    ),
    _alternative(
        "xavier drawn transposed through rng.normal",
        "xavier",
        "rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)",
        "rng.normal(scale=1 / np.sqrt(fan_in), size=(fan_out, fan_in)).T",
    ),
    _alternative(
        "he through rng.normal",
        "he",
        "rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)",
        "rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out))",
    ),
    _alternative(
        "glorot uniform from rng.random",
        "glorot_uniform",
        "rng.uniform(-limit, limit, size=(fan_in, fan_out))",
        "(2 * rng.random((fan_in, fan_out)) - 1) * limit",
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
