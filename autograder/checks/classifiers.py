"""Hidden checks of the ``classifiers`` tasks (``FullyConnectedNet``).

The net's dependencies run the reference: the student's module gets stand-ins for
``layers``, ``normalization`` and ``initializers`` whose functions call back into
this process, so a bug in a layer or an initialiser costs points in that task
only. Caches made by a reference forward pass travel to the worker as plain data
and come back to the matching backward pass unchanged.

- ``__init__`` is called in the worker and its ``params`` returned. Names, shapes,
  dtypes and the exact constants (zero biases and betas, unit gammas, PReLU
  slopes) are compared with a reference net of the same arguments; the weights
  statistically (second moment against the documented variance, with bounds a
  correct draw breaks with probability below 1e-9 per grading run) and by
  reproducibility: equal seeds must give equal nets. A Generator cannot cross
  the process boundary, so the initialiser stand-ins draw from a trusted
  generator that the check reseeds before each construction.
- ``loss`` runs on a bare instance of the student's class whose attributes are a
  reference net's ``__dict__`` (random non-zero biases, gammas, betas and slopes,
  batchnorm running statistics filled, seeded dropout), and its scores, loss and
  gradients are compared with the reference's.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from autograder.checks.harness import (
    CheckAbort,
    Section,
    TaskRun,
    array_problem,
    check,
    describe,
)
from autograder.isolation.worker import Unsupported
from autograder.reference import classifiers as ref
from autograder.reference import initializers as ref_init
from autograder.reference import layers as ref_layers
from autograder.reference import normalization as ref_norm

INIT = "classifiers.FullyConnectedNet.__init__"
LOSS = "classifiers.FullyConnectedNet.loss"

# Exponent of the tail bounds of the weight statistics: each test fails a correct
# draw with probability at most 2 * exp(-_X) (3e-11); a grading run makes at most
# about 15 of them.
_X = 25.0
_MIN_STAT_SIZE = 200  # smaller weight matrices are not tested statistically
# The initialiser stand-ins run here, on the worker's arguments: refuse absurd sizes.
_MAX_FAN, _MAX_WEIGHTS = 4096, 10**6


# ------------------------------------------------------------------ proxies


def _public_functions(module: ModuleType) -> list[str]:
    return [
        name
        for name, obj in vars(module).items()
        if inspect.isfunction(obj) and obj.__module__ == module.__name__ and name[0] != "_"
    ]


class _InitStream:
    """The trusted generator the initialiser stand-ins draw from (one per worker)."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng()

    def reseed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)


