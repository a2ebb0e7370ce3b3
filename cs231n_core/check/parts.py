"""The parts of every task: one description shared by the self-check and the grader.

For each task id, its parts in the order feedback lists them. A part has

- weight: its share of the task's points in the graded check;
- tol: the tolerance of the graded check's comparisons for this part (the scaled
  error max|got - expected| / max|expected|) when a check does not set its own;
- modes: when not empty, the only modes (e.g. of batchnorm) in which the part is
  checked at all; a self-check of the part names one of them.

The self-check (``cs231n_core.check``) checks a subset of these parts under the same
names; the graded checks score every one. Its own tolerances are below: it compares
with stored answers on fixed inputs, so it can afford a stricter elementwise bound.

Provided whole: plain data, no inputs and no answers.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOL = 1e-6  # graded: scaled error of float64 answers
FLOAT32_TOL = 1e-4  # graded and self-check: an answer computed in float32
PUBLIC_TOL = 1e-7  # self-check: elementwise relative error against a stored float64 answer
GRAD_TOL = 1e-7  # self-check: relative error against centered differences
# self-check: a net with dropout; a float32 mask (1/p rounded) moves its answers by ~1e-7
MASK_TOL = 1e-5
PUBLIC_TOLERANCES = (PUBLIC_TOL, GRAD_TOL, FLOAT32_TOL, MASK_TOL)

TRAIN = ("train",)

# The model-quality tasks: held-out accuracy a trained model must reach for each of its
# accuracy parts (the notebooks state them; the grader measures examples only it holds).
BEST_MODEL_STEPS: tuple[float, ...] = (0.40, 0.45, 0.50, 0.55)
ENSEMBLE_STEPS: tuple[float, ...] = (0.50, 0.56)


def accuracy_part(threshold: float) -> str:
    """The name of the part a model earns by reaching this accuracy."""
    return f"accuracy >= {threshold:.2f}"


@dataclass(frozen=True)
class Part:
    """One scored part of a task (see the module docstring)."""

    weight: float
    tol: float = DEFAULT_TOL
    modes: tuple[str, ...] = ()


P = Part


@dataclass(frozen=True)
class Task:
    """One student task (the registry lists them; the self-check reads them from its data).

    id: ``<module>.<qualified name>`` of the function the student writes.
    points: the task's share of the grade.
    notebook: the notebook that introduces the task.
    """

    id: str
    points: float
    notebook: str

    @property
    def module(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def qualname(self) -> str:
        return self.id.split(".", 1)[1]


# Parts several tasks share (each task gets its own copy).
_RANDOM_INIT = {"shape": P(1.0), "distribution": P(2.0), "rng": P(1.0)}
_BN_BACKWARD = {
    "dx": P(2.0, modes=TRAIN),
    "dgamma": P(1.0, modes=TRAIN),
    "dbeta": P(1.0, modes=TRAIN),
}
_UPDATE_RULE = {
    "next_w": P(2.0),
    "state": P(1.0),
    "defaults": P(1.0),
    "inputs_unchanged": P(0.5),
}

PARTS: dict[str, dict[str, Part]] = {
    # ------------------------------------------------------------------ layers
    "layers.affine_forward": {"out": P(1.0)},
    "layers.affine_backward": {"dx": P(1.0), "dw": P(1.0), "db": P(1.0)},
    "layers.relu_forward": {"out": P(1.0)},
    "layers.relu_backward": {"dx": P(1.0)},
    "layers.leaky_relu_forward": {"out": P(1.0)},
    "layers.leaky_relu_backward": {"dx": P(1.0)},
    "layers.prelu_forward": {"out": P(1.0)},
    "layers.prelu_backward": {"dx": P(1.0), "dalpha": P(1.0)},
    "layers.elu_forward": {"out": P(1.0)},
    "layers.elu_backward": {"dx": P(1.0)},
    "layers.sigmoid_forward": {"out": P(1.0)},
    "layers.sigmoid_backward": {"dx": P(1.0)},
    "layers.tanh_forward": {"out": P(1.0)},
    "layers.tanh_backward": {"dx": P(1.0)},
    "layers.maxout_forward": {"out": P(1.0)},
    "layers.maxout_backward": {"dx": P(1.0), "dw": P(1.0), "db": P(1.0)},
    "layers.softmax_loss": {"loss": P(1.0), "dx": P(1.0)},
    "layers.svm_loss": {"loss": P(1.0), "dx": P(1.0)},
    # ------------------------------------------------------------------ preprocessing
    "preprocessing.MeanSubtraction.fit": {
        "image mean": P(2.0),
        "channel mean": P(2.0),
        "float32 data": P(1.0),
    },
    "preprocessing.MeanSubtraction.transform": {
        "image": P(2.0),
        "channel": P(2.0),
        "dtypes": P(0.5),
        "input unchanged": P(0.5),
    },
    "preprocessing.Standardization.fit": {"mean": P(1.0), "std": P(2.0), "float32 data": P(0.5)},
    "preprocessing.Standardization.transform": {
        "output": P(2.0),
        "dtypes": P(0.5),
        "input unchanged": P(0.5),
    },
    "preprocessing.PCAWhitening.fit": {
        "mean": P(0.5),
        "components": P(2.0),
        "sign convention": P(0.5),
        "explained variance": P(1.5),
    },
    "preprocessing.PCAWhitening.transform": {
        "projection": P(1.5),
        "whitened": P(2.0),
        "dtypes": P(0.5),
        "input unchanged": P(0.5),
    },
    # ------------------------------------------------------------------ initializers
    "initializers.zeros": {"zeros": P(1.0)},
    "initializers.gaussian": dict(_RANDOM_INIT),
    "initializers.xavier": dict(_RANDOM_INIT),
    "initializers.glorot_uniform": dict(_RANDOM_INIT),
    "initializers.he": dict(_RANDOM_INIT),
    "initializers.orthogonal": {
        "shape": P(1.0),
        "orthonormal": P(2.0),
        "random_signs": P(1.0),
        "rng": P(1.0),
    },
    "initializers.lsuv": {
        "unit_variance": P(1.5),
        "positive_multiple": P(0.5),
        "scale": P(1.0),
        "inputs_unchanged": P(0.5),
        "zero_variance": P(0.5),
        "float32": P(0.5),
    },
    # ------------------------------------------------------------------ classifiers
    "classifiers.FullyConnectedNet.__init__": {
        "names and shapes": P(1.0),
        "biases, gammas and betas": P(0.75),
        "PReLU slopes": P(0.5),
        "weight_scale": P(1.0),
        "weight_init": P(1.25),
        "seed": P(0.5),
    },
    "classifiers.FullyConnectedNet.loss": {
        "scores": P(2.0),
        "data loss": P(1.0),
        "L2 term": P(1.0),
        "dW": P(2.0),
        "db": P(1.0),
        "dgamma, dbeta": P(1.0),
        "dalpha": P(0.5),
    },
    # ------------------------------------------------------------------ normalization
    "normalization.batchnorm_forward": {
        "train output": P(3.0),
        "running statistics": P(2.0),
        "test output": P(2.0),
        "test mode keeps running statistics": P(1.0),
        "defaults": P(1.0),
        "float32": P(1.0),
        "bad mode": P(0.5),
    },
    "normalization.batchnorm_backward": dict(_BN_BACKWARD),
    "normalization.batchnorm_backward_alt": dict(_BN_BACKWARD),
    "normalization.layernorm_forward": {"out": P(3.0), "defaults": P(1.0), "float32": P(1.0)},
    "normalization.layernorm_backward": {"dx": P(2.0), "dgamma": P(1.0), "dbeta": P(1.0)},
    # ------------------------------------------------------------------ optim
    "optim.sgd_momentum": dict(_UPDATE_RULE),
    "optim.nesterov_momentum": dict(_UPDATE_RULE),
    "optim.adagrad": dict(_UPDATE_RULE),
    "optim.rmsprop": dict(_UPDATE_RULE),
    "optim.adam": dict(_UPDATE_RULE),
    "optim.step_decay": {"lr": P(1.0)},
    "optim.exponential_decay": {"lr": P(1.0)},
    "optim.inverse_time_decay": {"lr": P(1.0)},
    "optim.cosine_decay": {"decay": P(2.0), "after_total": P(1.0)},
    # ------------------------------------------------------------------ solver
    "solver.Solver._step": {
        "loss history": P(1.0),
        "parameters": P(2.0),
        "optimizer configs": P(1.5),
        "update ratios": P(1.0),
    },
    "solver.Solver.check_accuracy": {"accuracy": P(2.0), "batches": P(1.0)},
    "solver.Solver._check_divergence": {
        "non-finite loss": P(1.0),
        "exploding loss": P(1.0),
        "threshold": P(0.5),
        "normal loss": P(0.5),
        "stop reason": P(0.5),
    },
    "solver.Solver._record_update_ratios": {
        "ratios": P(2.0),
        "history kept": P(1.0),
        "zero weights": P(0.5),
    },
    # -------------------------------------------------------- tuning (notebook 05)
    "tuning.best_hyperparameters": {
        "hyperparameters": P(1.0),
        **{accuracy_part(t): P(1.0) for t in BEST_MODEL_STEPS},
    },
    # ------------------------------------------------------------------ layers
    "layers.dropout_forward": {
        "keep rate": P(1.0),
        "scaling": P(1.0),
        "test mode": P(1.0),
        "seed": P(1.0),
    },
    "layers.dropout_backward": {"train": P(2.0), "test": P(1.0)},
    # --------------------------------------------------------- tuning (notebook 06)
    "tuning.ensemble_hyperparameters": {
        "hyperparameters": P(1.0),
        "beats its best member": P(1.0),
        **{accuracy_part(t): P(1.0) for t in ENSEMBLE_STEPS},
    },
}


def weights(task_id: str) -> dict[str, float]:
    """The parts of a task with their weights, in order."""
    return {name: part.weight for name, part in PARTS[task_id].items()}
