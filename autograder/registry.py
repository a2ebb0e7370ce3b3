"""The task registry: the one list of every student task.

A task id is ``<module>.<function>`` or ``<module>.<Class>.<method>``, where
``<module>`` names a module of ``cs231n_core`` (and of ``autograder.reference``).
The stub generator, the grader, the notebooks, the docs and the tests all read
this list; nothing else enumerates tasks.
"""

from __future__ import annotations

from cs231n_core.check.parts import Task as Task  # the record is shared with the self-check

NOTEBOOKS: dict[str, str] = {
    "01_activations_preprocessing": "Activation functions and data preprocessing",
    "02_weight_initialization": "Weight initialisation",
    "03_normalization": "Batch and layer normalisation",
    "04_optimizers": "Optimisers and learning-rate schedules",
    "05_babysitting_hyperparameters": "Babysitting the learning process and hyperparameter search",
    "06_regularization_transfer": "Regularisation, ensembles and transfer learning",
}


def _tasks(notebook: str, *entries: tuple[str, float]) -> list[Task]:
    return [Task(id=i, points=p, notebook=notebook) for i, p in entries]


NB1, NB2, NB3, NB4, NB5, NB6 = NOTEBOOKS

TASKS: tuple[Task, ...] = tuple(
    _tasks(
        NB1,
        ("layers.affine_forward", 2),
        ("layers.affine_backward", 3),
        ("layers.relu_forward", 0.5),
        ("layers.relu_backward", 1),
        ("layers.leaky_relu_forward", 0.5),
        ("layers.leaky_relu_backward", 1),
        ("layers.prelu_forward", 1),
        ("layers.prelu_backward", 2),
        ("layers.elu_forward", 0.5),
        ("layers.elu_backward", 1),
        ("layers.sigmoid_forward", 1),
        ("layers.sigmoid_backward", 1),
        ("layers.tanh_forward", 0.5),
        ("layers.tanh_backward", 1),
        ("layers.maxout_forward", 2),
        ("layers.maxout_backward", 3),
        ("layers.softmax_loss", 3),
        ("layers.svm_loss", 2),
        ("preprocessing.MeanSubtraction.fit", 1),
        ("preprocessing.MeanSubtraction.transform", 0.5),
        ("preprocessing.Standardization.fit", 1),
        ("preprocessing.Standardization.transform", 0.5),
        ("preprocessing.PCAWhitening.fit", 2),
        ("preprocessing.PCAWhitening.transform", 1),
    )
    + _tasks(
        NB2,
        ("initializers.zeros", 1),
        ("initializers.gaussian", 1),
        ("initializers.xavier", 1),
        ("initializers.glorot_uniform", 1),
        ("initializers.he", 1),
        ("initializers.orthogonal", 2),
        ("initializers.lsuv", 3),
        ("classifiers.FullyConnectedNet.__init__", 3),
        ("classifiers.FullyConnectedNet.loss", 6),
    )
    + _tasks(
        NB3,
        ("normalization.batchnorm_forward", 4),
        ("normalization.batchnorm_backward", 4),
        ("normalization.batchnorm_backward_alt", 3),
        ("normalization.layernorm_forward", 2),
        ("normalization.layernorm_backward", 3),
    )
    + _tasks(
        NB4,
        ("optim.sgd_momentum", 2),
        ("optim.nesterov_momentum", 2),
        ("optim.adagrad", 2),
        ("optim.rmsprop", 2),
        ("optim.adam", 3),
        ("optim.step_decay", 1),
        ("optim.exponential_decay", 1),
        ("optim.inverse_time_decay", 1),
        ("optim.cosine_decay", 1),
    )
    + _tasks(
        NB5,
        ("solver.Solver._step", 3),
        ("solver.Solver.check_accuracy", 2),
        ("solver.Solver._check_divergence", 2),
        ("solver.Solver._record_update_ratios", 2),
        ("tuning.best_hyperparameters", 5),
    )
    + _tasks(
        NB6,
        ("layers.dropout_forward", 2),
        ("layers.dropout_backward", 1),
        ("tuning.ensemble_hyperparameters", 4),
    )
)

TASKS_BY_ID: dict[str, Task] = {t.id: t for t in TASKS}

# Modules of cs231n_core generated from autograder/reference (in registry order).
STUB_MODULES: tuple[str, ...] = tuple(dict.fromkeys(t.module for t in TASKS))


def get_task(task_id: str) -> Task:
    """Return the task with this id, or raise KeyError naming the known ids."""
    try:
        return TASKS_BY_ID[task_id]
    except KeyError:
        raise KeyError(f"unknown task id {task_id!r}; see autograder/registry.py") from None


def tasks_through(notebook: str) -> set[str]:
    """The ids of the tasks of this notebook and of every notebook before it.

    A student working through the notebooks in order has done these when they reach
    the end of ``notebook``; the tasks of later notebooks are still stubs.
    """
    order = list(NOTEBOOKS)
    last = order.index(notebook)  # ValueError for an unknown notebook
    return {t.id for t in TASKS if order.index(t.notebook) <= last}


def tasks_matching(pattern: str) -> list[Task]:
    """Tasks whose id equals ``pattern``, starts with ``pattern + '.'`` or contains it."""
    exact = [t for t in TASKS if t.id == pattern or t.id.startswith(pattern + ".")]
    return exact or [t for t in TASKS if pattern in t.id]
