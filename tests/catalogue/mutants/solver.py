"""Mutants and correct alternatives of the Solver: rewrites of its functions."""

from autograder.mutation import Alternative, Mutant, drop, patch, replace
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("solver")

# The step keeps copies of the weights before the update (a rule may update w in place).
_OLD_COPIES = "{name: w.copy() for name, w in self.model.params.items()}"

MUTANTS: list[Mutant] = [
    Mutant(
        "solver: step does not store the config the rule returns",
        "solver.Solver._step",
        drop("self.optim_configs[name] = next_config"),
        diagnosis="not stored back",
    ),
    Mutant(
        "solver: step does not append the loss",
        "solver.Solver._step",
        drop("self.loss_history.append(float(loss))"),
        diagnosis="not appended",
    ),
    _mutant("step climbs the gradient", "Solver._step", "grads[name]", "-grads[name]",
        diagnosis="climbs the gradient"),
    _mutant(
        "step gives every parameter the template config",
        "Solver._step",
        "self.update_rule(w, grads[name], self.optim_configs[name])",
        "self.update_rule(w, grads[name], self.optim_config)",
        diagnosis="template config",
    ),
    Mutant(
        "solver: step leaves the new weights out of the model",
        "solver.Solver._step",
        (
            replace(f"old_params = {_OLD_COPIES}", "new_params = {}"),
            replace("self.model.params[name]", "new_params[name]"),
            replace(
                "self._record_update_ratios(old_params, self.model.params)",
                "self._record_update_ratios(self.model.params, new_params)",
            ),
        ),
        diagnosis="not stored in self.model.params",
    ),
    _mutant("step keeps the old parameters by reference (ratios see new for old)", "Solver._step",
        _OLD_COPIES, "self.model.params",
        diagnosis="by reference"),
    _mutant("accuracy as a count instead of a fraction", "Solver.check_accuracy",
        "np.mean", "np.sum",
        diagnosis="is a count"),
    _mutant(
        "accuracy batches sliced up to batch_size instead of start + batch_size",
        "Solver.check_accuracy",
        "X[start:start + batch_size]",
        "X[start:batch_size]",
        diagnosis="empty batch",
    ),
    _mutant("accuracy predicts the whole set in one call", "Solver.check_accuracy",
        r"""
                for start in range(0, N, batch_size):
                    scores = self.model.loss(X[start:start + batch_size])
                    y_pred[start:start + batch_size] = np.argmax(scores, axis=1)
            """, "y_pred[:] = np.argmax(self.model.loss(X), axis=1)",
        diagnosis="one call"),
    Mutant(
        "solver: divergence stops at exactly explosion_factor x the first loss",
        "solver.Solver._check_divergence",
        (
            replace("reason: str | None = None", "reason = None"),
            replace(
                "loss > self.explosion_factor * first",
                "loss >= self.explosion_factor * first",
            ),
        ),
        diagnosis="only a loss greater",
    ),
    Mutant(
        "solver: divergence compares with the latest loss instead of the first",
        "solver.Solver._check_divergence",
        (
            replace("reason: str | None = None", "reason = None"),
            replace("0", "-1"),
        ),
        diagnosis="latest loss",
    ),
    Mutant(
        "solver: divergence misses a NaN loss",
        "solver.Solver._check_divergence",
        (
            replace("reason: str | None = None", "reason = None"),
            replace("not math.isfinite(loss)", "math.isinf(loss)"),
        ),
        diagnosis="NaN loss",
    ),
    Mutant(
        "solver: divergence fails on an empty loss history",
        "solver.Solver._check_divergence",
        (
            replace("reason: str | None = None", "reason = None"),
            replace("self.loss_history[0] if self.loss_history else loss", "self.loss_history[0]"),
        ),
        diagnosis="empty loss history",
    ),
    Mutant(
        "solver: divergence ignores explosion_factor=None",
        "solver.Solver._check_divergence",
        (
            replace("reason: str | None = None", "reason = None"),
            replace(
                "self.explosion_factor is not None and loss > self.explosion_factor * first",
                "loss > (self.explosion_factor or 3.0) * first",
            ),
        ),
        diagnosis="explosion_factor=None",
    ),
    _mutant(
        "update ratio uses the norm of the new weights instead of the update",
        "Solver._record_update_ratios",
        "new - old",
        "new",
        diagnosis="norm(new - old)",
    ),
    _mutant("update ratio without the norm (sum of the update)", "Solver._record_update_ratios",
        "np.linalg.norm(new - old)", "np.abs(np.sum(new - old))",
        diagnosis="norm(new - old)"),
    _mutant(
        "update ratio history overwritten instead of appended",
        "Solver._record_update_ratios",
        "self.update_ratio_history.setdefault(name, []).append(ratio)",
        "self.update_ratio_history[name] = [ratio]",
        diagnosis="overwritten",
    ),
    _mutant("update ratio 0 instead of NaN for all-zero weights", "Solver._record_update_ratios",
        "math.nan", "0.0",
        diagnosis="record NaN"),
]

ALTERNATIVES: list[Alternative] = [
    Alternative(
        "solver: step builds a new params dict and passes config by keyword",
        "solver",
        patch(
            "Solver._step",
            replace(f"old_params = {_OLD_COPIES}", r"""
                old_params = self.model.params
                new_params = {}
            """),
            replace(
                "self.update_rule(w, grads[name], self.optim_configs[name])",
                "self.update_rule(w, grads[name], config=self.optim_configs[name])",
            ),
            replace("self.model.params[name]", "new_params[name]"),
            replace("self._record_update_ratios(old_params, self.model.params)", r"""
                self.model.params = new_params
                self._record_update_ratios(old_params=old_params, new_params=new_params)
            """),
        ),
    ),
    Alternative(
        "solver: accuracy from concatenated batch predictions",
        "solver",
        patch(
            "Solver.check_accuracy",
            replace("np.empty(N, dtype=np.intp)", "[]"),
            replace(
                "y_pred[start:start + batch_size] = np.argmax(scores, axis=1)",
                "y_pred.append(np.argmax(scores, axis=1))",
            ),
            replace("float(np.mean(y_pred == y))", "np.sum(np.concatenate(y_pred) == y) / N"),
        ),
    ),
    Alternative(
        "solver: divergence with np.isnan / np.isinf and a division",
        "solver",
        patch(
            "Solver._check_divergence",
            replace("reason: str | None = None", "reason = None"),
            replace("not math.isfinite(loss)", "np.isnan(loss) or np.isinf(loss)"),
        ),
    ),
    Alternative(
        "solver: update ratio with explicit square roots of sums",
        "solver",
        patch(
            "Solver._record_update_ratios",
            replace("np.linalg.norm(old)", "np.sqrt(np.sum(old * old))"),
            replace("np.linalg.norm(new - old)", "np.sqrt(np.sum((new - old) ** 2))"),
        ),
    ),
]
