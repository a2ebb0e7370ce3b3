"""Likely mistakes of the ``solver`` tasks that read the hidden checks' own messages.

The rows that only compare answers are the self-check's too
(``cs231n_core/check/diagnoses/solver.py``); each task's rows here keep their order
among them.
"""

from cs231n_core.check.diagnoses import solver as public
from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import (
    all_of,
    any_of,
    failed,
    passed,
    raised,
    said,
)

TABLE: dict[str, tuple[D, ...]] = {
    **public.TABLE,
    "solver.Solver._step": (
        D(said("loss history", "0 entries"), "the step's loss is not appended to loss_history"),
        D(said("update ratios", "from before the update"),
          "the old parameters are kept by reference, so the ratios compare the new weights "
          "with themselves: keep copies (or the arrays) from before the update"),
        D(all_of(failed("parameters"), said("parameters", "'sgd'"), failed("optimizer configs")),
          "the step climbs the gradient: the update rule receives dw as it is"),
        D(all_of(failed("parameters"), failed("optimizer configs")),
          "every parameter gets the same template config: each needs its own "
          "self.optim_configs[p]"),
        D(all_of(failed("parameters"), passed("optimizer configs")),
          "the new weights are not stored in self.model.params"),
        D(failed("optimizer configs"),
          "the config the update rule returns is not stored back in self.optim_configs[p]"),
    ),
    "solver.Solver.check_accuracy": (
        D(said("accuracy", "is wrong"),
          "the accuracy is a count: divide the number of correct predictions by N"),
        D(raised("array of size 0"),
          "the model got an empty batch: slice X[start:start + batch_size]"),
        D(said("batches", "1 batches"),
          "the whole set is predicted in one call: predict batch_size examples at a time"),
    ),
    "solver.Solver._check_divergence": (
        D(said("threshold", "exactly explosion_factor"),
          "the comparison is >=: only a loss greater than explosion_factor x the first stops"),
        D(said("non-finite loss", "NaN"), "a NaN loss does not stop training: test for it"),
        D(any_of(all_of(failed("exploding loss"), said("exploding loss", "explosion_factor=None")),
                 raised("explosion_factor=None")),
          "explosion_factor=None is not handled: then only a non-finite loss stops training"),
        D(said("exploding loss", "did not stop"),
          "the loss is compared with the latest loss: compare with the first"),
        D(raised("empty loss history"),
          "an empty loss history is not handled: there is no first loss yet"),
    ),
    "solver.Solver._record_update_ratios": (
        D(said("history kept", "append"), "the history is overwritten: append one ratio per call"),
        D(said("zero weights", "NaN"), "all-zero weights have no ratio: record NaN"),
        D(said("ratios", "is wrong"),
          "the ratio is norm(new - old) / norm(old) with Frobenius norms of the update and of "
          "the old weights"),
    ),
}
