"""Tests of the reference Solver: overfitting, early stopping, update ratios, schedules.

The babysitting recipe of the lecture, as tests: a 3-layer net must overfit 50
examples; a learning rate of 1e6 must stop training with a recorded reason (the
loss explodes past 3x the first loss, or turns NaN); the update/weight ratio is
recorded per parameter. Data: MNIST-1D generated locally by the mnist1d package,
and small synthetic sets.
"""

from __future__ import annotations

import functools
import math
import os
import pickle

import numpy as np
import pytest
from mnist1d.data import get_dataset_args, make_dataset

from autograder.reference import optim
from autograder.reference.classifiers import FullyConnectedNet
from autograder.reference.solver import Solver

task = pytest.mark.task
STEP = "solver.Solver._step"
ACC = "solver.Solver.check_accuracy"
DIVERGE = "solver.Solver._check_divergence"
RATIOS = "solver.Solver._record_update_ratios"


@pytest.fixture(scope="module")
def mnist1d() -> dict[str, np.ndarray]:
    args = get_dataset_args()
    args.num_samples = 300  # 240 train / 60 test; generation takes about a second
    d = make_dataset(args)
    return {"X_train": d["x"], "y_train": d["y"], "X_val": d["x_test"], "y_val": d["y_test"]}


@pytest.fixture()
def small_data(mnist1d) -> dict[str, np.ndarray]:
    return {
        "X_train": mnist1d["X_train"][:50], "y_train": mnist1d["y_train"][:50],
        "X_val": mnist1d["X_val"], "y_val": mnist1d["y_val"],
    }


def three_layer_net(weight_scale: float = 1e-1, **kwargs) -> FullyConnectedNet:
    return FullyConnectedNet([100, 100], input_dim=40, num_classes=10,
                             weight_scale=weight_scale, seed=0, **kwargs)


