"""A Solver that trains classification models with minibatch gradient descent.

It also does the babysitting the lecture asks for: it watches the loss and stops
early when training diverges (the loss becomes NaN/inf or grows past
``explosion_factor`` times the first loss), and it records, for every parameter,
the ratio of each update's norm to the weights' norm (which should sit around
1e-3).

A model is any object with
- ``model.params``: a dict of parameter name -> numpy array
- ``model.loss(X, y)``: the loss and a dict of gradients (same keys as params)
  when y is given; the class scores of shape (N, C) when y is None (test mode)

Example::

    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = FullyConnectedNet([100, 100], input_dim=40, num_classes=10)
    solver = Solver(model, data, update_rule="adam",
                    optim_config={"learning_rate": 1e-3},
                    lr_schedule=functools.partial(optim.step_decay, drop=0.5, every=5),
                    num_epochs=10, batch_size=100, print_every=100, seed=0)
    solver.train()
    # model.params now holds the parameters with the best validation accuracy;
    # solver.loss_history, solver.train_acc_history, solver.val_acc_history and
    # solver.update_ratio_history are ready to plot.
"""

from __future__ import annotations

import math
import os
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np

from . import optim

UPDATE_RULES: tuple[str, ...] = (
    "sgd", "sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam",
)


class Solver:
    """Trains a model on a labelled data set with one of the update rules of ``optim``.

    Construct it with the model, the data and the options, call ``train()``, then
    read the histories. On return from ``train()`` the model holds the parameters
    that reached the best validation accuracy.

    Attributes after train():
    - loss_history: the minibatch loss of every iteration
    - train_acc_history, val_acc_history: accuracies at the first iteration, at
      the end of every epoch and at the last iteration
    - best_val_acc, best_params: the best validation accuracy and a copy of the
      parameters that reached it
    - update_ratio_history: dict of parameter name -> list, one entry per
      iteration: norm(update) / norm(weights before the update)
    - stop_reason: None when training ran all its epochs; otherwise a sentence
      saying why it stopped early
    - stopped_early: True when training stopped because it diverged
    - epoch: the number of epochs completed
    """

    def __init__(self, model: Any, data: dict[str, np.ndarray], **kwargs: Any) -> None:
        """Set up a solver.

        Inputs:
        - model: an object with `params` and `loss(X, y=None)` as described in
          the module docstring
        - data: dict with 'X_train' (N_train, d_1, ..., d_k), 'y_train' (N_train,),
          'X_val' (N_val, d_1, ..., d_k) and 'y_val' (N_val,)

        Optional keyword arguments:
        - update_rule: name of an update rule in `optim` (default 'sgd')
        - optim_config: dict of hyperparameters for the update rule, e.g.
          {'learning_rate': 1e-3}; every parameter gets its own copy
        - lr_decay: multiply the learning rate by this after each epoch (default 1.0)
        - lr_schedule: a function (lr0, epoch) -> learning rate, applied at the end
          of each epoch instead of lr_decay (lr0 is the rate of the first epoch,
          epoch the number of epochs completed); e.g.
          functools.partial(optim.cosine_decay, total=10)
        - explosion_factor: stop early when the loss exceeds this many times the
          first loss (default 3.0; None checks only for NaN/inf)
        - batch_size: minibatch size (default 100)
        - num_epochs: number of epochs to train (default 10)
        - num_train_samples: training examples used to measure training accuracy
          (default 1000; None means all)
        - num_val_samples: validation examples used to measure validation accuracy
          (default None: all)
        - checkpoint_name: if given, pickle a checkpoint to
          '<checkpoint_name>_epoch_<epoch>.pkl' at every accuracy check
        - print_every: print the loss every this many iterations (default 10)
        - verbose: print progress and show a progress bar with the loss and the
          accuracies (default True); the bar stays off under nbgrader autograde
          (NBGRADER_EXECUTION set) and when TQDM_DISABLE=1 is set
        - seed: seed of self.rng, which draws the minibatches and the accuracy
          subsamples (default None: not reproducible)

        Raises ValueError for an unknown keyword argument or update rule.
        """
        self.model = model
        missing = {"X_train", "y_train", "X_val", "y_val"} - set(data)
        if missing:
            raise ValueError(f"data is missing {sorted(missing)}")
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config: dict[str, Any] = dict(kwargs.pop("optim_config", {}))
        self.lr_decay: float = kwargs.pop("lr_decay", 1.0)
        self.lr_schedule: Callable[[float, int], float] | None = kwargs.pop("lr_schedule", None)
        self.explosion_factor: float | None = kwargs.pop("explosion_factor", 3.0)
        self.batch_size: int = kwargs.pop("batch_size", 100)
        self.num_epochs: int = kwargs.pop("num_epochs", 10)
        self.num_train_samples: int | None = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples: int | None = kwargs.pop("num_val_samples", None)
        self.checkpoint_name: str | None = kwargs.pop("checkpoint_name", None)
        self.print_every: int = kwargs.pop("print_every", 10)
        self.verbose: bool = kwargs.pop("verbose", True)
        self.seed: int | None = kwargs.pop("seed", None)

        if kwargs:
            raise ValueError(f"unrecognized arguments: {', '.join(sorted(kwargs))}")
        if update_rule not in UPDATE_RULES:
            raise ValueError(f"invalid update_rule {update_rule!r}; use one of {UPDATE_RULES}")
        if self.lr_schedule is not None and self.lr_decay != 1.0:
            raise ValueError("give either lr_schedule or lr_decay, not both")
        if self.explosion_factor is not None and not self.explosion_factor > 0:
            raise ValueError(f"explosion_factor must be positive, got {self.explosion_factor}")
        if self.batch_size < 1 or self.print_every < 1:
            raise ValueError("batch_size and print_every must be at least 1")
        self.update_rule_name: str = update_rule
        self.update_rule: Callable[..., tuple[np.ndarray, dict[str, Any]]] = getattr(
            optim, update_rule
        )
        self.rng = np.random.default_rng(self.seed)

        self._reset()

    def _reset(self) -> None:
        """Reset the bookkeeping (histories, per-parameter optimizer configs)."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params: dict[str, np.ndarray] = {}
        self.loss_history: list[float] = []
        self.train_acc_history: list[float] = []
        self.val_acc_history: list[float] = []
        self.update_ratio_history: dict[str, list[float]] = {p: [] for p in self.model.params}
        self.stop_reason: str | None = None
        self.stopped_early = False
        # Each parameter keeps its own config: the rules store per-array state in it.
        self.optim_configs: dict[str, dict[str, Any]] = {
            p: dict(self.optim_config) for p in self.model.params
        }
        self._initial_lrs: dict[str, float] = {}

    def _sample_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """Draw a minibatch of batch_size training examples (with replacement) from self.rng.

        Returns a tuple of:
        - X_batch: of shape (batch_size, d_1, ..., d_k)
        - y_batch: of shape (batch_size,)
        """
        idx = self.rng.choice(self.X_train.shape[0], self.batch_size)
        return self.X_train[idx], self.y_train[idx]

    def _step(self) -> None:
        """Make one gradient update on a minibatch from self._sample_batch().

        Computes the loss and gradients on the minibatch, appends the loss (as a
        Python float) to self.loss_history, updates every parameter of the model
        with self.update_rule and that parameter's own config in
        self.optim_configs (storing the config the rule returns), and finally
        calls self._record_update_ratios with the parameters before and after.
        """
        X_batch, y_batch = self._sample_batch()
        # TODO: model.loss gives the loss and the gradients; the update rule
        # returns (next_w, next_config). Keep copies of the old arrays for the
        # ratios: an update rule may update w in place.
        ### BEGIN SOLUTION
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(float(loss))
        old_params = {name: w.copy() for name, w in self.model.params.items()}
        for name, w in list(self.model.params.items()):
            next_w, next_config = self.update_rule(w, grads[name], self.optim_configs[name])
            self.model.params[name] = next_w
            self.optim_configs[name] = next_config
        self._record_update_ratios(old_params, self.model.params)
        ### END SOLUTION

    def _record_update_ratios(
        self, old_params: dict[str, np.ndarray], new_params: dict[str, np.ndarray]
    ) -> None:
        """Append each parameter's update/weight ratio to self.update_ratio_history.

        For each name in new_params, the ratio is norm(new - old) / norm(old)
        with the Frobenius (flattened L2) norm, appended as a Python float to
        self.update_ratio_history[name] (a new list when the name is not there
        yet). It is NaN when old is all zeros (e.g. biases before their first
        update), where the ratio is undefined.

        Inputs:
        - old_params: dict of name -> array, the parameters before the update
        - new_params: dict of name -> array, the parameters after the update
          (same keys and shapes)
        """
        # TODO: the lecture wants this ratio near 1e-3: much smaller means the
        # learning rate is too low, much larger that it is too high.
        ### BEGIN SOLUTION
        for name, new in new_params.items():
            old = old_params[name]
            w_norm = float(np.linalg.norm(old))
            update_norm = float(np.linalg.norm(new - old))
            ratio = update_norm / w_norm if w_norm > 0 else math.nan
            self.update_ratio_history.setdefault(name, []).append(ratio)
        ### END SOLUTION

    def _check_divergence(self, loss: float) -> bool:
        """Decide whether training has diverged, given the latest loss.

        Training has diverged when the loss is NaN or infinite, or when
        explosion_factor is not None and the loss is greater than
        explosion_factor times the first loss of training (self.loss_history[0];
        the loss itself when the history is empty).

        Inputs:
        - loss: the latest minibatch loss

        Returns:
        - True if training has diverged, and then self.stop_reason holds a short
          sentence with the cause (non-finite loss, or exploding loss with its
          value and the threshold); False otherwise, leaving self.stop_reason
          unchanged.
        """
        # TODO: set `reason` to a sentence when the loss is NaN/inf or explodes.
        ### BEGIN SOLUTION
        reason: str | None = None
        first = self.loss_history[0] if self.loss_history else loss
        if not math.isfinite(loss):
            reason = f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
        elif self.explosion_factor is not None and loss > self.explosion_factor * first:
            reason = (
                f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, more than "
                f"{self.explosion_factor:g} x the first loss {first:.4g}"
            )
        ### END SOLUTION
        if reason is None:
            return False
        self.stop_reason = reason
        return True

    def _update_learning_rates(self) -> None:
        """At the end of an epoch, apply lr_schedule (or lr_decay) to every config."""
        if self.lr_schedule is None and self.lr_decay == 1.0:
            return
        for name, config in self.optim_configs.items():
            if self.lr_schedule is not None:
                lr0 = self._initial_lrs.setdefault(name, config["learning_rate"])
                config["learning_rate"] = float(self.lr_schedule(lr0, self.epoch))
            else:
                config["learning_rate"] *= self.lr_decay

    def _save_checkpoint(self) -> None:
        """Pickle the model and the training state, if checkpoint_name is set."""
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule_name,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
            "update_ratio_history": self.update_ratio_history,
            "stop_reason": self.stop_reason,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(
        self, X: np.ndarray, y: np.ndarray, num_samples: int | None = None, batch_size: int = 100
    ) -> float:
        """Classification accuracy of the model on the given data.

        Inputs:
        - X: data, of shape (N, d_1, ..., d_k)
        - y: labels, of shape (N,)
        - num_samples: if given and smaller than N, measure on that many examples
          drawn without replacement from self.rng
        - batch_size: predict this many examples at a time (bounds the memory used)

        Returns:
        - acc: the fraction of examples whose highest score is the true label,
          a Python float
        """
        N = X.shape[0]
        if N == 0:
            raise ValueError("check_accuracy needs at least one example")
        if num_samples is not None and N > num_samples:
            idx = self.rng.choice(N, num_samples, replace=False)
            N, X, y = num_samples, X[idx], y[idx]
        # TODO: model.loss(X_batch) (no labels) gives the scores in test mode.
        ### BEGIN SOLUTION
        y_pred = np.empty(N, dtype=np.intp)
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start : start + batch_size])
            y_pred[start : start + batch_size] = np.argmax(scores, axis=1)
        acc = float(np.mean(y_pred == y))
        ### END SOLUTION
        return acc

    def _progress_bar(self, total: int) -> Any:
        """A tqdm bar (notebook-aware) over the iterations, or None when quiet.

        Quiet means verbose=False, running under nbgrader autograde (where
        anything written to stderr would count against a cell), or TQDM_DISABLE=1
        (used when notebooks are run to store or compare their outputs).
        """
        if not self.verbose or os.environ.get("NBGRADER_EXECUTION"):
            return None
        if os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes"):
            return None  # tqdm's own switch (its notebook bar would not honour it)
        from tqdm.auto import tqdm  # imported here: only an interactive run needs it

        return tqdm(total=total, desc="training", unit="it", dynamic_ncols=True)

    def train(self) -> None:
        """Run the optimization, then leave the best parameters in the model.

        Stops early, with self.stop_reason and self.stopped_early set, when
        _check_divergence reports divergence.
        """
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        bar = self._progress_bar(num_iterations)
        status: dict[str, str] = {}

        def report(message: str) -> None:
            # tqdm.write keeps printed lines from tearing the bar apart.
            if bar is None:
                print(message)
            else:
                bar.write(message)

        try:
            for t in range(num_iterations):
                self._step()
                if bar is not None:
                    status["loss"] = f"{self.loss_history[-1]:.4g}"
                    bar.set_postfix(status, refresh=False)
                    bar.update(1)
                if self.verbose and t % self.print_every == 0:
                    report(f"(Iteration {t + 1} / {num_iterations}) "
                           f"loss: {self.loss_history[-1]:f}")

                if self._check_divergence(self.loss_history[-1]):
                    self.stopped_early = True
                    if self.verbose:
                        report(f"(Iteration {t + 1} / {num_iterations}) "
                               f"stopping: {self.stop_reason}")
                    break

                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    self._update_learning_rates()

                if t == 0 or t == num_iterations - 1 or epoch_end:
                    train_acc = self.check_accuracy(
                        self.X_train, self.y_train, num_samples=self.num_train_samples
                    )
                    val_acc = self.check_accuracy(
                        self.X_val, self.y_val, num_samples=self.num_val_samples
                    )
                    self.train_acc_history.append(train_acc)
                    self.val_acc_history.append(val_acc)
                    self._save_checkpoint()
                    if bar is not None:
                        status["train_acc"] = f"{train_acc:.3f}"
                        status["val_acc"] = f"{val_acc:.3f}"
                        bar.set_postfix(status)
                    if self.verbose:
                        report(
                            f"(Epoch {self.epoch} / {self.num_epochs}) "
                            f"train acc: {train_acc:f}; val_acc: {val_acc:f}"
                        )
                    if val_acc > self.best_val_acc or not self.best_params:
                        self.best_val_acc = val_acc
                        self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        finally:
            if bar is not None:
                bar.close()

        if self.best_params:
            self.model.params = dict(self.best_params)
