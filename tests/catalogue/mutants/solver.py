"""Mutants and correct alternatives of the Solver: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant

MUTANTS: list[Mutant] = [
    Mutant(
        "solver: step does not store the config the rule returns",
        "solver.Solver._step",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                self.loss_history.append(float(loss))
                old_params = dict(self.model.params)
                for name, w in old_params.items():
                    next_w, next_config = self.update_rule(
                        w, grads[name], self.optim_configs[name]
                    )
                    self.model.params[name] = next_w
                    # bug: no `self.optim_configs[name] = next_config`
                self._record_update_ratios(old_params, self.model.params)


            Solver._step = _step
        """,
    ),
    Mutant(
        "solver: step does not append the loss",
        "solver.Solver._step",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                # bug: no `self.loss_history.append(float(loss))`
                old_params = dict(self.model.params)
                for name, w in old_params.items():
                    next_w, next_config = self.update_rule(
                        w, grads[name], self.optim_configs[name]
                    )
                    self.model.params[name] = next_w
                    self.optim_configs[name] = next_config
                self._record_update_ratios(old_params, self.model.params)


            Solver._step = _step
        """,
    ),
    Mutant(
        "solver: step climbs the gradient",
        "solver.Solver._step",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                self.loss_history.append(float(loss))
                old_params = dict(self.model.params)
                for name, w in old_params.items():
                    next_w, next_config = self.update_rule(
                        w, -grads[name], self.optim_configs[name]
                    )  # bug
                    self.model.params[name] = next_w
                    self.optim_configs[name] = next_config
                self._record_update_ratios(old_params, self.model.params)


            Solver._step = _step
        """,
    ),
    Mutant(
        "solver: step gives every parameter the template config",
        "solver.Solver._step",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                self.loss_history.append(float(loss))
                old_params = dict(self.model.params)
                for name, w in old_params.items():
                    next_w, next_config = self.update_rule(
                        w, grads[name], self.optim_config
                    )  # bug
                    self.model.params[name] = next_w
                    self.optim_configs[name] = next_config
                self._record_update_ratios(old_params, self.model.params)


            Solver._step = _step
        """,
    ),
    Mutant(
        "solver: step leaves the new weights out of the model",
        "solver.Solver._step",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                self.loss_history.append(float(loss))
                new_params = {}  # bug
                for name, w in self.model.params.items():  # bug
                    next_w, next_config = self.update_rule(
                        w, grads[name], self.optim_configs[name]
                    )
                    new_params[name] = next_w  # bug
                    self.optim_configs[name] = next_config
                self._record_update_ratios(self.model.params, new_params)  # bug


            Solver._step = _step
        """,
    ),
    Mutant(
        "solver: step keeps the old parameters by reference (ratios see new for old)",
        "solver.Solver._step",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                self.loss_history.append(float(loss))
                old_params = self.model.params  # bug
                for name, w in old_params.items():
                    next_w, next_config = self.update_rule(
                        w, grads[name], self.optim_configs[name]
                    )
                    self.model.params[name] = next_w
                    self.optim_configs[name] = next_config
                self._record_update_ratios(old_params, self.model.params)


            Solver._step = _step
        """,
    ),
    Mutant(
        "solver: accuracy as a count instead of a fraction",
        "solver.Solver.check_accuracy",
        r"""
            def _check_accuracy(self, X, y, num_samples=None, batch_size=100):
                N = X.shape[0]
                if N == 0:
                    raise ValueError("check_accuracy needs at least one example")
                if num_samples is not None and N > num_samples:
                    idx = self.rng.choice(N, num_samples, replace=False)
                    N, X, y = (num_samples, X[idx], y[idx])
                y_pred = np.empty(N, dtype=np.intp)
                for start in range(0, N, batch_size):
                    scores = self.model.loss(X[start : start + batch_size])
                    y_pred[start : start + batch_size] = np.argmax(scores, axis=1)
                acc = float(np.sum(y_pred == y))  # bug
                return acc


            Solver.check_accuracy = _check_accuracy
        """,
    ),
    Mutant(
        "solver: accuracy batches sliced up to batch_size instead of start + batch_size",
        "solver.Solver.check_accuracy",
        r"""
            def _check_accuracy(self, X, y, num_samples=None, batch_size=100):
                N = X.shape[0]
                if N == 0:
                    raise ValueError("check_accuracy needs at least one example")
                if num_samples is not None and N > num_samples:
                    idx = self.rng.choice(N, num_samples, replace=False)
                    N, X, y = (num_samples, X[idx], y[idx])
                y_pred = np.empty(N, dtype=np.intp)
                for start in range(0, N, batch_size):
                    scores = self.model.loss(X[start:batch_size])  # bug
                    y_pred[start : start + batch_size] = np.argmax(scores, axis=1)
                acc = float(np.mean(y_pred == y))
                return acc


            Solver.check_accuracy = _check_accuracy
        """,
    ),
    Mutant(
        "solver: accuracy predicts the whole set in one call",
        "solver.Solver.check_accuracy",
        r"""
            def _check_accuracy(self, X, y, num_samples=None, batch_size=100):
                N = X.shape[0]
                if N == 0:
                    raise ValueError("check_accuracy needs at least one example")
                if num_samples is not None and N > num_samples:
                    idx = self.rng.choice(N, num_samples, replace=False)
                    N, X, y = (num_samples, X[idx], y[idx])
                y_pred = np.empty(N, dtype=np.intp)
                y_pred[:] = np.argmax(self.model.loss(X), axis=1)  # bug
                acc = float(np.mean(y_pred == y))
                return acc


            Solver.check_accuracy = _check_accuracy
        """,
    ),
    Mutant(
        "solver: divergence stops at exactly explosion_factor x the first loss",
        "solver.Solver._check_divergence",
        r"""
            def _check_divergence(self, loss):
                reason = None
                first = self.loss_history[0] if self.loss_history else loss
                if not math.isfinite(loss):
                    reason = (
                        f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
                    )
                elif (
                    self.explosion_factor is not None and loss >= self.explosion_factor * first
                ):  # bug
                    reason = (
                        f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, "
                        f"more than {self.explosion_factor:g} x the first loss {first:.4g}"
                    )
                if reason is None:
                    return False
                self.stop_reason = reason
                return True


            Solver._check_divergence = _check_divergence
        """,
    ),
    Mutant(
        "solver: divergence compares with the latest loss instead of the first",
        "solver.Solver._check_divergence",
        r"""
            def _check_divergence(self, loss):
                reason = None
                first = self.loss_history[-1] if self.loss_history else loss  # bug
                if not math.isfinite(loss):
                    reason = (
                        f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
                    )
                elif self.explosion_factor is not None and loss > self.explosion_factor * first:
                    reason = (
                        f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, "
                        f"more than {self.explosion_factor:g} x the first loss {first:.4g}"
                    )
                if reason is None:
                    return False
                self.stop_reason = reason
                return True


            Solver._check_divergence = _check_divergence
        """,
    ),
    Mutant(
        "solver: divergence misses a NaN loss",
        "solver.Solver._check_divergence",
        r"""
            def _check_divergence(self, loss):
                reason = None
                first = self.loss_history[0] if self.loss_history else loss
                if math.isinf(loss):  # bug
                    reason = (
                        f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
                    )
                elif self.explosion_factor is not None and loss > self.explosion_factor * first:
                    reason = (
                        f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, "
                        f"more than {self.explosion_factor:g} x the first loss {first:.4g}"
                    )
                if reason is None:
                    return False
                self.stop_reason = reason
                return True


            Solver._check_divergence = _check_divergence
        """,
    ),
    Mutant(
        "solver: divergence fails on an empty loss history",
        "solver.Solver._check_divergence",
        r"""
            def _check_divergence(self, loss):
                reason = None
                first = self.loss_history[0]  # bug
                if not math.isfinite(loss):
                    reason = (
                        f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
                    )
                elif self.explosion_factor is not None and loss > self.explosion_factor * first:
                    reason = (
                        f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, "
                        f"more than {self.explosion_factor:g} x the first loss {first:.4g}"
                    )
                if reason is None:
                    return False
                self.stop_reason = reason
                return True


            Solver._check_divergence = _check_divergence
        """,
    ),
    Mutant(
        "solver: divergence ignores explosion_factor=None",
        "solver.Solver._check_divergence",
        r"""
            def _check_divergence(self, loss):
                reason = None
                first = self.loss_history[0] if self.loss_history else loss
                if not math.isfinite(loss):
                    reason = (
                        f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
                    )
                elif loss > (self.explosion_factor or 3.0) * first:  # bug
                    reason = (
                        f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, "
                        f"more than {self.explosion_factor:g} x the first loss {first:.4g}"
                    )
                if reason is None:
                    return False
                self.stop_reason = reason
                return True


            Solver._check_divergence = _check_divergence
        """,
    ),
    Mutant(
        "solver: update ratio uses the norm of the new weights instead of the update",
        "solver.Solver._record_update_ratios",
        r"""
            def _record_update_ratios(self, old_params, new_params):
                for name, new in new_params.items():
                    old = old_params[name]
                    w_norm = float(np.linalg.norm(old))
                    update_norm = float(np.linalg.norm(new))  # bug
                    ratio = update_norm / w_norm if w_norm > 0 else math.nan
                    self.update_ratio_history.setdefault(name, []).append(ratio)


            Solver._record_update_ratios = _record_update_ratios
        """,
    ),
    Mutant(
        "solver: update ratio without the norm (sum of the update)",
        "solver.Solver._record_update_ratios",
        r"""
            def _record_update_ratios(self, old_params, new_params):
                for name, new in new_params.items():
                    old = old_params[name]
                    w_norm = float(np.linalg.norm(old))
                    update_norm = float(np.abs(np.sum(new - old)))  # bug
                    ratio = update_norm / w_norm if w_norm > 0 else math.nan
                    self.update_ratio_history.setdefault(name, []).append(ratio)


            Solver._record_update_ratios = _record_update_ratios
        """,
    ),
    Mutant(
        "solver: update ratio history overwritten instead of appended",
        "solver.Solver._record_update_ratios",
        r"""
            def _record_update_ratios(self, old_params, new_params):
                for name, new in new_params.items():
                    old = old_params[name]
                    w_norm = float(np.linalg.norm(old))
                    update_norm = float(np.linalg.norm(new - old))
                    ratio = update_norm / w_norm if w_norm > 0 else math.nan
                    self.update_ratio_history[name] = [ratio]  # bug


            Solver._record_update_ratios = _record_update_ratios
        """,
    ),
    Mutant(
        "solver: update ratio 0 instead of NaN for all-zero weights",
        "solver.Solver._record_update_ratios",
        r"""
            def _record_update_ratios(self, old_params, new_params):
                for name, new in new_params.items():
                    old = old_params[name]
                    w_norm = float(np.linalg.norm(old))
                    update_norm = float(np.linalg.norm(new - old))
                    ratio = update_norm / w_norm if w_norm > 0 else 0.0  # bug
                    self.update_ratio_history.setdefault(name, []).append(ratio)


            Solver._record_update_ratios = _record_update_ratios
        """,
    ),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "solver: step builds a new params dict and passes config by keyword",
        "solver",
        r"""
            def _step(self):
                X_batch, y_batch = self._sample_batch()
                loss, grads = self.model.loss(X_batch, y_batch)
                self.loss_history.append(float(loss))
                old_params = self.model.params
                new_params = {}
                for name in old_params:
                    new_params[name], self.optim_configs[name] = self.update_rule(
                        old_params[name], grads[name], config=self.optim_configs[name]
                    )
                self.model.params = new_params
                self._record_update_ratios(old_params=old_params, new_params=new_params)


            Solver._step = _step
        """,
    ),
    Alternative(
        "solver: accuracy from concatenated batch predictions",
        "solver",
        r"""
            def _check_accuracy(self, X, y, num_samples=None, batch_size=100):
                N = X.shape[0]
                if N == 0:
                    raise ValueError("check_accuracy needs at least one example")
                if num_samples is not None and N > num_samples:
                    idx = self.rng.choice(N, num_samples, replace=False)
                    N, X, y = (num_samples, X[idx], y[idx])
                preds = [
                    np.argmax(self.model.loss(X[i : i + batch_size]), axis=1)
                    for i in range(0, N, batch_size)
                ]
                acc = np.sum(np.concatenate(preds) == y) / N
                return acc


            Solver.check_accuracy = _check_accuracy
        """,
    ),
    Alternative(
        "solver: divergence with np.isnan / np.isinf and a division",
        "solver",
        r"""
            def _check_divergence(self, loss):
                reason = None
                first = self.loss_history[0] if self.loss_history else loss
                if np.isnan(loss) or np.isinf(loss):
                    reason = (
                        f"loss is {loss} (non-finite) at iteration {len(self.loss_history)}"
                    )
                elif self.explosion_factor is not None and loss > self.explosion_factor * first:
                    reason = (
                        f"loss exploded to {loss:.4g} at iteration {len(self.loss_history)}, "
                        f"more than {self.explosion_factor:g} x the first loss {first:.4g}"
                    )
                if reason is None:
                    return False
                self.stop_reason = reason
                return True


            Solver._check_divergence = _check_divergence
        """,
    ),
    Alternative(
        "solver: update ratio with explicit square roots of sums",
        "solver",
        r"""
            def _record_update_ratios(self, old_params, new_params):
                for name, new in new_params.items():
                    old = old_params[name]
                    w_norm = float(np.sqrt(np.sum(old * old)))
                    update_norm = float(np.sqrt(np.sum((new - old) ** 2)))
                    ratio = update_norm / w_norm if w_norm > 0 else math.nan
                    self.update_ratio_history.setdefault(name, []).append(ratio)


            Solver._record_update_ratios = _record_update_ratios
        """,
    ),
]
