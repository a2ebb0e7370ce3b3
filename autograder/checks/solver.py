"""Hidden checks of the ``solver`` tasks (methods of ``Solver``).

Each method runs on a bare instance of the student's ``Solver`` whose attributes
are those of a reference Solver, with its dependencies standing in the trusted
process: the model is a remote object whose ``loss`` runs a reference
FullyConnectedNet on the parameters the worker holds; the update rule, the
minibatch sampler and (for ``_step``) ``_record_update_ratios`` are remote
functions, so a bug in another method or in ``optim`` costs nothing here. The
module's own ``optim`` is a stand-in for the reference.
"""

from __future__ import annotations

import copy
import inspect
import math
from collections.abc import Callable
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
from autograder.isolation.session import RemoteObject
from autograder.reference import classifiers as ref_classifiers
from autograder.reference import optim as ref_optim
from autograder.reference import solver as ref

STEP = "solver.Solver._step"
ACCURACY = "solver.Solver.check_accuracy"
DIVERGENCE = "solver.Solver._check_divergence"
RATIOS = "solver.Solver._record_update_ratios"


def _proxies() -> dict[str, Callable[..., Any]]:
    """Every function of optim, run by the reference."""
    return {
        f"optim.{name}": fn
        for name, fn in vars(ref_optim).items()
        if inspect.isfunction(fn) and fn.__module__ == ref_optim.__name__ and name[0] != "_"
    }


# ------------------------------------------------------------------ helpers


def _function(fn: Callable[..., Any]) -> RemoteObject:
    """A remote function: calling it in the worker calls ``fn`` here."""
    return RemoteObject(attrs={}, methods={"__call__": lambda _state, *a, **k: (fn(*a, **k), {})})


class _Model:
    """A reference net standing behind the remote model; logs the batch sizes it sees."""

    def __init__(self, net: ref_classifiers.FullyConnectedNet) -> None:
        self.net = net
        self.batch_sizes: list[int] = []

    def remote(self) -> RemoteObject:
        return RemoteObject(attrs={"params": self.net.params}, methods={"loss": self.loss})

    def loss(self, state: dict, X: Any, y: Any = None) -> tuple[Any, dict]:
        params = state.get("params")
        if type(params) is not dict:
            raise TypeError("model.params is no longer a dict")
        if type(X) is not np.ndarray:
            raise TypeError("X must be a numpy array")
        if X.size > 10**6:  # the reference runs here: refuse absurd batches
            raise ValueError("a batch far larger than the data")
        net = copy.copy(self.net)
        net.params = params
        self.batch_sizes.append(int(X.shape[0]))
        return net.loss(X, y), {}


def _number(value: Any) -> float | None:
    if type(value) in (float, int) or (
        isinstance(value, np.generic) and np.asarray(value).dtype.kind in "fiu"
    ):
        return float(value)
    return None


def _net(run: TaskRun, d: int, c: int) -> ref_classifiers.FullyConnectedNet:
    """A small float64 reference net with non-zero biases and L2 regularization."""
    net = ref_classifiers.FullyConnectedNet(
        [int(run.rng.integers(4, 9))], input_dim=d, num_classes=c,
        reg=float(run.rng.uniform(0.01, 0.1)), weight_scale=float(run.rng.uniform(0.2, 0.6)),
        dtype=np.float64, seed=int(run.rng.integers(0, 2**31)),
    )
    for name, value in net.params.items():
        if name.startswith("b"):
            net.params[name] = 0.1 * run.rng.standard_normal(value.shape)
    return net


