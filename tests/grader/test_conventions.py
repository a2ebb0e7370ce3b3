"""Student code written to CS231n's conventions, judged by oracles and then graded.

Each entry of ``tests/catalogue/conventions`` runs here, in this process, function by
function, against an oracle of this file: closed forms of the update rules in float64,
the statistics of dropout and the agreement of its backward pass with its own forward
pass, closed forms of the layers, a float64 net with centered differences for its
gradients, and the constructor's documented layout. The oracle never calls the
reference's answers or the checks. Its verdict must be the entry's kind, and the
grader must agree with it: full marks for a correct entry, lost points in its own task
(and only there) for a wrong one, and for a constructor without this course's own
arguments, exactly the parts that need them.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.checks.diagnoses import PREFIX
from autograder.grading import grade_submission
from autograder.mutation import Alternative, Mutant
from autograder.registry import TASKS
from autograder.solutions import solved_module_text, write_solution_package
from cs231n_core.check.parts import PARTS
from tests.catalogue.conventions import CORRECT, DEFAULTS_ONLY, WRONG, executed
from tests.catalogue.conventions import optim as optim_conventions

SEED = 20261203
Problems = list[str]

# ------------------------------------------------------------------ running an entry


def _functions(entry: Mutant | Alternative) -> tuple[dict[str, Any], list[str]]:
    module, names = executed(entry)
    return vars(module), names


def _problems(namespace: dict[str, Any], name: str) -> Problems:
    """What the oracle of one function finds wrong (empty: right by its spec)."""
    oracle = _ORACLES[name]
    try:
        return oracle(namespace)
    except Exception as exc:  # a raising function is wrong; the oracle says how
        return [f"{name} raised {type(exc).__name__}: {exc}"]


# ------------------------------------------------------------------ update rules

_DEFAULTS = optim_conventions.DEFAULTS
_CUSTOM = {
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.7},
    "nesterov_momentum": {"learning_rate": 0.05, "momentum": 0.7},
    "adagrad": {"learning_rate": 0.02, "epsilon": 1e-9},
    "rmsprop": {"learning_rate": 0.02, "decay_rate": 0.9, "epsilon": 1e-9},
    "adam": {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-9},
}


def _closed_form(name: str, w: np.ndarray, g: np.ndarray, hp: dict, s: dict) -> np.ndarray:
    """One step of the rule, in float64, from its formula; updates the state s."""
    lr = hp["learning_rate"]
    if name in ("sgd_momentum", "nesterov_momentum"):
        mu, v = hp["momentum"], s.get("velocity", 0.0 * w)
        s["velocity"] = mu * v - lr * g
        if name == "sgd_momentum":
            return w + s["velocity"]
        return w - mu * v + (1 + mu) * s["velocity"]
    if name in ("adagrad", "rmsprop"):
        c = s.get("cache", 0.0 * w)
        d = hp.get("decay_rate", 1.0)
        s["cache"] = d * c + (1 - d if name == "rmsprop" else 1.0) * g * g
        return w - lr * g / (np.sqrt(s["cache"]) + hp["epsilon"])
    b1, b2 = hp["beta1"], hp["beta2"]
    s["t"] = s.get("t", 0) + 1
    s["m"] = b1 * s.get("m", 0.0 * w) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0 * w) + (1 - b2) * g * g
    m_hat, v_hat = s["m"] / (1 - b1 ** s["t"]), s["v"] / (1 - b2 ** s["t"])
    return w - lr * m_hat / (np.sqrt(v_hat) + hp["epsilon"])


def _rule_oracle(name: str) -> Callable[[dict[str, Any]], Problems]:
    def oracle(namespace: dict[str, Any]) -> Problems:
        rule, rng, problems = namespace[name], np.random.default_rng(7), []
        for config in (None, dict(_CUSTOM[name])):
            hp = _DEFAULTS[name] if config is None else dict(config)
            w = rng.uniform(0.5, 2.0, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4))
            state: dict[str, Any] = {}
            for step in range(1, 5):
                g = rng.uniform(1.0, 3.0, w.shape) * rng.choice([-1.0, 1.0], w.shape)
                expected = _closed_form(name, w, g, hp, state)
                w_in, g_in = w.copy(), g.copy()
                next_w, config = rule(w_in, g_in, config)
                where = f"step {step} from {'config=None' if hp is _DEFAULTS[name] else 'a config'}"
                if not np.array_equal(g_in, g):
                    problems.append(f"dw modified ({where})")
                if not (np.array_equal(w_in, w) or np.array_equal(w_in, next_w)):
                    problems.append(f"w left holding something other than next_w ({where})")
                if not np.allclose(next_w, expected, rtol=1e-9, atol=0):
                    problems.append(f"next_w wrong ({where})")
                for key, value in state.items():
                    if not np.allclose(config.get(key, np.nan), value, rtol=1e-9, atol=0):
                        problems.append(f"config[{key!r}] wrong ({where})")
                w = expected
        return problems

    return oracle


# ------------------------------------------------------------------ layers

_KEEP = 0.35  # the probability of keeping a unit, as the docstring defines p


def _no_zeros(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def _dropout_forward_oracle(namespace: dict[str, Any]) -> Problems:
    fwd, rng, problems = namespace["dropout_forward"], np.random.default_rng(8), []
    x = _no_zeros(rng, (300, 400))
    out = fwd(x, {"mode": "train", "p": _KEEP, "seed": 3})[0]
    kept = out != 0
    # 120,000 units: the kept fraction has a standard deviation of 1.4e-3.
    if abs(kept.mean() - _KEEP) > 0.01:
        problems.append(f"keeps a fraction {kept.mean():.3f} of the units, not p = {_KEEP}")
    if not np.allclose(out[kept], x[kept] / _KEEP, rtol=1e-6, atol=0):
        problems.append("kept units are not x / p")
    if not np.array_equal(fwd(x, {"mode": "test", "p": _KEEP})[0], x):
        problems.append("test mode changes x")
    if not np.array_equal(fwd(x, {"mode": "train", "p": _KEEP, "seed": 3})[0], out):
        problems.append("the same seed gives another mask")
    first, second = (fwd(x, {"mode": "train", "p": _KEEP})[0] != 0 for _ in range(2))
    if np.array_equal(first, second):
        problems.append("two calls without a seed give the same mask")
    return problems


def _dropout_backward_oracle(namespace: dict[str, Any]) -> Problems:
    fwd, bwd = namespace["dropout_forward"], namespace["dropout_backward"]
    rng, problems = np.random.default_rng(9), []
    x, dout = _no_zeros(rng, (20, 30)), rng.standard_normal((20, 30))
    out, cache = fwd(x, {"mode": "train", "p": _KEEP, "seed": 4})
    # out = x * mask, so dout flows back through the same mask: dout / p where kept.
    if not np.allclose(bwd(dout, cache), np.where(out != 0, dout / _KEEP, 0.0), rtol=1e-9):
        problems.append("train mode: dx is not dout through the forward pass's own mask")
    _, cache = fwd(x, {"mode": "test", "p": _KEEP})
    if not np.array_equal(bwd(dout, cache), dout):
        problems.append("test mode: dx is not dout")
    return problems


def _affine_inputs() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(10)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    return x, w, b, rng.standard_normal((4, 5))


def _affine_forward_oracle(namespace: dict[str, Any]) -> Problems:
    x, w, b, _ = _affine_inputs()
    out = namespace["affine_forward"](x, w, b)[0]
    expected = np.einsum("nij,ijm->nm", x, w.reshape(2, 3, 5)) + b
    return [] if np.allclose(out, expected, rtol=1e-12) else ["out is not x w + b"]


def _affine_backward_oracle(namespace: dict[str, Any]) -> Problems:
    x, w, b, dout = _affine_inputs()
    cache = namespace["affine_forward"](x, w, b)[1]  # the student's own cache
    dx, dw, db = namespace["affine_backward"](dout, cache)
    expected = (np.einsum("nm,ijm->nij", dout, w.reshape(2, 3, 5)),
                np.einsum("nij,nm->ijm", x, dout).reshape(6, 5), dout.sum(axis=0))
    return [
        f"{name} is wrong from its own forward's cache"
        for name, got, want in zip(("dx", "dw", "db"), (dx, dw, db), expected)
        if np.shape(got) != want.shape or not np.allclose(got, want, rtol=1e-10)
    ]


def _sigmoid_x() -> np.ndarray:
    return np.random.default_rng(11).standard_normal((5, 6)) * 4


def _sigmoid_forward_oracle(namespace: dict[str, Any]) -> Problems:
    x = _sigmoid_x()
    expected = np.array([[1 / (1 + math.exp(-v)) for v in row] for row in x])
    ok = np.allclose(namespace["sigmoid_forward"](x)[0], expected, rtol=1e-12)
    return [] if ok else ["out is not 1 / (1 + exp(-x))"]


def _sigmoid_backward_oracle(namespace: dict[str, Any]) -> Problems:
    x = _sigmoid_x()
    dout = np.random.default_rng(12).standard_normal(x.shape)
    cache = namespace["sigmoid_forward"](x)[1]
    s = np.array([[1 / (1 + math.exp(-v)) for v in row] for row in x])
    ok = np.allclose(namespace["sigmoid_backward"](dout, cache), dout * s * (1 - s), rtol=1e-9)
    return [] if ok else ["dx is wrong from its own forward's cache"]


# ------------------------------------------------------------------ the net


def _net_state(rng: np.random.Generator, reg: float) -> dict[str, Any]:
    """A tanh net 6 -> 5 -> 4 -> 3 without normalization or dropout."""
    dims = [6, 5, 4, 3]
    params = {}
    for i in range(1, 4):
        params[f"W{i}"] = rng.standard_normal((dims[i - 1], dims[i])) / 2
        params[f"b{i}"] = rng.standard_normal(dims[i]) / 4
    return {"params": params, "reg": reg, "dtype": np.float64, "num_layers": 3,
            "normalization": None, "activation": "tanh", "use_dropout": False,
            "dropout_param": {}, "bn_params": [], "weight_init": None}


def _oracle_loss(params: dict[str, np.ndarray], reg: float, X: np.ndarray, y: np.ndarray) -> float:
    h = X.reshape(len(X), -1)
    for i in (1, 2):
        h = np.tanh(h @ params[f"W{i}"] + params[f"b{i}"])
    scores = h @ params["W3"] + params["b3"]
    top = scores.max(axis=1, keepdims=True)
    log_probs = scores - top - np.log(np.exp(scores - top).sum(axis=1, keepdims=True))
    l2 = sum(float((params[f"W{i}"] ** 2).sum()) for i in (1, 2, 3))
    return float(-log_probs[np.arange(len(y)), y].mean()) + 0.5 * reg * l2


def _net_loss_oracle(namespace: dict[str, Any]) -> Problems:
    cls, rng, problems = namespace["FullyConnectedNet"], np.random.default_rng(13), []
    X, y = rng.standard_normal((5, 2, 3)), rng.integers(0, 3, 5)
    state = _net_state(rng, reg=0.3)
    net = cls.__new__(cls)
    net.__dict__.update(state)
    loss, grads = net.loss(X, y)
    if abs(loss - _oracle_loss(state["params"], 0.3, X, y)) > 1e-9:
        problems.append("loss differs from softmax + 0.5 * reg * sum(W ** 2)")
    for name, value in state["params"].items():
        numeric = np.zeros_like(value)
        for idx in np.ndindex(value.shape):
            shifted = [{**state["params"], name: value.copy()} for _ in range(2)]
            shifted[0][name][idx] += 1e-6
            shifted[1][name][idx] -= 1e-6
            up, down = (_oracle_loss(p, 0.3, X, y) for p in shifted)
            numeric[idx] = (up - down) / 2e-6
        if not np.allclose(grads.get(name), numeric, rtol=1e-5, atol=1e-7):
            problems.append(f"grads[{name!r}] differs from the loss's centered differences")
    return problems


_ORACLES: dict[str, Callable[[dict[str, Any]], Problems]] = {
    **{name: _rule_oracle(name) for name in _DEFAULTS},
    "dropout_forward": _dropout_forward_oracle,
    "dropout_backward": _dropout_backward_oracle,
    "affine_forward": _affine_forward_oracle,
    "affine_backward": _affine_backward_oracle,
    "sigmoid_forward": _sigmoid_forward_oracle,
    "sigmoid_backward": _sigmoid_backward_oracle,
    "FullyConnectedNet.loss": _net_loss_oracle,
}


def _constructor_parts_lost(cls: type) -> set[str]:
    """The parts of __init__ a constructor loses by its spec, found from the class.

    Without ``activation`` (``weight_init``), the PReLU slopes (the named initialisers)
    cannot be asked for; a seed that does not make the weights reproducible loses
    "seed". The layout, the start values and the weights' spread must be right."""
    taken = inspect.signature(cls).parameters
    lost = {part for arg, part in (("activation", "PReLU slopes"), ("weight_init", "weight_init"))
            if arg not in taken}
    nets = [cls([30, 20], input_dim=40, num_classes=5, normalization="batchnorm",
                weight_scale=0.3, dtype=np.float64, seed=s) for s in (5, 5, 6)]
    params = nets[0].params
    dims = [40, 30, 20, 5]
    layout = {f"W{i}": (dims[i - 1], dims[i]) for i in (1, 2, 3)}
    layout |= {f"{k}{i}": (dims[i],) for i in (1, 2, 3) for k in ("b", "gamma", "beta")
               if k == "b" or i < 3}
    assert {k: v.shape for k, v in params.items()} == layout
    assert all(v.dtype == np.float64 for v in params.values())
    assert all(not params[k].any() for k in layout if k[0] == "b")
    assert all((params[k] == 1).all() for k in layout if k.startswith("gamma"))
    assert abs(params["W1"].std() / 0.3 - 1) < 0.05  # 1,200 draws
    if not all(np.array_equal(params[k], nets[1].params[k]) for k in layout):
        lost.add("seed")
    return lost


