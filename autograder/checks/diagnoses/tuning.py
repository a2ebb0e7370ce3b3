"""Likely mistakes of the model-quality tasks (see ``rules``).

Their checks say what was measured; these rows name the usual cause of a model that
was not trained or trained badly.
"""

from cs231n_core.check.diagnoses.rules import Diagnosis as D
from cs231n_core.check.diagnoses.rules import all_of, failed, passed, said

_COMMON = (
    D(said("hyperparameters", "over the budget"),
      "the network is larger than the budget allows: fewer or narrower hidden layers"),
    D(said("hyperparameters", "unknown key"),
      "a key the grader does not know: spell it as in tuning.DEFAULTS"),
    D(said("hyperparameters", "must be"),
      "a hyperparameter outside its range or of the wrong type: see tuning.RANGES"),
)

TABLE: dict[str, tuple[D, ...]] = {
    "tuning.best_hyperparameters": (
        *_COMMON,
        D(all_of(passed("hyperparameters"), failed("accuracy >= 0.40")),
          "the model barely learns in five epochs: the learning rate is probably far too "
          "small or too large for this update rule"),
    ),
    "tuning.ensemble_hyperparameters": (
        *_COMMON,
        D(failed("beats its best member"),
          "the members make the same mistakes: averaging only helps members that differ"),
    ),
}