def _initializer_proxy(fn: Callable[..., Any], stream: _InitStream) -> Callable[..., Any]:
    """The reference initialiser, drawing from ``stream`` when given a Generator.

    The student's Generator arrives as an Unsupported placeholder; rng=None (or no
    rng) means a fresh unseeded generator, exactly as the reference does, so a net
    that does not pass its generator on is not reproducible here either.
    """
    signature = inspect.signature(fn)

    def proxy(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        fans: list[Any] = [bound.arguments.get(k) for k in ("fan_in", "fan_out")]
        if not all(type(f) is int or isinstance(f, np.integer) for f in fans):
            raise TypeError("fan_in and fan_out must be integers")
        if max(fans) > _MAX_FAN or fans[0] * fans[1] > _MAX_WEIGHTS:
            raise ValueError("a layer far larger than any the grader builds")
        rng = bound.arguments.get("rng")
        if isinstance(rng, Unsupported):
            if not rng.type_name.endswith(".Generator"):
                raise TypeError(f"rng must be a numpy Generator, got {rng.type_name}")
            bound.arguments["rng"] = stream.rng
        return fn(*bound.args, **bound.kwargs)

    proxy.stream = stream  # type: ignore[attr-defined]
    return proxy


def _proxies() -> dict[str, Callable[..., Any]]:
    """Every function the net may import from its sibling modules, run by the reference."""
    out: dict[str, Callable[..., Any]] = {}
    for name, module in (("layers", ref_layers), ("normalization", ref_norm)):
        for fn in _public_functions(module):
            out[f"{name}.{fn}"] = getattr(module, fn)
    stream = _InitStream()
    for fn in _public_functions(ref_init):
        f = getattr(ref_init, fn)
        if "rng" in inspect.signature(f).parameters:
            out[f"initializers.{fn}"] = _initializer_proxy(f, stream)
        else:
            out[f"initializers.{fn}"] = f
    return out


def _stream(run: TaskRun) -> _InitStream | None:
    proxy = run.session.callbacks.get("initializers.gaussian")
    return getattr(proxy, "stream", None)


# ------------------------------------------------------------------ helpers


_NAME = re.compile(r"(W|b|gamma|beta|alpha)(\d+)$")


def _kind(name: str) -> str:
    m = _NAME.match(name)
    return m.group(1) if m else ""


def _array_problem(got: Any, expected: np.ndarray) -> str | None:
    """Like array_problem, but the dtype must be exactly the expected one."""
    problem = array_problem(got, expected.shape, allow_float32=True)
    if problem is None and got.dtype != expected.dtype:
        problem = f"dtype {got.dtype} but expected {expected.dtype}"
    return problem


def _seed(run: TaskRun) -> int:
    return int(run.rng.integers(0, 2**31))


# ------------------------------------------------------------------ __init__


def _construct(
    run: TaskRun,
    hidden: list[int],
    kwargs: dict[str, Any],
    stream_seed: int | None = None,
    missing: set[str] | None = None,
) -> dict:
    """The student's params for these constructor arguments.

    An argument of ``_OWN_ARGUMENTS`` that the student's __init__ does not take (a
    CS231n-style net) is left out, added to ``missing`` and removed from ``kwargs``,
    so the reference net that ``kwargs`` then builds uses its default too.
    """
    stream = _stream(run)
    seed = stream_seed if stream_seed is not None else _seed(run)
    missing = set() if missing is None else missing
    for known in missing:
        kwargs.pop(known, None)
    while True:
        if stream is not None:
            stream.reseed(seed)
        try:
            out = run.call_full(
                (hidden,), kwargs, target="FullyConnectedNet.__init__", return_attrs=("params",)
            )
            break
        except CheckAbort as exc:
            unexpected = _unexpected_argument(str(exc))
            if unexpected not in _OWN_ARGUMENTS or unexpected not in kwargs:
                raise
            missing.add(unexpected)
            kwargs.pop(unexpected)
    params = out.get("self", {}).get("params")
    if type(params) is not dict:
        raise CheckAbort(f"self.params should be a dict, got {describe(params)}")
    return params


# Constructor arguments CS231n's FullyConnectedNet does not have, with the part that
# needs each: without them a net is graded with their defaults and loses that part.
_OWN_ARGUMENTS = {"activation": "PReLU slopes", "weight_init": "weight_init"}
_UNEXPECTED = re.compile(r"unexpected keyword argument '(\w+)'")


def _unexpected_argument(message: str) -> str | None:
    """The keyword argument a TypeError of the student's __init__ names as unexpected."""
    lines = message.strip().splitlines()
    found = _UNEXPECTED.search(lines[-1]) if lines and "TypeError" in lines[-1] else None
    return found.group(1) if found else None


def _missing_arguments(run: TaskRun, missing: set[str]) -> None:
    """Fail the part that needs each constructor argument the student's __init__ lacks."""
    for name in sorted(missing):
        run.check(
            _OWN_ARGUMENTS[name],
            False,
            f"your __init__ takes no {name!r} argument (see its docstring), so this was not "
            "checked; the rest was graded with its default",
        )


def _layout(
    run: TaskRun, params: dict, hidden: list[int], kwargs: dict[str, Any], where: str
) -> dict[str, np.ndarray]:
    """Check names, shapes and dtypes against a reference net; return the valid arrays."""
    expected = ref.FullyConnectedNet(hidden, **kwargs).params
    part = "names and shapes"
    missing = [k for k in expected if k not in params]
    extra = sorted(str(k) for k in params if k not in expected)
    if missing:
        run.check(part, False, f"{where}: self.params has no entry {missing[0]!r}")
    if extra:
        run.check(part, False, f"{where}: self.params has an unexpected entry {extra[0]!r}")
    valid = {}
    for name, exp in expected.items():
        if name not in params:
            continue
        problem = _array_problem(params[name], exp)
        if problem:
            run.check(part, False, f"{where}: params[{name!r}]: {problem}")
        else:
            valid[name] = params[name]
    run.check(part, True, "", "every parameter present, with the right shape and dtype")
    for name, exp in expected.items():
        kind = _kind(name)
        if kind in ("b", "gamma", "beta", "alpha") and name in valid:
            p = "PReLU slopes" if kind == "alpha" else "biases, gammas and betas"
            what = {"b": "zero", "beta": "zero", "gamma": "one", "alpha": "PRELU_INIT"}[kind]
            run.check(
                p,
                np.array_equal(valid[name], exp),
                f"{where}: params[{name!r}] does not start at {what} everywhere",
                "start values as documented",
            )
    return valid


def _second_moment(run: TaskRun, part: str, w: np.ndarray, var: float, what: str) -> None:
    """Mean of w**2 against var: chi-square (normal) and Hoeffding (uniform) tail bounds."""
    n = w.size
    if n < _MIN_STAT_SIZE:
        return
    ratio = float(np.mean(np.square(w, dtype=np.float64))) / var
    lo = 1 - 2.2 * math.sqrt(_X / n)
    hi = 1 + 2.2 * math.sqrt(_X / n) + 2 * _X / n
    run.check(
        part,
        lo <= ratio <= hi,
        f"{what}: the standard deviation is {math.sqrt(ratio):.2f} times the expected one "
        f"(a correct draw stays within {math.sqrt(lo):.2f} to {math.sqrt(hi):.2f})",
        "weights with the expected spread",
    )


def _init_kwargs(
    d: int, c: int, normalization: str | None, activation: str, dtype: type,
    weight_scale: float, seed: int, weight_init: str | None = None,
) -> dict[str, Any]:
    return {
        "input_dim": d,
        "num_classes": c,
        "normalization": normalization,
        "activation": activation,
        "dtype": dtype,
        "weight_scale": weight_scale,
        "seed": seed,
        "weight_init": weight_init,
    }


@check(INIT, proxies=_proxies)
def _init(run: TaskRun) -> None:
    """Five independent sections: a deep net, float32, no hidden layer, the named
    initialisers, and reproducibility."""
    # The fans keep the documented variances of the initialisers far apart (e.g.
    # 2 / (d + h1) is at least 1.26 times 1 / d) compared with the statistical bounds.
    d = int(run.rng.integers(120, 161))
    h1, h2 = int(run.rng.integers(50, 71)), int(run.rng.integers(20, 41))
    c = int(run.rng.integers(5, 13))
    scale = float(run.rng.uniform(0.25, 0.6))
    plain = [a for a in ref.ACTIVATIONS if a != "prelu"]
    missing: set[str] = set()  # our own arguments the student's __init__ lacks

    def deep() -> None:
        # A deep net with normalization and PReLU, float64, default initialisation.
        norm = ("batchnorm", "layernorm")[int(run.rng.integers(2))]
        kw = _init_kwargs(d, c, norm, "prelu", np.float64, scale, _seed(run))
        params = _construct(run, [h1, h2], kw, missing=missing)
        valid = _layout(run, params, [h1, h2], kw, f"with normalization={norm!r} and PReLU")
        for name in ("W1", "W2", "W3"):
            if name in valid:
                what = f"{name} (weight_init=None)"
                _second_moment(run, "weight_scale", valid[name], scale**2, what)
            else:
                run.check("weight_scale", False, f"not checked: {name} is missing or malformed")

    def float32() -> None:
        # float32, no normalization, another activation.
        act = plain[int(run.rng.integers(len(plain)))]
        kw = _init_kwargs(d, c, None, act, np.float32, scale, _seed(run))
        params = _construct(run, [h1], kw, missing=missing)
        valid = _layout(run, params, [h1], kw, "with dtype float32")
        if "W1" in valid:
            _second_moment(run, "weight_scale", valid["W1"], scale**2, "W1 (weight_init=None)")

    def no_hidden() -> None:
        # Softmax regression (normalization and PReLU have nothing to act on).
        kw = _init_kwargs(d, c, "batchnorm", "prelu", np.float64, scale, _seed(run))
        _layout(run, _construct(run, [], kw, missing=missing), [], kw, "with no hidden layer")

    def named() -> None:
        # The named initialisers: one hidden layer, the big first matrix tested.
        spreads = {
            "gaussian": lambda fi, fo: scale**2,
            "xavier": lambda fi, fo: 1.0 / fi,
            "glorot_uniform": lambda fi, fo: 2.0 / (fi + fo),
            "he": lambda fi, fo: 2.0 / fi,
        }
        for init in ("gaussian", "xavier", "glorot_uniform", "he", "orthogonal", "zeros"):
            act = ref.ACTIVATIONS[int(run.rng.integers(len(ref.ACTIVATIONS)))]
            # Exact properties need no big layers (and QR is slow on them).
            dims = (d, h1, c) if init in spreads else (int(run.rng.integers(8, 13)), 7, c)
            kw = _init_kwargs(dims[0], c, None, act, np.float64, scale, _seed(run), init)
            params = _construct(run, [dims[1]], kw, missing=missing)
            if "weight_init" in missing:
                break  # every net here would be the default one
            valid = _layout(run, params, [dims[1]], kw, f"with weight_init={init!r}")
            for name, (fi, fo) in (("W1", dims[:2]), ("W2", dims[1:])):
                if name not in valid:
                    run.check("weight_init", False, f"not checked: {name} is missing or malformed")
                    continue
                w = valid[name]
                what = f"{name} with weight_init={init!r}"
                if init in spreads:
                    _second_moment(run, "weight_init", w, spreads[init](fi, fo), what)
                if init == "glorot_uniform":
                    run.check(
                        "weight_init",
                        float(np.max(np.abs(w))) <= math.sqrt(6.0 / (fi + fo)) * (1 + 1e-12),
                        f"{what}: entries lie outside the uniform range",
                    )
                elif init == "orthogonal":
                    gram = w.T @ w if fi >= fo else w @ w.T
                    err = float(np.max(np.abs(gram - np.eye(len(gram)))))
                    run.check(
                        "weight_init",
                        err <= 1e-8,
                        f"{what}: not orthonormal (error {err:.1e}, tolerance 1e-08)",
                    )
                elif init == "zeros":
                    run.check("weight_init", not np.any(w), f"{what}: not all zero")
            run.check("weight_init", True, "", "each named initialiser used as documented")

    def reproducible() -> None:
        # Reproducibility: equal seeds give equal nets (default and named initialisation).
        seed, other = _seed(run), _seed(run) + 1
        # 'gaussian' takes its own branch in the reference, so it is always among them.
        drawn = ("xavier", "he", "glorot_uniform", "orthogonal")[int(run.rng.integers(4))]
        inits: tuple[str | None, ...] = (None, "gaussian", drawn)
        for init in inits if "weight_init" not in missing else (None,):
            stream_seed = _seed(run)
            kw = _init_kwargs(12, 4, None, "relu", np.float64, scale, seed, init)
            a = _construct(run, [9, 7], kw, stream_seed, missing)
            b = _construct(run, [9, 7], kw, stream_seed, missing)
            same = set(a) == set(b) and all(
                type(a[k]) is np.ndarray
                and type(b[k]) is np.ndarray
                and a[k].shape == b[k].shape
                and np.array_equal(a[k], b[k])
                for k in a
            )
            label = "weight_init=None" if init is None else f"weight_init={init!r}"
            run.check(
                "seed",
                same,
                f"with {label}, two nets built with the same seed differ: draw every weight "
                "from the generator made from the seed (and pass it to the initialiser)",
                "equal seeds give equal nets",
            )
            if init is None:
                kw["seed"] = other
                c_params = _construct(run, [9, 7], kw, missing=missing)
                w_a, w_c = a.get("W1"), c_params.get("W1")
                run.check(
                    "seed",
                    type(w_a) is np.ndarray
                    and type(w_c) is np.ndarray
                    and not np.array_equal(w_a, w_c),
                    "nets built with different seeds have the same weights",
                )

    try:
        run.independently(
            Section("with normalization and PReLU",
                    ("names and shapes", "biases, gammas and betas", "PReLU slopes",
                     "weight_scale"), deep),
            Section("with dtype float32", ("names and shapes", "weight_scale"), float32),
            Section("with no hidden layer", ("names and shapes",), no_hidden),
            Section("with the named initialisers", ("weight_init",), named),
            Section("with seeds", ("seed",), reproducible),
        )
    finally:
        _missing_arguments(run, missing)


# ------------------------------------------------------------------ loss


_GRAD_PART = {"W": "dW", "b": "db", "gamma": "dgamma, dbeta", "beta": "dgamma, dbeta",
              "alpha": "dalpha"}


def _loss_net(
    run: TaskRun,
    hidden: list[int],
    normalization: str | None,
    activation: str,
    keep: float,
    dtype: type,
) -> tuple[ref.FullyConnectedNet, np.ndarray, np.ndarray]:
    """A reference net with every parameter non-trivial, and a batch (X, y) for it."""
    n = int(run.rng.integers(4, 10))
    shape = (int(run.rng.integers(2, 4)), int(run.rng.integers(2, 5)))
    d = shape[0] * shape[1]
    c = int(run.rng.integers(3, 7))
    net = ref.FullyConnectedNet(
        hidden, input_dim=d, num_classes=c, dropout_keep_ratio=keep, normalization=normalization,
        weight_scale=float(run.rng.uniform(0.3, 0.6)), dtype=dtype, seed=_seed(run),
        activation=activation,
    )
    start = {"b": 0.0, "beta": 0.0, "gamma": 1.0, "alpha": 0.25}
    for name, value in net.params.items():
        kind = _kind(name)
        if kind in start:
            noise = 0.3 * run.rng.standard_normal(value.shape)
            net.params[name] = (start[kind] + noise).astype(dtype)
    X = run.rng.standard_normal((n, *shape))
    y = run.rng.integers(0, c, n)
    if normalization == "batchnorm":
        for _ in range(2):  # running statistics for the test-mode scores
            net.loss(run.rng.standard_normal((n + 3, d)) * 1.5 + 0.2, run.rng.integers(0, c, n + 3))
    return net, X, y


def _close(
    run: TaskRun, part: str, got: Any, expected: np.ndarray, tol: float, floor: float, what: str
) -> None:
    """Scaled error max|got - expected| / max(max|expected|, floor), exact dtype."""
    problem = _array_problem(got, expected)
    if problem:
        run.check(part, False, f"{what}: {problem}")
        return
    diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    scale = max(float(np.max(np.abs(expected))) if expected.size else 0.0, floor)
    err = float(np.max(diff)) / scale if diff.size else 0.0
    run.check(
        part,
        err <= tol,
        f"{what}: relative error {err:.2e} exceeds the tolerance {tol:.0e}",
        "matches the reference",
    )


def _number(value: Any) -> float | None:
    if type(value) in (float, int) or (
        isinstance(value, np.generic) and np.asarray(value).dtype.kind in "fiu"
    ):
        return float(value)
    return None


def _loss_sections(
    run: TaskRun, net: ref.FullyConnectedNet, X: np.ndarray, y: np.ndarray, reg: float,
    where: str,
) -> tuple[Section, Section]:
    """One net's test mode (its scores) and train mode (loss and gradients): two sections.

    Train mode owns every part it scores for this net, so an exception there costs
    those parts only; the nets without normalization (or PReLU) leave dgamma and
    dbeta (dalpha) to the others.
    """
    tol = 1e-4 if net.dtype == np.float32 else 1e-6

    def test() -> None:
        expected_scores = copy.deepcopy(net).loss(X)
        assert isinstance(expected_scores, np.ndarray)  # scores, without labels
        scores = run.call_full((X,), state=net.__dict__)["value"]
        _close(run, "scores", scores, expected_scores, tol, 0.0, f"scores {where}")

    def train() -> None:
        # Without and with regularization.
        losses = {}
        for r in (0.0, reg):
            net.reg = r
            expected_loss, expected_grads = copy.deepcopy(net).loss(X, y)
            label = f"{where}, reg={'0' if r == 0 else '> 0'}"
            value = run.call_full((X, y), state=net.__dict__)["value"]
            loss, grads = run.returns(value, 2, f"the return value in train mode {label}")
            if type(grads) is not dict:
                raise CheckAbort(f"grads should be a dict, got {describe(grads)} ({label})")
            got_loss = _number(loss)
            if got_loss is None or not math.isfinite(got_loss):
                raise CheckAbort(f"the loss should be a finite number, got {describe(loss)}")
            losses[r] = (got_loss, expected_loss)
            if r == 0:
                run.close_scalar("data loss", got_loss, expected_loss, tol)
            floor = 1e-3 * max(float(np.max(np.abs(g))) for g in expected_grads.values())
            for name, exp in expected_grads.items():
                part = _GRAD_PART[_kind(name)]
                if name not in grads:
                    run.check(part, False, f"{label}: grads has no entry {name!r}")
                    continue
                _close(run, part, grads[name], exp, tol, floor, f"grads[{name!r}] {label}")
        got_l2 = losses[reg][0] - losses[0.0][0]
        expected_l2 = losses[reg][1] - losses[0.0][1]
        # The difference of two losses: allow for the rounding of each.
        l2_tol = tol * max(1.0, abs(losses[reg][1]) / max(expected_l2, 1e-12))
        err = abs(got_l2 - expected_l2) / expected_l2
        run.check(
            "L2 term",
            err <= l2_tol,
            f"{where}: the regularization term of the loss is off by a factor "
            f"{got_l2 / expected_l2:.3g} (relative error {err:.1e})",
            "0.5 * reg * sum of the squared weights",
        )

    grads = dict.fromkeys(_GRAD_PART[_kind(name)] for name in net.params)
    return (
        Section(f"in test mode {where}", ("scores",), test),
        Section(f"in train mode {where}", ("data loss", "L2 term", *grads), train),
    )


@check(LOSS, proxies=_proxies)
def _loss(run: TaskRun) -> None:
    def pick(options: tuple | list) -> Any:
        return options[int(run.rng.integers(len(options)))]

    def width() -> int:
        return int(run.rng.integers(4, 9))

    def reg() -> float:
        return float(run.rng.uniform(0.2, 0.6))

    smooth = ("elu", "sigmoid", "tanh")  # dropout does not commute with these
    cases = [
        # (hidden, normalization, activation, keep, dtype, description)
        ([width(), width()], None, pick(smooth), float(run.rng.uniform(0.5, 0.8)), np.float64,
         "with dropout"),
        ([width(), width()], "batchnorm", pick(("relu", "leaky_relu", "tanh", "elu")), 1.0,
         np.float64, "with batchnorm"),
        ([width()], "layernorm", "prelu", float(run.rng.uniform(0.6, 0.9)), np.float64,
         "with layernorm and PReLU"),
        ([width()], pick(ref.NORMALIZATIONS), pick(ref.ACTIVATIONS), pick((1.0, 0.7)),
         np.float32, "in float32"),
        ([], None, "relu", 1.0, np.float64, "with no hidden layer"),
    ]
    sections: list[Section] = []
    for hidden, normalization, activation, keep, dtype, where in cases:
        net, X, y = _loss_net(run, hidden, normalization, activation, keep, dtype)
        sections += _loss_sections(run, net, X, y, reg(), where)
    run.independently(*sections)