# ------------------------------------------------------------------ grading


def _graded(tmp_path: Path, module: str, text: str, ids: list[str]) -> dict[str, tuple]:
    write_solution_package(tmp_path, {module: text})
    report = grade_submission(tmp_path, ids, seed=SEED)
    return {t.id: (t.points, t.max_points, t.feedback) for t in report.tasks}


def test_the_catalogue_is_large_enough() -> None:
    names = [e.name for e in [*CORRECT, *WRONG, *DEFAULTS_ONLY]]
    assert len(names) >= 30 and len(set(names)) == len(names)
    assert CORRECT and WRONG


@pytest.mark.parametrize("entry", CORRECT, ids=lambda e: e.name)
def test_a_correct_convention_keeps_full_marks(tmp_path: Path, entry: Alternative) -> None:
    namespace, names = _functions(entry)
    assert {n: _problems(namespace, n) for n in names} == {n: [] for n in names}
    ids = [f"{entry.module}.{n}" for n in names]
    scores = _graded(tmp_path, entry.module, entry.apply(solved_module_text(entry.module)), ids)
    assert {k: v[2] for k, v in scores.items() if v[0] != v[1] or PREFIX in v[2]} == {}


@pytest.mark.parametrize("entry", WRONG, ids=lambda e: e.name)
def test_a_wrong_convention_loses_points_in_its_task(tmp_path: Path, entry: Mutant) -> None:
    namespace, names = _functions(entry)
    own = entry.task.split(".", 1)[1]
    assert own in names
    assert _problems(namespace, own), f"the oracle finds {entry.name} right"
    assert {n: _problems(namespace, n) for n in names if n != own} == {
        n: [] for n in names if n != own
    }
    ids = [f"{entry.module}.{n}" for n in names]
    scores = _graded(tmp_path, entry.module, entry.apply(solved_module_text(entry.module)), ids)
    points, max_points, feedback = scores.pop(entry.task)
    assert points < max_points, f"{entry.name} kept full marks:\n{feedback}"
    # The likely mistake the entry states, and none for an entry that states none.
    named = [line for line in feedback.splitlines() if line.startswith(PREFIX)]
    assert len(named) == (1 if entry.diagnosis else 0), feedback
    assert all(entry.diagnosis in line for line in named), feedback
    assert {k: v[2] for k, v in scores.items() if v[0] != v[1] or PREFIX in v[2]} == {}