def toy_data(n: int = 12, d: int = 4, c: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, d)), rng.integers(0, c, n)
    return {"X_train": X, "y_train": y, "X_val": X[: n // 2], "y_val": y[: n // 2]}


class ScriptedModel:
    """A model whose minibatch losses are given in advance (gradients are ones)."""

    def __init__(self, losses: list[float]) -> None:
        self.params = {"W": np.ones((4, 3)), "b": np.zeros(3)}
        self.losses = list(losses)
        self.calls = 0

    def loss(self, X, y=None):
        if y is None:
            return np.zeros((X.shape[0], 3))
        loss = self.losses[min(self.calls, len(self.losses) - 1)]
        self.calls += 1
        return loss, {k: np.ones_like(v) for k, v in self.params.items()}


# ---------------------------------------------------------------------------
# The babysitting recipe
# ---------------------------------------------------------------------------


@task(STEP)
@pytest.mark.parametrize(
    ("update_rule", "lr"), [("sgd_momentum", 5e-2), ("adam", 5e-3), ("rmsprop", 1e-3)]
)
def test_overfits_50_examples(small_data, update_rule, lr) -> None:
    model = three_layer_net()
    solver = Solver(model, small_data, update_rule=update_rule,
                    optim_config={"learning_rate": lr}, num_epochs=30, batch_size=25,
                    verbose=False, seed=0)
    solver.train()
    assert solver.stop_reason is None and not solver.stopped_early
    assert solver.train_acc_history[-1] == 1.0  # measured on all 50 examples
    assert solver.loss_history[-1] < 0.1 * solver.loss_history[0]
    assert len(solver.loss_history) == 30 * 2


@task(DIVERGE)
def test_huge_learning_rate_stops_with_a_reason(small_data, capsys) -> None:
    model = three_layer_net(weight_scale=1e-2)
    solver = Solver(model, small_data, optim_config={"learning_rate": 1e6}, num_epochs=10,
                    batch_size=25, seed=0, print_every=1)
    solver.train()
    assert solver.stopped_early
    assert "explod" in solver.stop_reason
    assert len(solver.loss_history) < 10 * 2
    assert solver.loss_history[-1] > 3 * solver.loss_history[0]
    assert solver.loss_history[0] == pytest.approx(math.log(10), abs=0.05)
    assert solver.stop_reason in capsys.readouterr().out
    # The model is left with the best parameters seen, all finite.
    assert all(np.all(np.isfinite(v)) for v in model.params.values())


@task(DIVERGE)
def test_nan_loss_stops_training() -> None:
    model = ScriptedModel([2.0, 1.5, float("nan"), 1.0])
    solver = Solver(model, toy_data(), batch_size=4, num_epochs=5, verbose=False, seed=0)
    solver.train()
    assert solver.stopped_early and len(solver.loss_history) == 3
    assert "nan" in solver.stop_reason.lower()


@task(DIVERGE)
def test_training_without_divergence_has_no_stop_reason() -> None:
    model = ScriptedModel([2.0, 5.9, 1.0])  # 5.9 < 3 * 2.0
    solver = Solver(model, toy_data(), batch_size=4, num_epochs=2, verbose=False, seed=0)
    solver.train()
    assert solver.stop_reason is None and not solver.stopped_early
    assert len(solver.loss_history) == 6


@task(DIVERGE)
def test_check_divergence_rules() -> None:
    solver = Solver(ScriptedModel([1.0]), toy_data(), verbose=False)
    assert solver._check_divergence(2.0) is False  # empty history: compares with itself
    assert solver._check_divergence(float("inf")) is True
    assert "inf" in solver.stop_reason
    solver.stop_reason = None
    solver.loss_history = [2.0, 3.0]
    assert solver._check_divergence(6.0) is False  # exactly 3x is not more than 3x
    assert solver.stop_reason is None
    assert solver._check_divergence(6.001) is True
    assert "explod" in solver.stop_reason and "6.001" in solver.stop_reason
    reason = solver.stop_reason
    assert solver._check_divergence(1.0) is False
    assert solver.stop_reason == reason  # left unchanged
    assert solver._check_divergence(float("nan")) is True
    solver.loss_history = [float("nan")]
    assert solver._check_divergence(float("nan")) is True  # a NaN first loss


@task(DIVERGE)
def test_explosion_factor_is_configurable() -> None:
    solver = Solver(ScriptedModel([1.0]), toy_data(), verbose=False, explosion_factor=10.0)
    solver.loss_history = [1.0]
    assert not solver._check_divergence(9.0)
    assert solver._check_divergence(11.0)
    off = Solver(ScriptedModel([1.0]), toy_data(), verbose=False, explosion_factor=None)
    off.loss_history = [1.0]
    assert not off._check_divergence(1e30)
    assert off._check_divergence(float("nan"))


# ---------------------------------------------------------------------------
# Update/weight ratios
# ---------------------------------------------------------------------------


@task(RATIOS)
def test_record_update_ratios_by_hand() -> None:
    solver = Solver(ScriptedModel([1.0]), toy_data(), verbose=False)
    old = {"W": np.array([[3.0, 4.0]]), "b": np.zeros(3)}
    new = {"W": np.array([[3.0, 4.05]]), "b": np.array([0.1, 0.0, 0.0])}
    solver._record_update_ratios(old, new)
    assert solver.update_ratio_history["W"] == [pytest.approx(0.05 / 5.0, rel=1e-12)]
    assert math.isnan(solver.update_ratio_history["b"][0])  # undefined for zero weights
    new2 = {"W": np.array([[0.0, 0.0]]), "b": np.array([0.2, 0.0, 0.0])}
    solver._record_update_ratios(new, new2)
    assert solver.update_ratio_history["W"][1] == pytest.approx(1.0, rel=1e-12)
    assert solver.update_ratio_history["b"][1] == pytest.approx(1.0, rel=1e-12)
    assert all(isinstance(r, float) for v in solver.update_ratio_history.values() for r in v)
    np.testing.assert_array_equal(old["W"], [[3.0, 4.0]])  # inputs untouched


@task(STEP)
def test_step_updates_every_param_with_sgd_and_records_ratios() -> None:
    data = toy_data(n=8)
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, weight_scale=0.3, reg=0.1,
                              dtype=np.float64, seed=1)
    solver = Solver(model, data, optim_config={"learning_rate": 0.1}, verbose=False)
    batch = (data["X_train"][:6], data["y_train"][:6])
    solver._sample_batch = lambda: batch  # a fixed minibatch
    old = {k: v.copy() for k, v in model.params.items()}
    loss, grads = model.loss(*batch)
    solver._step()
    assert solver.loss_history == [pytest.approx(loss, rel=1e-14)]
    assert isinstance(solver.loss_history[0], float)
    for k in old:
        np.testing.assert_allclose(model.params[k], old[k] - 0.1 * grads[k], rtol=1e-14)
        if np.linalg.norm(old[k]) > 0:
            expected = 0.1 * np.linalg.norm(grads[k]) / np.linalg.norm(old[k])
            assert solver.update_ratio_history[k] == [pytest.approx(expected, rel=1e-10)]
        else:
            assert math.isnan(solver.update_ratio_history[k][0])  # biases start at zero


@task(STEP)
def test_step_keeps_one_optimizer_state_per_param() -> None:
    model = FullyConnectedNet([5], input_dim=4, num_classes=3, dtype=np.float64, seed=2)
    solver = Solver(model, toy_data(), update_rule="adam", optim_config={"learning_rate": 1e-3},
                    batch_size=4, verbose=False, seed=0)
    solver._step()
    solver._step()
    assert set(solver.optim_configs) == set(model.params)
    for k, config in solver.optim_configs.items():
        assert config["t"] == 2 and config["m"].shape == model.params[k].shape
    assert solver.optim_configs["W1"] is not solver.optim_configs["W2"]
    assert solver.optim_config == {"learning_rate": 1e-3}  # the template is untouched


@task(STEP)
def test_step_stores_the_config_the_rule_returns() -> None:
    """A rule may return a new config dict instead of the one it was given."""
    model = ScriptedModel([1.0])
    solver = Solver(model, toy_data(), batch_size=4, verbose=False, seed=0)

    def counting_rule(w, dw, config):
        return w - dw, {"count": config.get("count", 0) + 1}

    solver.update_rule = counting_rule
    solver._step()
    solver._step()
    assert solver.optim_configs == {"W": {"count": 2}, "b": {"count": 2}}
    np.testing.assert_array_equal(model.params["W"], -np.ones((4, 3)))


@task(RATIOS)
def test_training_records_one_ratio_per_param_per_iteration(mnist1d) -> None:
    model = three_layer_net(weight_init="he")
    solver = Solver(model, mnist1d, update_rule="sgd_momentum",
                    optim_config={"learning_rate": 1e-2}, num_epochs=2, batch_size=60,
                    verbose=False, seed=0)
    solver.train()
    n = len(solver.loss_history)
    assert n == 2 * (240 // 60)
    assert set(solver.update_ratio_history) == set(model.params)
    for name, ratios in solver.update_ratio_history.items():
        assert len(ratios) == n
        if name.startswith("W"):  # a reasonable learning rate: near the lecture's 1e-3
            assert all(1e-5 < r < 1e-1 for r in ratios)


# ---------------------------------------------------------------------------
# Learning-rate schedules
# ---------------------------------------------------------------------------


def test_lr_schedule_is_applied_at_each_epoch_end() -> None:
    model = ScriptedModel([1.0])
    calls = []

    def schedule(lr0, epoch):
        calls.append((lr0, epoch))
        return lr0 / (1 + epoch)

    solver = Solver(model, toy_data(), optim_config={"learning_rate": 0.4}, lr_schedule=schedule,
                    batch_size=4, num_epochs=3, verbose=False, seed=0)
    solver.train()
    # Each epoch computes from lr0, not from the previous epoch's rate.
    assert calls == [(0.4, 1), (0.4, 1), (0.4, 2), (0.4, 2), (0.4, 3), (0.4, 3)]
    assert all(c["learning_rate"] == pytest.approx(0.1) for c in solver.optim_configs.values())


def test_lr_schedule_from_optim_and_lr_decay() -> None:
    step = functools.partial(optim.step_decay, drop=0.5, every=2)
    s1 = Solver(ScriptedModel([1.0]), toy_data(), lr_schedule=step, batch_size=4,
                num_epochs=5, verbose=False, seed=0)  # sgd's default rate, 1e-2
    s1.train()
    assert s1.optim_configs["W"]["learning_rate"] == pytest.approx(1e-2 * 0.5**2)
    s2 = Solver(ScriptedModel([1.0]), toy_data(), optim_config={"learning_rate": 1.0},
                lr_decay=0.9, batch_size=4, num_epochs=3, verbose=False, seed=0)
    s2.train()
    assert s2.optim_configs["b"]["learning_rate"] == pytest.approx(0.9**3)


def test_learning_rate_is_used_by_the_step() -> None:
    # With gradients of ones and sgd, each step moves W by exactly the current rate.
    model = ScriptedModel([1.0])
    solver = Solver(model, toy_data(), optim_config={"learning_rate": 0.5},
                    lr_schedule=lambda lr0, e: lr0 * 0.1**e, batch_size=12, num_epochs=3,
                    verbose=False)
    solver.train()
    # W goes 1 -> 0.5 -> 0.45 -> 0.445; each ratio is |step| / |W before the step|.
    np.testing.assert_allclose(
        solver.update_ratio_history["W"], [0.5 / 1.0, 0.05 / 0.5, 0.005 / 0.45], rtol=1e-12
    )


# ---------------------------------------------------------------------------
# Accuracy, bookkeeping, checkpoints, arguments
# ---------------------------------------------------------------------------


class FirstFeatureModel:
    """Predicts class round(x[:, 0]); records the batch sizes it is called with."""

    def __init__(self, num_classes: int = 3) -> None:
        self.params = {"W": np.ones(1)}
        self.num_classes = num_classes
        self.batch_sizes: list[int] = []

    def loss(self, X, y=None):
        assert y is None
        self.batch_sizes.append(X.shape[0])
        return np.eye(self.num_classes)[X[:, 0].astype(int)]


@task(ACC)
@pytest.mark.parametrize(("n", "batch_size"), [(7, 3), (1, 100), (10, 10), (5, 1)])
def test_check_accuracy_in_batches(n, batch_size) -> None:
    rng = np.random.default_rng(n)
    X = rng.integers(0, 3, (n, 2)).astype(float)
    y = rng.integers(0, 3, n)
    model = FirstFeatureModel()
    solver = Solver(model, toy_data(), verbose=False)
    acc = solver.check_accuracy(X, y, batch_size=batch_size)
    assert isinstance(acc, float)
    assert acc == pytest.approx(np.mean(X[:, 0] == y))
    assert sum(model.batch_sizes) == n and max(model.batch_sizes) <= batch_size


@task(ACC)
def test_check_accuracy_subsamples() -> None:
    X = np.zeros((100, 2))
    y = np.concatenate([np.zeros(50, int), np.ones(50, int)])  # accuracy 1/2 on all
    model = FirstFeatureModel()
    solver = Solver(model, toy_data(), verbose=False, seed=3)
    acc = solver.check_accuracy(X, y, num_samples=10, batch_size=4)
    assert sum(model.batch_sizes) == 10
    assert acc in {k / 10 for k in range(11)}
    assert solver.check_accuracy(X, y, num_samples=1000) == 0.5  # more than N: all of them


def test_best_params_and_histories(mnist1d) -> None:
    model = three_layer_net()
    solver = Solver(model, mnist1d, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    num_epochs=3, batch_size=40, verbose=False, seed=0)
    solver.train()
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 1 + 3
    assert solver.best_val_acc == max(solver.val_acc_history)
    for k, v in solver.best_params.items():
        np.testing.assert_array_equal(model.params[k], v)
    assert solver.check_accuracy(mnist1d["X_val"], mnist1d["y_val"]) == solver.best_val_acc


def test_seed_makes_training_reproducible(mnist1d) -> None:
    def run(seed):
        s = Solver(three_layer_net(), mnist1d, num_epochs=1, batch_size=50, verbose=False,
                   seed=seed)
        s.train()
        return s.loss_history

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_checkpoints_are_written(tmp_path, small_data) -> None:
    name = str(tmp_path / "ckpt")
    solver = Solver(three_layer_net(), small_data, num_epochs=2, batch_size=25,
                    checkpoint_name=name, verbose=False, seed=0)
    solver.train()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["ckpt_epoch_0.pkl", "ckpt_epoch_1.pkl", "ckpt_epoch_2.pkl"]
    with open(tmp_path / "ckpt_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2 and checkpoint["update_rule"] == "sgd"
    assert checkpoint["loss_history"] == solver.loss_history
    assert set(checkpoint["model"].params) == set(solver.model.params)
    assert checkpoint["stop_reason"] is None


def test_verbose_prints_progress(small_data, capsys) -> None:
    Solver(three_layer_net(), small_data, num_epochs=1, batch_size=25, print_every=1,
           seed=0).train()
    out = capsys.readouterr().out
    assert "(Iteration 1 / 2) loss:" in out and "(Epoch 1 / 1) train acc:" in out
    Solver(three_layer_net(), small_data, num_epochs=1, batch_size=25, verbose=False).train()
    assert capsys.readouterr().out == ""


@task(STEP)
def test_progress_bar_when_verbose_and_quiet_under_autograde(small_data, capsys,
                                                             monkeypatch) -> None:
    # The bar (tqdm.auto: a widget in a notebook, text on stderr in a shell) carries
    # the loss and the accuracies; printed lines still go to stdout.
    if os.environ.get("TQDM_DISABLE"):
        pytest.skip("TQDM_DISABLE (tqdm's own switch) turns every progress bar off")
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    Solver(three_layer_net(), small_data, num_epochs=2, batch_size=25, print_every=1,
           seed=0).train()
    captured = capsys.readouterr()
    assert "4/4" in captured.err
    assert "loss=" in captured.err and "train_acc=" in captured.err and "val_acc=" in captured.err
    assert "(Iteration 1 / 4) loss:" in captured.out and "(Epoch 2 / 2)" in captured.out

    # Under nbgrader autograde nothing reaches stderr (it would cost the cell its points).
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    Solver(three_layer_net(), small_data, num_epochs=2, batch_size=25, seed=0).train()
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "(Epoch 2 / 2)" in captured.out

    monkeypatch.delenv("NBGRADER_EXECUTION")
    Solver(three_layer_net(), small_data, num_epochs=1, batch_size=25, verbose=False,
           seed=0).train()
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(learning_rate=1e-3), "unrecognized arguments: learning_rate"),
        (dict(update_rule="adamw"), "invalid update_rule"),
        (dict(update_rule="step_decay"), "invalid update_rule"),  # a schedule, not a rule
        (dict(lr_decay=0.9, lr_schedule=lambda lr0, e: lr0), "not both"),
        (dict(explosion_factor=0), "explosion_factor"),
    ],
)
def test_invalid_arguments_raise(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        Solver(ScriptedModel([1.0]), toy_data(), **kwargs)


def test_missing_data_raises() -> None:
    data = toy_data()
    del data["y_val"]
    with pytest.raises(ValueError, match="y_val"):
        Solver(ScriptedModel([1.0]), data)