def _data(run: TaskRun, d: int, c: int) -> dict[str, np.ndarray]:
    n = int(run.rng.integers(15, 25))
    X = run.rng.standard_normal((n, d))
    y = run.rng.integers(0, c, n)
    return {"X_train": X, "y_train": y, "X_val": X[: n // 2], "y_val": y[: n // 2]}


def _state(solver: ref.Solver, **remotes: RemoteObject) -> dict[str, Any]:
    """A reference Solver's attributes, with the non-data ones replaced by remotes."""
    state = {
        k: v
        for k, v in vars(solver).items()
        if k not in ("model", "rng", "update_rule", "lr_schedule", "_sample_batch")
    }
    state["lr_schedule"] = None
    state.update(remotes)
    return state


def _same_array(a: Any, b: np.ndarray) -> bool:
    return type(a) is np.ndarray and a.shape == b.shape and bool(np.array_equal(a, b))


def _compare_params(
    run: TaskRun, part: str, got: Any, expected: dict[str, np.ndarray], what: str
) -> None:
    if type(got) is not dict:
        run.check(part, False, f"{what} should be a dict, got {describe(got)}")
        return
    for name, exp in expected.items():
        if name not in got:
            run.check(part, False, f"{what} has no entry {name!r}")
            continue
        problem = array_problem(got[name], exp.shape, allow_float32=False)
        if problem:
            run.check(part, False, f"{what}[{name!r}]: {problem}")
            continue
        scale = max(float(np.max(np.abs(exp))), 1e-12)
        err = float(np.max(np.abs(got[name] - exp))) / scale
        run.check(
            part,
            err <= 1e-9,
            f"{what}[{name!r}]: relative error {err:.1e} exceeds the tolerance 1e-09",
            "as the reference",
        )


def _compare_config(run: TaskRun, got: Any, expected: dict, what: str) -> None:
    part = "optimizer configs"
    if type(got) is not dict:
        run.check(part, False, f"{what} should be a dict, got {describe(got)}")
        return
    for key, exp in expected.items():  # extra keys are fine
        if key not in got:
            run.check(part, False, f"{what} has no entry {key!r}")
        elif type(exp) is np.ndarray:
            ok = type(got[key]) is np.ndarray and got[key].shape == exp.shape and np.allclose(
                got[key], exp, rtol=1e-9, atol=1e-300
            )
            run.check(part, bool(ok), f"{what}[{key!r}] is not the config the rule returned")
        else:
            value = _number(got[key])
            ok = value is not None and math.isclose(value, float(exp), rel_tol=1e-9)
            run.check(part, ok, f"{what}[{key!r}] is not the config the rule returned")
    run.check(part, True, "", "each parameter keeps the config its rule returned")


# ------------------------------------------------------------------ _step


def _step_case(run: TaskRun, rule: str, warm: bool) -> None:
    d, c = int(run.rng.integers(3, 7)), int(run.rng.integers(3, 6))
    data = _data(run, d, c)
    net = _net(run, d, c)
    lr = float(10 ** run.rng.uniform(-2, -0.5))
    solver = ref.Solver(
        net, data, update_rule=rule, optim_config={"learning_rate": lr},
        batch_size=int(run.rng.integers(4, 9)), verbose=False,
    )
    n = data["X_train"].shape[0]

    def batch() -> tuple[np.ndarray, np.ndarray]:
        idx = run.rng.integers(0, n, solver.batch_size)
        return data["X_train"][idx], data["y_train"][idx]

    if warm:  # an earlier step: rule state in the configs, histories not empty
        first = batch()
        solver._sample_batch = lambda: first  # type: ignore[method-assign]
        solver._step()
    xb, yb = batch()
    before = copy.deepcopy(solver)
    old = {k: v.copy() for k, v in net.params.items()}

    model = _Model(copy.deepcopy(net))
    calls: list[tuple[Any, Any]] = []

    def record(_state: dict, old_params: Any, new_params: Any) -> tuple[None, dict]:
        calls.append((old_params, new_params))
        return None, {}

    state = _state(
        solver,
        model=model.remote(),
        update_rule=_function(getattr(ref_optim, rule)),
        _sample_batch=_function(lambda: (xb, yb)),
        _record_update_ratios=RemoteObject(attrs={}, methods={"__call__": record}),
    )
    out = run.call_full(
        (), state=state, return_attrs=("loss_history", "optim_configs", "model.params")
    )["self"]

    # The reference step on the same minibatch, with the same stand-ins.
    expected_calls: list[tuple[dict, dict]] = []
    before._sample_batch = lambda: (xb, yb)  # type: ignore[method-assign]
    before._record_update_ratios = (  # type: ignore[method-assign]
        lambda o, n: expected_calls.append((dict(o), dict(n)))  # type: ignore[assignment]
    )
    before._step()
    where = f"with update_rule={rule!r}"

    history, expected_history = out.get("loss_history"), before.loss_history
    if type(history) is not list:
        run.check("loss history", False, f"loss_history should be a list, got {describe(history)}")
    elif len(history) != len(expected_history):
        run.check(
            "loss history",
            False,
            f"{where}: loss_history has {len(history)} entries after the step instead of "
            f"{len(expected_history)} (append one loss per step)",
        )
    else:
        last = _number(history[-1])
        run.check(
            "loss history",
            history[:-1] == expected_history[:-1]
            and last is not None
            and math.isclose(last, expected_history[-1], rel_tol=1e-12),
            f"{where}: the loss appended to loss_history is not the minibatch loss",
            "the minibatch loss appended",
        )

    _compare_params(run, "parameters", out.get("model.params"), before.model.params,
                    f"model.params after a step {where}")

    configs = out.get("optim_configs")
    if type(configs) is not dict or set(configs) != set(before.optim_configs):
        run.check(
            "optimizer configs",
            False,
            f"{where}: optim_configs should be a dict with one config per parameter",
        )
    else:
        for name, exp in before.optim_configs.items():
            _compare_config(run, configs[name], exp, f"{where}: optim_configs[{name!r}]")

    if len(calls) != 1:
        run.check(
            "update ratios",
            False,
            f"{where}: _record_update_ratios was called {len(calls)} times in one step",
        )
    else:
        got_old, got_new = calls[0]
        exp_old, exp_new = expected_calls[0]
        ok_old = type(got_old) is dict and set(got_old) == set(exp_old) and all(
            _same_array(got_old[k], old[k]) for k in exp_old
        )
        run.check(
            "update ratios",
            ok_old,
            f"{where}: _record_update_ratios did not get the parameters from before the update",
        )
        ok_new = type(got_new) is dict and set(got_new) == set(exp_new) and all(
            type(got_new[k]) is np.ndarray
            and got_new[k].shape == exp_new[k].shape
            and np.allclose(got_new[k], exp_new[k], rtol=1e-9, atol=0)
            for k in exp_new
        )
        run.check(
            "update ratios",
            ok_new,
            f"{where}: _record_update_ratios did not get the parameters after the update",
            "called once with the parameters before and after",
        )


@check(STEP, proxies=_proxies)
def _step(run: TaskRun) -> None:
    stateful = ("sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam")
    _step_case(run, "sgd", warm=False)
    _step_case(run, stateful[int(run.rng.integers(len(stateful)))], warm=True)
    _step_case(run, "adam", warm=True)


# ------------------------------------------------------------------ check_accuracy


@check(ACCURACY, proxies=_proxies)
def _check_accuracy(run: TaskRun) -> None:
    d, c = int(run.rng.integers(3, 7)), int(run.rng.integers(3, 6))
    net = _net(run, d, c)
    data = _data(run, d, c)
    solver = ref.Solver(net, data, batch_size=int(run.rng.integers(50, 200)), verbose=False)
    b = int(run.rng.integers(3, 8))
    cases: list[tuple[int, dict[str, Any]]] = [  # (N, keyword arguments)
        (b * int(run.rng.integers(3, 6)) + int(run.rng.integers(1, b)), {"batch_size": b}),
        (int(run.rng.integers(2, 9)), {}),  # one batch of the default size
        (b * int(run.rng.integers(2, 4)), {"batch_size": b, "num_samples": None}),
        (int(run.rng.integers(4, 9)), {"batch_size": 1}),
    ]
    n_big = cases[0][0]
    cases.append((n_big, {"batch_size": b, "num_samples": n_big + 2}))  # no subsampling

    def accuracy(n: int, kwargs: dict[str, Any], what: str) -> None:
        X = run.rng.standard_normal((n, d))
        scores = copy.deepcopy(net).loss(X)
        assert isinstance(scores, np.ndarray)  # scores, without labels
        y = run.rng.integers(0, c, n)
        hits = run.rng.random(n) < 0.5  # about half the labels predicted right
        y[hits] = np.argmax(scores, axis=1)[hits]
        expected = float(np.mean(np.argmax(scores, axis=1) == y))
        batch_size = kwargs.get("batch_size", 100)
        model = _Model(net)
        state = _state(solver, model=model.remote())
        acc = run.call_full((X, y), kwargs, state=state)
        value = _number(acc["value"])
        run.check(
            "accuracy",
            value is not None and math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-12),
            f"{what}: the accuracy is wrong"
            if value is not None
            else f"{what}: expected a number, got {describe(acc['value'])}",
            "the fraction of correct predictions",
        )
        sizes = model.batch_sizes
        run.check(
            "batches",
            sum(sizes) == n and max(sizes, default=0) <= batch_size,
            f"{what}: the model was asked for {len(sizes)} batches of sizes up to "
            f"{max(sizes, default=0)} covering {sum(sizes)} examples; predict at most "
            "batch_size examples at a time, each example once",
            "every example predicted once, at most batch_size at a time",
        )

    def section(n: int, kwargs: dict[str, Any]) -> Section:
        what = f"with {n} examples and batch_size={kwargs.get('batch_size', 100)}"
        return Section(what, ("accuracy",), lambda: accuracy(n, kwargs, what))

    # Each case is independent: an exception in one fails the accuracy; "batches" is
    # judged by every case that ran.
    run.independently(*(section(n, kwargs) for n, kwargs in cases))


# ------------------------------------------------------------------ _check_divergence


@check(DIVERGENCE, proxies=_proxies)
def _check_divergence(run: TaskRun) -> None:
    first = int(run.rng.integers(8, 40)) / 8  # dyadic: factor * first is exact
    factor = float((2.0, 2.5, 3.0, 4.0, 5.0)[int(run.rng.integers(5))])
    threshold = factor * first
    prior = "an earlier reason"

    def history(*rest: float) -> list[float]:
        return [first, *rest]

    # (part, loss, loss_history, explosion_factor, diverged)
    cases: list[tuple[str, float, list[float], float | None, bool]] = [
        ("non-finite loss", math.nan, history(first * 0.9), factor, True),
        ("non-finite loss", math.inf, history(first * 0.8, first * 0.7), factor, True),
        ("non-finite loss", math.nan, history(), None, True),
        ("non-finite loss", math.nan, [math.nan], factor, True),
        ("exploding loss", threshold * float(run.rng.uniform(1.01, 1.5)),
         history(first * 0.9), factor, True),
        # The first loss counts, not the latest one (here above the threshold itself).
        ("exploding loss", threshold * 1.2, history(first * 0.9, threshold * 2), factor, True),
        ("exploding loss", threshold * 1e6, history(), None, False),
        ("threshold", threshold, history(first * 1.5), factor, False),
        ("normal loss", first * float(run.rng.uniform(0.2, 0.9)), history(first * 0.95),
         factor, False),
        ("normal loss", first * float(run.rng.uniform(1.1, factor * 0.95)), history(),
         factor, False),
        ("normal loss", first * 1.3, [], factor, False),  # empty history: the loss itself
    ]
    def judge(
        part: str, loss: float, hist: list[float], explosion_factor: float | None,
        diverged: bool, what: str,
    ) -> None:
        state = {
            "loss_history": list(hist),
            "explosion_factor": explosion_factor,
            "stop_reason": None if diverged else prior,
        }
        out = run.call_full((loss,), state=state, return_attrs=("stop_reason",))
        value, reason = out["value"], out["self"].get("stop_reason")
        if diverged:
            run.check(part, value is True, f"training did not stop on {what}", "training stops")
            run.check(
                "stop reason",
                type(reason) is str and reason.strip() != "",
                "stop_reason is not a non-empty sentence after divergence",
                "a reason is given when training stops",
            )
        else:
            message = {
                "threshold": "a loss of exactly explosion_factor x the first loss stopped "
                "training (only a greater loss should)",
                "exploding loss": "with explosion_factor=None only NaN/inf may stop training",
            }.get(part, "training stopped on a loss below explosion_factor x the first loss")
            run.check(part, value is False, f"{message} ({what})", "training goes on")
            run.check(
                "stop reason",
                reason == prior,
                "stop_reason changed although training goes on",
                "a reason is given when training stops",
            )

    def section(
        part: str, loss: float, hist: list[float], explosion_factor: float | None, diverged: bool
    ) -> Section:
        kind = "NaN" if math.isnan(loss) else "an infinite" if math.isinf(loss) else "a finite"
        history_kind = "an empty" if not hist else "a"
        what = (
            f"{kind} loss with {history_kind} loss history and explosion_factor="
            f"{'None' if explosion_factor is None else 'set'}"
        )
        return Section(
            f"with {what}", (part,),
            lambda: judge(part, loss, hist, explosion_factor, diverged, what),
        )

    # Each case is independent: an exception in one fails its own part only.
    run.independently(*(section(*case) for case in cases))


# ------------------------------------------------------------------ _record_update_ratios


@check(RATIOS, proxies=_proxies)
def _record_update_ratios(run: TaskRun) -> None:
    def dims() -> tuple[int, int]:
        return int(run.rng.integers(1, 6)), int(run.rng.integers(1, 6))

    old = {
        "W1": run.rng.standard_normal(dims()),
        "b1": run.rng.standard_normal(dims()[0]),
        "W2": run.rng.standard_normal(dims()) * 10,
        "b2": np.zeros(dims()[1]),  # all zeros: the ratio is NaN
        "gamma1": 1 + 0.1 * run.rng.standard_normal(dims()[0]),
    }
    new = {}
    for name, w in old.items():
        step = 10 ** run.rng.uniform(-4, -1)
        new[name] = w + step * run.rng.standard_normal(w.shape)
    new["b1"] = old["b1"].copy()  # a parameter that did not move: ratio 0
    prior = {
        "W1": [float(run.rng.uniform(1e-4, 1e-2)) for _ in range(2)],
        "b1": [float(run.rng.uniform(1e-4, 1e-2))],
        "W2": [],
        "b2": [math.nan],
        "other": [0.5],  # not among the parameters: left alone
    }  # "gamma1" is missing: a new list
    solver = object.__new__(ref.Solver)
    solver.update_ratio_history = copy.deepcopy(prior)
    solver._record_update_ratios(old, new)
    expected = solver.update_ratio_history

    out = run.call_full(
        (old, new), state={"update_ratio_history": copy.deepcopy(prior)},
        return_attrs=("update_ratio_history",),
    )
    got = out["self"].get("update_ratio_history")
    if type(got) is not dict:
        raise CheckAbort(f"update_ratio_history should be a dict, got {describe(got)}")

    def same(a: Any, b: float) -> bool:
        v = _number(a)
        return v is not None and (v == b or (math.isnan(v) and math.isnan(b)))

    for name, exp in expected.items():
        ratios = got.get(name)
        if type(ratios) is not list:
            run.check(
                "history kept", False,
                f"update_ratio_history[{name!r}] should be a list, got {describe(ratios)}",
            )
            continue
        kept = len(ratios) >= len(prior.get(name, [])) and all(
            same(a, b) for a, b in zip(ratios, prior.get(name, []))
        )
        if name not in new:
            run.check("history kept", kept and len(ratios) == len(exp),
                      f"update_ratio_history[{name!r}] changed but {name} was not updated")
            continue
        run.check(
            "history kept",
            kept and len(ratios) == len(exp),
            f"update_ratio_history[{name!r}]: append one ratio per call and keep the earlier ones",
            "one ratio appended per parameter, earlier ones kept",
        )
        if not ratios:
            continue
        value, want = _number(ratios[-1]), exp[-1]
        if math.isnan(want):
            run.check(
                "zero weights",
                value is not None and math.isnan(value),
                f"the ratio for {name} (all-zero weights before the update) should be NaN",
                "NaN for all-zero weights",
            )
        else:
            ok = value is not None and math.isclose(value, want, rel_tol=1e-9, abs_tol=1e-300)
            run.check(
                "ratios",
                ok,
                f"the ratio for {name} is wrong: norm(new - old) / norm(old), Frobenius norms",
                "norm of the update over norm of the weights",
            )