@pytest.mark.parametrize("entry", DEFAULTS_ONLY, ids=lambda e: e.name)
def test_a_constructor_without_our_arguments_is_graded_with_defaults(
    tmp_path: Path, entry: Mutant
) -> None:
    namespace, _ = _functions(entry)
    lost = _constructor_parts_lost(namespace["FullyConnectedNet"])
    assert {"PReLU slopes", "weight_init"} <= lost
    parts = PARTS[entry.task]
    task = next(t for t in TASKS if t.id == entry.task)
    expected = task.points * sum(p.weight for n, p in parts.items() if n not in lost) / sum(
        p.weight for p in parts.values()
    )
    text = entry.apply(solved_module_text(entry.module))
    points, _, feedback = _graded(tmp_path, entry.module, text, [entry.task])[entry.task]
    assert points == pytest.approx(expected, abs=1e-3), feedback
    for arg in ("activation", "weight_init"):
        assert f"takes no '{arg}' argument" in feedback


def test_a_backward_pass_after_a_wrong_forward_is_graded_on_the_reference_cache(
    tmp_path: Path,
) -> None:
    # The bias is left out of the output only: the cache (x, w, b) is still the documented one.
    text = solved_module_text("layers").replace(
        "out = x.reshape(x.shape[0], -1) @ w + b", "out = x.reshape(x.shape[0], -1) @ w"
    )
    ids = ["layers.affine_forward", "layers.affine_backward"]
    scores = _graded(tmp_path, "layers", text, ids)
    assert scores["layers.affine_forward"][0] < scores["layers.affine_forward"][1]
    points, max_points, feedback = scores["layers.affine_backward"]
    assert points == max_points
    note = "graded with the reference's cache, since your affine_forward gives a wrong output"
    assert feedback.count(note) == 3, feedback  # dx, dw and db
