"""Mutants of the model-quality tasks: hyperparameters the grader must refuse or mark down."""

from autograder.mutation import Alternative, Mutant
from tests.catalogue.mutants._entries import one_edit

_mutant, _alternative = one_edit("tuning")

MUTANTS: list[Mutant] = [
    _mutant("best model wider than the weight budget", "best_hyperparameters",
        '[256, 256]', '[512, 256]',
        diagnosis="larger than the budget"),
    _mutant("best model with a learning rate far too small", "best_hyperparameters",
        '0.05', '1e-06',
        diagnosis="barely learns"),
    _mutant("ensemble with a misspelt key", "ensemble_hyperparameters",
        '"lr_decay"', '"learning_rate_decay"',
        diagnosis="a key the grader does not know"),
]

# Numbers given as numpy scalars are accepted: tests/grader/test_tuning.py checks that
# without training a model.
ALTERNATIVES: list[Alternative] = []
